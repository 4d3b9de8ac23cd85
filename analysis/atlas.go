package analysis

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// Input is everything the analyses need from one ATLAS release, built by
// [FromRelease]. It is read, never modified, by the functions of this package,
// so one Input can serve many concurrent requests.
type Input struct {
	// Release is the version of the release the input was built from.
	Release string
	// Chains has one chain per case study with at least one step, sorted by
	// case-study id. A chain's id is the case-study id and its step ids are
	// the case study's step ids (S00, S01, ...).
	Chains []Chain
	// Knowledge holds every mitigation, with the techniques it mitigates,
	// and every sub-technique's parent.
	Knowledge Knowledge
	// Transitions are the observed technique-to-technique moves of the
	// release (see atlas.Release.Transitions), sorted by From then To.
	Transitions []Transition
	// Techniques has one entry per technique of the release, sorted by id.
	// CaseStudyCount counts the case studies with a step using the technique
	// itself; a case study using only a sub-technique does not count for its
	// parent.
	Techniques []TechniqueInfo
	// TacticTechniques maps a tactic id to the sorted ids of the techniques
	// that achieve it. Every tactic of the release is a key.
	TacticTechniques map[string][]string
	// UsedBy maps a technique id to the sorted ids of the case studies with
	// a step using it: the evidence behind a technique's case-study count.
	UsedBy map[string][]string

	// paths is Transitions indexed for path questions, built on first use
	// (nil in an Input not made by FromRelease: each question indexes
	// Transitions again).
	paths *lazyPathGraph
}

// lazyPathGraph builds a PathGraph once, when first asked.
type lazyPathGraph struct {
	once  sync.Once
	graph *PathGraph
	err   error
}

// AttackPaths answers a path question over the release's transitions, as
// [AttackPaths] does with in.Transitions and in.Knowledge, but indexes the
// transitions only once per Input (on the first question), so that a
// question costs what its search visits rather than a pass over every
// transition. It assumes, as every function here does, that the Input is
// not modified after FromRelease.
func (in *Input) AttackPaths(ctx context.Context, q PathQuery, opts Options) (PathResult, error) {
	if in.paths == nil {
		return AttackPaths(ctx, in.Transitions, q, in.Knowledge, opts)
	}
	if err := checkPathQuery(q, in.Knowledge); err != nil {
		return PathResult{}, err
	}
	in.paths.once.Do(func() { in.paths.graph, in.paths.err = NewPathGraph(in.Transitions) })
	if in.paths.err != nil {
		return PathResult{}, in.paths.err
	}
	return in.paths.graph.attackPaths(ctx, q, in.Knowledge, opts)
}

// Index builds at once what the questions would otherwise build on first
// use: the transitions indexed for path questions and each technique's
// mitigations. A server calls it before it serves a release, so that no
// request pays for it. It is safe to call more than once, and concurrently
// with questions; the error is the one a path question would return.
func (in *Input) Index() error {
	_ = in.Knowledge.mitigations()
	if in.paths == nil {
		return nil
	}
	in.paths.once.Do(func() { in.paths.graph, in.paths.err = NewPathGraph(in.Transitions) })
	return in.paths.err
}

// FromRelease converts a release into analysis inputs. It trusts the release
// to be valid, as the loader and the store hand it over: it does not check
// that steps name known techniques or that chains are acyclic (the analyses
// report malformed chains themselves). Case studies without steps give no
// chain. It keeps no reference to rel.
func FromRelease(rel *atlas.Release) *Input {
	in := &Input{
		Release:          rel.Version,
		Knowledge:        Knowledge{Mitigates: make(map[string][]string, len(rel.Mitigations)), Parents: map[string]string{}, index: &mitigationIndex{}},
		TacticTechniques: make(map[string][]string, len(rel.Tactics)),
		UsedBy:           map[string][]string{},
		paths:            &lazyPathGraph{},
	}
	for _, ta := range rel.Tactics {
		in.TacticTechniques[ta.ID] = nil
	}
	for _, t := range rel.Techniques {
		if t.Parent != "" {
			in.Knowledge.Parents[t.ID] = t.Parent
		}
		for _, ta := range t.Tactics {
			in.TacticTechniques[ta] = append(in.TacticTechniques[ta], t.ID)
		}
	}
	for ta, ids := range in.TacticTechniques {
		slices.Sort(ids)
		in.TacticTechniques[ta] = slices.Compact(ids)
	}
	for _, m := range rel.Mitigations {
		techs := make([]string, 0, len(m.Mitigates))
		for _, l := range m.Mitigates {
			techs = append(techs, l.Technique)
		}
		slices.Sort(techs)
		in.Knowledge.Mitigates[m.ID] = slices.Compact(techs)
	}

	cases := slices.Clone(rel.CaseStudies)
	sort.Slice(cases, func(i, j int) bool { return cases[i].ID < cases[j].ID })
	for _, cs := range cases {
		if len(cs.Steps) == 0 {
			continue
		}
		ch := Chain{ID: cs.ID, Steps: make([]Step, len(cs.Steps))}
		for i, s := range cs.Steps {
			ch.Steps[i] = Step{ID: s.ID, Technique: s.Technique, Tactic: s.Tactic, Next: slices.Clone(s.LeadsTo)}
			if s.Technique == "" {
				continue
			}
			if u := in.UsedBy[s.Technique]; len(u) == 0 || u[len(u)-1] != cs.ID {
				in.UsedBy[s.Technique] = append(u, cs.ID)
			}
		}
		in.Chains = append(in.Chains, ch)
	}

	for _, t := range rel.Transitions() {
		in.Transitions = append(in.Transitions, Transition{From: t.From, To: t.To, Count: t.Count, CaseStudies: slices.Clone(t.CaseStudies)})
	}

	in.Techniques = make([]TechniqueInfo, 0, len(rel.Techniques))
	for _, t := range rel.Techniques {
		in.Techniques = append(in.Techniques, TechniqueInfo{ID: t.ID, Maturity: t.Maturity, CaseStudyCount: len(in.UsedBy[t.ID])})
	}
	slices.SortFunc(in.Techniques, func(a, b TechniqueInfo) int { return strings.Compare(a.ID, b.ID) })
	return in
}

// UserChainID is the id of the chain [ChainFromTechniques] builds.
const UserChainID = "techniques"

// ChainFromTechniques turns an ordered technique list into a linear chain
// whose id is [UserChainID] and whose steps are S00, S01, ... in list order,
// each leading to the next. A technique may appear more than once. It does
// not check that the ids name techniques of any release; the caller does
// (see [Input.HasTechnique]).
func ChainFromTechniques(ids []string) Chain {
	ch := Chain{ID: UserChainID, Steps: make([]Step, len(ids))}
	for i, t := range ids {
		ch.Steps[i] = Step{ID: fmt.Sprintf("S%02d", i), Technique: t}
		if i+1 < len(ids) {
			ch.Steps[i].Next = []string{fmt.Sprintf("S%02d", i+1)}
		}
	}
	return ch
}

// Chain returns the chain of a case study, or false when the release has no
// case study of that id with steps.
func (in *Input) Chain(caseStudy string) (Chain, bool) {
	i, ok := slices.BinarySearchFunc(in.Chains, caseStudy, func(c Chain, id string) int { return strings.Compare(c.ID, id) })
	if !ok {
		return Chain{}, false
	}
	return in.Chains[i], true
}

// HasTechnique reports whether the release has a technique of that id.
func (in *Input) HasTechnique(id string) bool {
	_, ok := slices.BinarySearchFunc(in.Techniques, id, func(t TechniqueInfo, id string) int { return strings.Compare(t.ID, id) })
	return ok
}

// HasMitigation reports whether the release has a mitigation of that id.
func (in *Input) HasMitigation(id string) bool {
	_, ok := in.Knowledge.Mitigates[id]
	return ok
}

// Endpoints expands a path end given by the user: a tactic id stands for
// the techniques that achieve it, a technique id for itself. It reports
// false when id is neither a tactic nor a technique of the release. A tactic
// no technique achieves expands to an empty list.
func (in *Input) Endpoints(id string) ([]string, bool) {
	if techs, ok := in.TacticTechniques[id]; ok {
		return techs, true
	}
	if in.HasTechnique(id) {
		return []string{id}, true
	}
	return nil, false
}

// WithMitigates returns a copy of in whose Knowledge.Mitigates is
// mitigates, sharing everything else (chains, transitions, the path index),
// so every question asked of the copy counts a mitigation as covering only
// the techniques mitigates lists. It is how an analysis applies a narrower
// meaning of "mitigates" than the release's literal links: with
// threatmodel's Semantics.PreventOnly, only prevent links of mitigations
// acting on the system, at steps on the defender's side (the preventOnly
// switch; see docs/threatmodel.md). Every mitigation of in stays known: a
// mitigation absent from mitigates covers nothing, and ids of mitigates
// that in does not know are ignored. It keeps no reference to mitigates.
func (in *Input) WithMitigates(mitigates map[string][]string) *Input {
	out := *in
	out.Knowledge = Knowledge{Mitigates: make(map[string][]string, len(in.Knowledge.Mitigates)), Parents: in.Knowledge.Parents, index: &mitigationIndex{}}
	for m := range in.Knowledge.Mitigates {
		techs := slices.Clone(mitigates[m])
		slices.Sort(techs)
		out.Knowledge.Mitigates[m] = slices.Compact(techs)
		if out.Knowledge.Mitigates[m] == nil {
			out.Knowledge.Mitigates[m] = []string{}
		}
	}
	return &out
}
