package actors_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/atlasgraph/atlasgraph/actors"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/attack"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/internal/rawattack"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/readmodel"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/view"
)

// testDriver is the driver of the test database, for counting with Cypher.
var testDriver neo4j.DriverWithContext

const (
	atlasFile  = "atlas/v6/ATLAS-2026.05.yaml"
	attackFile = "attack/enterprise-attack-18.1.json"
)

func shared(t *testing.T, rel string) string {
	t.Helper()
	p, err := rawatlas.Shared(rel)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// setup loads ATLAS 2026.05 and ATT&CK 18.1 into an emptied test database.
func setup(t *testing.T) (*store.Store, *actors.Service, *rawattack.Expected) {
	t.Helper()
	ctx := context.Background()
	s, d := neo4jtest.Store(t)
	testDriver = d
	path := shared(t, atlasFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rel, _, err := loader.Parse(path, b, loader.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, rel, store.LoadOptions{Current: store.CurrentAlways}); err != nil {
		t.Fatal(err)
	}
	bundle, err := attack.Open(ctx, shared(t, attackFile), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadAttack(ctx, bundle, store.LoadOptions{Current: store.CurrentAlways}); err != nil {
		t.Fatal(err)
	}
	exp, err := rawattack.Read(shared(t, attackFile), path)
	if err != nil {
		t.Fatal(err)
	}
	reader := store.NewReader(s, store.ReaderOptions{})
	return s, actors.New(reader, readmodel.New(reader, readmodel.Options{})), exp
}

func TestActorsAgainstTheFiles(t *testing.T) {
	s, svc, exp := setup(t)
	ctx := context.Background()
	all, view, err := svc.Actors(ctx, "", "", actors.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if view.Release != "2026.05" || view.AttackVersion() != "18.1" {
		t.Fatalf("answers name ATLAS %q and ATT&CK %q", view.Release, view.AttackVersion())
	}

	t.Run("every group through ATT&CK follows the rule", func(t *testing.T) {
		byGroup := map[string]string{}
		var ids []string
		for _, a := range all {
			if a.AttackGroupID != "" {
				byGroup[a.AttackGroupID] = a.ID
				ids = append(ids, a.ID)
			}
		}
		if len(byGroup) != len(exp.Groups) {
			t.Fatalf("%d actors are ATT&CK groups; the bundle has %d groups", len(byGroup), len(exp.Groups))
		}
		links, err := svc.Techniques(ctx, "", "", ids)
		if err != nil {
			t.Fatal(err)
		}
		nonEmpty := 0
		for gid, want := range exp.Atlas {
			got := map[string]bool{}
			for _, l := range links[byGroup[gid]] {
				for _, v := range l.Via {
					if v == atlas.ViaAttack {
						got[l.Technique.ID] = true
						if len(l.AttackEvidence) == 0 {
							t.Errorf("%s %s: ATTACK link without evidence", gid, l.Technique.ID)
						}
					}
				}
			}
			if len(want) > 0 {
				nonEmpty++
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("group %s (%s): ATLAS techniques via ATT&CK (-files +graph):\n%s", gid, exp.Groups[gid].Name, diff)
			}
		}
		if nonEmpty < 10 {
			t.Fatalf("only %d groups reach ATLAS through ATT&CK; the check is too weak", nonEmpty)
		}
	})

	t.Run("every alias resolves to its group", func(t *testing.T) {
		n := 0
		for gid, g := range exp.Groups {
			for _, alias := range append([]string{g.Name, gid}, g.Aliases...) {
				found, err := svc.Actor(ctx, "", "", alias)
				if err != nil {
					t.Fatalf("%q: %v", alias, err)
				}
				var got []string
				for _, a := range found {
					got = append(got, a.AttackGroupID)
					if a.SharedAlias != (len(found) > 1) {
						t.Errorf("%q: sharedAlias %v with %d actors", alias, a.SharedAlias, len(found))
					}
				}
				sort.Strings(got)
				want := exp.ByName[rawattack.Norm(alias)]
				if alias == gid {
					want = []string{gid}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%q (%s): groups found (-files +graph):\n%s", alias, gid, diff)
				}
				n++
			}
		}
		if n < 500 {
			t.Fatalf("only %d names checked", n)
		}
	})

	t.Run("case-study actors that are groups are merged, and no others", func(t *testing.T) {
		rel, err := s.Snapshot(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		csActors := rel.Actors
		want := map[string]string{} // ATLAS actor id -> group
		for _, a := range csActors {
			groups := map[string]bool{}
			for _, n := range append([]string{a.Name}, a.Aliases...) {
				for _, g := range exp.ByName[rawattack.Norm(n)] {
					groups[g] = true
				}
			}
			if len(groups) == 1 {
				for g := range groups {
					want[a.ID] = g
				}
			}
		}
		if want["apt28"] != "G0007" {
			t.Fatalf("the files say APT28 of AML.CS0044 is %q, want G0007", want["apt28"])
		}
		got := map[string]string{}
		for _, a := range all {
			if a.AttackGroupID != "" {
				for _, c := range a.CaseStudyActors {
					got[c] = a.AttackGroupID
				}
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("merged case-study actors (-files +graph):\n%s", diff)
		}
		if len(all) != len(exp.Groups)+len(csActors)-len(want) {
			t.Errorf("%d actors; want %d groups + %d case-study actors - %d merged", len(all), len(exp.Groups), len(csActors), len(want))
		}
	})
	t.Run("Forest Blizzard and Aquatic Panda", func(t *testing.T) { forestBlizzardAndAquaticPanda(t, svc, exp) })
	t.Run("a shared alias returns every group", func(t *testing.T) { sharedAliasReturnsEveryGroup(t, svc, exp) })
	t.Run("API", func(t *testing.T) { apiChecks(t, s, exp) })
	t.Run("REFERENCES_ATTACK links", func(t *testing.T) {
		n := neo4jtest.Count(t, testDriver, neo4jtest.Config(t).Database, `MATCH (x:Technique {release: '2026.05'})-[:REFERENCES_ATTACK {attack: '18.1'}]->(a:AttackTechnique)
WHERE a.id = x.attackId RETURN count(*) AS n`, nil)
		if n != len(exp.References) || n == 0 {
			t.Errorf("%d REFERENCES_ATTACK links; the file has %d technique references", n, len(exp.References))
		}
	})
	t.Run("links follow the release asked for", func(t *testing.T) { olderRelease(t, s, svc) })
	t.Run("a bad bundle keeps the previous version", func(t *testing.T) { badBundleKeepsPreviousVersion(t, s, svc) })
}

func forestBlizzardAndAquaticPanda(t *testing.T, svc *actors.Service, exp *rawattack.Expected) {
	ctx := context.Background()
	fb, _, err := svc.Actors(ctx, "", "", actors.Filter{Name: "Forest Blizzard"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fb) != 1 || fb[0].AttackGroupID != "G0007" || fb[0].Name != "APT28" || !contains(fb[0].Aliases, "Forest Blizzard") {
		t.Fatalf("Forest Blizzard: %+v", fb)
	}
	for _, alias := range []string{"fancy bear", "STRONTIUM", "forest-blizzard", "apt28", "g0007"} {
		got, err := svc.Actor(ctx, "", "", alias)
		if err != nil || len(got) != 1 || got[0].ID != fb[0].ID {
			t.Errorf("%q: %+v %v", alias, got, err)
		}
	}
	links, err := svc.Techniques(ctx, "", "", []string{fb[0].ID, "aquatic-panda"})
	if err != nil {
		t.Fatal(err)
	}
	// APT28's case study AML.CS0044: every step's technique is a CASE_STUDY link with the step.
	csTech := map[string]bool{}
	for _, l := range links[fb[0].ID] {
		for _, v := range l.Via {
			if v == atlas.ViaCaseStudy {
				csTech[l.Technique.ID] = true
				if !contains(l.CaseStudyIDs, "AML.CS0044") || len(l.Steps) == 0 {
					t.Errorf("%s: case-study evidence %v %v", l.Technique.ID, l.CaseStudyIDs, l.Steps)
				}
			}
		}
	}
	if len(csTech) == 0 {
		t.Fatal("APT28 has no CASE_STUDY link")
	}
	hits, err := svc.SearchHits(ctx, "", "STRONTIUM", 1)
	if err != nil || len(hits) != 1 || hits[0].ID != fb[0].ID || hits[0].Actor == nil || hits[0].Kind != view.KindActor {
		t.Errorf("search hits for STRONTIUM: %+v %v", hits, err)
	}
	ap, _, err := svc.Actors(ctx, "", "", actors.Filter{Name: "Aquatic Panda"})
	if err != nil || len(ap) != 1 || ap[0].AttackGroupID != "G0143" {
		t.Fatalf("Aquatic Panda: %+v %v", ap, err)
	}
	got := map[string]bool{}
	for _, l := range links[ap[0].ID] {
		if len(l.Via) != 1 || l.Via[0] != atlas.ViaAttack {
			t.Errorf("Aquatic Panda %s via %v: no case study names it", l.Technique.ID, l.Via)
		}
		got[l.Technique.ID] = true
	}
	if diff := cmp.Diff(exp.Atlas["G0143"], got); diff != "" || len(got) == 0 {
		t.Errorf("Aquatic Panda's ATLAS techniques (-files +graph):\n%s", diff)
	}

	// The layer of both: valid against the 4.3 schema (the ATLAS Navigator's), shared techniques in their colour.
	layer, err := svc.ActorsLayer(ctx, "", "", []string{"Forest Blizzard", "Aquatic Panda"})
	if err != nil {
		t.Fatal(err)
	}
	validateLayer(t, layer.JSON)
	apt28 := map[string]bool{}
	for _, l := range links[fb[0].ID] {
		apt28[l.Technique.ID] = true
	}
	sharedWant := map[string]bool{}
	for id := range got {
		if apt28[id] {
			sharedWant[id] = true
		}
	}
	sharedGot := map[string]bool{}
	for _, tq := range layer.Layer.Techniques {
		if tq.Color == actors.SharedColor {
			sharedGot[tq.ID] = true
		}
		if tq.Comment == "" {
			t.Errorf("layer technique %s has no evidence comment", tq.ID)
		}
	}
	if diff := cmp.Diff(sharedWant, sharedGot); diff != "" {
		t.Errorf("shared techniques (-computed +layer):\n%s", diff)
	}
	if layer.Release != "2026.05" || layer.AttackVersion == nil || *layer.AttackVersion != "18.1" {
		t.Errorf("layer names ATLAS %q ATT&CK %v", layer.Release, layer.AttackVersion)
	}
	for _, q := range []actors.LayerRequest{{CaseStudy: "AML.CS0044"}, {Techniques: []string{"AML.T0051", "AML.T0051.000"}}} {
		l, err := svc.Layer(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		validateLayer(t, l.JSON)
	}
	if _, err := svc.Layer(ctx, actors.LayerRequest{Techniques: []string{"AML.T9999"}}); !errors.Is(err, atlas.ErrNotFound) {
		t.Errorf("unknown technique: %v", err)
	}
	if _, err := svc.Layer(ctx, actors.LayerRequest{}); !errors.Is(err, atlas.ErrBadInput) {
		t.Errorf("empty request: %v", err)
	}
	if _, err := svc.Actor(ctx, "", "", "Nobody Panda"); !errors.Is(err, atlas.ErrNotFound) {
		t.Errorf("unknown actor: %v", err)
	}
}

func sharedAliasReturnsEveryGroup(t *testing.T, svc *actors.Service, exp *rawattack.Expected) {
	ctx := context.Background()
	var alias string
	var want []string
	for k, gs := range exp.ByName {
		if len(gs) > 1 && (alias == "" || k < rawattack.Norm(alias)) {
			for _, g := range exp.Groups[gs[0]].Aliases {
				if rawattack.Norm(g) == k {
					alias, want = g, gs
				}
			}
		}
	}
	if alias == "" {
		t.Fatal("the bundle has no shared alias to test with")
	}
	got, err := svc.Actor(ctx, "", "", alias)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range got {
		ids = append(ids, a.AttackGroupID)
		if !a.SharedAlias {
			t.Errorf("%q: %s not flagged as a shared alias", alias, a.AttackGroupID)
		}
	}
	sort.Strings(ids)
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("%q (-files +graph):\n%s", alias, diff)
	}
}

// badBundleKeepsPreviousVersion: a bad bundle is refused before anything is written.
func badBundleKeepsPreviousVersion(t *testing.T, s *store.Store, svc *actors.Service) {
	ctx := context.Background()
	raw, err := os.ReadFile(shared(t, attackFile))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"enterprise-attack-18.2.json": raw[:len(raw)/3],
		"enterprise-attack-19.0.json": bytes.Replace(raw, []byte(`"target_ref": "attack-pattern--707399d6-ab3e-4963-9315-d9d3818cd6a0"`),
			[]byte(`"target_ref": "attack-pattern--00000000-0000-4000-8000-000000000000"`), 1),
		"mobile-attack-18.1.json": bytes.Replace(raw, []byte(`"external_id": "enterprise-attack"`), []byte(`"external_id": "mobile-attack"`), 1),
	} {
		p := dir + "/" + name
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := attack.Open(ctx, p, "", nil)
		if !errors.Is(err, attack.ErrInvalid) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v", name, err)
		}
	}
	r := store.NewReader(s, store.ReaderOptions{})
	vs, err := r.AttackVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].Version != "18.1" || !vs[0].Current {
		t.Fatalf("ATT&CK versions after bad loads: %+v", vs)
	}
	if got, err := svc.Actor(ctx, "", "", "Forest Blizzard"); err != nil || got[0].AttackGroupID != "G0007" {
		t.Fatalf("after bad loads: %+v %v", got, err)
	}
	// Loading the same bundle again changes nothing.
	b, err := attack.Open(ctx, shared(t, attackFile), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.LoadAttack(ctx, b, store.LoadOptions{Current: store.CurrentAlways})
	if err != nil || !res.Unchanged {
		t.Fatalf("reload: %+v %v", res, err)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func validateLayer(t *testing.T, doc string) {
	t.Helper()
	sch, err := jsonschema.NewCompiler().Compile("../navigator/testdata/layer-4.3.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(v); err != nil {
		t.Fatalf("layer does not validate against the 4.3 schema: %v", err)
	}
}

// olderRelease loads 5.6.0 beside 2026.05 (staged) and checks every group's ATT&CK links in
// it against the rule computed from the 5.6.0 file: links are per release.
func olderRelease(t *testing.T, s *store.Store, svc *actors.Service) {
	ctx := context.Background()
	path := shared(t, "atlas/ATLAS-5.6.0.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rel, _, err := loader.Parse(path, b, loader.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, rel, store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LinkAttack(ctx, rel.Version); err != nil {
		t.Fatal(err)
	}
	exp, err := rawattack.Read(shared(t, attackFile), path)
	if err != nil {
		t.Fatal(err)
	}
	all, view, err := svc.Actors(ctx, "5.6.0", "", actors.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if view.Release != "5.6.0" {
		t.Fatalf("asked 5.6.0, answered %s", view.Release)
	}
	byGroup := map[string]string{}
	var ids []string
	for _, a := range all {
		if a.AttackGroupID != "" {
			byGroup[a.AttackGroupID] = a.ID
			ids = append(ids, a.ID)
		}
	}
	links, err := svc.Techniques(ctx, "5.6.0", "", ids)
	if err != nil {
		t.Fatal(err)
	}
	for gid, want := range exp.Atlas {
		got := map[string]bool{}
		for _, l := range links[byGroup[gid]] {
			if l.Technique.Release != "5.6.0" {
				t.Fatalf("%s: technique of release %s", gid, l.Technique.Release)
			}
			for _, v := range l.Via {
				if v == atlas.ViaAttack {
					got[l.Technique.ID] = true
				}
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("5.6.0, group %s (-file +graph):\n%s", gid, diff)
		}
	}
}
