package server_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/atlasgraph/atlasgraph/server"
)

// The contract queries of the issue, verbatim. Acceptance checks use them.
const (
	qReleases  = `{ releases { version format current counts { tactics techniques mitigations caseStudies steps actors } } }`
	qTechnique = `{ technique(id: "AML.T0051") { id name maturity platforms tactics { id } parent { id } subtechniques { id } mitigations { mitigation { id } description } caseStudies { id } } }`
	qCaseStudy = `{ caseStudy(id: "AML.CS0000") { id name type actorText actors { id name } steps { stepId technique { id } tactic { id } leadsTo { stepId } } } }`
	qActors    = `{ actors { id name caseStudies { id } techniques { technique { id } caseStudies { id } } } }`
)

var equateEmpty = cmpopts.EquateEmpty()

func TestContractReleases(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	var got struct {
		Releases []struct {
			Version, Format string
			Current         bool
			Counts          struct{ Tactics, Techniques, Mitigations, CaseStudies, Steps, Actors int }
		}
	}
	data(t, url, qReleases, &got)
	if len(got.Releases) != 1 {
		t.Fatalf("releases = %+v, want 2026.05 alone", got.Releases)
	}
	r := got.Releases[0]
	c := r.Counts
	if r.Version != e.raw.Version || r.Format != "v6" || !r.Current {
		t.Errorf("release = %+v, want %s v6 current", r, e.raw.Version)
	}
	want := []int{len(e.raw.Tactics), len(e.raw.Techniques), len(e.raw.Mitigations), len(e.raw.CaseStudies), e.raw.StepCount()}
	if diff := cmp.Diff(want, []int{c.Tactics, c.Techniques, c.Mitigations, c.CaseStudies, c.Steps}); diff != "" {
		t.Errorf("counts differ from the file (-file +api):\n%s", diff)
	}
	var actors struct{ Actors []idOnly }
	data(t, url, `{ actors { id } }`, &actors)
	if c.Actors != len(actors.Actors) || c.Actors == 0 {
		t.Errorf("counts.actors = %d, the actors list has %d", c.Actors, len(actors.Actors))
	}
}

// technique is the answer shape of the technique contract query.
type technique struct {
	ID, Name      string
	Maturity      *string
	Platforms     []string
	Tactics       []idOnly
	Parent        *idOnly
	Subtechniques []idOnly
	Mitigations   []struct {
		Mitigation  idOnly
		Description string
	}
	CaseStudies []idOnly
}

// expectTechnique computes the contract answer for one technique from the
// file, as rawatlas reads it.
func expectTechnique(e *env, plats map[string][]string, id string) technique {
	raw := e.raw
	w := technique{ID: id, Name: raw.Techniques[id], Platforms: plats[id]}
	if m := raw.Maturity[id]; m != "" {
		w.Maturity = &m
	}
	for _, ta := range raw.Order { // matrix order
		if raw.Achieves[[2]string{id, ta}] {
			w.Tactics = append(w.Tactics, idOnly{ta})
		}
	}
	if p, ok := raw.Parent[id]; ok {
		w.Parent = &idOnly{p}
	}
	var subs, mits, cases []string
	for sub, p := range raw.Parent {
		if p == id {
			subs = append(subs, sub)
		}
	}
	for k := range raw.Mitigates {
		if k[1] == id {
			mits = append(mits, k[0])
		}
	}
	for cs, steps := range raw.Steps {
		for _, s := range steps {
			if s.Technique == id {
				cases = append(cases, cs)
				break
			}
		}
	}
	for _, s := range sorted(subs) {
		w.Subtechniques = append(w.Subtechniques, idOnly{s})
	}
	for _, m := range sorted(mits) {
		w.Mitigations = append(w.Mitigations, struct {
			Mitigation  idOnly
			Description string
		}{idOnly{m}, raw.Mitigates[[2]string{m, id}]})
	}
	for _, c := range sorted(cases) {
		w.CaseStudies = append(w.CaseStudies, idOnly{c})
	}
	return w
}

func TestContractTechnique(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	plats := platforms(t, e.path)
	var got struct{ Technique technique }
	data(t, url, qTechnique, &got)
	want := expectTechnique(e, plats, "AML.T0051")
	if diff := cmp.Diff(want, got.Technique, equateEmpty); diff != "" {
		t.Errorf("AML.T0051 differs from the file (-file +api):\n%s", diff)
	}
	if len(want.Subtechniques) == 0 || len(want.Mitigations) == 0 || len(want.CaseStudies) == 0 {
		t.Errorf("AML.T0051 has no sub-techniques, mitigations or case studies in the file: the test would prove little")
	}

	// The same fields for every technique, through the list.
	var all struct{ Techniques []technique }
	data(t, url, `{ techniques { id name maturity platforms tactics { id } parent { id } subtechniques { id } mitigations { mitigation { id } description } caseStudies { id } } }`, &all)
	if len(all.Techniques) != len(e.raw.Techniques) {
		t.Fatalf("techniques lists %d, the file has %d", len(all.Techniques), len(e.raw.Techniques))
	}
	for _, te := range all.Techniques {
		if diff := cmp.Diff(expectTechnique(e, plats, te.ID), te, equateEmpty); diff != "" {
			t.Errorf("%s differs from the file (-file +api):\n%s", te.ID, diff)
		}
	}
}

func TestContractCaseStudy(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	type step struct {
		StepID    string
		Technique idOnly
		Tactic    idOnly
		LeadsTo   []struct{ StepID string }
	}
	var got struct {
		CaseStudy struct {
			ID, Name, Type, ActorText string
			Actors                    []struct{ ID, Name string }
			Steps                     []step
		}
	}
	data(t, url, qCaseStudy, &got)
	cs := got.CaseStudy
	raw := e.raw
	if cs.ID != "AML.CS0000" || cs.Name != raw.CaseStudies["AML.CS0000"] || cs.ActorText != raw.ActorText["AML.CS0000"] {
		t.Errorf("case study = %q %q actor %q; file: %q actor %q", cs.ID, cs.Name, cs.ActorText, raw.CaseStudies["AML.CS0000"], raw.ActorText["AML.CS0000"])
	}
	if cs.Type != "Incident" && cs.Type != "Exercise" {
		t.Errorf("type = %q", cs.Type)
	}
	var want []step
	var stepIDs []string
	for id := range raw.Steps["AML.CS0000"] {
		stepIDs = append(stepIDs, id)
	}
	for _, id := range sorted(stepIDs) { // S00, S01, ... sort as text
		s := raw.Steps["AML.CS0000"][id]
		w := step{StepID: id, Technique: idOnly{s.Technique}, Tactic: idOnly{s.Tactic}}
		for _, n := range s.Next {
			w.LeadsTo = append(w.LeadsTo, struct{ StepID string }{n})
		}
		want = append(want, w)
	}
	if diff := cmp.Diff(want, cs.Steps, equateEmpty); diff != "" {
		t.Errorf("steps differ from the file (-file +api):\n%s", diff)
	}
	if len(cs.Actors) == 0 {
		t.Errorf("no actor for %q", cs.ActorText)
	}
	for _, a := range cs.Actors {
		if !strings.Contains(strings.ToLower(cs.ActorText), strings.ToLower(a.Name)) {
			t.Errorf("actor %q is not named in the actor field %q", a.Name, cs.ActorText)
		}
	}
}

func TestContractActors(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	var got struct {
		Actors []struct {
			ID, Name    string
			CaseStudies []idOnly
			Techniques  []struct {
				Technique   idOnly
				CaseStudies []idOnly
			}
		}
	}
	data(t, url, qActors, &got)
	if len(got.Actors) == 0 {
		t.Fatal("no actors")
	}
	raw := e.raw
	for _, a := range got.Actors {
		if len(a.CaseStudies) == 0 {
			t.Errorf("actor %s has no case study", a.ID)
		}
		// Expected techniques: those of the steps of the actor's case
		// studies, each with the case studies that use it.
		want := map[string][]string{}
		for _, cs := range a.CaseStudies {
			if _, ok := raw.CaseStudies[cs.ID]; !ok {
				t.Errorf("actor %s: case study %s is not in the file", a.ID, cs.ID)
			}
			if raw.ActorText[cs.ID] == "" {
				t.Errorf("actor %s: case study %s names no actor in the file", a.ID, cs.ID)
			}
			seen := map[string]bool{}
			for _, s := range raw.Steps[cs.ID] {
				if !seen[s.Technique] {
					seen[s.Technique] = true
					want[s.Technique] = append(want[s.Technique], cs.ID)
				}
			}
		}
		gotT := map[string][]string{}
		var order []string
		for _, te := range a.Techniques {
			gotT[te.Technique.ID] = ids(te.CaseStudies)
			order = append(order, te.Technique.ID)
		}
		for k := range want {
			sort.Strings(want[k])
		}
		if diff := cmp.Diff(want, gotT, equateEmpty); diff != "" {
			t.Errorf("actor %s: techniques differ from the file's steps (-file +api):\n%s", a.ID, diff)
		}
		if !sort.StringsAreSorted(order) {
			t.Errorf("actor %s: techniques are not sorted by id: %v", a.ID, order)
		}
	}
}

func TestNoNPlusOne(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	// The first question reads the current release into memory, unless
	// the server's warm-up did it already: a fixed number of queries (the
	// catalogue, one per kind of object and one per relationship, and the
	// digest again), whatever the release's size.
	before := metric(t, url, "atlasgraph_cypher_queries_total")
	data(t, url, `{ technique(id: "AML.T0051") { id } }`, &map[string]any{})
	if n := int(metric(t, url, "atlasgraph_cypher_queries_total") - before); n > 30 {
		t.Errorf("reading the release took %d Cypher round trips, want at most 30", n)
	} else {
		t.Logf("reading the release: %d round trips", n)
	}
	cases := []struct {
		name  string
		query string
		// most is the number of Cypher round trips allowed: the release is
		// in memory, so none, or one when the catalogue of releases is
		// read again (it is older than the poll interval on a slow run).
		most int
	}{
		{"deep", `{ techniques { id tactics { id } mitigations { mitigation { id } description } caseStudies { id } } }`, 1},
		// The actor directory merges ATT&CK groups, read from Neo4j: a few
		// queries, never one per actor.
		{"actors", qActors, 5},
		{"case study", qCaseStudy, 1},
		{"nested lists", `{ tactics { techniques { id mitigations { mitigation { id } } subtechniques { id } } } }`, 1},
		{"through links", `{ techniques { mitigations { mitigation { techniques { technique { id } } } } } }`, 1},
		{"connection", `{ techniquesConnection(first: 50) { edges { node { tactics { id } } } } }`, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := metric(t, url, "atlasgraph_cypher_queries_total")
			data(t, url, c.query, &map[string]any{})
			n := int(metric(t, url, "atlasgraph_cypher_queries_total") - before)
			if n > c.most {
				t.Errorf("%d Cypher round trips, want at most %d", n, c.most)
			}
			t.Logf("%d round trips", n)
		})
	}
}
