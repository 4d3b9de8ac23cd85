package analysis

import (
	"fmt"
	"math"
	"slices"
)

// Limits and defaults of [MinimalMitigationSet].
const (
	// DefaultBudget is the search-node budget used when SetRequest.Budget is 0.
	DefaultBudget = 1_000_000
	// DefaultMaxRouteSets is the per-chain cap on distinct route constraints
	// used when SetRequest.MaxRouteSets is 0.
	DefaultMaxRouteSets = 10_000
	// MaxAlternatives is the largest SetRequest.Alternatives accepted.
	MaxAlternatives = 100
)

// SetRequest tunes [MinimalMitigationSet].
type SetRequest struct {
	// Costs gives a mitigation's cost; a mitigation not listed costs 1. Every
	// value must be positive and finite. Entries for unknown mitigations are
	// checked and otherwise ignored.
	Costs map[string]float64
	// Require lists mitigations every answer must contain.
	Require []string
	// Exclude lists mitigations no answer may contain; chains that only they
	// could break are reported as unbreakable.
	Exclude []string
	// Alternatives is how many further distinct sets of the best cost to
	// return, at most MaxAlternatives.
	Alternatives int
	// Budget is the most search nodes to visit; 0 means DefaultBudget.
	Budget int
	// MaxRouteSets caps, per chain, the distinct inclusion-minimal route
	// constraints computed up front; 0 means DefaultMaxRouteSets. Hitting the
	// cap costs time, not exactness: the answer is then checked against the
	// chain's routes and missing constraints are added until it holds.
	MaxRouteSets int
}

// SetMember is one mitigation of a [MitigationSet].
type SetMember struct {
	// Mitigation is the mitigation id.
	Mitigation string
	// Cost is its cost as used by the search.
	Cost float64
	// Required reports whether the caller required it.
	Required bool
	// Chains are the ids, sorted, of the in-scope chains in which it covers at
	// least one step: the chains it helps break.
	Chains []string
}

// MitigationSet is a set of mitigations with its total cost.
type MitigationSet struct {
	// Cost is the sum of the members' costs, required ones included.
	Cost float64
	// Members are sorted by mitigation id.
	Members []SetMember
}

// UnbreakableChain is a chain that no allowed mitigation set can break.
type UnbreakableChain struct {
	// ChainID is the chain's id.
	ChainID string
	// Steps are the ids, in step order, of the steps that lie on some route
	// whose every step no allowed mitigation covers.
	Steps []string
	// Route is one such route.
	Route []string
}

// SetResult is what [MinimalMitigationSet] finds.
type SetResult struct {
	// Best is the cheapest set found; it breaks every chain in InScope.
	Best MitigationSet
	// Alternatives are further distinct sets of the same cost as Best, each
	// also breaking every chain in InScope; Best and Alternatives together are
	// ordered by their sorted member ids.
	Alternatives []MitigationSet
	// Optimal reports that the search finished, so Best has the least cost
	// possible. When false, a limit stopped the search and no set cheaper than
	// LowerBound exists.
	Optimal bool
	// LowerBound is a proven lower bound on the least cost; it equals
	// Best.Cost when Optimal.
	LowerBound float64
	// Nodes is the number of search nodes visited.
	Nodes int
	// InScope lists, in input order, the chains the sets break.
	InScope []string
	// Unbreakable lists, in input order, the chains left out because no
	// allowed mitigation set breaks them.
	Unbreakable []UnbreakableChain
	// RouteCapHit lists the chains whose route constraints exceeded
	// MaxRouteSets (the answer is still checked against all their routes).
	RouteCapHit []string
}

// scopedChain is an in-scope chain reduced for the solver.
type scopedChain struct {
	g       *chainGraph
	bits    []bitset // per step: the free options covering it
	done    []bool   // per step: covered by a required mitigation
	touches []string // allowed mitigations covering some step, sorted
	capped  bool
}

// MinimalMitigationSet finds the least-cost set of mitigations that breaks
// every breakable chain, exactly, by branch and bound over the chains' route
// constraints. Required mitigations are in every answer and Excluded ones in
// none; chains that the allowed mitigations cannot break are reported in
// Unbreakable and left out of the search. With Alternatives > 0 it also returns
// further distinct sets of the same cost. When the node budget stops the
// search, it returns the best set found with Optimal false and a proven
// LowerBound. It does not weigh how much of a chain a set covers beyond
// breaking it. Errors wrap [ErrInvalidInput] (also [ErrCycle] or
// [ErrDanglingStep] for malformed chains).
func MinimalMitigationSet(chains []Chain, k Knowledge, opts Options, req SetRequest) (SetResult, error) {
	if req.Alternatives < 0 || req.Alternatives > MaxAlternatives {
		return SetResult{}, fmt.Errorf("%w: alternatives is %d; ask for 0 to %d", ErrInvalidInput, req.Alternatives, MaxAlternatives)
	}
	if req.Budget < 0 {
		return SetResult{}, fmt.Errorf("%w: budget is %d; give a positive node budget, or 0 for the default", ErrInvalidInput, req.Budget)
	}
	if req.MaxRouteSets < 0 {
		return SetResult{}, fmt.Errorf("%w: route cap is %d; give a positive cap, or 0 for the default", ErrInvalidInput, req.MaxRouteSets)
	}
	for _, m := range sortedKeys(req.Costs) {
		if c := req.Costs[m]; !(c > 0) || math.IsInf(c, 1) {
			return SetResult{}, fmt.Errorf("%w: mitigation %q has cost %v; costs must be positive and finite", ErrInvalidInput, m, c)
		}
	}
	budget := req.Budget
	if budget == 0 {
		budget = DefaultBudget
	}
	maxRoutes := req.MaxRouteSets
	if maxRoutes == 0 {
		maxRoutes = DefaultMaxRouteSets
	}

	cov := newCoverage(k, opts)
	required, err := mitigationSet(cov, req.Require, "required")
	if err != nil {
		return SetResult{}, err
	}
	excluded, err := mitigationSet(cov, req.Exclude, "excluded")
	if err != nil {
		return SetResult{}, err
	}
	for _, m := range cov.all {
		if required[m] && excluded[m] {
			return SetResult{}, fmt.Errorf("%w: mitigation %q is both required and excluded; keep it in one list", ErrInvalidInput, m)
		}
	}
	costOf := func(m string) float64 {
		if c, ok := req.Costs[m]; ok {
			return c
		}
		return 1
	}

	// The solver's options are the allowed mitigations that are not required.
	var free []string
	freeIndex := map[string]int{}
	for _, m := range cov.all {
		if !required[m] && !excluded[m] {
			freeIndex[m] = len(free)
			free = append(free, m)
		}
	}
	freeCost := make([]float64, len(free))
	for i, m := range free {
		freeCost[i] = costOf(m)
	}

	var res SetResult
	var scoped []*scopedChain
	var cons []bitset
	seenChain := map[string]bool{}
	for _, ch := range chains {
		g, err := compileChain(ch)
		if err != nil {
			return SetResult{}, err
		}
		if seenChain[g.id] {
			return SetResult{}, fmt.Errorf("%w: chain id %q appears twice; chain ids must be unique", ErrInvalidInput, g.id)
		}
		seenChain[g.id] = true

		n := len(g.steps)
		sc := &scopedChain{g: g, bits: make([]bitset, n), done: make([]bool, n)}
		coveredAny := make([]bool, n)
		touch := map[string]bool{}
		for i, s := range g.steps {
			sc.bits[i] = newBitset(len(free))
			for _, m := range cov.of(s.Technique) {
				if excluded[m] {
					continue
				}
				coveredAny[i] = true
				touch[m] = true
				if required[m] {
					sc.done[i] = true
				} else {
					sc.bits[i].set(freeIndex[m])
				}
			}
		}
		if route := g.openRoute(coveredAny); route != nil {
			res.Unbreakable = append(res.Unbreakable, UnbreakableChain{
				ChainID: g.id,
				Steps:   g.ids(g.openSteps(coveredAny)),
				Route:   g.ids(route),
			})
			continue
		}
		sc.touches = sortedKeys(touch)
		var sets []bitset
		sets, sc.capped = routeSets(g, sc.bits, sc.done, maxRoutes)
		if sc.capped {
			res.RouteCapHit = append(res.RouteCapHit, g.id)
		}
		cons = append(cons, sets...)
		scoped = append(scoped, sc)
		res.InScope = append(res.InScope, g.id)
	}

	// Solve; when some chain's constraints were capped, check each answer
	// against that chain's routes and add the route it leaves open, until
	// every answer holds. Each round adds a constraint not seen before, so the
	// loop ends; each round solves a relaxation, so its bound stays valid.
	var out hsOutcome
	lower := 0.0
	for {
		out = solveHittingSet(len(free), freeCost, cons, req.Alternatives+1, max(budget-res.Nodes, 1))
		res.Nodes += out.nodes
		lower = math.Max(lower, out.lower)
		added := false
		for _, set := range out.sets {
			chosen := make([]bool, len(free))
			for _, o := range set {
				chosen[o] = true
			}
			for _, sc := range scoped {
				if !sc.capped {
					continue
				}
				if c := sc.openConstraint(chosen); c != nil {
					cons = append(cons, c)
					added = true
				}
			}
		}
		if !added {
			break
		}
	}

	requiredCost := 0.0
	var requiredIDs []string
	for _, m := range cov.all {
		if required[m] {
			requiredCost += costOf(m)
			requiredIDs = append(requiredIDs, m)
		}
	}
	res.Optimal = out.optimal
	res.LowerBound = lower + requiredCost
	var sets []MitigationSet
	for _, set := range out.sets {
		ids := slices.Clone(requiredIDs)
		for _, o := range set {
			ids = append(ids, free[o])
		}
		slices.Sort(ids)
		ms := MitigationSet{}
		for _, m := range ids {
			mem := SetMember{Mitigation: m, Cost: costOf(m), Required: required[m]}
			for _, sc := range scoped {
				if _, ok := slices.BinarySearch(sc.touches, m); ok {
					mem.Chains = append(mem.Chains, sc.g.id)
				}
			}
			slices.Sort(mem.Chains)
			ms.Cost += mem.Cost
			ms.Members = append(ms.Members, mem)
		}
		sets = append(sets, ms)
	}
	slices.SortFunc(sets, func(a, b MitigationSet) int {
		return slices.Compare(memberIDs(a), memberIDs(b))
	})
	if len(sets) == 0 {
		// Unreachable: every in-scope chain has a breaking set.
		return SetResult{}, fmt.Errorf("%w: no mitigation set breaks the chains in scope", ErrInvalidInput)
	}
	res.Best = sets[0]
	res.Alternatives = sets[1:]
	if len(res.Alternatives) == 0 {
		res.Alternatives = nil
	}
	if res.Optimal {
		res.LowerBound = res.Best.Cost
	}
	return res, nil
}

// openConstraint returns the free options covering a route that the chosen
// options and the required mitigations leave open, or nil when none is open.
func (sc *scopedChain) openConstraint(chosen []bool) bitset {
	blocked := slices.Clone(sc.done)
	for i, b := range sc.bits {
		for _, o := range b.members() {
			if chosen[o] {
				blocked[i] = true
			}
		}
	}
	route := sc.g.openRoute(blocked)
	if route == nil {
		return nil
	}
	c := make(bitset, len(sc.bits[0]))
	for _, p := range route {
		c = c.union(sc.bits[p])
	}
	return c
}

// routeSets returns the inclusion-minimal sets of free options covering some
// step of a route, over the routes not already hit by a required mitigation
// (done steps). It works backwards from the sinks, keeping per step only the
// minimal sets of the routes from it, so shared sub-routes are not
// enumerated twice. It reports whether some step exceeded limit sets; the
// sets kept are then still real route constraints, just not all of them.
func routeSets(g *chainGraph, bits []bitset, done []bool, limit int) ([]bitset, bool) {
	n := len(g.steps)
	sets := make([][]bitset, n)
	capped := false
	for i := n - 1; i >= 0; i-- {
		if done[i] {
			continue
		}
		if len(g.next[i]) == 0 {
			sets[i] = []bitset{bits[i]}
			continue
		}
		var cand []bitset
		for _, j := range g.next[i] {
			for _, s := range sets[j] {
				cand = append(cand, bits[i].union(s))
			}
		}
		var c bool
		sets[i], c = minimalSets(cand, limit)
		capped = capped || c
	}
	var cand []bitset
	for _, s := range g.sources {
		cand = append(cand, sets[s]...)
	}
	res, c := minimalSets(cand, limit)
	return res, capped || c
}

// mitigationSet checks that ids are known mitigations and returns them as a set.
func mitigationSet(cov *coverage, ids []string, what string) (map[string]bool, error) {
	set := make(map[string]bool, len(ids))
	for _, m := range ids {
		if !cov.known[m] {
			return nil, fmt.Errorf("%w: %s mitigation %q is not a known mitigation; check the id", ErrInvalidInput, what, m)
		}
		set[m] = true
	}
	return set, nil
}

func memberIDs(s MitigationSet) []string {
	ids := make([]string, len(s.Members))
	for i, m := range s.Members {
		ids[i] = m.Mitigation
	}
	return ids
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
