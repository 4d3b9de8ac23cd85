package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
)

// A local copy of atlas-data's dist/ folder serves as upstream: releases
// upstream lists it against what is loaded, load --release latest takes
// the newest, and validate checks a mapping against what is loaded.
func TestUpstreamLatestAndValidate(t *testing.T) {
	env := testEnv(t)
	neo4jtest.Store(t) // empty the database
	dist := t.TempDir()
	b, err := os.ReadFile(shared(t, "atlas/v6/ATLAS-2026.05.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dist, "v6"), 0o755)
	os.WriteFile(filepath.Join(dist, "v6", "ATLAS-2026.05.yaml"), b, 0o644)
	os.WriteFile(filepath.Join(dist, "manifest.yaml"), []byte(`- release: '2027.01'
  release-date: '2027-01-28'
  versions:
  - format-version: 7.0.0
    path: v7/ATLAS-2027.01.yaml
- release: '2026.05'
  release-date: '2026-05-27'
  versions:
  - format-version: 6.0.0
    path: v6/ATLAS-2026.05.yaml
`), 0o644)
	env["ATLASGRAPH_UPSTREAM"] = dist

	out, _, err := runCLI(t, env, "releases", "upstream")
	if err != nil || !strings.Contains(out, "no release is loaded") || !strings.Contains(out, "needs a newer atlasgraph") {
		t.Fatalf("releases upstream before a load: %v\n%s", err, out)
	}
	// The newest, 2027.01, is published only in format 7: latest says so.
	if _, _, err := runCLI(t, env, "load", "--release", "latest"); err == nil || !strings.Contains(err.Error(), "upstream release 2027.01 is published only in format 7.0.0") {
		t.Errorf("load --release latest of a release without its file: %v", err)
	}
	out, _, err = runCLI(t, env, "load", "--release", "2026.05", "--quiet")
	if err != nil {
		t.Fatalf("load --release 2026.05 from a local upstream: %v %s", err, out)
	}
	out, _, err = runCLI(t, env, "releases", "upstream", "--json")
	var rep struct {
		Current          string
		NewerThanCurrent []string
		Releases         []struct {
			Name            string
			Loaded, Current bool
		}
	}
	if err != nil || json.Unmarshal([]byte(out), &rep) != nil || rep.Current != "2026.05" || len(rep.NewerThanCurrent) != 1 ||
		rep.NewerThanCurrent[0] != "2027.01" || !rep.Releases[1].Current || rep.Releases[0].Loaded {
		t.Errorf("releases upstream --json: %v\n%s", err, out)
	}

	csv := filepath.Join(t.TempDir(), "map.csv")
	os.WriteFile(csv, []byte("id,name\nAML.T0051,LLM Prompt Injection\nAML.T9999,Nothing\n"), 0o644)
	out, _, err = runCLI(t, env, "validate", csv)
	if err == nil || exitCode(err) != 1 || !strings.Contains(out, csv+":3:1: error: unknown-id: AML.T9999") || strings.Contains(out, ":2:1:") {
		t.Errorf("validate: %v\n%s", err, out)
	}
	out, _, err = runCLI(t, env, "validate", csv, "--sarif", "--sarif-root", filepath.Dir(csv))
	if err == nil || !strings.Contains(out, `"version": "2.1.0"`) || !strings.Contains(out, `"uri": "map.csv"`) {
		t.Errorf("validate --sarif: %v\n%s", err, out)
	}
	// The temporary folder is in no repository and not under the working
	// directory: code scanning could not place the alerts.
	if _, _, err = runCLI(t, env, "validate", csv, "--sarif"); err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "--sarif-root") {
		t.Errorf("validate --sarif of a file outside the root: %v", err)
	}
	os.WriteFile(csv, []byte("id,name\nAML.T0051,LLM Prompt Injection\n"), 0o644)
	if out, _, err := runCLI(t, env, "validate", csv); err != nil || !strings.Contains(out, "0 errors") {
		t.Errorf("clean mapping: %v\n%s", err, out)
	}
}
