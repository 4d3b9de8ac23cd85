package analysis

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"strings"
)

// chainGraph is a validated chain with its steps in step order (topological,
// ties by id); every index below is a position in that order.
type chainGraph struct {
	id      string
	steps   []Step
	next    [][]int // successors, ascending
	sources []int   // ascending
}

// compileChain validates c and puts its steps in step order. It reports empty
// or duplicate ids, dangling Next ids and cycles; it never follows a cycle.
func compileChain(c Chain) (*chainGraph, error) {
	if c.ID == "" {
		return nil, fmt.Errorf("%w: a chain has an empty id; give every chain its case-study id", ErrInvalidInput)
	}
	n := len(c.Steps)
	if n == 0 {
		return nil, fmt.Errorf("%w: chain %q has no steps; leave it out or add its steps", ErrInvalidInput, c.ID)
	}
	if g, ok := linearChain(c); ok {
		return g, nil
	}
	index := make(map[string]int, n)
	for i, s := range c.Steps {
		if s.ID == "" {
			return nil, fmt.Errorf("%w: chain %q: step %d has an empty id; give every step an id", ErrInvalidInput, c.ID, i)
		}
		if _, dup := index[s.ID]; dup {
			return nil, fmt.Errorf("%w: chain %q: step id %q appears twice; step ids must be unique within a chain", ErrInvalidInput, c.ID, s.ID)
		}
		index[s.ID] = i
	}
	out := make([][]int, n)
	prev := make([][]int, n)
	indeg := make([]int, n)
	for i, s := range c.Steps {
		for _, nid := range s.Next {
			j, ok := index[nid]
			if !ok {
				return nil, fmt.Errorf("chain %q: step %q leads to %q, which is not a step of this chain; fix or drop the link: %w", c.ID, s.ID, nid, ErrDanglingStep)
			}
			if slices.Contains(out[i], j) {
				continue
			}
			out[i] = append(out[i], j)
			prev[j] = append(prev[j], i)
			indeg[j]++
		}
	}

	// Kahn's algorithm with the smallest ready id first.
	ready := &idHeap{steps: c.Steps}
	for i := range n {
		if indeg[i] == 0 {
			ready.items = append(ready.items, i)
		}
	}
	heap.Init(ready)
	order := make([]int, 0, n)
	pos := make([]int, n)
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		pos[i] = len(order)
		order = append(order, i)
		for _, j := range out[i] {
			indeg[j]--
			if indeg[j] == 0 {
				heap.Push(ready, j)
			}
		}
	}
	if len(order) < n {
		return nil, cycleError(c, prev, indeg)
	}

	g := &chainGraph{id: c.ID, steps: make([]Step, n), next: make([][]int, n)}
	for p, i := range order {
		g.steps[p] = c.Steps[i]
		for _, j := range out[i] {
			g.next[p] = append(g.next[p], pos[j])
		}
		slices.Sort(g.next[p])
		if len(prev[i]) == 0 {
			g.sources = append(g.sources, p)
		}
	}
	return g, nil
}

// maxLinear is the longest chain linearChain checks (its duplicate check
// is quadratic); attack paths have at most 9 steps.
const maxLinear = 16

// linearChain compiles a chain whose steps form one line in the order
// given (each step leads to the next, the last to nothing, ids non-empty
// and distinct), as an attack path's chain does, without the maps and the
// heap of the general case: the chainGraph is the one compileChain's
// general case builds for it. ok is false for any other chain, which the
// general case then checks and compiles (errors included).
func linearChain(c Chain) (*chainGraph, bool) {
	n := len(c.Steps)
	if n > maxLinear {
		return nil, false
	}
	for i, s := range c.Steps {
		if s.ID == "" {
			return nil, false
		}
		if i+1 < n {
			if len(s.Next) != 1 || s.Next[0] != c.Steps[i+1].ID {
				return nil, false
			}
		} else if len(s.Next) != 0 {
			return nil, false
		}
		for _, t := range c.Steps[:i] {
			if t.ID == s.ID {
				return nil, false
			}
		}
	}
	g := &chainGraph{id: c.ID, steps: make([]Step, n), next: make([][]int, n), sources: []int{0}}
	copy(g.steps, c.Steps)
	succ := make([]int, n) // g.next[p] = succ[p+1 : p+2], one allocation for all
	for p := range n {
		succ[p] = p
	}
	for p := 0; p+1 < n; p++ {
		g.next[p] = succ[p+1 : p+2 : p+2]
	}
	return g, true
}

// linear reports whether g is one line of steps (step p leads to p+1 only).
func (g *chainGraph) linear() bool {
	if len(g.sources) != 1 || g.sources[0] != 0 {
		return false
	}
	for p, next := range g.next {
		if p+1 < len(g.next) {
			if len(next) != 1 || next[0] != p+1 {
				return false
			}
		} else if len(next) != 0 {
			return false
		}
	}
	return true
}

// cycleError names one cycle among the steps Kahn's algorithm could not order.
// Every such step has a predecessor that is also unordered, so walking
// backwards must repeat a step.
func cycleError(c Chain, prev [][]int, indeg []int) error {
	start := -1
	for i := range c.Steps {
		if indeg[i] > 0 && (start < 0 || c.Steps[i].ID < c.Steps[start].ID) {
			start = i
		}
	}
	seenAt := map[int]int{}
	var walk []int
	cur := start
	for {
		if at, ok := seenAt[cur]; ok {
			walk = walk[at:]
			break
		}
		seenAt[cur] = len(walk)
		walk = append(walk, cur)
		nextPred := -1
		for _, p := range prev[cur] {
			if indeg[p] > 0 && (nextPred < 0 || c.Steps[p].ID < c.Steps[nextPred].ID) {
				nextPred = p
			}
		}
		cur = nextPred
	}
	// walk follows links backwards; print them forwards.
	ids := make([]string, 0, len(walk)+1)
	for i := len(walk) - 1; i >= 0; i-- {
		ids = append(ids, c.Steps[walk[i]].ID)
	}
	// Start the loop at its smallest id so the message is stable.
	least := slices.Index(ids, slices.Min(ids))
	ids = append(ids[least:], ids[:least]...)
	ids = append(ids, ids[0])
	return fmt.Errorf("chain %q: steps %s form a loop; remove one of these links: %w", c.ID, strings.Join(ids, " -> "), ErrCycle)
}

// idHeap orders step indices by step id.
type idHeap struct {
	steps []Step
	items []int
}

func (h *idHeap) Len() int           { return len(h.items) }
func (h *idHeap) Less(i, j int) bool { return h.steps[h.items[i]].ID < h.steps[h.items[j]].ID }
func (h *idHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *idHeap) Push(x any)         { h.items = append(h.items, x.(int)) }
func (h *idHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// openReach reports, for each step, whether it is unblocked and reaches a sink
// through unblocked steps only.
func (g *chainGraph) openReach(blocked []bool) []bool {
	reach := make([]bool, len(g.steps))
	for i := len(g.steps) - 1; i >= 0; i-- {
		if blocked[i] {
			continue
		}
		if len(g.next[i]) == 0 {
			reach[i] = true
			continue
		}
		for _, j := range g.next[i] {
			if reach[j] {
				reach[i] = true
				break
			}
		}
	}
	return reach
}

// openRoute returns one route made only of unblocked steps (the first such
// route in step order), or nil when every route contains a blocked step.
func (g *chainGraph) openRoute(blocked []bool) []int {
	reach := g.openReach(blocked)
	for _, s := range g.sources {
		if !reach[s] {
			continue
		}
		route := []int{s}
		for cur := s; len(g.next[cur]) > 0; {
			for _, j := range g.next[cur] {
				if reach[j] {
					cur = j
					break
				}
			}
			route = append(route, cur)
		}
		return route
	}
	return nil
}

// openSteps returns, in step order, the steps that lie on at least one route
// made only of unblocked steps.
func (g *chainGraph) openSteps(blocked []bool) []int {
	reach := g.openReach(blocked)
	from := make([]bool, len(g.steps))
	for _, s := range g.sources {
		from[s] = reach[s]
	}
	var res []int
	for i := range g.steps {
		if !from[i] {
			continue
		}
		res = append(res, i)
		for _, j := range g.next[i] {
			if reach[j] {
				from[j] = true
			}
		}
	}
	return res
}

func (g *chainGraph) ids(positions []int) []string {
	if len(positions) == 0 {
		return nil
	}
	res := make([]string, len(positions))
	for k, p := range positions {
		res[k] = g.steps[p].ID
	}
	return res
}

// MitigationHits says which steps of a chain one mitigation covers.
type MitigationHits struct {
	// Mitigation is the mitigation id.
	Mitigation string
	// Steps are the ids of the steps it covers, in step order.
	Steps []string
	// BreaksAt is the id of the earliest step at which the mitigation alone
	// breaks the chain (see the package documentation); "" when it does not
	// break the chain on its own.
	BreaksAt string
}

// ChainReport is what [ChainMitigations] finds for one chain.
type ChainReport struct {
	// ChainID is the chain's id.
	ChainID string
	// Order is the step ids in step order (topological, ties by id).
	Order []string
	// Breakers are the mitigations that break the chain on their own, the
	// earliest BreaksAt first, then by mitigation id.
	Breakers []MitigationHits
	// Partial are the mitigations that cover some step but leave at least one
	// route open, by mitigation id. Their BreaksAt is "".
	Partial []MitigationHits
	// UncoveredSteps are the ids, in step order, of the steps no mitigation
	// covers.
	UncoveredSteps []string
	// Breakable reports whether all mitigations together break the chain.
	Breakable bool
	// OpenRoute, when Breakable is false, is one route (step ids) whose every
	// step is uncovered; nil otherwise.
	OpenRoute []string
}

// ChainMitigations reports, for one chain, every mitigation that breaks it on
// its own, with the steps it covers and the earliest step at which it breaks
// the chain, plus the mitigations that only cover part of it, the uncovered
// steps and whether the chain can be broken at all. It considers every
// mitigation in k.Mitigates; it does not look for combinations of mitigations
// (see [MinimalMitigationSet]). It returns an error, wrapping [ErrCycle],
// [ErrDanglingStep] or [ErrInvalidInput], when the chain is malformed, and
// one wrapping the context's error when ctx is done before it finishes.
func ChainMitigations(ctx context.Context, chain Chain, k Knowledge, opts Options) (ChainReport, error) {
	g, err := compileChain(chain)
	if err != nil {
		return ChainReport{}, err
	}
	cov := newCoverage(k, opts)
	n := len(g.steps)
	rep := ChainReport{ChainID: g.id, Order: g.ids(seq(n))}

	hits := map[string][]int{}
	covered := make([]bool, n)
	var uncovered []int
	for i, s := range g.steps {
		ms := cov.of(s.Technique)
		covered[i] = len(ms) > 0
		if !covered[i] {
			uncovered = append(uncovered, i)
		}
		for _, m := range ms {
			hits[m] = append(hits[m], i)
		}
	}
	rep.UncoveredSteps = g.ids(uncovered)
	open := g.openRoute(covered)
	rep.Breakable = open == nil
	rep.OpenRoute = g.ids(open)

	type breaker struct {
		at int
		h  MitigationHits
	}
	var breakers []breaker
	for k, m := range cov.all {
		if k%64 == 0 && ctx.Err() != nil {
			return ChainReport{}, ctxError(ctx, "chain mitigations")
		}
		steps := hits[m]
		if len(steps) == 0 {
			continue
		}
		h := MitigationHits{Mitigation: m, Steps: g.ids(steps)}
		blocked := make([]bool, n)
		at := -1
		for _, p := range steps {
			blocked[p] = true
			if g.openRoute(blocked) == nil {
				at = p
				break
			}
		}
		if at < 0 {
			rep.Partial = append(rep.Partial, h)
			continue
		}
		h.BreaksAt = g.steps[at].ID
		breakers = append(breakers, breaker{at: at, h: h})
	}
	// cov.all is sorted, and SortStableFunc keeps that order among equal steps.
	slices.SortStableFunc(breakers, func(a, b breaker) int { return a.at - b.at })
	for _, b := range breakers {
		rep.Breakers = append(rep.Breakers, b.h)
	}
	return rep, nil
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
