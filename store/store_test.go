package store_test

import (
	"context"
	"errors"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/view"
)

// parse reads a shared release with the loader and with rawatlas.
func parse(t *testing.T, rel string) (*atlas.Release, *rawatlas.Release) {
	t.Helper()
	path, err := rawatlas.Shared(rel)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := loader.Parse(path, b, loader.Limits{})
	if err != nil {
		t.Fatalf("parse %s: %v", rel, err)
	}
	raw, err := rawatlas.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return r, raw
}

func load(t *testing.T, s *store.Store, r *atlas.Release, opt store.LoadOptions) store.LoadResult {
	t.Helper()
	res, err := s.Load(context.Background(), r, opt)
	if err != nil {
		t.Fatalf("load %s: %v", r.Version, err)
	}
	return res
}

var equateEmpty = cmpopts.EquateEmpty()

// TestLoadEveryReleaseMatchesFile loads each shared release and reads it
// back: the graph must hold exactly what the file says, link by link.
func TestLoadEveryReleaseMatchesFile(t *testing.T) {
	s, d := neo4jtest.Store(t)
	ctx := context.Background()
	for _, name := range rawatlas.Releases {
		t.Run(name, func(t *testing.T) {
			r, raw := parse(t, name)
			load(t, s, r, store.LoadOptions{Current: store.CurrentAlways})
			got, err := s.Snapshot(ctx, r.Version)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(r, got, equateEmpty); diff != "" {
				t.Errorf("graph differs from the parsed file (-file +graph):\n%s", diff)
			}
			checkAgainstRaw(t, d, r.Version, raw)
		})
	}
}

// checkAgainstRaw compares the graph, through Cypher, with the file as
// rawatlas reads it: no loader code is involved in the expectation.
func checkAgainstRaw(t *testing.T, d neo4j.DriverWithContext, version string, raw *rawatlas.Release) {
	t.Helper()
	db := neo4jtest.Database
	p := map[string]any{"r": version}
	count := func(cypher string) int { return neo4jtest.Count(t, d, db, cypher, p) }
	checks := []struct {
		what      string
		got, want int
	}{
		{"tactics", count(`MATCH (n:Tactic {release: $r}) RETURN count(n) AS n`), len(raw.Tactics)},
		{"techniques", count(`MATCH (n:Technique {release: $r}) RETURN count(n) AS n`), len(raw.Techniques)},
		{"sub-techniques", count(`MATCH (n:SubTechnique {release: $r}) RETURN count(n) AS n`), len(raw.Parent)},
		{"mitigations", count(`MATCH (n:Mitigation {release: $r}) RETURN count(n) AS n`), len(raw.Mitigations)},
		{"case studies", count(`MATCH (n:CaseStudy {release: $r}) RETURN count(n) AS n`), len(raw.CaseStudies)},
		{"steps", count(`MATCH (n:Step {release: $r}) RETURN count(n) AS n`), raw.StepCount()},
		{"achieves", count(`MATCH (:Technique {release: $r})-[e:ACHIEVES]->(:Tactic) RETURN count(e) AS n`), len(raw.Achieves)},
		{"specializes", count(`MATCH (:Technique {release: $r})-[e:SPECIALIZES]->(:Technique) RETURN count(e) AS n`), len(raw.Parent)},
		{"mitigates", count(`MATCH (:Mitigation {release: $r})-[e:MITIGATES]->(:Technique) RETURN count(e) AS n`), len(raw.Mitigates)},
		{"precedes", count(`MATCH (:Technique {release: $r})-[e:PRECEDES]->(:Technique) RETURN count(e) AS n`), len(raw.Transitions())},
		{"relationships of other releases", count(`MATCH (a {release: $r})-[e]->(b) WHERE e.release <> $r OR b.release <> $r RETURN count(e) AS n`), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: graph has %d, file has %d", c.what, c.got, c.want)
		}
	}
	// Every step's technique, tactic and next steps, one by one.
	for cs, steps := range raw.Steps {
		for id, want := range steps {
			p["cs"], p["id"], p["t"], p["ta"], p["next"] = cs, id, want.Technique, want.Tactic, nonNil(want.Next)
			if n := count(`MATCH (:CaseStudy {release: $r, id: $cs})-[:HAS_STEP]->(s:Step {stepId: $id})-[:EMPLOYS]->(:Technique {id: $t})
MATCH (s)-[:IN_TACTIC]->(:Tactic {id: $ta})
OPTIONAL MATCH (s)-[:LEADS_TO]->(n:Step)
WITH s, collect(n.stepId) AS next WHERE all(x IN next WHERE x IN $next) AND size(next) = size($next)
RETURN count(s) AS n`); n != 1 {
				t.Errorf("%s %s: no step using %s in %s leading to %v", cs, id, want.Technique, want.Tactic, want.Next)
			}
		}
	}
	// Every transition with its evidence.
	for k, cases := range raw.Transitions() {
		p["a"], p["b"], p["cases"] = k[0], k[1], cases
		if n := count(`MATCH (:Technique {release: $r, id: $a})-[e:PRECEDES]->(:Technique {id: $b})
WHERE e.caseStudies = $cases AND e.count = size($cases) RETURN count(e) AS n`); n != 1 {
			t.Errorf("PRECEDES %s with case studies %v is missing", rawatlas.Key(k), cases)
		}
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// The issue states the 2026.05 figures; they hold in the graph.
func TestRelease202605Figures(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	r, _ := parse(t, rawatlas.Releases[0])
	load(t, s, r, store.LoadOptions{Current: store.CurrentAlways})
	info, err := s.Release(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	want := view.ReleaseCounts{Tactics: 16, Techniques: 170, Mitigations: 35, CaseStudies: 57, Steps: 449, Actors: len(r.Actors)}
	if info.Counts != want || info.Version != "2026.05" || !info.Current || info.Format != "v6" {
		t.Errorf("release = %+v, want 2026.05 v6 current with %+v", info, want)
	}
	got, err := s.Snapshot(context.Background(), "2026.05")
	if err != nil {
		t.Fatal(err)
	}
	var mitigates, achieves, specializes int
	for _, m := range got.Mitigations {
		mitigates += len(m.Mitigates)
	}
	for _, te := range got.Techniques {
		achieves += len(te.Tactics)
		if te.Parent != "" {
			specializes++
		}
	}
	if mitigates != 246 || achieves != 185 || specializes != 69 {
		t.Errorf("mitigates, achieves, specializes = %d, %d, %d; want 246, 185, 69", mitigates, achieves, specializes)
	}
}

func TestLoadingTwiceChangesNothing(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	r, _ := parse(t, rawatlas.Releases[0])
	first := load(t, s, r, store.LoadOptions{Current: store.CurrentAlways})
	if first.Counters.NodesCreated == 0 || first.Unchanged {
		t.Fatalf("first load wrote nothing: %+v", first)
	}
	before, _ := s.Snapshot(context.Background(), r.Version)
	second := load(t, s, r, store.LoadOptions{Current: store.CurrentAlways})
	if !second.Unchanged || second.Counters.Total() != 0 {
		t.Errorf("second load changed the graph: %+v", second)
	}
	after, _ := s.Snapshot(context.Background(), r.Version)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("graph changed on reload:\n%s", diff)
	}
}

func TestReleasesSideBySideAndDiff(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	ctx := context.Background()
	old, rawOld := parse(t, "atlas/ATLAS-5.6.0.yaml")
	cur, rawNew := parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	load(t, s, old, store.LoadOptions{Current: store.CurrentAlways})
	load(t, s, cur, store.LoadOptions{Current: store.CurrentNever}) // staged, not current
	if info, _ := s.Release(ctx, ""); info.Version != "5.6.0" {
		t.Fatalf("current = %q after staging 2026.05, want 5.6.0", info.Version)
	}
	list, err := s.Releases(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("releases = %v, %v; want two", list, err)
	}
	if err := s.SetCurrent(ctx, "2026.05"); err != nil {
		t.Fatal(err)
	}
	if info, _ := s.Release(ctx, ""); info.Version != "2026.05" {
		t.Fatalf("current = %q, want 2026.05", info.Version)
	}
	if err := s.SetCurrent(ctx, "9.9.9"); !errors.Is(err, atlas.ErrNotFound) {
		t.Errorf("SetCurrent(unknown) = %v, want atlas.ErrNotFound", err)
	}

	d, err := diffOf(ctx, s, "5.6.0", "2026.05")
	if err != nil {
		t.Fatal(err)
	}
	want := rawDiff(rawOld, rawNew)
	if diff := cmp.Diff(want, d, equateEmpty); diff != "" {
		t.Errorf("diff differs from the files (-files +graph):\n%s", diff)
	}
	t.Logf("5.6.0 -> 2026.05: %d techniques renamed, %d mitigations renamed, %d tactics renamed, %d mitigates added, %d removed, %d steps changed",
		len(d.Techniques.Renamed), len(d.Mitigations.Renamed), len(d.Tactics.Renamed), len(d.Mitigates.Added), len(d.Mitigates.Removed), len(d.Steps))
	if same, _ := diffOf(ctx, s, "2026.05", "2026.05"); !same.Empty() {
		t.Errorf("a release differs from itself: %+v", same)
	}
}

// rawDiff computes the expected diff from the two files directly.
func rawDiff(a, b *rawatlas.Release) atlas.Diff {
	d := atlas.Diff{From: a.Version, To: b.Version}
	d.Tactics = rawEntities(a.Tactics, b.Tactics)
	d.Techniques = rawEntities(a.Techniques, b.Techniques)
	d.Mitigations = rawEntities(a.Mitigations, b.Mitigations)
	d.CaseStudies = rawEntities(a.CaseStudies, b.CaseStudies)
	d.Achieves = rawLinks(a.Achieves, b.Achieves)
	pa, pb := map[[2]string]bool{}, map[[2]string]bool{}
	for k, v := range a.Parent {
		pa[[2]string{k, v}] = true
	}
	for k, v := range b.Parent {
		pb[[2]string{k, v}] = true
	}
	d.Specializes = rawLinks(pa, pb)
	ma, mb := map[[2]string]bool{}, map[[2]string]bool{}
	for k := range a.Mitigates {
		ma[k] = true
	}
	for k := range b.Mitigates {
		mb[k] = true
	}
	d.Mitigates = rawLinks(ma, mb)
	for cs, steps := range b.Steps {
		for id, sb := range steps {
			sa, ok := a.Steps[cs][id]
			after := &atlas.Step{ID: id, Technique: sb.Technique, Tactic: sb.Tactic, LeadsTo: sb.Next}
			if !ok {
				d.Steps = append(d.Steps, atlas.StepChange{CaseStudy: cs, StepID: id, After: after})
			} else if sa.Technique != sb.Technique || sa.Tactic != sb.Tactic || !cmp.Equal(sa.Next, sb.Next, equateEmpty) {
				d.Steps = append(d.Steps, atlas.StepChange{CaseStudy: cs, StepID: id, Before: &atlas.Step{ID: id, Technique: sa.Technique, Tactic: sa.Tactic, LeadsTo: sa.Next}, After: after})
			}
		}
	}
	for cs, steps := range a.Steps {
		for id, sa := range steps {
			if _, ok := b.Steps[cs][id]; !ok {
				d.Steps = append(d.Steps, atlas.StepChange{CaseStudy: cs, StepID: id, Before: &atlas.Step{ID: id, Technique: sa.Technique, Tactic: sa.Tactic, LeadsTo: sa.Next}})
			}
		}
	}
	sort.Slice(d.Steps, func(i, j int) bool {
		if d.Steps[i].CaseStudy != d.Steps[j].CaseStudy {
			return d.Steps[i].CaseStudy < d.Steps[j].CaseStudy
		}
		return d.Steps[i].StepID < d.Steps[j].StepID
	})
	rawUpgrade(&d, a, b)
	return d
}

// rawUpgrade computes the diff's upgrade view from the two files directly.
func rawUpgrade(d *atlas.Diff, a, b *rawatlas.Release) {
	for _, kind := range []struct {
		name string
		c    atlas.EntityChanges
	}{{"tactic", d.Tactics}, {"technique", d.Techniques}, {"mitigation", d.Mitigations}} {
		for _, e := range kind.c.Removed {
			d.Retired = append(d.Retired, atlas.Retired{Kind: kind.name, ID: e.ID, Name: e.Name})
		}
	}
	tactics := func(r *rawatlas.Release, id string) []string {
		var out []string
		for l := range r.Achieves {
			if l[0] == id {
				out = append(out, l[1])
			}
		}
		sort.Strings(out)
		return out
	}
	title := func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
	}
	for _, id := range sortedIDs(b.Techniques) {
		if _, ok := a.Techniques[id]; !ok {
			continue
		}
		if ta, tb := tactics(a, id), tactics(b, id); !cmp.Equal(ta, tb, equateEmpty) {
			d.MovedTactic = append(d.MovedTactic, atlas.TacticMove{ID: id, Name: b.Techniques[id], From: ta, To: tb})
		}
		if ma, mb := title(a.Maturity[id]), title(b.Maturity[id]); ma != mb {
			d.MaturityChanges = append(d.MaturityChanges, atlas.MaturityChange{ID: id, Name: b.Techniques[id], From: ma, To: mb})
		}
	}
	per := map[string]*atlas.TechniqueMitigations{}
	at := func(t string) *atlas.TechniqueMitigations {
		if per[t] == nil {
			per[t] = &atlas.TechniqueMitigations{Technique: t, Name: b.Techniques[t]}
		}
		return per[t]
	}
	for k := range b.Mitigates {
		if _, ok := a.Mitigates[k]; !ok {
			at(k[1]).Added = append(at(k[1]).Added, k[0])
		}
	}
	for k := range a.Mitigates {
		if _, ok := b.Mitigates[k]; !ok {
			if _, still := b.Techniques[k[1]]; still {
				at(k[1]).Removed = append(at(k[1]).Removed, k[0])
			}
		}
	}
	var techs []string
	for t := range per {
		techs = append(techs, t)
	}
	sort.Strings(techs)
	for _, t := range techs {
		sort.Strings(per[t].Added)
		sort.Strings(per[t].Removed)
		d.MitigationLinks = append(d.MitigationLinks, *per[t])
	}
	d.CaseStudiesAdded = d.CaseStudies.Added
}

func rawEntities(a, b map[string]string) atlas.EntityChanges {
	var c atlas.EntityChanges
	for _, id := range sortedIDs(b) {
		if old, ok := a[id]; !ok {
			c.Added = append(c.Added, atlas.Entity{ID: id, Name: b[id]})
		} else if old != b[id] {
			c.Renamed = append(c.Renamed, atlas.Rename{ID: id, From: old, To: b[id]})
		}
	}
	for _, id := range sortedIDs(a) {
		if _, ok := b[id]; !ok {
			c.Removed = append(c.Removed, atlas.Entity{ID: id, Name: a[id]})
		}
	}
	return c
}

func sortedIDs(m map[string]string) []string {
	var ids []string
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func rawLinks(a, b map[[2]string]bool) atlas.LinkChanges {
	var c atlas.LinkChanges
	for k := range b {
		if !a[k] {
			c.Added = append(c.Added, atlas.Link{From: k[0], To: k[1]})
		}
	}
	for k := range a {
		if !b[k] {
			c.Removed = append(c.Removed, atlas.Link{From: k[0], To: k[1]})
		}
	}
	less := func(l []atlas.Link) func(i, j int) bool {
		return func(i, j int) bool { return l[i].From < l[j].From || (l[i].From == l[j].From && l[i].To < l[j].To) }
	}
	sort.Slice(c.Added, less(c.Added))
	sort.Slice(c.Removed, less(c.Removed))
	return c
}

// diffOf compares two loaded releases as read back from the graph.
func diffOf(ctx context.Context, s *store.Store, from, to string) (atlas.Diff, error) {
	a, err := s.Snapshot(ctx, from)
	if err != nil {
		return atlas.Diff{}, err
	}
	b, err := s.Snapshot(ctx, to)
	if err != nil {
		return atlas.Diff{}, err
	}
	return atlas.Compare(a, b), nil
}
