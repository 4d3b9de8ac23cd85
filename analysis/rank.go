package analysis

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// TechniqueChoke says how much attack evidence passes through one technique.
type TechniqueChoke struct {
	// Technique is the technique id.
	Technique string
	// Chains are the ids, sorted, of the chains with a step using it.
	Chains []string
	// Cuts are the ids, sorted, of the chains every route of which uses it:
	// covering it alone would break them.
	Cuts []string
	// Paths are the ids, sorted, of the paths that visit it.
	Paths []string
}

// MitigationChoke says how much attack evidence one mitigation stops.
type MitigationChoke struct {
	// Mitigation is the mitigation id.
	Mitigation string
	// BreaksChains are the ids, sorted, of the chains it breaks on its own.
	BreaksChains []string
	// BreaksPaths are the ids, sorted, of the paths it breaks (covers a
	// technique of).
	BreaksPaths []string
	// HitsChains are the ids, sorted, of the chains in which it covers at
	// least one step.
	HitsChains []string
}

// ChokePointReport is what [ChokePoints] finds.
type ChokePointReport struct {
	// Techniques are ranked by chains plus paths they sit on, then by chains
	// they cut, then by id.
	Techniques []TechniqueChoke
	// Mitigations are ranked by chains plus paths they break alone, then by
	// chains they hit, then by id.
	Mitigations []MitigationChoke
}

// ChokePoints ranks techniques by how many chains and paths they sit on, and
// mitigations by how many chains and paths they break on their own; entries
// with nothing to show are left out. limit caps each list (0 means no cap).
// A path with an empty ID is named "path-N" after its 1-based position. It
// does not consider combinations of mitigations (see [MinimalMitigationSet]).
// Errors wrap [ErrInvalidInput] (also [ErrCycle] or [ErrDanglingStep]), or
// the context's error when ctx is done before it finishes.
func ChokePoints(ctx context.Context, chains []Chain, paths []Path, k Knowledge, opts Options, limit int) (ChokePointReport, error) {
	if limit < 0 {
		return ChokePointReport{}, fmt.Errorf("%w: limit is %d; give a positive limit, or 0 for no limit", ErrInvalidInput, limit)
	}
	cov := newCoverage(k, opts)
	techs := map[string]*TechniqueChoke{}
	tech := func(id string) *TechniqueChoke {
		t := techs[id]
		if t == nil {
			t = &TechniqueChoke{Technique: id}
			techs[id] = t
		}
		return t
	}
	mits := map[string]*MitigationChoke{}
	mit := func(id string) *MitigationChoke {
		m := mits[id]
		if m == nil {
			m = &MitigationChoke{Mitigation: id}
			mits[id] = m
		}
		return m
	}

	seenChain := map[string]bool{}
	for _, ch := range chains {
		if ctx.Err() != nil {
			return ChokePointReport{}, ctxError(ctx, "choke points")
		}
		g, err := compileChain(ch)
		if err != nil {
			return ChokePointReport{}, err
		}
		if seenChain[g.id] {
			return ChokePointReport{}, fmt.Errorf("%w: chain id %q appears twice; chain ids must be unique", ErrInvalidInput, g.id)
		}
		seenChain[g.id] = true
		byTech := map[string][]int{}
		for i, s := range g.steps {
			if s.Technique != "" {
				byTech[s.Technique] = append(byTech[s.Technique], i)
			}
		}
		for _, t := range sortedKeys(byTech) {
			tc := tech(t)
			tc.Chains = append(tc.Chains, g.id)
			blocked := make([]bool, len(g.steps))
			for _, p := range byTech[t] {
				blocked[p] = true
			}
			if g.openRoute(blocked) == nil {
				tc.Cuts = append(tc.Cuts, g.id)
			}
		}
		rep, err := ChainMitigations(ctx, ch, k, opts)
		if err != nil {
			return ChokePointReport{}, err
		}
		for _, h := range rep.Breakers {
			mc := mit(h.Mitigation)
			mc.BreaksChains = append(mc.BreaksChains, g.id)
			mc.HitsChains = append(mc.HitsChains, g.id)
		}
		for _, h := range rep.Partial {
			mc := mit(h.Mitigation)
			mc.HitsChains = append(mc.HitsChains, g.id)
		}
	}

	seenPath := map[string]bool{}
	for i, p := range paths {
		id := p.ID
		if id == "" {
			id = fmt.Sprintf("path-%d", i+1)
		}
		if seenPath[id] {
			return ChokePointReport{}, fmt.Errorf("%w: path id %q appears twice; path ids must be unique", ErrInvalidInput, id)
		}
		seenPath[id] = true
		onPath := map[string]bool{}
		breaks := map[string]bool{}
		for _, t := range p.Techniques {
			if t == "" {
				continue
			}
			onPath[t] = true
			for _, m := range cov.of(t) {
				breaks[m] = true
			}
		}
		for t := range onPath {
			tc := tech(t)
			tc.Paths = append(tc.Paths, id)
		}
		for m := range breaks {
			mc := mit(m)
			mc.BreaksPaths = append(mc.BreaksPaths, id)
		}
	}

	var rep ChokePointReport
	for _, t := range techs {
		slices.Sort(t.Chains)
		slices.Sort(t.Cuts)
		slices.Sort(t.Paths)
		rep.Techniques = append(rep.Techniques, *t)
	}
	slices.SortFunc(rep.Techniques, func(a, b TechniqueChoke) int {
		return cmp.Or(
			cmp.Compare(len(b.Chains)+len(b.Paths), len(a.Chains)+len(a.Paths)),
			cmp.Compare(len(b.Cuts), len(a.Cuts)),
			strings.Compare(a.Technique, b.Technique),
		)
	})
	for _, m := range mits {
		slices.Sort(m.BreaksChains)
		slices.Sort(m.BreaksPaths)
		slices.Sort(m.HitsChains)
		rep.Mitigations = append(rep.Mitigations, *m)
	}
	slices.SortFunc(rep.Mitigations, func(a, b MitigationChoke) int {
		return cmp.Or(
			cmp.Compare(len(b.BreaksChains)+len(b.BreaksPaths), len(a.BreaksChains)+len(a.BreaksPaths)),
			cmp.Compare(len(b.HitsChains), len(a.HitsChains)),
			strings.Compare(a.Mitigation, b.Mitigation),
		)
	})
	if limit > 0 {
		rep.Techniques = rep.Techniques[:min(limit, len(rep.Techniques))]
		rep.Mitigations = rep.Mitigations[:min(limit, len(rep.Mitigations))]
	}
	return rep, nil
}

// TechniqueInfo is what [CoverageGaps] needs to know about a technique.
type TechniqueInfo struct {
	// ID is the technique id.
	ID string
	// Maturity is "Realized", "Demonstrated", "Feasible" (any letter case) or
	// anything else for unknown.
	Maturity string
	// CaseStudyCount is the number of case studies using the technique.
	CaseStudyCount int
}

// CoverageGaps returns the techniques no mitigation covers (under opts),
// ranked by maturity (Realized, Demonstrated, Feasible, then unknown), then by
// case-study count (most first), then by id. It does not judge how well a
// covering mitigation works: one link is enough to leave a technique out.
// Errors wrap [ErrInvalidInput] (empty or repeated ids), or the context's
// error when ctx is done before it finishes.
func CoverageGaps(ctx context.Context, techniques []TechniqueInfo, k Knowledge, opts Options) ([]TechniqueInfo, error) {
	cov := newCoverage(k, opts)
	seen := map[string]bool{}
	var gaps []TechniqueInfo
	for i, t := range techniques {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ctxError(ctx, "coverage gaps")
		}
		if t.ID == "" {
			return nil, fmt.Errorf("%w: a technique has an empty id", ErrInvalidInput)
		}
		if seen[t.ID] {
			return nil, fmt.Errorf("%w: technique %q appears twice; list each technique once", ErrInvalidInput, t.ID)
		}
		seen[t.ID] = true
		if len(cov.of(t.ID)) == 0 {
			gaps = append(gaps, t)
		}
	}
	slices.SortFunc(gaps, func(a, b TechniqueInfo) int {
		return cmp.Or(
			cmp.Compare(maturityRank(b.Maturity), maturityRank(a.Maturity)),
			cmp.Compare(b.CaseStudyCount, a.CaseStudyCount),
			strings.Compare(a.ID, b.ID),
		)
	})
	return gaps, nil
}

func maturityRank(m string) int {
	switch strings.ToLower(strings.TrimSpace(m)) {
	case "realized":
		return 3
	case "demonstrated":
		return 2
	case "feasible":
		return 1
	}
	return 0
}
