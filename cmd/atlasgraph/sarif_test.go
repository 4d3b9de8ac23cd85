package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/atlasgraph/atlasgraph/codescan"
	"github.com/atlasgraph/atlasgraph/internal/nodetest"
)

// TestModelReportSARIFForCodeScanning writes the SARIF report of a model
// given by absolute path inside a repository, and checks it as GitHub code
// scanning would take it: OASIS's schema, the SARIF Multitool's SARIF and
// GitHub rules, URIs relative to the repository root, rule help, stable
// fingerprints and a one-line tool version.
func TestModelReportSARIFForCodeScanning(t *testing.T) {
	repo := t.TempDir()
	if err := os.MkdirAll(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(repo, "models", "rag chatbot.yaml")
	if err := os.MkdirAll(filepath.Dir(model), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, nil, "model", "init", "--template", "rag-chatbot", "-o", model); err != nil {
		t.Fatal(err)
	}
	rel := shared(t, release0526)
	report := func(args ...string) (*codescan.Log, []byte) {
		t.Helper()
		out := filepath.Join(t.TempDir(), "results.sarif")
		_, _, err := runCLI(t, nil, append([]string{"model", "report", model, "--atlas", rel, "--format", "sarif", "-o", out, "--as-of", modelAsOf}, args...)...)
		if err != nil {
			t.Fatalf("model report: %v", err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var log codescan.Log
		if err := json.Unmarshal(b, &log); err != nil {
			t.Fatal(err)
		}
		return &log, b
	}
	log, raw := report()
	checkOASIS(t, raw)
	run := log.Runs[0]
	if len(run.Results) == 0 {
		t.Fatal("no results")
	}
	if base := run.OriginalURIBaseIDs[codescan.RootID].URI; base != "file://"+filepath.ToSlash(repo)+"/" {
		t.Errorf("originalUriBaseIds.%s = %q, want the repository root", codescan.RootID, base)
	}
	v := run.Tool.Driver.Version
	if v == "" || strings.Contains(v, "\n") {
		t.Errorf("tool version %q, want one line", v)
	}
	if bytes.Contains(raw, []byte(": -1")) || bytes.Contains(raw, []byte(": []")) && !bytes.Contains(raw, []byte(`"results": []`)) {
		t.Errorf("placeholder values or empty arrays in the log")
	}
	for _, r := range run.Tool.Driver.Rules {
		if r.FullDescription.Text == "" || r.Help.Text == "" || !strings.Contains(r.Help.Markdown, "Mitigations that stop it") {
			t.Errorf("rule %s lacks help: %+v", r.ID, r)
		}
	}
	first := map[string]int{}
	for _, r := range run.Results {
		a := r.Locations[0].PhysicalLocation.ArtifactLocation
		if a.URI != "models/rag%20chatbot.yaml" || a.URIBaseID != codescan.RootID {
			t.Errorf("result %s at %q (base %q), want models/rag%%20chatbot.yaml under %s", r.RuleID, a.URI, a.URIBaseID, codescan.RootID)
		}
		fp := r.PartialFingerprints[codescan.FingerprintKey]
		if fp == "" {
			t.Errorf("result %s has no fingerprint", r.RuleID)
		}
		first[fp] = r.Locations[0].PhysicalLocation.Region.StartLine
	}
	if len(first) != len(run.Results) {
		t.Errorf("%d fingerprints for %d results: two findings share one", len(first), len(run.Results))
	}
	for _, finding := range nodetest.SARIFValidate(t, writeTemp(t, raw)) {
		if !strings.Contains(finding, " note:") {
			t.Errorf("Sarif.Multitool: %s", finding)
		}
	}

	t.Run("fingerprints survive edits elsewhere in the file", func(t *testing.T) {
		b, _ := os.ReadFile(model)
		if err := os.WriteFile(model, append([]byte("# a comment that moves every line\n\n"), b...), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.WriteFile(model, b, 0o644) })
		log, _ := report()
		for _, r := range log.Runs[0].Results {
			line, ok := first[r.PartialFingerprints[codescan.FingerprintKey]]
			if !ok {
				t.Errorf("result %s has a new fingerprint after an unrelated edit", r.RuleID)
			} else if want := line + 2; line == 1 {
				// Organisation-level findings point at the model as a whole.
				if r.Locations[0].PhysicalLocation.Region.StartLine != 1 {
					t.Errorf("organisation-level result %s moved to line %d", r.RuleID, r.Locations[0].PhysicalLocation.Region.StartLine)
				}
			} else if r.Locations[0].PhysicalLocation.Region.StartLine != want {
				t.Errorf("result %s at line %d, want %d", r.RuleID, r.Locations[0].PhysicalLocation.Region.StartLine, want)
			}
		}
	})
	t.Run("--sarif-root", func(t *testing.T) {
		log, _ := report("--sarif-root", filepath.Join(repo, "models"))
		if u := log.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI; u != "rag%20chatbot.yaml" {
			t.Errorf("URI under --sarif-root models: %q", u)
		}
		out := filepath.Join(t.TempDir(), "results.sarif")
		_, _, err := runCLI(t, nil, "model", "report", model, "--atlas", rel, "--format", "sarif", "-o", out, "--sarif-root", t.TempDir())
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "--sarif-root") {
			t.Errorf("a model outside --sarif-root: %v, want a usage error naming --sarif-root", err)
		}
		if _, serr := os.Stat(out); serr == nil {
			t.Error("a report was written for a model outside the root")
		}
	})
}

func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "log.sarif")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkOASIS validates a SARIF log against OASIS's 2.1.0 schema.
func checkOASIS(t *testing.T, log []byte) {
	t.Helper()
	const file = "../../threatmodel/testdata/schema/sarif-schema-2.1.0.json"
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(file, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(file)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("SARIF does not match the OASIS schema: %v", err)
	}
}
