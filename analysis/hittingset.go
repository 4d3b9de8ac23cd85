package analysis

import (
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// bitset is a fixed-size set of small non-negative integers.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int) { b[i/64] |= 1 << (uint(i) % 64) }

func (b bitset) union(c bitset) bitset {
	r := make(bitset, len(b))
	for i := range b {
		r[i] = b[i] | c[i]
	}
	return r
}

func (b bitset) subsetOf(c bitset) bool {
	for i := range b {
		if b[i]&^c[i] != 0 {
			return false
		}
	}
	return true
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

func (b bitset) members() []int {
	var r []int
	for wi, w := range b {
		for w != 0 {
			r = append(r, wi*64+bits.TrailingZeros64(w))
			w &= w - 1
		}
	}
	return r
}

// compareSets orders sets by size, then by their members in ascending order.
func compareSets(a, b bitset) int {
	if d := a.count() - b.count(); d != 0 {
		return d
	}
	return slices.Compare(a.members(), b.members())
}

// minimalSets returns the inclusion-minimal sets among cand, without
// duplicates, smallest first. When more than limit (limit > 0) remain, it keeps
// the first limit and reports true.
func minimalSets(cand []bitset, limit int) ([]bitset, bool) {
	sorted := slices.Clone(cand)
	slices.SortFunc(sorted, compareSets)
	var kept []bitset
	for _, s := range sorted {
		dominated := false
		for _, k := range kept {
			if k.subsetOf(s) {
				dominated = true
				break
			}
		}
		if dominated {
			continue
		}
		if limit > 0 && len(kept) == limit {
			return kept, true
		}
		kept = append(kept, s)
	}
	return kept, false
}

// hsOutcome is the result of one weighted hitting-set search.
type hsOutcome struct {
	sets    [][]int // ascending option indices; all of cost `cost`; sorted
	cost    float64
	optimal bool    // the search finished: cost is the minimum
	lower   float64 // a proven lower bound on the minimum cost
	nodes   int
}

// solveHittingSet finds minimum-cost sets of options (0..n-1, with positive
// costs) that intersect every constraint, up to want distinct sets of that
// cost, visiting at most budget search nodes. Every constraint must be
// non-empty.
func solveHittingSet(n int, cost []float64, cons []bitset, want, budget int) hsOutcome {
	if len(cons) == 0 {
		return hsOutcome{sets: [][]int{{}}, optimal: true}
	}
	if budget < 1 {
		budget = 1
	}
	cons, _ = minimalSets(cons, 0)
	m := len(cons)

	// Costs are compared with a tolerance far below any cost, so that sums
	// taken in different orders still tie.
	total, least := 0.0, math.Inf(1)
	for _, c := range cost {
		total += c
		least = math.Min(least, c)
	}
	eps := math.Min(1e-9*math.Max(1, total), 1e-3*least)

	// occ[o]: the constraints option o hits.
	occ := make([]bitset, n)
	for o := range occ {
		occ[o] = newBitset(m)
	}
	for c, s := range cons {
		for _, o := range s.members() {
			occ[o].set(c)
		}
	}
	// An option whose constraints another strictly cheaper option also hits
	// is in no optimal set; options that hit nothing are never chosen anyway.
	live := make([]bool, n)
	for o := range n {
		live[o] = occ[o].count() > 0
	}
	for o := range n {
		if !live[o] {
			continue
		}
		for p := range n {
			if p != o && live[p] && cost[o] > cost[p]+eps && occ[o].subsetOf(occ[p]) {
				live[o] = false
				break
			}
		}
	}

	s := &hsSearch{
		cost:      cost,
		cons:      make([][]int, m),
		occ:       make([][]int, n),
		hitCount:  make([]int, m),
		excluded:  make([]bool, n),
		residual:  make([]float64, n),
		uncovered: m,
		bestCost:  math.Inf(1),
		seen:      map[string]bool{},
		want:      want,
		budget:    budget,
		eps:       eps,
		openLB:    math.Inf(1),
	}
	for c, set := range cons {
		for _, o := range set.members() {
			if live[o] {
				s.cons[c] = append(s.cons[c], o)
				s.occ[o] = append(s.occ[o], c)
			}
		}
	}
	s.bySize = seq(m)
	slices.SortStableFunc(s.bySize, func(a, b int) int { return len(s.cons[a]) - len(s.cons[b]) })

	s.greedy()
	s.dfs(0, 0)

	out := hsOutcome{sets: s.best, cost: s.bestCost, optimal: !s.aborted, nodes: s.nodes}
	slices.SortFunc(out.sets, slices.Compare[[]int])
	if out.optimal {
		out.lower = s.bestCost
	} else {
		out.lower = math.Max(s.rootBound, math.Min(s.openLB, s.bestCost))
	}
	return out
}

// hsSearch is the state of one branch-and-bound search. Branching on
// constraint c with options o1..ok, child i takes oi and excludes o1..o(i-1),
// so the children split the sets below a node without overlap and no set is
// found twice.
type hsSearch struct {
	cost      []float64
	cons      [][]int // live options of each constraint, ascending
	occ       [][]int // constraints of each live option
	bySize    []int   // constraints, fewest options first
	hitCount  []int   // chosen options in each constraint
	excluded  []bool
	residual  []float64
	chosen    []int
	uncovered int

	bestCost float64
	best     [][]int
	seen     map[string]bool
	want     int

	nodes, budget int
	aborted       bool
	rootBound     float64
	openLB        float64 // least bound of the subtrees the budget left unexplored
	eps           float64
}

func (s *hsSearch) choose(o int) {
	for _, c := range s.occ[o] {
		if s.hitCount[c] == 0 {
			s.uncovered--
		}
		s.hitCount[c]++
	}
	s.chosen = append(s.chosen, o)
}

func (s *hsSearch) unchoose(o int) {
	for _, c := range s.occ[o] {
		s.hitCount[c]--
		if s.hitCount[c] == 0 {
			s.uncovered++
		}
	}
	s.chosen = s.chosen[:len(s.chosen)-1]
}

// record offers the current chosen set, of cost cur, as a solution.
func (s *hsSearch) record(cur float64) {
	set := slices.Clone(s.chosen)
	slices.Sort(set)
	var kb strings.Builder
	for _, o := range set {
		kb.WriteString(strconv.Itoa(o))
		kb.WriteByte(',')
	}
	key := kb.String()
	switch {
	case cur < s.bestCost-s.eps:
		s.bestCost = cur
		s.best = [][]int{set}
		s.seen = map[string]bool{key: true}
	case cur <= s.bestCost+s.eps && len(s.best) < s.want && !s.seen[key]:
		s.best = append(s.best, set)
		s.seen[key] = true
	}
}

// prune reports whether a subtree whose sets all cost at least bound can hold
// nothing the search still wants.
func (s *hsSearch) prune(bound float64) bool {
	if len(s.best) >= s.want {
		return bound >= s.bestCost-s.eps
	}
	return bound > s.bestCost+s.eps
}

func (s *hsSearch) abort(bound float64) {
	s.aborted = true
	s.openLB = math.Min(s.openLB, bound)
}

// lowerBound is a feasible solution of the LP dual of the remaining problem,
// built greedily (each uncovered constraint takes the least residual cost of
// its available options), so its value bounds the remaining cost from below.
// It returns +Inf when an uncovered constraint has no available option.
func (s *hsSearch) lowerBound() float64 {
	copy(s.residual, s.cost)
	lb := 0.0
	for _, c := range s.bySize {
		if s.hitCount[c] > 0 {
			continue
		}
		y := math.Inf(1)
		for _, o := range s.cons[c] {
			if !s.excluded[o] && s.residual[o] < y {
				y = s.residual[o]
			}
		}
		if math.IsInf(y, 1) {
			return y
		}
		lb += y
		for _, o := range s.cons[c] {
			if !s.excluded[o] {
				s.residual[o] -= y
			}
		}
	}
	return lb
}

func (s *hsSearch) dfs(cur, inherited float64) {
	s.nodes++
	if s.nodes > s.budget {
		s.abort(inherited)
		return
	}
	if s.uncovered == 0 {
		s.record(cur)
		return
	}
	b := math.Max(cur+s.lowerBound(), inherited)
	if s.nodes == 1 {
		s.rootBound = b
	}
	if s.prune(b) {
		return
	}
	// Branch on the uncovered constraint with the fewest available options.
	pick, fewest := -1, 0
	for c, opts := range s.cons {
		if s.hitCount[c] > 0 {
			continue
		}
		k := 0
		for _, o := range opts {
			if !s.excluded[o] {
				k++
			}
		}
		if pick < 0 || k < fewest {
			pick, fewest = c, k
		}
	}
	if fewest == 0 {
		return
	}
	type option struct {
		o     int
		ratio float64
	}
	options := make([]option, 0, fewest)
	for _, o := range s.cons[pick] {
		if s.excluded[o] {
			continue
		}
		gain := 0
		for _, c := range s.occ[o] {
			if s.hitCount[c] == 0 {
				gain++
			}
		}
		options = append(options, option{o, s.cost[o] / float64(gain)})
	}
	slices.SortStableFunc(options, func(a, b option) int {
		switch {
		case a.ratio < b.ratio:
			return -1
		case a.ratio > b.ratio:
			return 1
		}
		return 0
	})
	var excl []int
	for _, op := range options {
		if s.prune(b) {
			break
		}
		s.choose(op.o)
		s.dfs(cur+s.cost[op.o], b)
		s.unchoose(op.o)
		if s.aborted {
			s.abort(b)
			break
		}
		s.excluded[op.o] = true
		excl = append(excl, op.o)
	}
	for _, o := range excl {
		s.excluded[o] = false
	}
}

// greedy records a first solution: repeatedly take the option with the best
// cost per newly hit constraint, then drop members made redundant, dearest
// first. It gives the search an upper bound even when the budget is tiny.
func (s *hsSearch) greedy() {
	for s.uncovered > 0 {
		best, bestRatio := -1, math.Inf(1)
		for o := range s.occ {
			gain := 0
			for _, c := range s.occ[o] {
				if s.hitCount[c] == 0 {
					gain++
				}
			}
			if gain == 0 {
				continue
			}
			if r := s.cost[o] / float64(gain); r < bestRatio {
				best, bestRatio = o, r
			}
		}
		if best < 0 {
			break // an empty constraint; callers never pass one
		}
		s.choose(best)
	}
	if s.uncovered > 0 {
		s.resetAfterGreedy()
		return
	}
	members := slices.Clone(s.chosen)
	slices.SortStableFunc(members, func(a, b int) int {
		switch {
		case s.cost[a] > s.cost[b]:
			return -1
		case s.cost[a] < s.cost[b]:
			return 1
		}
		return b - a
	})
	keep := map[int]bool{}
	for _, o := range members {
		keep[o] = true
	}
	for _, o := range members {
		redundant := true
		for _, c := range s.occ[o] {
			if s.hitCount[c] == 1 {
				redundant = false
				break
			}
		}
		if redundant {
			for _, c := range s.occ[o] {
				s.hitCount[c]--
			}
			delete(keep, o)
		}
	}
	total := 0.0
	set := make([]int, 0, len(keep))
	for o := range keep {
		set = append(set, o)
	}
	slices.Sort(set)
	for _, o := range set {
		total += s.cost[o]
	}
	saved := s.chosen
	s.chosen = set
	s.record(total)
	s.chosen = saved
	s.resetAfterGreedy()
}

// resetAfterGreedy clears the search state the greedy pass changed.
func (s *hsSearch) resetAfterGreedy() {
	s.chosen = s.chosen[:0]
	for c := range s.hitCount {
		s.hitCount[c] = 0
	}
	s.uncovered = len(s.cons)
}
