package app

import (
	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/view"
)

// The answers of the analysis questions in the one vocabulary every face
// uses: the GraphQL types of graph/analysis.graphqls bind to these structs,
// and the command line's --json prints them. Objects are named by
// view.Technique, view.Tactic and view.Mitigation: GraphQL selects their
// fields, the JSON of the command line gives {"id", "name"} (the selection
// docs/cli.md documents).

// One step of a chain as the analysis sees it.
type ChainStep struct {
	// The step id within its case study (S00, S01, ...).
	StepID string `json:"stepId"`
	// The technique the step employs.
	Technique *view.Technique `json:"technique"`
	// The tactic of the step; null in a chain given as techniques.
	Tactic *view.Tactic `json:"tactic"`
}

// A mitigation and where it hits a chain.
type ChainBreaker struct {
	// The mitigation.
	Mitigation *view.Mitigation `json:"mitigation"`
	// The steps it covers, in step order.
	Hits []ChainStep `json:"hits"`
	// The first step at which its hits so far cut every route; null when it
	// does not break the chain on its own.
	EarliestBreak *ChainStep `json:"earliestBreak"`
	// What it does, as curated for this product: prevent, detect, respond
	// or unclassified (docs/threatmodel.md).
	Effect string `json:"effect"`
}

// Which mitigations break one chain.
type ChainAnalysis struct {
	// The release the answer was computed on.
	Release string `json:"release"`
	// The case-study id, or "techniques" for a chain given as techniques.
	Chain string `json:"chain"`
	// Whether all mitigations together break the chain.
	Breakable bool `json:"breakable"`
	// The steps in step order.
	Steps []ChainStep `json:"steps"`
	// Every mitigation that breaks the chain on its own, earliest break first.
	Mitigations []ChainBreaker `json:"mitigations"`
	// Mitigations that hit the chain without breaking it alone.
	Partial []ChainBreaker `json:"partial"`
	// Steps no mitigation covers.
	UncoveredSteps []ChainStep `json:"uncoveredSteps"`
	// A route with no covered step, when the chain is unbreakable.
	OpenRoute []ChainStep `json:"openRoute"`
	// The case studies behind the answer.
	Evidence []string `json:"evidence"`
}

// One member of a mitigation set.
type SetMember struct {
	// The mitigation.
	Mitigation *view.Mitigation `json:"mitigation"`
	// Its cost.
	Cost float64 `json:"cost"`
	// Whether it was required by the request.
	Required bool `json:"required"`
	// The chains (case-study ids) in which it covers a step.
	Chains []string `json:"chains"`
	// What it does, as curated for this product: prevent, detect, respond
	// or unclassified (docs/threatmodel.md).
	Effect string `json:"effect"`
}

// A set of mitigations and its cost.
type MitigationSetOption struct {
	// The sum of the members' costs.
	Cost float64 `json:"cost"`
	// The members, by mitigation id.
	Members []SetMember `json:"members"`
}

// A chain no allowed mitigation set breaks.
type UnbreakableChain struct {
	// The case-study id (or the path id for attack paths).
	ID string `json:"id"`
	// The steps no allowed mitigation covers.
	UncoveredSteps []string `json:"uncoveredSteps"`
	// A route through the chain with no covered step.
	Route []string `json:"route"`
}

// The cheapest set of mitigations that breaks every breakable chain in scope.
type MinimalMitigationSet struct {
	// The release the answer was computed on.
	Release string `json:"release"`
	// Whether the search proved the set optimal (false: the work bound or the
	// deadline stopped it).
	Optimal bool `json:"optimal"`
	// What stopped the search early: `budget` (the search nodes allowed),
	// `deadline` or `cancelled`; null when it finished.
	StoppedBy *string `json:"stoppedBy"`
	// No set cheaper than this exists.
	LowerBound float64 `json:"lowerBound"`
	// The cost of the set.
	Cost float64 `json:"cost"`
	// Search nodes used.
	SearchNodes int `json:"searchNodes"`
	// SearchSeconds is the wall time of the exact search itself, the solver
	// alone: after the route constraints are built, without reading the
	// release (a cached answer repeats its first computation's).
	SearchSeconds float64 `json:"searchSeconds"`
	// The mitigations of the set.
	Mitigations []view.Mitigation `json:"mitigations"`
	// The members with what each one breaks.
	Members []SetMember `json:"members"`
	// Other sets of the same cost.
	Alternatives []MitigationSetOption `json:"alternatives"`
	// The breakable chains the set breaks (the evidence).
	Chains []string `json:"chains"`
	// Chains nothing allowed can break, with the reason.
	Unbreakable []UnbreakableChain `json:"unbreakable"`
}

// One hop of an attack path.
type PathHop struct {
	// The technique before.
	From *view.Technique `json:"from"`
	// The technique after.
	To *view.Technique `json:"to"`
	// How many case studies show the hop.
	Count int `json:"count"`
	// The case studies that show the hop.
	CaseStudies []string `json:"caseStudies"`
}

// One attack path.
type AttackPath struct {
	// The techniques joined by "->".
	ID string `json:"id"`
	// The techniques in order.
	Techniques []view.Technique `json:"techniques"`
	// The hops with their evidence.
	Hops []PathHop `json:"hops"`
	// The support of the weakest hop (the ranking key).
	Support int `json:"support"`
	// The sum of the hops' support.
	TotalSupport int `json:"totalSupport"`
}

// Attack paths and what breaks them.
type AttackPathResult struct {
	// The release the answer was computed on.
	Release string `json:"release"`
	// The paths, best supported first.
	Paths []AttackPath `json:"paths"`
	// Whether the work bound or the request's deadline stopped the search (the
	// paths are then the best found, not all).
	Truncated bool `json:"truncated"`
	// What stopped the search early: `budget` (the expansions allowed),
	// `deadline` or `cancelled`; null when it finished.
	StoppedBy *string `json:"stoppedBy"`
	// Partial paths the search expanded.
	Expansions int `json:"expansions"`
	// The minimum set of mitigations breaking every returned path.
	MitigationSet *MinimalMitigationSet `json:"mitigationSet"`
	// Ids of the returned paths nothing can break.
	Unbreakable []string `json:"unbreakable"`
}

// A technique many chains and paths go through.
type TechniqueChokePoint struct {
	// The technique.
	Technique *view.Technique `json:"technique"`
	// Chains with a step using it.
	Chains int `json:"chains"`
	// Chains where every route uses it.
	Cuts int `json:"cuts"`
	// Paths through it.
	Paths int `json:"paths"`
}

// A mitigation that breaks many chains and paths.
type MitigationChokePoint struct {
	// The mitigation.
	Mitigation *view.Mitigation `json:"mitigation"`
	// Chains it breaks on its own.
	BreaksChains int `json:"breaksChains"`
	// Paths it breaks on its own.
	BreaksPaths int `json:"breaksPaths"`
	// Chains with a step it covers.
	HitsChains int `json:"hitsChains"`
	// What it does, as curated for this product: prevent, detect, respond
	// or unclassified (docs/threatmodel.md).
	Effect string `json:"effect"`
}

// Choke points of a release.
type ChokePoints struct {
	// The release the answer was computed on.
	Release string `json:"release"`
	// Techniques, most chains and paths first.
	Techniques []TechniqueChokePoint `json:"techniques"`
	// Mitigations, most chains and paths broken first.
	Mitigations []MitigationChokePoint `json:"mitigations"`
	// How many paths were counted.
	PathsCounted int `json:"pathsCounted"`
}

// A technique no mitigation covers.
type CoverageGap struct {
	// The technique.
	Technique *view.Technique `json:"technique"`
	// How many case studies use it.
	CaseStudyCount int `json:"caseStudyCount"`
	// The case studies that use it.
	CaseStudies []string `json:"caseStudies"`
}

// Techniques no mitigation covers.
type CoverageGaps struct {
	// The release the answer was computed on.
	Release string `json:"release"`
	// The uncovered techniques, Realized first, then most used.
	Techniques []CoverageGap `json:"techniques"`
}

// names gives the objects of a release answers point at; an id the release
// lacks gives an object with the id only.
type names struct{ a *AnalysisRelease }

// technique, tactic and mitigation return the release's own object,
// shared with every answer and never to be modified (a complete release
// does not change), or a stand-in holding only the id when the release has
// none. An attack-path answer names about 1,500 techniques: a copy of each
// was most of mapping the answer.
func (n names) technique(id string) *view.Technique {
	if n.a.View != nil {
		if t := n.a.View.TechniqueOrNil(id); t != nil {
			return t
		}
	}
	t, ok := n.a.Techniques[id]
	if !ok {
		return &view.Technique{Entity: view.Entity{ID: id}}
	}
	return &t
}

func (n names) tactic(id string) *view.Tactic {
	if id == "" {
		return nil
	}
	t, ok := n.a.Tactics[id]
	if !ok {
		return &view.Tactic{Entity: view.Entity{ID: id}}
	}
	return &t
}

func (n names) mitigation(id string) *view.Mitigation {
	if n.a.View != nil {
		if m := n.a.View.MitigationOrNil(id); m != nil {
			return m
		}
	}
	m, ok := n.a.Mitigations[id]
	if !ok {
		return &view.Mitigation{Entity: view.Entity{ID: id}}
	}
	return &m
}

// stepsOf maps step ids of a chain to ChainSteps.
func stepsOf(ch analysis.Chain, n names, ids []string) []ChainStep {
	byID := make(map[string]analysis.Step, len(ch.Steps))
	for _, s := range ch.Steps {
		byID[s.ID] = s
	}
	out := make([]ChainStep, 0, len(ids))
	for _, id := range ids {
		s := byID[id]
		out = append(out, ChainStep{StepID: id, Technique: n.technique(s.Technique), Tactic: n.tactic(s.Tactic)})
	}
	return out
}

// View is the answer in the vocabulary of every face: GraphQL's
// ChainAnalysis, and the command line's --json.
func (ans *ChainAnswer) View() *ChainAnalysis {
	n, ch, rep := names{ans.Release}, ans.Chain, ans.Report
	breakers := func(list []analysis.MitigationHits) []ChainBreaker {
		out := make([]ChainBreaker, 0, len(list))
		for _, b := range list {
			cb := ChainBreaker{Mitigation: n.mitigation(b.Mitigation), Hits: stepsOf(ch, n, b.Steps), Effect: n.a.Effects.Mitigation(b.Mitigation)}
			if b.BreaksAt != "" {
				s := stepsOf(ch, n, []string{b.BreaksAt})[0]
				cb.EarliestBreak = &s
			}
			out = append(out, cb)
		}
		return out
	}
	return &ChainAnalysis{
		Release: ans.Release.Version(), Chain: ch.ID, Breakable: rep.Breakable,
		Steps:          stepsOf(ch, n, rep.Order),
		Mitigations:    breakers(rep.Breakers),
		Partial:        breakers(rep.Partial),
		UncoveredSteps: stepsOf(ch, n, rep.UncoveredSteps),
		OpenRoute:      stepsOf(ch, n, rep.OpenRoute),
		Evidence:       nonNilIDs(ans.Evidence),
	}
}

// setResult maps a solver answer.
func setResult(a *AnalysisRelease, res analysis.SetResult) *MinimalMitigationSet {
	n := names{a}
	members := func(set analysis.MitigationSet) []SetMember {
		out := make([]SetMember, 0, len(set.Members))
		for _, m := range set.Members {
			out = append(out, SetMember{Mitigation: n.mitigation(m.Mitigation), Cost: m.Cost, Required: m.Required, Chains: nonNilIDs(m.Chains), Effect: n.a.Effects.Mitigation(m.Mitigation)})
		}
		return out
	}
	out := &MinimalMitigationSet{
		Release: a.Version(), Optimal: res.Optimal, StoppedBy: stopped(res.Stopped), LowerBound: res.LowerBound, Cost: res.Best.Cost, SearchNodes: res.Nodes, SearchSeconds: res.SearchTime.Seconds(),
		Members: members(res.Best), Chains: nonNilIDs(res.InScope), Unbreakable: []UnbreakableChain{},
		Mitigations: []view.Mitigation{}, Alternatives: []MitigationSetOption{},
	}
	for _, m := range res.Best.Members {
		out.Mitigations = append(out.Mitigations, *n.mitigation(m.Mitigation))
	}
	for _, alt := range res.Alternatives {
		out.Alternatives = append(out.Alternatives, MitigationSetOption{Cost: alt.Cost, Members: members(alt)})
	}
	for _, u := range res.Unbreakable {
		out.Unbreakable = append(out.Unbreakable, UnbreakableChain{ID: u.ChainID, UncoveredSteps: nonNilIDs(u.Steps), Route: nonNilIDs(u.Route)})
	}
	return out
}

// View is the answer as GraphQL's AttackPathResult.
func (ans *PathAnswer) View() *AttackPathResult {
	n, res := names{ans.Release}, ans.Result
	out := &AttackPathResult{Release: ans.Release.Version(), Truncated: res.Truncated, StoppedBy: stopped(res.Stopped), Expansions: res.Expansions,
		Paths: make([]AttackPath, 0, len(res.Paths)), Unbreakable: nonNilIDs(res.Unbreakable)}
	for _, p := range res.Paths {
		ap := AttackPath{ID: p.ID, Support: p.MinSupport, TotalSupport: p.TotalSupport,
			Techniques: make([]view.Technique, 0, len(p.Techniques))}
		if len(p.Hops) > 0 { // a path of one technique keeps no hops (null in JSON)
			ap.Hops = make([]PathHop, 0, len(p.Hops))
		}
		for _, t := range p.Techniques {
			ap.Techniques = append(ap.Techniques, *n.technique(t))
		}
		for _, h := range p.Hops {
			ap.Hops = append(ap.Hops, PathHop{From: n.technique(h.From), To: n.technique(h.To), Count: h.Count, CaseStudies: nonNilIDs(h.CaseStudies)})
		}
		out.Paths = append(out.Paths, ap)
	}
	out.MitigationSet = setResult(ans.Release, res.Mitigation)
	return out
}

// View is the answer as GraphQL's ChokePoints.
func (ans *ChokeAnswer) View() *ChokePoints {
	n, rep := names{ans.Release}, ans.Report
	counted := 0
	if ans.Paths != nil {
		counted = len(ans.Paths.Result.Paths)
	}
	out := &ChokePoints{Release: ans.Release.Version(), PathsCounted: counted, Techniques: []TechniqueChokePoint{}, Mitigations: []MitigationChokePoint{}}
	for _, t := range rep.Techniques {
		out.Techniques = append(out.Techniques, TechniqueChokePoint{Technique: n.technique(t.Technique), Chains: len(t.Chains), Cuts: len(t.Cuts), Paths: len(t.Paths)})
	}
	for _, m := range rep.Mitigations {
		out.Mitigations = append(out.Mitigations, MitigationChokePoint{Mitigation: n.mitigation(m.Mitigation), Effect: n.a.Effects.Mitigation(m.Mitigation),
			BreaksChains: len(m.BreaksChains), BreaksPaths: len(m.BreaksPaths), HitsChains: len(m.HitsChains)})
	}
	return out
}

// View is the answer as GraphQL's CoverageGaps.
func (ans *GapsAnswer) View() *CoverageGaps {
	n, gaps := names{ans.Release}, ans.Gaps
	out := &CoverageGaps{Release: ans.Release.Version(), Techniques: []CoverageGap{}}
	for _, g := range gaps {
		out.Techniques = append(out.Techniques, CoverageGap{Technique: n.technique(g.ID), CaseStudyCount: g.CaseStudyCount, CaseStudies: nonNilIDs(ans.Release.Input.UsedBy[g.ID])})
	}
	return out
}

// View is the answer as GraphQL's MinimalMitigationSet.
func (ans *SetAnswer) View() *MinimalMitigationSet { return setResult(ans.Release, ans.Result) }

// stopped maps why a search stopped early; nil when it finished.
func stopped(r analysis.StopReason) *string {
	if r == "" {
		return nil
	}
	s := string(r)
	return &s
}

func nonNilIDs(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
