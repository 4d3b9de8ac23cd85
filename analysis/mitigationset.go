package analysis

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
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
	// MaxCost is the largest cost a mitigation may have. It keeps every sum
	// of costs, and so every cost and bound in an answer, finite and exact
	// enough to compare.
	MaxCost = 1e9
)

// SetRequest tunes [MinimalMitigationSet].
type SetRequest struct {
	// Costs gives a mitigation's cost; a mitigation not listed costs 1. Every
	// value must be above 0 and at most MaxCost. Entries for unknown mitigations are
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
	// TimeLimit stops the search once it has run that long; 0 means no
	// limit beyond ctx's. A search it stops answers like one ctx stops, with
	// Stopped set to StopTimeLimit.
	TimeLimit time.Duration
	// Progress, when not nil, is called from the searching goroutine when
	// the best set improves and otherwise about every ProgressInterval while
	// the search runs (not for searches that end sooner). It must return
	// quickly; the search waits for it.
	Progress func(SetProgress)
}

// ProgressInterval is about how often SetRequest.Progress hears from a
// search whose best set does not change.
const ProgressInterval = 250 * time.Millisecond

// SetProgress is a snapshot of a running [MinimalMitigationSet] search.
type SetProgress struct {
	// Found reports whether a set breaking every chain is known yet; until
	// then BestCost is +Inf.
	Found bool
	// BestCost is the cost of the best set found so far, required
	// mitigations included.
	BestCost float64
	// Bound is a proven lower bound on the least cost.
	Bound float64
	// Gap is (BestCost - Bound) / BestCost: 0 once the best set is proven
	// optimal, 1 while none is found.
	Gap float64
	// Nodes is the number of search nodes visited so far.
	Nodes int
	// Elapsed is the time since the search started.
	Elapsed time.Duration
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
	// possible. When false, a limit stopped the search (see Stopped) and no
	// set cheaper than LowerBound exists.
	Optimal bool
	// Stopped says what stopped the search early: "" when it finished,
	// otherwise one of StopBudget, StopCancelled, StopDeadline.
	Stopped StopReason
	// LowerBound is a proven lower bound on the least cost; it equals
	// Best.Cost when Optimal.
	LowerBound float64
	// Nodes is the number of search nodes visited.
	Nodes int
	// SearchTime is the wall time of the exact search itself (every round
	// of it), after the route constraints were built: the solver alone.
	SearchTime time.Duration
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
// further distinct sets of the same cost. When the node budget, or ctx being
// cancelled or passing its deadline, stops the search, it returns the best set
// found (it always breaks every chain in scope) with Optimal false, Stopped
// saying why and a proven LowerBound. It does not weigh how much of a chain a
// set covers beyond breaking it. Errors wrap [ErrInvalidInput] (also
// [ErrCycle] or [ErrDanglingStep] for malformed chains); ctx alone never
// makes it fail.
func MinimalMitigationSet(ctx context.Context, chains []Chain, k Knowledge, opts Options, req SetRequest) (SetResult, error) {
	p, err := prepareSet(chains, k, opts, req)
	if err != nil {
		return SetResult{}, err
	}
	res := p.res
	free, freeCost := p.free, p.freeCost
	budget := req.Budget
	if budget == 0 {
		budget = DefaultBudget
	}
	parent := ctx
	if req.TimeLimit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.TimeLimit)
		defer cancel()
	}
	var report func(best, bound float64, nodes int)
	if req.Progress != nil {
		start := time.Now()
		report = func(best, bound float64, nodes int) {
			pr := SetProgress{Found: !math.IsInf(best, 1), BestCost: best + p.requiredCost, Bound: math.Max(bound, 0) + p.requiredCost, Nodes: res.Nodes + nodes, Elapsed: time.Since(start), Gap: 1}
			if pr.Found {
				pr.Bound = math.Min(pr.Bound, pr.BestCost)
				if pr.BestCost > 0 {
					pr.Gap = (pr.BestCost - pr.Bound) / pr.BestCost
				}
			}
			req.Progress(pr)
		}
	}

	// Solve; when some chain's constraints were capped, check each answer
	// against that chain's routes and add the route it leaves open, until
	// every answer holds. Each round adds a constraint not seen before, so the
	// loop ends; each round solves a relaxation, so its bound stays valid.
	// A stopped search is not repeated: its sets are repaired instead.
	cons := p.cons
	var out hsOutcome
	lower := 0.0
	searchStart := time.Now()
	for {
		out = solveHittingSet(ctx, len(free), freeCost, cons, req.Alternatives+1, max(budget-res.Nodes, 1), report)
		res.Nodes += out.nodes
		lower = math.Max(lower, out.lower)
		if out.stopped != "" {
			out.sets = p.repair(out.sets)
			break
		}
		added := false
		for _, set := range out.sets {
			chosen := make([]bool, len(free))
			for _, o := range set {
				chosen[o] = true
			}
			for _, sc := range p.scoped {
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
	res.SearchTime = time.Since(searchStart)

	res.Optimal = out.stopped == ""
	res.Stopped = out.stopped
	if out.stopped == StopDeadline && parent.Err() == nil {
		res.Stopped = StopTimeLimit // our own limit, not the caller's deadline
	}
	if math.IsNaN(lower) || math.IsInf(lower, 0) || lower < 0 {
		lower = 0 // never happens with positive finite costs; never answer a non-finite bound
	}
	res.LowerBound = lower + p.requiredCost
	var sets []MitigationSet
	seen := map[string]bool{}
	for _, set := range out.sets {
		ids := slices.Clone(p.requiredIDs)
		for _, o := range set {
			ids = append(ids, free[o])
		}
		slices.Sort(ids)
		key := strings.Join(ids, ",")
		if seen[key] {
			continue // two stopped sets repaired into one
		}
		seen[key] = true
		ms := MitigationSet{}
		for _, m := range ids {
			mem := SetMember{Mitigation: m, Cost: p.costOf(m), Required: p.required[m]}
			for _, sc := range p.scoped {
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
	if !res.Optimal {
		// Repaired sets may cost more than others; keep the cheapest first
		// and only those of its cost.
		slices.SortStableFunc(sets, func(a, b MitigationSet) int { return cmp.Compare(a.Cost, b.Cost) })
		n := 1
		for n < len(sets) && sets[n].Cost <= sets[0].Cost*(1+1e-12) {
			n++
		}
		sets = sets[:n]
		slices.SortFunc(sets, func(a, b MitigationSet) int {
			return slices.Compare(memberIDs(a), memberIDs(b))
		})
		if best := slices.MinFunc(sets, func(a, b MitigationSet) int { return cmp.Compare(a.Cost, b.Cost) }); res.LowerBound > best.Cost {
			res.LowerBound = best.Cost // rounding in a sum taken in another order
		}
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

// setPrep is a mitigation-set question reduced to a hitting-set instance.
type setPrep struct {
	res          SetResult // InScope, Unbreakable, RouteCapHit
	free         []string  // the solver's options: allowed, not required
	freeCost     []float64
	scoped       []*scopedChain
	cons         []bitset
	required     map[string]bool
	requiredIDs  []string
	requiredCost float64
	costOf       func(string) float64
}

// prepareSet checks a request and reduces its chains to route constraints
// over the free mitigations.
func prepareSet(chains []Chain, k Knowledge, opts Options, req SetRequest) (*setPrep, error) {
	if req.Alternatives < 0 || req.Alternatives > MaxAlternatives {
		return nil, fmt.Errorf("%w: alternatives is %d; ask for 0 to %d", ErrInvalidInput, req.Alternatives, MaxAlternatives)
	}
	if req.Budget < 0 {
		return nil, fmt.Errorf("%w: budget is %d; give a positive node budget, or 0 for the default", ErrInvalidInput, req.Budget)
	}
	if req.TimeLimit < 0 {
		return nil, fmt.Errorf("%w: time limit is %v; give a positive duration, or 0 for none", ErrInvalidInput, req.TimeLimit)
	}
	if req.MaxRouteSets < 0 {
		return nil, fmt.Errorf("%w: route cap is %d; give a positive cap, or 0 for the default", ErrInvalidInput, req.MaxRouteSets)
	}
	for _, m := range sortedKeys(req.Costs) {
		if c := req.Costs[m]; !(c > 0) || c > MaxCost {
			return nil, fmt.Errorf("%w: mitigation %q has cost %v; give a cost above 0 and at most %g", ErrInvalidInput, m, c, float64(MaxCost))
		}
	}
	maxRoutes := req.MaxRouteSets
	if maxRoutes == 0 {
		maxRoutes = DefaultMaxRouteSets
	}

	cov := newCoverage(k, opts)
	required, err := mitigationSet(cov, req.Require, "required")
	if err != nil {
		return nil, err
	}
	excluded, err := mitigationSet(cov, req.Exclude, "excluded")
	if err != nil {
		return nil, err
	}
	for _, m := range cov.all {
		if required[m] && excluded[m] {
			return nil, fmt.Errorf("%w: mitigation %q is both required and excluded; keep it in one list", ErrInvalidInput, m)
		}
	}
	p := &setPrep{required: required}
	p.costOf = func(m string) float64 {
		if c, ok := req.Costs[m]; ok {
			return c
		}
		return 1
	}

	freeIndex := map[string]int{}
	for _, m := range cov.all {
		if !required[m] && !excluded[m] {
			freeIndex[m] = len(p.free)
			p.free = append(p.free, m)
		}
	}
	p.freeCost = make([]float64, len(p.free))
	for i, m := range p.free {
		p.freeCost[i] = p.costOf(m)
	}
	for _, m := range cov.all {
		if required[m] {
			p.requiredCost += p.costOf(m)
			p.requiredIDs = append(p.requiredIDs, m)
		}
	}

	seenChain := map[string]bool{}
	for _, ch := range chains {
		g, err := compileChain(ch)
		if err != nil {
			return nil, err
		}
		if seenChain[g.id] {
			return nil, fmt.Errorf("%w: chain id %q appears twice; chain ids must be unique", ErrInvalidInput, g.id)
		}
		seenChain[g.id] = true

		n := len(g.steps)
		sc := &scopedChain{g: g, bits: make([]bitset, n), done: make([]bool, n)}
		coveredAny := make([]bool, n)
		var touch []string // sorted and made unique below
		for i, s := range g.steps {
			sc.bits[i] = newBitset(len(p.free))
			for _, m := range cov.of(s.Technique) {
				if excluded[m] {
					continue
				}
				coveredAny[i] = true
				touch = append(touch, m)
				if required[m] {
					sc.done[i] = true
				} else {
					sc.bits[i].set(freeIndex[m])
				}
			}
		}
		if route := g.openRoute(coveredAny); route != nil {
			p.res.Unbreakable = append(p.res.Unbreakable, UnbreakableChain{
				ChainID: g.id,
				Steps:   g.ids(g.openSteps(coveredAny)),
				Route:   g.ids(route),
			})
			continue
		}
		slices.Sort(touch)
		sc.touches = slices.Compact(touch)
		var sets []bitset
		sets, sc.capped = routeSets(g, sc.bits, sc.done, maxRoutes)
		if sc.capped {
			p.res.RouteCapHit = append(p.res.RouteCapHit, g.id)
		}
		p.cons = append(p.cons, sets...)
		p.scoped = append(p.scoped, sc)
		p.res.InScope = append(p.res.InScope, g.id)
	}
	return p, nil
}

// repair makes sets found by a stopped search break every chain in scope,
// adding for each route still open its cheapest free option; the sets of an
// unfinished search may have been checked against part of a capped chain's
// routes only.
func (p *setPrep) repair(sets [][]int) [][]int {
	for i, set := range sets {
		chosen := make([]bool, len(p.free))
		for _, o := range set {
			chosen[o] = true
		}
		for _, sc := range p.scoped {
			if !sc.capped {
				continue
			}
			for c := sc.openConstraint(chosen); c != nil; c = sc.openConstraint(chosen) {
				pick := -1
				for _, o := range c.members() {
					if pick < 0 || p.freeCost[o] < p.freeCost[pick] {
						pick = o
					}
				}
				chosen[pick] = true
				set = append(set, pick)
			}
		}
		slices.Sort(set)
		sets[i] = set
	}
	return sets
}

// CoverInstance is the weighted hitting-set instance that
// [MinimalMitigationSet] solves for a question: choose options, each at its
// cost, so that every row holds a chosen option. It is exported so that
// benchmarks and tests can hand the same instance to another solver; the
// product itself never needs it.
type CoverInstance struct {
	// Options are the mitigations the search may choose (allowed and not
	// required), sorted; an option is an index into it.
	Options []string
	// Costs holds each option's cost.
	Costs []float64
	// Rows are the route constraints, inclusion-minimal and without
	// duplicates: each lists (ascending) the options of which at least one
	// must be chosen.
	Rows [][]int
	// RequiredCost is the cost of the required mitigations, added to every
	// answer.
	RequiredCost float64
	// Complete is false when some chain hit the route cap: the rows are then
	// a relaxation, which MinimalMitigationSet tightens as it searches.
	Complete bool
}

// NewCoverInstance returns the instance [MinimalMitigationSet] would solve
// for the same arguments (Alternatives and Budget are checked and ignored).
// Errors are those of MinimalMitigationSet.
func NewCoverInstance(chains []Chain, k Knowledge, opts Options, req SetRequest) (CoverInstance, error) {
	p, err := prepareSet(chains, k, opts, req)
	if err != nil {
		return CoverInstance{}, err
	}
	rows, _ := minimalSets(p.cons, 0)
	inst := CoverInstance{Options: p.free, Costs: p.freeCost, RequiredCost: p.requiredCost, Complete: len(p.res.RouteCapHit) == 0}
	for _, r := range rows {
		inst.Rows = append(inst.Rows, r.members())
	}
	return inst, nil
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
	if g.linear() {
		// One route: hit by a required mitigation, or covered by the
		// union of its steps' options (what the general case below
		// computes for a line, without its candidate lists).
		if slices.Contains(done, true) {
			return nil, false
		}
		u := bits[0]
		if n > 1 {
			u = slices.Clone(bits[0])
			for _, b := range bits[1:] {
				for w := range u {
					u[w] |= b[w]
				}
			}
		}
		return []bitset{u}, false
	}
	return routeSetsGraph(g, bits, done, limit)
}

// routeSetsGraph is routeSets for any chain graph.
func routeSetsGraph(g *chainGraph, bits []bitset, done []bool, limit int) ([]bitset, bool) {
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
