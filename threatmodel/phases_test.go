package threatmodel

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/analysis"
)

// Phase: residual paths go from an entry tactic to a goal tactic, over
// applicable techniques the controls do not cut, along observed transitions.
func TestResidualPathsPhase(t *testing.T) {
	_, in := release2605(t)
	trans := map[[2]string]bool{}
	for _, tr := range in.Transitions {
		trans[[2]string{tr.From, tr.To}] = true
	}
	inTactics := func(tech string, tactics []string) bool {
		for _, ta := range tactics {
			if slices.Contains(in.TacticTechniques[ta], tech) {
				return true
			}
		}
		return false
	}
	for _, name := range Templates {
		e := newTestEval(t, templateModel(t, name))
		runPhases(t, e, e.applicability, e.residualPaths)
		if len(e.rep.ResidualPaths) == 0 {
			t.Errorf("%s: no residual path", name)
		}
		for _, p := range e.rep.ResidualPaths {
			ts := p.Techniques
			if len(ts) < 2 || !inTactics(ts[0], EntryTactics) || !inTactics(ts[len(ts)-1], GoalTactics) {
				t.Errorf("%s: %s %v does not go from entry to goal", name, p.ID, ts)
			}
			for i, tech := range ts {
				if s := e.status[tech]; s == "" || s == StatusMitigated {
					t.Errorf("%s: %s goes through %s (%q)", name, p.ID, tech, s)
				}
				if i > 0 && !trans[[2]string{ts[i-1], tech}] {
					t.Errorf("%s: %s takes %s -> %s, never observed", name, p.ID, ts[i-1], tech)
				}
			}
		}
	}
}

// Phases: exposure counts by tactic, uncovered techniques, what each
// control does, warnings.
func TestSummaryPhases(t *testing.T) {
	_, in := release2605(t)
	for _, name := range Templates {
		m := templateModel(t, name)
		r := evaluate(t, m)
		status := map[string]string{}
		for _, a := range r.ApplicableTechniques {
			status[a.ID] = a.Status
		}
		for _, x := range r.Exposure {
			n := 0
			for _, tech := range in.TacticTechniques[x.Tactic] {
				if status[tech] != "" {
					n++
				}
			}
			if x.Applicable != n || x.Mitigated+x.Accepted+x.Residual != n {
				t.Errorf("%s: tactic %s counts %+v, want %d applicable", name, x.Tactic, x, n)
			}
		}
		uncovered := map[string]bool{}
		for _, u := range r.UncoveredTechniques {
			uncovered[u.ID] = true
		}
		for _, a := range r.ApplicableTechniques {
			if uncovered[a.ID] != (len(a.Effects) == 0) {
				t.Errorf("%s: %s uncovered = %v with %d mitigation links", name, a.ID, uncovered[a.ID], len(a.Effects))
			}
		}
		broken := map[string]bool{}
		for _, i := range r.Incidents {
			broken[i.CaseStudy] = i.Broken
		}
		for _, c := range r.Controls {
			for _, tech := range c.Techniques {
				a := techByID(r, tech)
				if a == nil || !slices.ContainsFunc(a.Effects, func(le LinkEffect) bool { return le.Mitigation == c.Mitigation }) {
					t.Errorf("%s: control %s claims %s", name, c.ID, tech)
				}
			}
			for _, b := range c.Breaks {
				if !broken[b] {
					t.Errorf("%s: control %s breaks %s, which is not broken", name, c.ID, b)
				}
			}
		}
		if len(r.Warnings) != 0 {
			t.Errorf("%s: warnings on a fully classified release: %v", name, r.Warnings)
		}
	}
}

// A mitigation without a curated entry is unclassified: it cuts nothing and
// the report warns about it.
func TestWarningsPhase(t *testing.T) {
	m := guardedChatbot(t, "controls:\n  - {mitigation: AML.M0020, status: implemented}\n")
	e := newTestEval(t, m)
	sem := *e.sem
	sem.Mitigations = maps.Clone(sem.Mitigations)
	delete(sem.Mitigations, "AML.M0020")
	e.sem = &sem
	runPhases(t, e, e.applicability, e.incidents, e.residualPaths, e.recommend)
	e.warnings()
	if !slices.ContainsFunc(e.rep.Warnings, func(w string) bool { return strings.Contains(w, "AML.M0020") }) {
		t.Errorf("no warning names AML.M0020: %v", e.rep.Warnings)
	}
	if a := e.byTech["AML.T0051.001"]; a == nil || a.Status == StatusMitigated {
		t.Error("an unclassified link cut prompt injection")
	}
	for _, rec := range e.rep.RecommendedMitigations {
		if rec.ID == "AML.M0020" {
			t.Error("an unclassified mitigation is recommended")
		}
	}
}

// SARIF: an unbroken exact incident is an error, a near one a note, and
// --fail-on incident counts exact ones only.
func TestSARIFIncidentLevels(t *testing.T) {
	m := templateModel(t, "agent-with-tools")
	r := evaluate(t, m)
	levels := map[string]string{}
	for _, res := range SARIFWith(m, r, SARIFOptions{}).Runs[0].Results {
		if strings.HasPrefix(res.RuleID, "AML.CS") {
			levels[res.RuleID] = res.Level
		}
	}
	exact, near := 0, 0
	for _, i := range r.Incidents {
		if i.Broken {
			continue
		}
		want := "error"
		if i.Match == MatchPartial {
			want, near = "note", near+1
		} else {
			exact++
		}
		if levels[i.CaseStudy] != want {
			t.Errorf("%s (%s): SARIF level %q, want %q", i.CaseStudy, i.Match, levels[i.CaseStudy], want)
		}
	}
	if near == 0 {
		t.Error("no unbroken near incident: the test proves nothing")
	}
	t.Logf("%d exact and %d near unbroken incidents", exact, near)
}

// chainCut: every route from a source to a sink must hold a cut step.
func TestChainCut(t *testing.T) {
	// S0 -> S1 -> S3, S0 -> S2 -> S3
	ch := analysis.Chain{ID: "c", Steps: []analysis.Step{
		{ID: "S0", Technique: "A", Next: []string{"S1", "S2"}},
		{ID: "S1", Technique: "B", Next: []string{"S3"}},
		{ID: "S2", Technique: "C", Next: []string{"S3"}},
		{ID: "S3", Technique: "D"},
	}}
	for _, c := range []struct {
		cut  []string
		want bool
	}{{nil, false}, {[]string{"B"}, false}, {[]string{"B", "C"}, true}, {[]string{"A"}, true}, {[]string{"D"}, true}, {[]string{"X"}, false}} {
		cut := map[string]bool{}
		for _, x := range c.cut {
			cut[x] = true
		}
		if got := chainCut(ch, cut); got != c.want {
			t.Errorf("cut %v: %v, want %v", c.cut, got, c.want)
		}
	}
}
