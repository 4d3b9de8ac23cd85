package threatmodel

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/analysis"
)

// newTestEval prepares one evaluation of m on ATLAS 2026.05, phases not run.
func newTestEval(t *testing.T, m *Model) *eval {
	t.Helper()
	rel, in := release2605(t)
	rs, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckRelease(rel.Version, in); err != nil {
		t.Fatal(err)
	}
	e, err := newEval(m, rel, in, rs, Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func runPhases(t *testing.T, e *eval, phases ...func(context.Context) error) {
	t.Helper()
	for _, p := range phases {
		if err := p(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// guardedChatbot is a RAG chatbot on a public wiki with an e-mail tool and
// input filtering (AML.M0020, which ATLAS maps to the parent AML.T0051).
func guardedChatbot(t *testing.T, controls string) *Model {
	t.Helper()
	src := `name: RAG chatbot on a public wiki
components:
  - {id: ui, kind: chat-ui, properties: {internetFacing: true, acceptsUntrustedContent: true}}
  - {id: agent, kind: agent-orchestrator, properties: {acceptsUntrustedContent: true}}
  - {id: llm, kind: hosted-model-api, properties: {acceptsUntrustedContent: true, hasSystemPrompt: true}}
  - {id: wiki, kind: document-ingestion, properties: {acceptsUntrustedContent: true, readsExternalContent: true}}
  - {id: rag, kind: rag-retriever}
  - {id: mail, kind: agent-tool, properties: {toolsWithWriteAccess: true}}
flows:
  - {from: ui, to: agent, trustBoundary: true}
  - {from: agent, to: llm}
  - {from: wiki, to: rag}
  - {from: rag, to: agent}
  - {from: agent, to: mail}
` + controls
	m, err := Parse("chatbot.yaml", []byte(src), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func techByID(r *Report, id string) *ApplicableTechnique {
	for i := range r.ApplicableTechniques {
		if r.ApplicableTechniques[i].ID == id {
			return &r.ApplicableTechniques[i]
		}
	}
	return nil
}

// Phase 1: a guardrail mapped to the parent prompt-injection technique cuts
// its sub-techniques (viaParent in the evidence); logging only sees them.
func TestApplicabilityPhase(t *testing.T) {
	e := newTestEval(t, guardedChatbot(t, "controls:\n  - {mitigation: AML.M0020, status: implemented}\n  - {mitigation: AML.M0024, status: implemented}\n"))
	runPhases(t, e, e.applicability)
	for _, id := range []string{"AML.T0051.000", "AML.T0051.001"} {
		a := e.byTech[id]
		if a == nil {
			t.Fatalf("%s is not applicable", id)
		}
		if a.Status != StatusMitigated || !slices.Contains(a.MitigatedBy, "AML.M0020") {
			t.Errorf("%s: status %s by %v, want mitigated by AML.M0020", id, a.Status, a.MitigatedBy)
		}
		via := false
		for _, ev := range a.Evidence {
			if ev.Control == "AML.M0020" && ev.ViaParent == "AML.T0051" && ev.Effect == "prevent" {
				via = true
			}
		}
		if !via {
			t.Errorf("%s: no evidence of AML.M0020 through its parent: %+v", id, a.Evidence)
		}
		if !slices.Contains(a.DetectedBy, "AML.M0024") {
			t.Errorf("%s: detected by %v, want AML.M0024", id, a.DetectedBy)
		}
	}
	if a := e.byTech["AML.T0086"]; a == nil || a.Status != StatusResidual || !slices.Contains(a.DetectedBy, "AML.M0024") {
		t.Errorf("AML.T0086 (exfiltration through the mail tool) must stay residual, seen by logging: %+v", a)
	}
}

// Nothing cuts an attacker-side step, and respond, people and publication
// links reduce without cutting, even with every mitigation implemented.
func TestNothingCutsTheAttackersSide(t *testing.T) {
	rel, _ := release2605(t)
	var controls strings.Builder
	controls.WriteString("controls:\n")
	for _, mi := range rel.Mitigations {
		fmt.Fprintf(&controls, "  - {mitigation: %s, status: implemented}\n", mi.ID)
	}
	r := evaluate(t, guardedChatbot(t, controls.String()))
	attacker := 0
	for _, a := range r.ApplicableTechniques {
		if Side(a.Side) != SideAttacker {
			continue
		}
		attacker++
		if a.Status != StatusResidual || len(a.MitigatedBy) > 0 {
			t.Errorf("%s (attacker side) is %s by %v", a.ID, a.Status, a.MitigatedBy)
		}
	}
	if attacker == 0 {
		t.Fatal("no attacker-side technique applies; the test proves nothing")
	}
	if a := techByID(r, "AML.T0000"); a == nil || !slices.Contains(a.ReducedBy, "AML.M0000") {
		t.Errorf("AML.T0000 should be reduced by AML.M0000 (what is published): %+v", a)
	}
}

// A step on the victim's system says more than one on the adversary's side,
// and a technique few reference systems have says more than one they all
// have; a technique every template has still adds nothing negative.
func TestStepEvidence(t *testing.T) {
	if d, a := stepEvidence(SideDefender, 0.3), stepEvidence(SideAttacker, 0.3); d <= a {
		t.Errorf("defender-side step adds %v, attacker-side %v", d, a)
	}
	if e, d := stepEvidence(SideEither, 0.3), stepEvidence(SideDefender, 0.3); e != d {
		t.Errorf("either-side step adds %v, defender-side %v", e, d)
	}
	if rare, common := stepEvidence(SideDefender, 0.1), stepEvidence(SideDefender, 0.9); rare <= common {
		t.Errorf("technique of no template adds %v, of all %v", rare, common)
	}
	if w := stepEvidence(SideDefender, 0.9); w < 0 {
		t.Errorf("a technique of every template adds %v", w)
	}
	rs, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	p, err := commonness(rs)
	if err != nil {
		t.Fatal(err)
	}
	// Reconnaissance of the organisation applies to every template; evasion
	// of a classifier only to the fraud classifier.
	if org, ev := p["AML.T0000"], p["AML.T0015"]; org <= ev || org > 1 || ev <= 0 {
		t.Errorf("commonness of AML.T0000 %v, of AML.T0015 %v", org, ev)
	}
}

// Among exact matches, size does not decide (it did: the biggest exact
// matches came first whatever they were made of). On the templates some
// exact incident comes before a bigger one, made of steps more systems
// share; on the fraud classifier, for one, the DGA-detector evasion (6
// steps) came after the deepfake-KYC case study (10 steps, mostly
// reconnaissance, phishing and generating deepfakes).
func TestIncidentsDistinctiveFirst(t *testing.T) {
	overtaken := 0
	for _, name := range Templates {
		r := evaluate(t, templateModel(t, name))
		for i, a := range r.Incidents {
			for _, b := range r.Incidents[i+1:] {
				if a.Match == MatchExact && b.Match == MatchExact && a.StepsApplicable < b.StepsApplicable {
					overtaken++
					if overtaken <= 3 {
						t.Logf("%s: %s (%d steps) before %s (%d steps)", name, a.CaseStudy, a.StepsApplicable, b.CaseStudy, b.StepsApplicable)
					}
				}
			}
		}
	}
	if overtaken == 0 {
		t.Error("exact incidents are in order of size on every template")
	}
}

// Phase 2: incidents are exact or partial (at least 60% of at least two
// steps), missing names what does not apply, exact ones come first and
// each group is in order of likeness (recomputed here from the release
// and the reference systems), and the summary and the CI gate count exact
// ones only.
func TestIncidentsPhase(t *testing.T) {
	rel, in := release2605(t)
	sem := semantics(t)
	links := LinksOf(rel)
	chains := map[string][]analysis.Step{}
	for _, ch := range in.Chains {
		chains[ch.ID] = ch.Steps
	}
	rs, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	common, err := commonness(rs)
	if err != nil {
		t.Fatal(err)
	}
	likeness := func(inc Incident) float64 {
		var l float64
		for _, s := range chains[inc.CaseStudy] {
			if slices.Contains(inc.Missing, s.Technique) {
				l -= missingStepCost
				continue
			}
			p, ok := common[s.Technique]
			if !ok {
				p = 0.5 / float64(len(Templates)+1)
			}
			l += stepEvidence(sem.StepSide(links, inc.CaseStudy, s.ID, s.Technique).Side, p)
		}
		return l
	}
	for _, name := range Templates {
		t.Run(name, func(t *testing.T) {
			m := templateModel(t, name)
			r := evaluate(t, m)
			exact, partial := 0, 0
			for i, inc := range r.Incidents {
				if inc.Rank != i+1 {
					t.Errorf("%s: rank %d at position %d", inc.CaseStudy, inc.Rank, i+1)
				}
				if inc.StepsTotal < 2 || inc.StepsApplicable > inc.StepsTotal || float64(inc.StepsApplicable) < 0.6*float64(inc.StepsTotal) {
					t.Errorf("%s: %d of %d steps apply", inc.CaseStudy, inc.StepsApplicable, inc.StepsTotal)
				}
				if len(inc.Missing) != inc.StepsTotal-inc.StepsApplicable {
					t.Errorf("%s: missing %v for %d of %d", inc.CaseStudy, inc.Missing, inc.StepsApplicable, inc.StepsTotal)
				}
				switch inc.Match {
				case MatchExact:
					exact++
					if len(inc.Missing) != 0 {
						t.Errorf("%s is exact with missing steps %v", inc.CaseStudy, inc.Missing)
					}
				case MatchPartial:
					partial++
				default:
					t.Errorf("%s: match %q", inc.CaseStudy, inc.Match)
				}
				if i > 0 {
					p := r.Incidents[i-1]
					if p.Match == MatchPartial && inc.Match == MatchExact {
						t.Errorf("exact %s is ranked after partial %s", inc.CaseStudy, p.CaseStudy)
					}
					if lp, li := likeness(p), likeness(inc); p.Match == inc.Match && lp < li-1e-9 {
						t.Errorf("%s (likeness %.3f) is ranked after %s (%.3f)", inc.CaseStudy, li, p.CaseStudy, lp)
					}
				}
			}
			if r.Summary.Incidents != exact || r.Summary.NearIncidents != partial {
				t.Errorf("summary %d incidents and %d near, counted %d and %d", r.Summary.Incidents, r.Summary.NearIncidents, exact, partial)
			}
			open := 0
			for _, inc := range r.Incidents {
				if inc.Match == MatchExact && !inc.Broken && !inc.Accepted {
					open++
				}
			}
			if got := Failure(r, []string{"incident"}); (open > 0) != (got != "") || (open > 0 && !strings.HasPrefix(got, fmt.Sprint(open))) {
				t.Errorf("failure %q with %d open exact incidents", got, open)
			}
		})
	}
}

// Detections: logging sees steps without cutting them; a model that counts
// detection turns the same steps into cuts.
func TestDetectionsAndCountDetection(t *testing.T) {
	ctl := "controls:\n  - {mitigation: AML.M0024, status: implemented}\n"
	r := evaluate(t, guardedChatbot(t, ctl))
	if len(r.Detections) == 0 || r.Summary.Detections != len(r.Detections) {
		t.Fatalf("no detections (%d counted)", r.Summary.Detections)
	}
	for _, d := range r.Detections {
		if !slices.Contains(d.Controls, "AML.M0024") || d.Step == "" || d.Incident == "" {
			t.Errorf("detection %+v", d)
		}
	}
	if r.Summary.Mitigated != 0 {
		t.Errorf("logging alone mitigates %d techniques", r.Summary.Mitigated)
	}
	counted := evaluate(t, guardedChatbot(t, ctl+"preferences: {countDetection: true}\n"))
	for _, d := range r.Detections {
		if a := techByID(counted, d.Technique); a.Status != StatusMitigated {
			t.Errorf("with countDetection, %s seen by logging is %s", d.Technique, a.Status)
		}
	}
}

// Phase 5: ranks are 1..n in order of score, residual ones come with a
// priority and the factors behind them.
func TestRankPhase(t *testing.T) {
	for _, name := range Templates {
		m := templateModel(t, name)
		r := evaluate(t, m)
		high := 0
		for i, a := range r.ApplicableTechniques {
			if a.Rank != i+1 {
				t.Errorf("%s: %s has rank %d at position %d", name, a.ID, a.Rank, i+1)
			}
			if i > 0 && r.ApplicableTechniques[i-1].Score < a.Score {
				t.Errorf("%s: %s (score %v) after a lower score", name, a.ID, a.Score)
			}
			if len(a.Why) == 0 {
				t.Errorf("%s: %s has no why", name, a.ID)
			}
			switch a.Priority {
			case PriorityHigh:
				high++
				if a.Status != StatusResidual {
					t.Errorf("%s: %s is %s and high priority", name, a.ID, a.Status)
				}
			case PriorityMedium, PriorityLow:
			default:
				t.Errorf("%s: %s priority %q", name, a.ID, a.Priority)
			}
		}
		if high == 0 {
			t.Errorf("%s: nothing is high priority", name)
		}
	}
}

// Preferences: an excluded mitigation is never recommended, and costs steer
// the choice.
func TestPreferences(t *testing.T) {
	base := evaluate(t, templateModel(t, "agent-with-tools"))
	if len(base.RecommendedMitigations) == 0 {
		t.Fatal("nothing recommended")
	}
	first := base.RecommendedMitigations[0].ID
	m := templateModel(t, "agent-with-tools")
	m.Preferences.Exclude = []string{first}
	r := evaluate(t, m)
	for _, rec := range r.RecommendedMitigations {
		if rec.ID == first {
			t.Errorf("%s is recommended although excluded", first)
		}
	}
	for _, rec := range base.RecommendedMitigations {
		if rec.Effect != string(EffectPrevent) {
			t.Errorf("%s: effect %q, want prevent", rec.ID, rec.Effect)
		}
	}
}

// The recommendation holds: implementing every recommended mitigation on
// the whole system leaves nothing more to recommend, on every template and
// on many generated models; and each item says what it adds.
func TestRecommendationsHold(t *testing.T) {
	check := func(t *testing.T, name string, m *Model, again func() *Model) {
		t.Helper()
		r := evaluate(t, m)
		for _, u := range r.Unbreakable {
			if slices.Contains(u.Techniques, "") || len(u.Techniques) == 0 {
				t.Errorf("%s: unbreakable %s has a blank or no step: %q", name, u.ID, u.Techniques)
			}
		}
		m2 := again()
		for i, rec := range r.RecommendedMitigations {
			if rec.Adds.TechniquesCut == nil || rec.Adds.IncidentsBroken == nil {
				t.Errorf("%s: %s has no adds", name, rec.ID)
			}
			if i == 0 && len(rec.Adds.IncidentsBroken) == 0 && rec.Adds.ResidualPathsRemoved == 0 && len(rec.Adds.TechniquesCut) == 0 {
				t.Errorf("%s: the first recommendation %s adds nothing", name, rec.ID)
			}
			m2.Controls = append(m2.Controls, Control{ID: "added-" + rec.ID, Mitigation: rec.ID, Status: StatusImplemented})
		}
		r2 := evaluate(t, m2)
		if len(r2.RecommendedMitigations) > 0 {
			var ids []string
			for _, rec := range r2.RecommendedMitigations {
				ids = append(ids, rec.ID)
			}
			t.Errorf("%s: after implementing %d recommendations, the report recommends %v", name, len(r.RecommendedMitigations), ids)
		}
		for _, inc := range r2.Incidents {
			if !inc.Broken && !inc.Accepted && !slices.ContainsFunc(r2.Unbreakable, func(u UnbreakableItem) bool { return u.ID == inc.CaseStudy }) {
				t.Errorf("%s: incident %s still open and not reported unbreakable", name, inc.CaseStudy)
			}
		}
	}
	for _, name := range Templates {
		t.Run(name, func(t *testing.T) {
			check(t, name, templateModel(t, name), func() *Model { return templateModel(t, name) })
		})
	}
	rng := rand.New(rand.NewPCG(19, 2026))
	for i := range 40 {
		seed := rng.Uint64()
		name := fmt.Sprintf("generated-%02d", i)
		t.Run(name, func(t *testing.T) {
			check(t, name, generatedModel(t, seed), func() *Model { return generatedModel(t, seed) })
		})
	}
}

// generatedModel builds a random valid model: components of random kinds
// and boolean properties, random flows, some controls of random statuses.
func generatedModel(t *testing.T, seed uint64) *Model {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	kinds := Kinds()
	var bools []string
	for _, p := range properties {
		if p.Type == TypeBool {
			bools = append(bools, p.Name)
		}
	}
	rel, _ := release2605(t)
	m := &Model{Name: fmt.Sprintf("generated %d", seed)}
	n := 2 + rng.IntN(7)
	for i := range n {
		c := Component{ID: fmt.Sprintf("c%d", i), Kind: kinds[rng.IntN(len(kinds))].Kind, Properties: map[string]Value{}}
		for _, p := range bools {
			if rng.IntN(4) == 0 {
				c.Properties[p] = Value{Type: TypeBool, Bool: true}
			}
		}
		m.Components = append(m.Components, c)
	}
	for range n + rng.IntN(n) {
		a, b := rng.IntN(n), rng.IntN(n)
		if a == b {
			continue
		}
		id := fmt.Sprintf("c%d->c%d", a, b)
		if slices.ContainsFunc(m.Flows, func(f Flow) bool { return f.ID == id }) {
			continue
		}
		m.Flows = append(m.Flows, Flow{ID: id, From: fmt.Sprintf("c%d", a), To: fmt.Sprintf("c%d", b), TrustBoundary: rng.IntN(3) == 0})
	}
	statuses := []Status{StatusImplemented, StatusImplemented, StatusPartial, StatusPlanned}
	for i := range rng.IntN(5) {
		mi := rel.Mitigations[rng.IntN(len(rel.Mitigations))]
		ctl := Control{ID: fmt.Sprintf("ctl%d", i), Mitigation: mi.ID, Status: statuses[rng.IntN(len(statuses))]}
		if rng.IntN(2) == 0 {
			ctl.Scope = []string{fmt.Sprintf("c%d", rng.IntN(n))}
		}
		m.Controls = append(m.Controls, ctl)
	}
	if err := m.Validate(Limits{}); err != nil {
		t.Fatal(err)
	}
	return m
}

// Reconnaissance of the owner and phishing of its staff belong to the
// organisation, not to the LLM or backend the rule fired on; only a control
// without a scope covers them.
func TestOrganisationLevelTechniques(t *testing.T) {
	r := evaluate(t, guardedChatbot(t, "controls:\n  - {mitigation: AML.M0034, status: implemented, scope: [llm]}\n"))
	for _, id := range []string{"AML.T0000", "AML.T0052", "AML.T0016"} {
		a := techByID(r, id)
		if a == nil {
			t.Fatalf("%s does not apply", id)
		}
		if len(a.Components) != 1 || a.Components[0] != Organisation {
			t.Errorf("%s applies to %v, want the organisation only", id, a.Components)
		}
	}
	if a := techByID(r, "AML.T0052"); a.Status == StatusMitigated {
		t.Error("a control scoped to the LLM cuts phishing of the organisation's staff")
	}
	org := evaluate(t, guardedChatbot(t, "controls:\n  - {mitigation: AML.M0034, status: implemented}\n"))
	if a := techByID(org, "AML.T0052.001"); a.Status != StatusMitigated {
		t.Errorf("an organisation-wide deepfake detection leaves deepfake phishing %s", a.Status)
	}
}

// Actors: adversaries (named by incidents) come before those who only
// demonstrated the techniques in exercises, and each has evidence.
func TestActorsRoles(t *testing.T) {
	m := templateModel(t, "rag-chatbot")
	r := evaluate(t, m)
	rel, _ := release2605(t)
	kind := map[string]string{}
	for _, cs := range rel.CaseStudies {
		kind[cs.ID] = cs.Type
	}
	score := map[string]float64{}
	for _, a := range r.ApplicableTechniques {
		score[a.ID] = a.Score
	}
	weight := func(a KnownActor) (w float64) {
		for _, t := range a.Techniques {
			w += score[t]
		}
		return w
	}
	seenResearcher, roles := false, map[string]int{}
	for i, a := range r.Actors {
		roles[a.Role]++
		if i > 0 && r.Actors[i-1].Role == a.Role && weight(r.Actors[i-1]) < weight(a) {
			t.Errorf("%s (techniques' scores %.2f) ranked after %s (%.2f)", a.ID, weight(a), r.Actors[i-1].ID, weight(r.Actors[i-1]))
		}
		if len(a.Techniques) == 0 || len(a.Evidence) == 0 {
			t.Errorf("%s has no evidence", a.ID)
		}
		incident := false
		for _, c := range a.CaseStudies {
			incident = incident || strings.EqualFold(kind[c], "incident")
		}
		switch a.Role {
		case RoleAdversary:
			if seenResearcher {
				t.Errorf("adversary %s listed after researchers", a.ID)
			}
			if a.Source == "atlas" && !incident {
				t.Errorf("%s is an adversary without an incident", a.ID)
			}
		case RoleResearcher:
			seenResearcher = true
			if incident {
				t.Errorf("%s is named by an incident but listed as a researcher", a.ID)
			}
		default:
			t.Errorf("%s: role %q", a.ID, a.Role)
		}
	}
	if roles[RoleAdversary] == 0 || roles[RoleResearcher] == 0 {
		t.Errorf("roles %v: want both", roles)
	}
}

// Applicability: a parent no case study records itself is not listed beside
// its sub-techniques (Exfiltration via AI Inference API beside model
// extraction); the sub-technique says it stands for it; a parent an
// accepted risk names stays listed.
func TestUmbrellaParents(t *testing.T) {
	_, in := release2605(t)
	used := map[string]bool{}
	for _, ch := range in.Chains {
		for _, s := range ch.Steps {
			used[s.Technique] = true
		}
	}
	src := `name: Public model
components:
  - {id: model, kind: self-hosted-model, properties: {internetFacing: true, returnsConfidenceScores: true}}
`
	for _, tc := range []struct {
		name, accepted string
		listed         bool
	}{
		{"umbrella", "", false},
		{"accepted", "acceptedRisks:\n  - {technique: AML.T0024, owner: cto, reason: cap, expires: \"2099-01-01\"}\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse("m.yaml", []byte(src+tc.accepted), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			r := evaluate(t, m)
			if used["AML.T0024"] {
				t.Fatal("the fixture needs a parent no case study of 2026.05 records, and AML.T0024 is recorded")
			}
			if got := techByID(r, "AML.T0024") != nil; got != tc.listed {
				t.Errorf("AML.T0024 listed = %v, want %v", got, tc.listed)
			}
			sub := techByID(r, "AML.T0024.002")
			if sub == nil {
				t.Fatal("AML.T0024.002 not applicable")
			}
			says := strings.Contains(strings.Join(sub.Why, "; "), "stands for its parent AML.T0024")
			if says == tc.listed {
				t.Errorf("AML.T0024.002 why %q: says it stands for its parent = %v", sub.Why, says)
			}
			for _, a := range r.ApplicableTechniques {
				if used[a.ID] || tc.listed {
					continue
				}
				for _, b := range r.ApplicableTechniques {
					if in.Knowledge.Parents[b.ID] == a.ID {
						t.Errorf("%s is listed beside its sub-technique %s though no case study records it", a.ID, b.ID)
						break
					}
				}
			}
		})
	}
}

// Ranking: a family's variants do not crowd the top, and the closest
// incidents' steps say so in why.
func TestRankFamiliesAndClosestIncidents(t *testing.T) {
	_, in := release2605(t)
	for _, name := range Templates {
		r := evaluate(t, templateModel(t, name))
		seen := map[string]int{}
		for _, a := range r.ApplicableTechniques {
			fam := a.ID
			if p := in.Knowledge.Parents[a.ID]; p != "" {
				fam = p
			}
			variant := false
			for _, w := range a.Why {
				variant = variant || strings.HasPrefix(w, "variant of ")
			}
			if variant != (seen[fam] > 0) {
				t.Errorf("%s: %s has %d family members above it, why %q", name, a.ID, seen[fam], a.Why)
			}
			seen[fam]++
		}
		if len(r.Incidents) == 0 {
			continue
		}
		first := r.Incidents[0].CaseStudy
		found := false
		for _, a := range r.ApplicableTechniques {
			for _, w := range a.Why {
				if strings.Contains(w, "incidents most like this system") && strings.Contains(w, first) {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("%s: no technique names the first incident %s among the closest", name, first)
		}
	}
}

// Actors: ATT&CK groups looked up by the rules' techniques keep only the
// techniques listed, so an umbrella parent names no group; a sub-technique
// grouped under its parent counts as the parent.
func TestExternalActorsKeepListedTechniques(t *testing.T) {
	rel, in := release2605(t)
	rs, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse("m.yaml", []byte("name: Public model\ncomponents:\n  - {id: model, kind: self-hosted-model, properties: {internetFacing: true}}\n"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	ev := func(tech string) Evidence { return Evidence{Release: "2026.05", Technique: tech} }
	opt := Options{AsOf: asOf, ExternalActors: []KnownActor{
		{ID: "G1", Source: "attack", Techniques: []string{"AML.T0024"}, Evidence: []Evidence{ev("AML.T0024")}},
		{ID: "G2", Source: "attack", Techniques: []string{"AML.T0024", "AML.T0024.002"}, Evidence: []Evidence{ev("AML.T0024"), ev("AML.T0024.002")}},
		{ID: "G3", Source: "attack", Techniques: []string{"AML.T0052.001"}, Evidence: []Evidence{ev("AML.T0052.001")}},
	}}
	r, err := Evaluate(context.Background(), m, rel, in, rs, opt)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, a := range r.Actors {
		if a.Source == "attack" {
			got[a.ID] = a.Techniques
			if len(a.Evidence) != len(a.Techniques) {
				t.Errorf("%s evidence %v for techniques %v", a.ID, a.Evidence, a.Techniques)
			}
		}
	}
	// G3's Deepfake-Assisted Phishing is grouped under Phishing, listed.
	if want := map[string][]string{"G2": {"AML.T0024.002"}, "G3": {"AML.T0052"}}; !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("ATT&CK actors %v, want %v", got, want)
	}
}

// A sub-technique no case study records is grouped under its listed parent
// (Deepfake-Assisted Phishing under Phishing), which names it in why; it
// stays listed where a control of the model is linked to it.
func TestUnrecordedSubTechniquesGrouped(t *testing.T) {
	_, in := release2605(t)
	for _, ch := range in.Chains {
		for _, s := range ch.Steps {
			if s.Technique == "AML.T0052.001" {
				t.Fatal("the fixture needs a sub-technique no case study of 2026.05 records, and AML.T0052.001 is recorded")
			}
		}
	}
	r := evaluate(t, guardedChatbot(t, ""))
	if techByID(r, "AML.T0052.001") != nil {
		t.Error("AML.T0052.001, which no case study records, is listed beside its parent")
	}
	p := techByID(r, "AML.T0052")
	if p == nil {
		t.Fatal("AML.T0052 does not apply")
	}
	if !slices.ContainsFunc(p.Why, func(w string) bool { return strings.Contains(w, "AML.T0052.001 (Deepfake-Assisted Phishing)") }) {
		t.Errorf("AML.T0052's why does not name the grouped sub-technique: %q", p.Why)
	}
	r = evaluate(t, guardedChatbot(t, "controls:\n  - {mitigation: AML.M0034, status: implemented}\n"))
	if techByID(r, "AML.T0052.001") == nil {
		t.Error("AML.T0052.001 is grouped away although a control (AML.M0034) is linked to it")
	}
}
