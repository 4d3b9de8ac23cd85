package analysis

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// tinyRelease has a linear case study, a branching one, one without steps,
// a sub-technique, a mitigation of a parent only and a tactic nothing
// achieves. Case studies and techniques are deliberately out of id order.
func tinyRelease() *atlas.Release {
	obj := func(id string) atlas.Object {
		return atlas.Object{ID: id, Name: "name of " + id, Description: "long text"}
	}
	return &atlas.Release{
		Version: "test.01",
		Tactics: []atlas.Tactic{{Object: obj("AML.TA0002"), Position: 1}, {Object: obj("AML.TA0011"), Position: 2}, {Object: obj("AML.TA0099"), Position: 3}},
		Techniques: []atlas.Technique{
			{Object: obj("AML.T0002"), Maturity: "Realized", Tactics: []string{"AML.TA0011"}},
			{Object: obj("AML.T0000"), Maturity: "Feasible", Tactics: []string{"AML.TA0002"}},
			{Object: obj("AML.T0000.000"), Maturity: "Demonstrated", Tactics: []string{"AML.TA0002"}, Parent: "AML.T0000"},
			{Object: obj("AML.T0001"), Tactics: []string{"AML.TA0002", "AML.TA0011"}},
		},
		Mitigations: []atlas.Mitigation{
			{Object: obj("AML.M0000"), Mitigates: []atlas.Mitigates{{Technique: "AML.T0000"}, {Technique: "AML.T0002", Description: "x"}}},
			{Object: obj("AML.M0001")},
		},
		CaseStudies: []atlas.CaseStudy{
			{Object: obj("AML.CS0001"), Steps: []atlas.Step{
				{ID: "S00", Technique: "AML.T0000.000", Tactic: "AML.TA0002", LeadsTo: []string{"S01", "S02"}},
				{ID: "S01", Technique: "AML.T0001", Tactic: "AML.TA0002", LeadsTo: []string{"S03"}},
				{ID: "S02", Technique: "AML.T0002", Tactic: "AML.TA0011", LeadsTo: []string{"S03"}},
				{ID: "S03", Technique: "AML.T0002", Tactic: "AML.TA0011"},
			}},
			{Object: obj("AML.CS0002")},
			{Object: obj("AML.CS0000"), Steps: []atlas.Step{
				{ID: "S00", Technique: "AML.T0000", Tactic: "AML.TA0002", LeadsTo: []string{"S01"}},
				{ID: "S01", Technique: "AML.T0002", Tactic: "AML.TA0011"},
			}},
		},
	}
}

func TestFromRelease(t *testing.T) {
	got := FromRelease(tinyRelease())
	want := &Input{
		Release: "test.01",
		Chains: []Chain{
			{ID: "AML.CS0000", Steps: []Step{
				{ID: "S00", Technique: "AML.T0000", Tactic: "AML.TA0002", Next: []string{"S01"}},
				{ID: "S01", Technique: "AML.T0002", Tactic: "AML.TA0011"},
			}},
			{ID: "AML.CS0001", Steps: []Step{
				{ID: "S00", Technique: "AML.T0000.000", Tactic: "AML.TA0002", Next: []string{"S01", "S02"}},
				{ID: "S01", Technique: "AML.T0001", Tactic: "AML.TA0002", Next: []string{"S03"}},
				{ID: "S02", Technique: "AML.T0002", Tactic: "AML.TA0011", Next: []string{"S03"}},
				{ID: "S03", Technique: "AML.T0002", Tactic: "AML.TA0011"},
			}},
		},
		Knowledge: Knowledge{
			Mitigates: map[string][]string{"AML.M0000": {"AML.T0000", "AML.T0002"}, "AML.M0001": {}},
			Parents:   map[string]string{"AML.T0000.000": "AML.T0000"},
		},
		Transitions: []Transition{
			{From: "AML.T0000", To: "AML.T0002", Count: 1, CaseStudies: []string{"AML.CS0000"}},
			{From: "AML.T0000.000", To: "AML.T0001", Count: 1, CaseStudies: []string{"AML.CS0001"}},
			{From: "AML.T0000.000", To: "AML.T0002", Count: 1, CaseStudies: []string{"AML.CS0001"}},
			{From: "AML.T0001", To: "AML.T0002", Count: 1, CaseStudies: []string{"AML.CS0001"}},
		},
		Techniques: []TechniqueInfo{
			{ID: "AML.T0000", Maturity: "Feasible", CaseStudyCount: 1},
			{ID: "AML.T0000.000", Maturity: "Demonstrated", CaseStudyCount: 1},
			{ID: "AML.T0001", CaseStudyCount: 1},
			{ID: "AML.T0002", Maturity: "Realized", CaseStudyCount: 2},
		},
		TacticTechniques: map[string][]string{
			"AML.TA0002": {"AML.T0000", "AML.T0000.000", "AML.T0001"},
			"AML.TA0011": {"AML.T0001", "AML.T0002"},
			"AML.TA0099": nil,
		},
		UsedBy: map[string][]string{
			"AML.T0000":     {"AML.CS0000"},
			"AML.T0000.000": {"AML.CS0001"},
			"AML.T0001":     {"AML.CS0001"},
			"AML.T0002":     {"AML.CS0000", "AML.CS0001"},
		},
	}
	// The unexported fields are indexes built on first use.
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(Input{}, Knowledge{})); diff != "" {
		t.Errorf("FromRelease (-want +got):\n%s", diff)
	}
}

// TestFromReleaseFeedsTheAnalyses runs each analysis on a converted release
// and checks answers worked out by hand.
func TestFromReleaseFeedsTheAnalyses(t *testing.T) {
	in := FromRelease(tinyRelease())
	tests := []struct {
		name    string
		inherit bool
		// AML.CS0001: S00 (sub of T0000) branches to S01 (T0001, never
		// mitigated) and S02 (T0002), both joining at S03 (T0002).
		wantBreakers []string
		wantUncov    []string
	}{
		// Without inheritance the route S00-S01-S03 is cut only at S03.
		{"direct", false, []string{"AML.M0000@S03"}, []string{"S00", "S01"}},
		// With inheritance M0000 covers the sub-technique at S00 too.
		{"inherit", true, []string{"AML.M0000@S00"}, []string{"S01"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch, ok := in.Chain("AML.CS0001")
			if !ok {
				t.Fatal("no chain for AML.CS0001")
			}
			rep, err := ChainMitigations(context.Background(), ch, in.Knowledge, Options{InheritFromParent: tc.inherit})
			if err != nil {
				t.Fatal(err)
			}
			var breakers []string
			for _, b := range rep.Breakers {
				breakers = append(breakers, b.Mitigation+"@"+b.BreaksAt)
			}
			if diff := cmp.Diff(tc.wantBreakers, breakers); diff != "" {
				t.Errorf("breakers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantUncov, rep.UncoveredSteps); diff != "" {
				t.Errorf("uncovered steps (-want +got):\n%s", diff)
			}
		})
	}

	gaps, err := CoverageGaps(context.Background(), in.Techniques, in.Knowledge, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]TechniqueInfo{{ID: "AML.T0000.000", Maturity: "Demonstrated", CaseStudyCount: 1}, {ID: "AML.T0001", CaseStudyCount: 1}}, gaps); diff != "" {
		t.Errorf("coverage gaps (-want +got):\n%s", diff)
	}

	from, _ := in.Endpoints("AML.TA0002")
	to, _ := in.Endpoints("AML.TA0011")
	res, err := AttackPaths(context.Background(), in.Transitions, PathQuery{From: from, To: to, MaxHops: 3, Limit: 10, MinSupport: 1}, in.Knowledge, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var paths [][]string
	for _, p := range res.Paths {
		paths = append(paths, p.Techniques)
	}
	// Every count is 1, so the sum ranks longer paths first.
	want := [][]string{
		{"AML.T0000.000", "AML.T0001", "AML.T0002"},
		{"AML.T0000", "AML.T0002"},
		{"AML.T0000.000", "AML.T0001"},
		{"AML.T0000.000", "AML.T0002"},
		{"AML.T0001", "AML.T0002"},
	}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("attack paths (-want +got):\n%s", diff)
	}
}

func TestChainFromTechniques(t *testing.T) {
	tests := []struct {
		name string
		ids  []string
		want Chain
	}{
		{"empty", nil, Chain{ID: UserChainID, Steps: []Step{}}},
		{"one", []string{"AML.T0000"}, Chain{ID: UserChainID, Steps: []Step{{ID: "S00", Technique: "AML.T0000"}}}},
		{"repeated", []string{"AML.T0000", "AML.T0001", "AML.T0000"}, Chain{ID: UserChainID, Steps: []Step{
			{ID: "S00", Technique: "AML.T0000", Next: []string{"S01"}},
			{ID: "S01", Technique: "AML.T0001", Next: []string{"S02"}},
			{ID: "S02", Technique: "AML.T0000"},
		}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ChainFromTechniques(tc.ids)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// A repeated technique is one step each time: M0000 hits both.
	in := FromRelease(tinyRelease())
	rep, err := ChainMitigations(context.Background(), ChainFromTechniques([]string{"AML.T0001", "AML.T0000", "AML.T0000"}), in.Knowledge, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Breakers) != 1 || rep.Breakers[0].BreaksAt != "S01" || !cmp.Equal(rep.Breakers[0].Steps, []string{"S01", "S02"}) {
		t.Errorf("breakers = %+v; want AML.M0000 hitting S01 and S02, breaking at S01", rep.Breakers)
	}
}

func TestInputLookups(t *testing.T) {
	in := FromRelease(tinyRelease())
	tests := []struct {
		id        string
		endpoints []string
		ok        bool
	}{
		{"AML.TA0011", []string{"AML.T0001", "AML.T0002"}, true},
		{"AML.TA0099", nil, true},
		{"AML.T0000.000", []string{"AML.T0000.000"}, true},
		{"AML.T9999", nil, false},
		{"AML.CS0000", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			got, ok := in.Endpoints(tc.id)
			if ok != tc.ok || !cmp.Equal(got, tc.endpoints, cmpopts.EquateEmpty()) {
				t.Errorf("Endpoints(%q) = %v, %v; want %v, %v", tc.id, got, ok, tc.endpoints, tc.ok)
			}
		})
	}
	if _, ok := in.Chain("AML.CS0002"); ok {
		t.Error("a case study without steps has a chain")
	}
	if _, ok := in.Chain("AML.CS0001"); !ok {
		t.Error("AML.CS0001 has no chain")
	}
	if !in.HasMitigation("AML.M0001") || in.HasMitigation("AML.M0002") {
		t.Error("HasMitigation is wrong")
	}
	if !in.HasTechnique("AML.T0002") || in.HasTechnique("AML.TA0002") {
		t.Error("HasTechnique is wrong")
	}
}

// TestKnowledgeIndexFollowsItsMap checks the mitigation index FromRelease
// attaches to Knowledge: reused across questions, and not used by a copy of
// the Knowledge whose Mitigates map was replaced, which must be answered from
// its own map.
func TestKnowledgeIndexFollowsItsMap(t *testing.T) {
	in := FromRelease(tinyRelease())
	ch, ok := in.Chain("AML.CS0000")
	if !ok {
		t.Fatal("no chain for AML.CS0000")
	}
	breakers := func(k Knowledge) []string {
		t.Helper()
		rep, err := ChainMitigations(context.Background(), ch, k, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, b := range rep.Breakers {
			out = append(out, b.Mitigation)
		}
		return out
	}
	first := breakers(in.Knowledge) // builds the index
	if len(first) == 0 {
		t.Fatal("no mitigation breaks AML.CS0000 in the tiny release; the test needs one")
	}
	if again := breakers(in.Knowledge); !cmp.Equal(first, again) {
		t.Errorf("the second question, on the built index, gives %v, the first %v", again, first)
	}
	// The same Knowledge with every mitigation covering nothing: nothing breaks the chain.
	empty := map[string][]string{}
	for m := range in.Knowledge.Mitigates {
		empty[m] = nil
	}
	copied := in.Knowledge
	copied.Mitigates = empty
	if got := breakers(copied); len(got) != 0 {
		t.Errorf("a copy with another Mitigates map answers from the original's index: %v", got)
	}
}
