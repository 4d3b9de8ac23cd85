package store_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atlasgraph/atlasgraph/internal/futurerelease"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/store"
)

// TestFutureReleaseLoadsWhole makes a 6.1.0 release from 2026.05 (new
// techniques and mitigations, a renamed tactic, a retired technique, a new
// platform, section and relationship kind), loads both into Neo4j, and
// checks that nothing of the file is lost and that the diff classifies
// each change.
func TestFutureReleaseLoadsWhole(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	ctx := context.Background()
	base, _ := parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	load(t, s, base, store.LoadOptions{Current: store.CurrentAlways})

	path, err := rawatlas.Shared("atlas/v6/ATLAS-2026.05.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := futurerelease.Make(b, "2026.06", "6.1.0")
	if err != nil {
		t.Fatal(err)
	}
	next, warnings, err := loader.Parse("ATLAS-2026.06.yaml", f.Data, loader.Limits{})
	if err != nil {
		t.Fatalf("6.1.0 refused: %v", err)
	}
	if len(warnings) == 0 {
		t.Error("no warnings for the additions")
	}
	load(t, s, next, store.LoadOptions{Current: store.CurrentAlways})

	// The graph holds everything the parse gave, the kept JSON included.
	got, err := s.Snapshot(ctx, f.Version)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(next, got, equateEmpty); diff != "" {
		t.Errorf("graph differs from the parsed future release (-file +graph):\n%s", diff)
	}
	var sections map[string]any
	if err := json.Unmarshal([]byte(got.ExtraSections), &sections); err != nil || sections[f.NewSection] == nil {
		t.Errorf("extraSections on :Release = %q (%v)", got.ExtraSections, err)
	}
	var rels []map[string]any
	if err := json.Unmarshal([]byte(got.ExtraRelationships), &rels); err != nil || len(rels) != 1 || rels[0]["relationship-type"] != f.NewRelationship {
		t.Errorf("extraRelationships on :Release = %q (%v)", got.ExtraRelationships, err)
	}
	info, err := s.Release(ctx, "")
	if err != nil || info.Version != f.Version || info.FormatVersion != "6.1.0" {
		t.Errorf("current = %+v (%v)", info, err)
	}
	for _, te := range got.Techniques {
		if te.ID == f.NewTechnique && (!slices.Contains(te.Platforms, f.NewPlatform) || te.Maturity != f.NewMaturity || te.Extra == "") {
			t.Errorf("new technique in the graph: %+v", te)
		}
	}

	// The diff says what changed, in the words users re-check mappings by.
	d, err := diffOf(ctx, s, base.Version, f.Version)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Retired) != 1 || d.Retired[0].ID != f.Retired || d.Retired[0].Kind != "technique" {
		t.Errorf("retired = %+v, want %s", d.Retired, f.Retired)
	}
	if len(d.Tactics.Renamed) != 1 || d.Tactics.Renamed[0].ID != f.RenamedTactic || d.Tactics.Renamed[0].To != f.RenamedTo {
		t.Errorf("renamed tactics = %+v", d.Tactics.Renamed)
	}
	moved := false
	for _, m := range d.MovedTactic {
		moved = moved || (m.ID == f.Moved && slices.Equal(m.From, []string{f.MovedFrom}) && slices.Equal(m.To, []string{f.MovedTo}))
	}
	if !moved || len(d.MovedTactic) != 1 {
		t.Errorf("moved tactic = %+v, want %s %s -> %s", d.MovedTactic, f.Moved, f.MovedFrom, f.MovedTo)
	}
	if len(d.MaturityChanges) != 1 || d.MaturityChanges[0].ID != f.Matured || d.MaturityChanges[0].From != f.MaturityFrom {
		t.Errorf("maturity changes = %+v", d.MaturityChanges)
	}
	links := map[string][2][]string{}
	for _, m := range d.MitigationLinks {
		links[m.Technique] = [2][]string{m.Added, m.Removed}
	}
	if l := links[f.NewTechnique]; !slices.Equal(l[0], []string{f.NewMitigation}) {
		t.Errorf("mitigation links of %s = %v", f.NewTechnique, l)
	}
	if l := links[f.UnlinkedTechnique]; !slices.Contains(l[1], f.UnlinkedMitigation) {
		t.Errorf("mitigation links of %s = %v, want %s removed", f.UnlinkedTechnique, l, f.UnlinkedMitigation)
	}
	if len(d.CaseStudiesAdded) != 1 || d.CaseStudiesAdded[0].ID != f.NewCaseStudy {
		t.Errorf("case studies added = %+v", d.CaseStudiesAdded)
	}
}
