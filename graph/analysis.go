package graph

import (
	"fmt"
	"slices"

	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/graph/model"
	"github.com/atlasgraph/atlasgraph/store"
)

// The analysis resolvers ask the application layer (app) and only map its
// answers to the schema's types here; the CLI presents the same answers.

// badInput is an argument error the client can fix.
func badInput(format string, args ...any) error {
	return fmt.Errorf("%w: %s", store.ErrBadInput, fmt.Sprintf(format, args...))
}

func optBool(b *bool) bool { return b != nil && *b }

func optInt(i *int, d int) int {
	if i == nil {
		return d
	}
	return *i
}

// names gives the objects of a release answers point at; an id the release
// lacks gives an object with the id only.
type names struct{ a *app.AnalysisRelease }

func (n names) technique(id string) *store.Technique {
	t, ok := n.a.Techniques[id]
	if !ok {
		return &store.Technique{Entity: store.Entity{ID: id}}
	}
	return &t
}

func (n names) tactic(id string) *store.Tactic {
	if id == "" {
		return nil
	}
	t, ok := n.a.Tactics[id]
	if !ok {
		return &store.Tactic{Entity: store.Entity{ID: id}}
	}
	return &t
}

func (n names) mitigation(id string) *store.Mitigation {
	m, ok := n.a.Mitigations[id]
	if !ok {
		return &store.Mitigation{Entity: store.Entity{ID: id}}
	}
	return &m
}

// stepsOf maps step ids of a chain to ChainSteps.
func stepsOf(ch analysis.Chain, n names, ids []string) []model.ChainStep {
	byID := make(map[string]analysis.Step, len(ch.Steps))
	for _, s := range ch.Steps {
		byID[s.ID] = s
	}
	out := make([]model.ChainStep, 0, len(ids))
	for _, id := range ids {
		s := byID[id]
		out = append(out, model.ChainStep{StepID: id, Technique: n.technique(s.Technique), Tactic: n.tactic(s.Tactic)})
	}
	return out
}

func chainAnalysis(ans *app.ChainAnswer) *model.ChainAnalysis {
	n, ch, rep := names{ans.Release}, ans.Chain, ans.Report
	breakers := func(list []analysis.MitigationHits) []model.ChainBreaker {
		out := make([]model.ChainBreaker, 0, len(list))
		for _, b := range list {
			cb := model.ChainBreaker{Mitigation: n.mitigation(b.Mitigation), Hits: stepsOf(ch, n, b.Steps)}
			if b.BreaksAt != "" {
				s := stepsOf(ch, n, []string{b.BreaksAt})[0]
				cb.EarliestBreak = &s
			}
			out = append(out, cb)
		}
		return out
	}
	return &model.ChainAnalysis{
		Release: ans.Release.Version(), Chain: ch.ID, Breakable: rep.Breakable,
		Steps:          stepsOf(ch, n, rep.Order),
		Mitigations:    breakers(rep.Breakers),
		Partial:        breakers(rep.Partial),
		UncoveredSteps: stepsOf(ch, n, rep.UncoveredSteps),
		OpenRoute:      stepsOf(ch, n, rep.OpenRoute),
		Evidence:       nonNil(ans.Evidence),
	}
}

// setResult maps a solver answer.
func setResult(a *app.AnalysisRelease, res analysis.SetResult) *model.MinimalMitigationSet {
	n := names{a}
	members := func(set analysis.MitigationSet) []model.SetMember {
		out := make([]model.SetMember, 0, len(set.Members))
		for _, m := range set.Members {
			out = append(out, model.SetMember{Mitigation: n.mitigation(m.Mitigation), Cost: m.Cost, Required: m.Required, Chains: nonNil(m.Chains)})
		}
		return out
	}
	out := &model.MinimalMitigationSet{
		Release: a.Version(), Optimal: res.Optimal, StoppedBy: stopped(res.Stopped), LowerBound: res.LowerBound, Cost: res.Best.Cost, SearchNodes: res.Nodes,
		Members: members(res.Best), Chains: nonNil(res.InScope), Unbreakable: []model.UnbreakableChain{},
		Mitigations: []store.Mitigation{}, Alternatives: []model.MitigationSetOption{},
	}
	for _, m := range res.Best.Members {
		out.Mitigations = append(out.Mitigations, *n.mitigation(m.Mitigation))
	}
	for _, alt := range res.Alternatives {
		out.Alternatives = append(out.Alternatives, model.MitigationSetOption{Cost: alt.Cost, Members: members(alt)})
	}
	for _, u := range res.Unbreakable {
		out.Unbreakable = append(out.Unbreakable, model.UnbreakableChain{ID: u.ChainID, UncoveredSteps: nonNil(u.Steps), Route: nonNil(u.Route)})
	}
	return out
}

func attackPathResult(ans *app.PathAnswer) *model.AttackPathResult {
	n, res := names{ans.Release}, ans.Result
	out := &model.AttackPathResult{Release: ans.Release.Version(), Truncated: res.Truncated, StoppedBy: stopped(res.Stopped), Expansions: res.Expansions,
		Paths: make([]model.AttackPath, 0, len(res.Paths)), Unbreakable: nonNil(res.Unbreakable)}
	for _, p := range res.Paths {
		// Sized once: the answer of 100 paths is written for every request
		// the response cache does not answer.
		ap := model.AttackPath{ID: p.ID, Support: p.MinSupport, TotalSupport: p.TotalSupport}
		ap.Techniques, ap.Hops = slices.Grow(ap.Techniques, len(p.Techniques)), slices.Grow(ap.Hops, len(p.Hops))
		for _, t := range p.Techniques {
			ap.Techniques = append(ap.Techniques, *n.technique(t))
		}
		for _, h := range p.Hops {
			ap.Hops = append(ap.Hops, model.PathHop{From: n.technique(h.From), To: n.technique(h.To), Count: h.Count, CaseStudies: nonNil(h.CaseStudies)})
		}
		out.Paths = append(out.Paths, ap)
	}
	out.MitigationSet = setResult(ans.Release, res.Mitigation)
	return out
}

func chokePoints(ans *app.ChokeAnswer) *model.ChokePoints {
	n, rep := names{ans.Release}, ans.Report
	counted := 0
	if ans.Paths != nil {
		counted = len(ans.Paths.Result.Paths)
	}
	out := &model.ChokePoints{Release: ans.Release.Version(), PathsCounted: counted, Techniques: []model.TechniqueChokePoint{}, Mitigations: []model.MitigationChokePoint{}}
	for _, t := range rep.Techniques {
		out.Techniques = append(out.Techniques, model.TechniqueChokePoint{Technique: n.technique(t.Technique), Chains: len(t.Chains), Cuts: len(t.Cuts), Paths: len(t.Paths)})
	}
	for _, m := range rep.Mitigations {
		out.Mitigations = append(out.Mitigations, model.MitigationChokePoint{Mitigation: n.mitigation(m.Mitigation),
			BreaksChains: len(m.BreaksChains), BreaksPaths: len(m.BreaksPaths), HitsChains: len(m.HitsChains)})
	}
	return out
}

func coverageGaps(ans *app.GapsAnswer, limit *int) *model.CoverageGaps {
	n, gaps := names{ans.Release}, ans.Gaps
	if limit != nil && len(gaps) > *limit {
		gaps = gaps[:*limit]
	}
	out := &model.CoverageGaps{Release: ans.Release.Version(), Techniques: []model.CoverageGap{}}
	for _, g := range gaps {
		out.Techniques = append(out.Techniques, model.CoverageGap{Technique: n.technique(g.ID), CaseStudyCount: g.CaseStudyCount, CaseStudies: nonNil(ans.Release.Input.UsedBy[g.ID])})
	}
	return out
}

// stopped maps why a search stopped early; nil when it finished.
func stopped(r analysis.StopReason) *string {
	if r == "" {
		return nil
	}
	s := string(r)
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
