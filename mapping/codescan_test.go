package mapping_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/codescan"
	"github.com/atlasgraph/atlasgraph/internal/nodetest"
	"github.com/atlasgraph/atlasgraph/mapping"
)

// TestSARIFForCodeScanning writes the SARIF log `validate --sarif` writes
// for a mapping given by absolute path and checks it with the SARIF
// Multitool's SARIF and GitHub rules and OASIS's schema.
func TestSARIFForCodeScanning(t *testing.T) {
	v6 := namesOf(t, "atlas/v6/ATLAS-2026.05.yaml")
	abs, err := filepath.Abs("testdata/controls.csv")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(abs)
	rows, err := mapping.Read(abs, data, "")
	if err != nil {
		t.Fatal(err)
	}
	rep := mapping.Check(rows, []mapping.Names{v6, namesOf(t, "atlas/ATLAS-4.5.0.yaml")})
	root, err := codescan.FindRoot("..", abs, ".")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := mapping.WriteSARIF(&buf, rep, mapping.SARIFOptions{Version: "atlasgraph v1.2.3\ncommit 0123456789abcdef", Root: root}); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, buf.Bytes())
	var log codescan.Log
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if v := log.Runs[0].Tool.Driver.Version; v != "1.2.3+0123456789abcdef" {
		t.Errorf("tool version %q", v)
	}
	for _, r := range log.Runs[0].Results {
		a := r.Locations[0].PhysicalLocation.ArtifactLocation
		if a.URI != "mapping/testdata/controls.csv" || a.URIBaseID != codescan.RootID {
			t.Errorf("result %s at %q (%q), want mapping/testdata/controls.csv under %s", r.RuleID, a.URI, a.URIBaseID, codescan.RootID)
		}
	}
	file := filepath.Join(t.TempDir(), "mapping.sarif")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range nodetest.SARIFValidate(t, file) {
		if !strings.Contains(f, " note:") {
			t.Errorf("Sarif.Multitool: %s", f)
		}
	}
	other, err := codescan.FindRoot(t.TempDir(), abs, ".")
	if err != nil {
		t.Fatal(err)
	}
	if err := mapping.WriteSARIF(&bytes.Buffer{}, rep, mapping.SARIFOptions{Root: other}); err == nil || !strings.Contains(err.Error(), "--sarif-root") {
		t.Errorf("a mapping outside the root: %v", err)
	}
}
