// Package nodetest installs the npm packages a test runs (third-party
// checkers such as graphql-http's audit or the SARIF multitool) into a
// git-ignored cache under the repository, .cache/node/, one folder per set
// of exact versions, and runs node scripts against them.
//
// A test that needs a package fails, never skips, when node, npm or the
// registry is missing: the checks are part of the suite. The cache is
// filled once per machine; a second test process waits for the first
// through a rename, so a half-installed folder is never used.
package nodetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// Install makes sure the packages (name@exact-version) are installed and
// returns the folder holding their node_modules.
func Install(t testing.TB, packages ...string) string {
	t.Helper()
	dir, err := install(packages)
	if err != nil {
		t.Fatalf("install npm packages %s for this test: %v", strings.Join(packages, " "), err)
	}
	return dir
}

func install(packages []string) (string, error) {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", fmt.Errorf("%s is not installed (the test set-up needs Node.js and npm): %w", tool, err)
		}
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	sorted := append([]string(nil), packages...)
	sort.Strings(sorted)
	sum := sha256.Sum256([]byte(strings.Join(sorted, "\n")))
	dir := filepath.Join(root, ".cache", "node", hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(dir, "installed")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	// A package.json of its own, so npm installs here and not in a parent.
	if err := os.WriteFile(filepath.Join(tmp, "package.json"), []byte(`{"private": true}`), 0o644); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	args := append([]string{"install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error", "--prefix", tmp}, packages...)
	cmd := exec.CommandContext(ctx, "npm", args...)
	cmd.Dir = tmp
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm %s: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	if err := os.WriteFile(filepath.Join(tmp, "installed"), []byte(strings.Join(sorted, "\n")+"\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process installed the same set meanwhile: use its folder.
		if _, serr := os.Stat(filepath.Join(dir, "installed")); serr == nil {
			return dir, nil
		}
		return "", err
	}
	return dir, nil
}

// Node runs a node script (its text) in dir, with env ("KEY=VALUE") added
// to the environment, and returns its standard output; a failure carries
// its standard error.
func Node(t testing.TB, dir, script string, env ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "-e", script)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules")), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("node: %v\n%s", err, errOut.String())
	}
	return out.Bytes()
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// SARIFMultitool is the npm package of Microsoft's SARIF Multitool.
const SARIFMultitool = "@microsoft/sarif-multitool-linux@5.7.0"

// SARIFValidate runs `Sarif.Multitool validate` with the SARIF rules and
// GitHub's ingestion rules (--rule-kind "Sarif;Gh") on the log file and
// returns the findings it reports (its own SARIF output): rule id, level
// and message of each.
func SARIFValidate(t testing.TB, log string) []string {
	t.Helper()
	dir := Install(t, SARIFMultitool)
	tool := filepath.Join(dir, "node_modules", "@microsoft", "sarif-multitool-linux", "Sarif.Multitool")
	out := filepath.Join(t.TempDir(), "validation.sarif")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, "validate", "--rule-kind", "Sarif;Gh", "--level", "Error;Warning;Note", "--output", out, log)
	// The multitool is a .NET program: no ICU on a bare machine.
	cmd.Env = append(os.Environ(), "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1", "DOTNET_CLI_TELEMETRY_OPTOUT=1")
	var msgs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &msgs, &msgs
	_ = cmd.Run() // it exits non-zero when it finds something; the output says what
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("Sarif.Multitool validate wrote no report: %v\n%s", err, msgs.String())
	}
	var report struct {
		Runs []struct {
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string `json:"level"`
				Message struct {
					Text      string   `json:"text"`
					ID        string   `json:"id"`
					Arguments []string `json:"arguments"`
				} `json:"message"`
			} `json:"results"`
			Invocations []struct {
				ExecutionSuccessful bool `json:"executionSuccessful"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &report); err != nil {
		t.Fatalf("Sarif.Multitool report: %v\n%s", err, b)
	}
	var found []string
	for _, run := range report.Runs {
		for _, inv := range run.Invocations {
			if !inv.ExecutionSuccessful {
				t.Errorf("Sarif.Multitool validate did not run successfully:\n%s", msgs.String())
			}
		}
		for _, r := range run.Results {
			level := r.Level
			if level == "" {
				level = "warning"
			}
			found = append(found, fmt.Sprintf("%s %s: %s %s %v", r.RuleID, level, r.Message.Text, r.Message.ID, r.Message.Arguments))
		}
	}
	return found
}
