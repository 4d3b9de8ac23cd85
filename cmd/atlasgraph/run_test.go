package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
)

// runCLI runs the program as a user would, with env as its environment.
func runCLI(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

func testEnv(t *testing.T) map[string]string {
	t.Helper()
	cfg := neo4jtest.Config(t)
	return map[string]string{"NEO4J_URI": cfg.URI, "NEO4J_USERNAME": cfg.Username, "NEO4J_PASSWORD": cfg.Password, "NEO4J_DATABASE": cfg.Database, "CI": ""}
}

func shared(t *testing.T, rel string) string {
	t.Helper()
	p, err := rawatlas.Shared(rel)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUsageErrors(t *testing.T) {
	out, _, err := runCLI(t, nil)
	if err != nil || !strings.Contains(out, "Load an ATLAS release") || !strings.Contains(out, "atlasgraph [command] --help") {
		t.Errorf("no arguments: %v, %q", err, out)
	}
	_, _, err = runCLI(t, nil, "frobnicate")
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %v", err)
	}
	_, _, err = runCLI(t, nil, "diff", "only-one")
	if err == nil || exitCode(err) != 2 {
		t.Errorf("diff with one version: %v", err)
	}
	_, _, err = runCLI(t, map[string]string{"NEO4J_URI": "http://x"}, "releases")
	if err == nil || !strings.Contains(err.Error(), "NEO4J_URI") || !strings.Contains(err.Error(), "NEO4J_PASSWORD is empty") {
		t.Errorf("bad settings are not named: %v", err)
	}
}

func TestCheck(t *testing.T) {
	out, _, err := runCLI(t, nil, "check", shared(t, "atlas/v6/ATLAS-2026.05.yaml"))
	if err != nil || !strings.Contains(out, "ATLAS 2026.05 (v6 layout) is valid: 16 tactics, 170 techniques, 35 mitigations, 57 case studies, 449 steps") {
		t.Errorf("check 2026.05: %v, %q", err, out)
	}
	_, _, err = runCLI(t, nil, "check", "../../loader/testdata/invalid/dangling-tactic.yaml")
	if err == nil || !strings.Contains(err.Error(), `dangling-tactic.yaml:30:15: AML.T0051.001: achieves[0]: unknown tactic "AML.TA0099"`) {
		t.Errorf("check of a broken file: %v", err)
	}
}

func TestUnreachableNeo4j(t *testing.T) {
	env := map[string]string{"NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "x"}
	_, _, err := runCLI(t, env, "releases", "--neo4j-connect-timeout", "2s")
	if err == nil || !strings.Contains(err.Error(), "cannot reach Neo4j at bolt://127.0.0.1:1") || !strings.Contains(err.Error(), "make neo4j") {
		t.Errorf("unreachable Neo4j: %v", err)
	}
}

func TestWrongPassword(t *testing.T) {
	env := testEnv(t)
	env["NEO4J_PASSWORD"] = "not-the-password"
	_, _, err := runCLI(t, env, "releases")
	if err == nil || !strings.Contains(err.Error(), "NEO4J_PASSWORD") {
		t.Errorf("wrong password: %v", err)
	}
}

// TestLoadReleasesDiff drives the whole CLI against the real Neo4j, with
// upstream served from the shared files by a local HTTP server.
func TestLoadReleasesDiff(t *testing.T) {
	env := testEnv(t)
	neo4jtest.Store(t) // empty the database
	v6 := shared(t, "atlas/v6/ATLAS-2026.05.yaml")
	mux := http.NewServeMux()
	mux.HandleFunc("/dist/manifest.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("- release: '2026.05'\n  release-date: '2026-05-27'\n  versions:\n  - format-version: 6.0.0\n    path: v6/ATLAS-2026.05.yaml\n"))
	})
	mux.HandleFunc("/dist/v6/ATLAS-2026.05.yaml", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, v6) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	env["ATLASGRAPH_UPSTREAM"] = srv.URL + "/dist/"

	out, _, err := runCLI(t, env, "load")
	if err != nil || !strings.Contains(out, "ATLAS 2026.05 (v6) loaded: 16 tactics, 170 techniques") || !strings.Contains(out, "; current") {
		t.Fatalf("load from upstream: %v, %q", err, out)
	}
	out, _, err = runCLI(t, env, "load", "--release", "2026.05")
	if err != nil || !strings.Contains(out, "already loaded, unchanged") {
		t.Errorf("second load: %v, %q", err, out)
	}
	out, errOut, err := runCLI(t, env, "load", shared(t, "atlas/ATLAS-5.6.0.yaml"), "--no-current")
	if err != nil || strings.Contains(out, "current") {
		t.Fatalf("load 5.6.0: %v, %q", err, out)
	}
	if !strings.Contains(errOut, "warning:") {
		t.Errorf("5.6.0's repeated mitigation links gave no warning: %q", errOut)
	}
	_, _, err = runCLI(t, env, "load", "--quiet", shared(t, "atlas/ATLAS-4.5.0.yaml"), "--no-current")
	if err != nil {
		t.Fatal(err)
	}

	out, _, err = runCLI(t, env, "releases")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "CURRENT") {
		t.Fatalf("releases:\n%s", out)
	}
	for _, l := range lines[1:] {
		if strings.Contains(l, "2026.05") != strings.HasPrefix(l, "*") {
			t.Errorf("only 2026.05 should be marked current: %q", l)
		}
	}
	out, _, err = runCLI(t, env, "releases", "--json")
	var list []map[string]any
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 3 {
		t.Errorf("releases --json: %v, %q", err, out)
	}

	out, _, err = runCLI(t, env, "diff", "5.6.0", "2026.05")
	// The two files differ only in an apostrophe of one case-study name.
	want := "Case studies: 0 added, 0 removed, 1 renamed\n  ~ AML.CS0040 \"Hacking ChatGPT\u2019s Memories with Prompt Injection\" -> \"Hacking ChatGPT's Memories with Prompt Injection\"\n"
	if err != nil || !strings.HasSuffix(out, want) || strings.Count(out, "\n") != 4 {
		t.Errorf("diff 5.6.0 2026.05: %v, %q", err, out)
	}
	out, _, err = runCLI(t, env, "diff", "2026.05", "2026.05")
	if err != nil || !strings.Contains(out, "no differences") {
		t.Errorf("diff of a release with itself: %v, %q", err, out)
	}
	out, _, err = runCLI(t, env, "diff", "4.5.0", "2026.05")
	if err != nil || !strings.Contains(out, "Techniques: 88 added, 0 removed, 32 renamed") || !strings.Contains(out, "  + AML.T0051 ") {
		t.Errorf("diff 4.5.0 2026.05: %v\n%s", err, out)
	}
	out, _, err = runCLI(t, env, "diff", "4.5.0", "2026.05", "--json")
	var d map[string]any
	if err != nil || json.Unmarshal([]byte(out), &d) != nil || d["to"] != "2026.05" {
		t.Errorf("diff --json: %v, %q", err, out)
	}
	_, _, err = runCLI(t, env, "diff", "4.5.0", "1.0")
	if err == nil || !strings.Contains(err.Error(), `release "1.0" is not loaded`) {
		t.Errorf("diff with an unknown release: %v", err)
	}

	if out, _, err = runCLI(t, env, "releases", "use", "5.6.0"); err != nil || !strings.Contains(out, "5.6.0 is now current") {
		t.Errorf("releases use: %v %q", err, out)
	}
	if _, _, err = runCLI(t, env, "releases", "prune", "5.6.0"); err == nil || !strings.Contains(err.Error(), "is current") {
		t.Errorf("pruning the current release: %v", err)
	}
	if out, _, err = runCLI(t, env, "releases", "prune", "4.5.0"); err != nil || !strings.Contains(out, "deleted") {
		t.Errorf("prune: %v %q", err, out)
	}
	_, _, err = runCLI(t, env, "load", "/no/such/file.yaml")
	if err == nil || !strings.Contains(err.Error(), "/no/such/file.yaml: no such file") {
		t.Errorf("missing file: %v", err)
	}
}
