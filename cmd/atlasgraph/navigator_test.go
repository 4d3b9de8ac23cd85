package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestModelReportNavigatorTargets writes a model's layer for each Navigator: the default
// for the ATLAS Navigator (layer format 4.3, atlas-atlas), --navigator attack for the
// ATT&CK Navigator 5 (4.5, enterprise-attack, customDataURL).
func TestModelReportNavigatorTargets(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "agent.yaml")
	if _, _, err := runCLI(t, nil, "model", "init", "--template", "rag-chatbot", "-o", model); err != nil {
		t.Fatal(err)
	}
	rel := shared(t, release0526)
	type layer struct {
		Domain        string
		CustomDataURL string
		Versions      struct{ Navigator, Layer string }
	}
	report := func(args ...string) (layer, error) {
		out, _, err := runCLI(t, nil, append([]string{"model", "report", model, "--atlas", rel, "--format", "navigator", "--as-of", modelAsOf}, args...)...)
		var l layer
		if err == nil {
			if jerr := json.Unmarshal([]byte(out), &l); jerr != nil {
				t.Fatalf("not a layer: %v\n%.200s", jerr, out)
			}
		}
		return l, err
	}
	l, err := report()
	if err != nil || l.Domain != "atlas-atlas" || l.Versions.Layer != "4.3" || l.Versions.Navigator != "4.6.4" || l.CustomDataURL != "" {
		t.Errorf("default layer: %+v, %v; want atlas-atlas, layer 4.3, navigator 4.6.4", l, err)
	}
	const url = "https://atlas.example.org/stix-atlas-2026.05.json"
	l, err = report("--navigator", "attack", "--navigator-data", url)
	if err != nil || l.Domain != "enterprise-attack" || l.Versions.Layer != "4.5" || l.Versions.Navigator != "5.1.0" || l.CustomDataURL != url {
		t.Errorf("--navigator attack: %+v, %v", l, err)
	}
	if _, err := report("--navigator", "attack"); err == nil || !strings.Contains(err.Error(), "--navigator-data") {
		t.Errorf("--navigator attack for 2026.05 without --navigator-data: %v, want an error naming the flag", err)
	}
	if _, err := report("--navigator", "mitre"); err == nil || exitCode(err) != 2 {
		t.Errorf("--navigator mitre: %v, want a usage error", err)
	}
}
