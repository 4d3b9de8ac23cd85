package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/loader/embedded"
)

// TestOfflineOutOfTheBox runs what a new user runs with no upstream reachable: the
// embedded release by its name, then an actor by an ATT&CK alias (the embedded ATT&CK
// extract is loaded on the first run), and a model report on the embedded release.
func TestOfflineOutOfTheBox(t *testing.T) {
	env := testEnv(t)
	env["ATLASGRAPH_UPSTREAM"] = "http://127.0.0.1:1/dist/" // nothing listens there
	neo4jtest.Store(t)
	out, errOut, err := runCLI(t, env, "load", "--release", embedded.Version())
	if err != nil || !strings.Contains(out, "ATLAS "+embedded.Version()) {
		t.Fatalf("load --release %s offline: %v\n%s%s", embedded.Version(), err, out, errOut)
	}
	if !strings.Contains(errOut, "ATT&CK Enterprise") || !strings.Contains(errOut, "load --attack") {
		t.Errorf("the first load does not say it loads the embedded ATT&CK and how to load a newer one:\n%s", errOut)
	}
	out, _, err = runCLI(t, env, "show", "Forest Blizzard")
	if err != nil || !strings.Contains(out, "APT28") || !strings.Contains(out, "ATT&CK group: G0007") {
		t.Errorf("show Forest Blizzard offline: %v\n%s", err, out)
	}
	// A second load offline keeps what is there and loads nothing twice.
	if _, errOut, err := runCLI(t, env, "load"); err != nil || strings.Contains(errOut, "extract built into") {
		t.Errorf("second load offline: %v\n%s", err, errOut)
	}
	if _, _, err := runCLI(t, env, "load", "--release", "2099.01"); err == nil || !strings.Contains(err.Error(), "--release embedded") {
		t.Errorf("load of another release offline: %v, want an error suggesting --release embedded", err)
	}

	model := filepath.Join(t.TempDir(), "rag.yaml")
	if _, _, err := runCLI(t, nil, "model", "init", "--template", "rag-chatbot", "-o", model); err != nil {
		t.Fatal(err)
	}
	out, _, err = runCLI(t, nil, "model", "report", model, "--atlas", "embedded", "--format", "json", "--as-of", modelAsOf)
	var rep struct {
		Release              string `json:"release"`
		ApplicableTechniques []any  `json:"applicableTechniques"`
	}
	if err != nil || json.Unmarshal([]byte(out), &rep) != nil || rep.Release != embedded.Version() || len(rep.ApplicableTechniques) == 0 {
		t.Errorf("model report --atlas embedded: %v, release %q, %d techniques\n%.300s", err, rep.Release, len(rep.ApplicableTechniques), out)
	}
}

// TestSearchOffline: search reads a release file, or the one built in,
// without Neo4j, and names each mitigation's effect.
func TestSearchOffline(t *testing.T) {
	out, _, err := runCLI(t, nil, "search", "input filtering", "--atlas", "embedded")
	if err != nil || !strings.Contains(out, "AML.M0020") || !strings.Contains(out, "prevent") {
		t.Errorf("search input filtering --atlas embedded: %v\n%s", err, out)
	}
	if _, _, err := runCLI(t, nil, "search", "x", "--atlas", "/no/such/ATLAS.yaml"); err == nil || !strings.Contains(err.Error(), "/no/such/ATLAS.yaml") {
		t.Errorf("search --atlas of a missing file: %v, want an error naming it", err)
	}
}
