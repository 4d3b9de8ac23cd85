package server_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/server"
)

// The three analysis queries of the acceptance checks, compared with
// computations written here from the raw file.

func TestChainMitigationsContract(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	var got struct {
		ChainMitigations struct {
			Breakable   bool
			Mitigations []struct {
				Mitigation    struct{ ID string }
				Hits          []struct{ StepID string }
				EarliestBreak struct{ StepID string }
			}
			UncoveredSteps []struct{ StepID string }
		}
	}
	data(t, url, `{ chainMitigations(caseStudy: "AML.CS0000") { breakable mitigations { mitigation { id } hits { stepId } earliestBreak { stepId } } uncoveredSteps { stepId } } }`, &got)

	// AML.CS0000 is linear, so a mitigation breaks it alone exactly when it
	// mitigates the technique of some step; its earliest break is its first hit.
	steps := e.raw.Steps["AML.CS0000"]
	var ids []string
	for id := range steps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	hits := map[string][]string{}
	covered := map[string]bool{}
	for k := range e.raw.Mitigates {
		for _, s := range ids {
			if steps[s].Technique == k[1] {
				hits[k[0]] = append(hits[k[0]], s)
				covered[s] = true
			}
		}
	}
	if len(got.ChainMitigations.Mitigations) != len(hits) || len(hits) == 0 {
		t.Fatalf("%d breaking mitigations, the file gives %d", len(got.ChainMitigations.Mitigations), len(hits))
	}
	for _, m := range got.ChainMitigations.Mitigations {
		want := hits[m.Mitigation.ID]
		sort.Strings(want)
		var h []string
		for _, s := range m.Hits {
			h = append(h, s.StepID)
		}
		if strings.Join(h, ",") != strings.Join(want, ",") || m.EarliestBreak.StepID != want[0] {
			t.Errorf("%s hits %v (earliest %s), file %v", m.Mitigation.ID, h, m.EarliestBreak.StepID, want)
		}
	}
	var uncovered []string
	for _, s := range ids {
		if !covered[s] {
			uncovered = append(uncovered, s)
		}
	}
	var gotUncovered []string
	for _, s := range got.ChainMitigations.UncoveredSteps {
		gotUncovered = append(gotUncovered, s.StepID)
	}
	if strings.Join(gotUncovered, ",") != strings.Join(uncovered, ",") || got.ChainMitigations.Breakable != (len(hits) > 0) {
		t.Errorf("uncovered %v breakable %v; file %v", gotUncovered, got.ChainMitigations.Breakable, uncovered)
	}
}

func TestMinimalMitigationSetContract(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	var got struct {
		MinimalMitigationSet struct {
			Optimal     bool
			Mitigations []struct{ ID string }
			Unbreakable []struct{ ID string }
		}
	}
	data(t, url, `{ minimalMitigationSet { optimal mitigations { id } unbreakable { id } } }`, &got)
	res := got.MinimalMitigationSet
	if !res.Optimal || len(res.Mitigations) == 0 {
		t.Fatalf("answer %+v", res)
	}
	// Every case study in 2026.05 is linear: it is unbreakable exactly when
	// no step's technique is mitigated, and the set must hit every other one.
	mitigated := map[string]bool{}
	for k := range e.raw.Mitigates {
		mitigated[k[1]] = true
	}
	set := map[string]bool{}
	for _, m := range res.Mitigations {
		set[m.ID] = true
	}
	unbreakable := map[string]bool{}
	for _, u := range res.Unbreakable {
		unbreakable[u.ID] = true
	}
	for cs, steps := range e.raw.Steps {
		if len(steps) == 0 {
			continue
		}
		breakable, hit := false, false
		for _, s := range steps {
			if mitigated[s.Technique] {
				breakable = true
			}
			for k := range e.raw.Mitigates {
				if set[k[0]] && k[1] == s.Technique {
					hit = true
				}
			}
		}
		if breakable == unbreakable[cs] {
			t.Errorf("%s: breakable %v but unbreakable listed %v", cs, breakable, unbreakable[cs])
		}
		if breakable && !hit {
			t.Errorf("%s is breakable but the set does not break it", cs)
		}
	}
	// No smaller set breaks them all: drop each member in turn.
	for drop := range set {
		ok := true
		for cs, steps := range e.raw.Steps {
			if unbreakable[cs] || len(steps) == 0 {
				continue
			}
			hit := false
			for _, s := range steps {
				for k := range e.raw.Mitigates {
					if set[k[0]] && k[0] != drop && k[1] == s.Technique {
						hit = true
					}
				}
			}
			ok = ok && hit
		}
		if ok {
			t.Errorf("the set without %s still breaks every chain: not minimal", drop)
		}
	}
}

func TestAttackPathsContract(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	var got struct {
		AttackPaths struct {
			Paths []struct {
				Techniques []struct{ ID string }
				Support    int
			}
		}
	}
	data(t, url, `{ attackPaths(from: "AML.TA0002", to: "AML.TA0011", maxHops: 5, limit: 20) { paths { techniques { id } support } } }`, &got)
	paths := got.AttackPaths.Paths
	if len(paths) == 0 || len(paths) > 20 {
		t.Fatalf("%d paths", len(paths))
	}
	tr := e.raw.Transitions()
	achieves := func(tech, tactic string) bool { return e.raw.Achieves[[2]string{tech, tactic}] }
	prev := 1 << 30
	for _, p := range paths {
		ids := []string{}
		for _, x := range p.Techniques {
			ids = append(ids, x.ID)
		}
		if !achieves(ids[0], "AML.TA0002") || !achieves(ids[len(ids)-1], "AML.TA0011") || len(ids) < 2 || len(ids) > 6 {
			t.Errorf("path %v does not run from Reconnaissance to Impact in 1..5 hops", ids)
		}
		seen := map[string]bool{}
		min := 1 << 30
		for i, id := range ids {
			if seen[id] {
				t.Errorf("path %v visits %s twice", ids, id)
			}
			seen[id] = true
			if i > 0 {
				cases := tr[[2]string{ids[i-1], id}]
				if len(cases) == 0 {
					t.Errorf("path %v: no case study shows %s -> %s", ids, ids[i-1], id)
				}
				min = minInt(min, len(cases))
			}
		}
		if p.Support != min || p.Support > prev {
			t.Errorf("path %v support %d, file %d (previous %d): not ranked by evidence", ids, p.Support, min, prev)
		}
		prev = p.Support
	}
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func TestAnalysisErrors(t *testing.T) {
	e := setup(t)
	_, url := newServer(t, e.store, server.Config{})
	tests := []struct{ query, code, msg string }{
		{`{ chainMitigations(caseStudy: "AML.CS9999") { breakable } }`, "NOT_FOUND", `case study "AML.CS9999" is not in release 2026.05`},
		{`{ chainMitigations { breakable } }`, "BAD_INPUT", "give either caseStudy or techniques"},
		{`{ chainMitigations(techniques: ["AML.T9999"]) { breakable } }`, "NOT_FOUND", `technique "AML.T9999"`},
		{`{ attackPaths(from: "AML.TA0002", to: "AML.TA0011", maxHops: 9) { truncated } }`, "BAD_INPUT", "max hops must be between 1 and 8"},
		{`{ attackPaths(from: "AML.TA0002", to: "AML.TA0011", limit: 501) { truncated } }`, "BAD_INPUT", "limit must be between 1 and 500"},
		{`{ attackPaths(from: "AML.X", to: "AML.TA0011") { truncated } }`, "NOT_FOUND", `"AML.X"`},
		{`{ minimalMitigationSet(costs: [{mitigation: "AML.M0000", cost: -1}]) { optimal } }`, "BAD_INPUT", "cost"},
		{`{ minimalMitigationSet(require: ["AML.M9999"]) { optimal } }`, "NOT_FOUND", `mitigation "AML.M9999"`},
		{`{ coverageGaps(release: "1.0") { release } }`, "NOT_FOUND", `release "1.0" is not loaded`},
	}
	for _, tt := range tests {
		r := post(t, url, tt.query, nil)
		if len(r.Errors) == 0 || r.Errors[0].code() != tt.code || !strings.Contains(r.Errors[0].Message, tt.msg) {
			t.Errorf("%s: %s", tt.query, r.raw)
		}
	}
	var ok struct {
		ChainMitigations struct {
			Chain    string
			Release  string
			Evidence []string
		}
		CoverageGaps struct {
			Techniques []struct{ CaseStudyCount int }
		}
		ChokePoints struct{ Techniques []struct{ Chains int } }
	}
	data(t, url, `{ chainMitigations(techniques: ["AML.T0000", "AML.T0051"]) { chain release evidence }
  coverageGaps(limit: 5) { techniques { caseStudyCount } } chokePoints(limit: 3) { techniques { chains } } }`, &ok)
	if ok.ChainMitigations.Chain != "techniques" || ok.ChainMitigations.Release != "2026.05" || len(ok.ChokePoints.Techniques) != 3 || len(ok.CoverageGaps.Techniques) == 0 {
		t.Errorf("answers %+v", ok)
	}
}
