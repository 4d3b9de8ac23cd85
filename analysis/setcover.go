package analysis

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The weighted hitting-set solver behind [MinimalMitigationSet].
//
// It first reduces the instance (rows that contain another row, options whose
// rows a cheaper option also hits, rows left with one option), then runs a
// branch and bound in two phases. Bounds come from the Lagrangian relaxation
// of the covering rows: with multipliers u >= 0 per row,
//
//	L(u) = sum_i u_i + sum_j min(0, c_j - sum_{i in j} u_i)
//
// is a lower bound on the cost of every cover, and c_j - sum u_i (the reduced
// cost) of an option tells how much taking it, or leaving it out, must add to
// that bound. Options whose reduced cost alone proves they cannot be in (or
// out of) a wanted answer are fixed at every node. With integer costs, bounds
// are rounded up to the next integer. Every bound is a proven one: any u >= 0
// gives a valid L(u), so the way u is found only decides how tight it is.
//
// The first phase (the probe) tunes u by subgradient steps, finds covers with
// a greedy and Lagrangian heuristics, and branches on the row with the fewest
// free options; small instances finish in it. When it has gone probePatience
// nodes without a better cover, the second phase starts again from the root
// and takes u from the LP relaxation solved exactly at every node (lp.go):
// the bound is then the LP bound, the reduced costs fix far more options, and
// it branches on the most fractional option of the LP solution. A better
// cover found in the second phase restarts it, so that the root's fixing uses
// it.

// hsOutcome is the result of one weighted hitting-set search.
type hsOutcome struct {
	sets    [][]int // ascending option indices; all of cost `cost`; sorted
	cost    float64
	stopped StopReason // "" when the search finished: cost is the minimum
	lower   float64    // a proven lower bound on the minimum cost
	nodes   int
}

// ctxEvery is how many search nodes pass between two looks at the context.
const ctxEvery = 32

// Subgradient effort: iterations at the root and at other nodes.
const (
	rootIterations = 600
	nodeIterations = 25
	// fixRounds is how many times a node tunes its bound again after
	// reduced-cost fixing shrank its problem.
	fixRounds = 3
)

// Column states during the search.
const (
	colFree int8 = iota
	colIn
	colOut
)

// solveHittingSet finds minimum-cost sets of options (0..n-1, with positive
// costs) that intersect every constraint, up to want distinct sets of that
// cost, visiting at most budget search nodes and stopping early when ctx is
// done. Every constraint must be non-empty.
func solveHittingSet(ctx context.Context, n int, cost []float64, cons []bitset, want, budget int) hsOutcome {
	if len(cons) == 0 {
		return hsOutcome{sets: [][]int{{}}}
	}
	if budget < 1 {
		budget = 1
	}
	if want < 1 {
		want = 1
	}
	rows := make([][]int32, len(cons))
	for i, b := range cons {
		for _, o := range b.members() {
			rows[i] = append(rows[i], int32(o))
		}
	}
	s := newCoverSearch(n, cost, rows, want, budget)
	s.ctx = ctx
	s.solve()
	out := hsOutcome{sets: s.best, cost: s.bestCost, stopped: s.stopped, nodes: s.nodes}
	slices.SortFunc(out.sets, slices.Compare[[]int])
	if s.stopped == "" {
		out.lower = s.bestCost
	} else {
		out.lower = math.Min(s.rootBound, s.bestCost)
	}
	return out
}

// coverSearch is the state of one search.
type coverSearch struct {
	ctx    context.Context
	cost   []float64
	rows   [][]int32 // live rows: options, ascending
	cols   [][]int32 // rows of each option
	want   int
	budget int

	eps     float64
	integer bool // every cost is an integer: bounds round up

	state    []int8 // per option
	hit      []int32
	freeIn   []int32 // per row: its free options
	uncov    int
	chosen   []int // options taken, original indices
	cur      float64
	forced   []int // options every answer holds (root reductions)
	forcedC  float64
	u        []float64 // multipliers, one per row
	rc       []float64 // reduced costs of the last bound
	bestU    []float64
	scratchG []float64

	bestCost  float64
	best      [][]int
	seen      map[string]bool
	rootBound float64

	nodes   int
	stopped StopReason

	lpX      []float64 // the LP solution of the current node, nil if none
	lastImp  int       // the node at which the incumbent last improved
	rootAt   int       // the node number of the current phase's root
	phaseCap int       // the node cap of the current phase, 0 for none
	noLP     bool      // no LP at the root in this phase
}

func newCoverSearch(n int, cost []float64, rows [][]int32, want, budget int) *coverSearch {
	total, least := 0.0, math.Inf(1)
	integer := true
	for _, c := range cost {
		total += c
		least = math.Min(least, c)
		integer = integer && c == math.Trunc(c)
	}
	if n == 0 {
		least = 1
	}
	s := &coverSearch{
		cost: cost, want: want, budget: budget,
		eps:      math.Min(1e-9*math.Max(1, total), 1e-3*least),
		integer:  integer,
		state:    make([]int8, n),
		bestCost: math.Inf(1),
		seen:     map[string]bool{},
		rootAt:   1,
	}
	s.reduce(rows)
	return s
}

// reduce applies the reductions that keep every wanted answer: row
// dominance, option dominance (weak only when one answer is wanted), and
// options forced by rows with a single option, until nothing changes. It
// leaves the live rows and columns in s.rows and s.cols.
func (s *coverSearch) reduce(rows [][]int32) {
	n := len(s.cost)
	for changed := true; changed; {
		changed = false
		// Forced options: a row with one option.
		forcedNow := map[int32]bool{}
		for _, r := range rows {
			if len(r) == 1 && s.state[r[0]] == colFree {
				forcedNow[r[0]] = true
			}
		}
		if len(forcedNow) > 0 {
			changed = true
			for o := range forcedNow {
				s.state[o] = colIn
				s.forced = append(s.forced, int(o))
				s.forcedC += s.cost[o]
			}
			kept := rows[:0]
			for _, r := range rows {
				covered := false
				for _, o := range r {
					if s.state[o] == colIn {
						covered = true
						break
					}
				}
				if !covered {
					kept = append(kept, r)
				}
			}
			rows = kept
		}
		rows = dominantRows(rows, n)
		cols := columnsOf(rows, n)
		removed := false
		for o := range n {
			if s.state[o] != colFree {
				continue
			}
			if len(cols[o]) == 0 {
				s.state[o] = colOut
				continue
			}
			if s.dominated(int32(o), rows, cols) {
				s.state[o] = colOut
				removed = true
			}
		}
		if removed {
			changed = true
			for i, r := range rows {
				rows[i] = slices.DeleteFunc(slices.Clone(r), func(o int32) bool { return s.state[o] != colFree })
			}
		}
	}
	s.rows = rows
	s.cols = columnsOf(rows, n)
	m := len(rows)
	s.hit = make([]int32, m)
	s.freeIn = make([]int32, m)
	for i, r := range rows {
		s.freeIn[i] = int32(len(r))
	}
	s.uncov = m
	s.u = make([]float64, m)
	s.bestU = make([]float64, m)
	s.scratchG = make([]float64, m)
	s.rc = make([]float64, n)
	s.cur = s.forcedC
}

// dominated reports whether another live option hits every row o hits and is
// cheaper, or (with one answer wanted) no dearer and larger or earlier.
func (s *coverSearch) dominated(o int32, rows [][]int32, cols [][]int32) bool {
	ro := cols[o]
	// Any dominating option lies in o's row with the fewest options.
	r0 := ro[0]
	for _, r := range ro {
		if len(rows[r]) < len(rows[r0]) {
			r0 = r
		}
	}
	for _, p := range rows[r0] {
		if p == o || s.state[p] != colFree || !subsetSorted(ro, cols[p]) {
			continue
		}
		switch {
		case s.cost[o] > s.cost[p]+s.eps:
			return true
		case s.want == 1 && s.cost[o] >= s.cost[p] && (len(cols[p]) > len(ro) || p < o):
			return true
		}
	}
	return false
}

// subsetSorted reports whether ascending a is a subset of ascending b.
func subsetSorted(a, b []int32) bool {
	if len(a) > len(b) {
		return false
	}
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j == len(b) || b[j] != x {
			return false
		}
		j++
	}
	return true
}

// dominantRows drops rows that contain another row, and duplicates.
func dominantRows(rows [][]int32, n int) [][]int32 {
	order := seq(len(rows))
	slices.SortStableFunc(order, func(a, b int) int {
		if d := len(rows[a]) - len(rows[b]); d != 0 {
			return d
		}
		return slices.Compare(rows[a], rows[b])
	})
	cnt := make([]int, n)
	for _, r := range rows {
		for _, o := range r {
			cnt[o]++
		}
	}
	// A kept row s is indexed under its rarest option: a row r containing s
	// contains that option too.
	keyed := make([][]int, n)
	mark := make([]bool, n)
	var kept [][]int32
	for _, i := range order {
		r := rows[i]
		for _, o := range r {
			mark[o] = true
		}
		dup := false
		for _, o := range r {
			for _, k := range keyed[o] {
				ok := true
				for _, x := range kept[k] {
					if !mark[x] {
						ok = false
						break
					}
				}
				if ok {
					dup = true
					break
				}
			}
			if dup {
				break
			}
		}
		for _, o := range r {
			mark[o] = false
		}
		if dup {
			continue
		}
		key := r[0]
		for _, o := range r {
			if cnt[o] < cnt[key] {
				key = o
			}
		}
		keyed[key] = append(keyed[key], len(kept))
		kept = append(kept, r)
	}
	return kept
}

func columnsOf(rows [][]int32, n int) [][]int32 {
	cols := make([][]int32, n)
	for i, r := range rows {
		for _, o := range r {
			cols[o] = append(cols[o], int32(i))
		}
	}
	return cols
}

// solve runs the search.
func (s *coverSearch) solve() {
	if s.uncov == 0 {
		s.record()
		s.rootBound = s.cur
		return
	}
	s.greedy()
	// Initial multipliers: each row's cheapest cost per row hit.
	for i, r := range s.rows {
		y := math.Inf(1)
		for _, o := range r {
			y = math.Min(y, s.cost[o]/float64(len(s.cols[o])))
		}
		s.u[i] = y
	}
	if st := ctxStop(s.ctx); st != "" {
		s.stopped = st
		s.rootBound = s.round(s.lagrangian())
		return
	}
	// Phase one: a short search with subgradient bounds only, to find a
	// good incumbent; phase two: the full search, whose root solves the LP
	// and fixes options by LP reduced cost against that incumbent.
	s.phaseCap, s.noLP = probeNodes, true
	s.dfs(math.Inf(-1))
	// The second phase starts again from its root whenever it finds a
	// better incumbent, since the root's fixing against it shrinks every
	// LP below.
	for s.stopped == stopProbe || s.stopped == stopRestart {
		s.stopped = ""
		s.phaseCap, s.noLP, s.rootAt = 0, false, s.nodes+1
		s.dfs(math.Inf(-1))
	}
	if s.stopped == "" {
		s.rootBound = s.bestCost
	}
}

// probeNodes is the node cap of the first phase of the search (a variable
// so that tests can send small instances through the second phase).
var probeNodes = 3000

// probePatience is how many nodes the first phase goes on without a better
// incumbent.
const probePatience = 100

// stopRestart restarts the second phase.
const stopRestart StopReason = "restart"

// stopProbe ends the first phase.
const stopProbe StopReason = "probe"

// round rounds a bound up to the next achievable cost when costs are integers.
func (s *coverSearch) round(b float64) float64 {
	if s.integer && !math.IsInf(b, 0) {
		return math.Ceil(b - s.eps)
	}
	return b
}

// prune reports whether a subtree whose sets all cost at least bound can hold
// nothing the search still wants.
func (s *coverSearch) prune(bound float64) bool {
	if len(s.best) >= s.want {
		return bound >= s.bestCost-s.eps
	}
	return bound > s.bestCost+s.eps
}

func (s *coverSearch) take(o int32) {
	s.state[o] = colIn
	s.cur += s.cost[o]
	s.chosen = append(s.chosen, int(o))
	for _, r := range s.cols[o] {
		if s.hit[r] == 0 {
			s.uncov--
		}
		s.hit[r]++
		s.freeIn[r]--
	}
}

func (s *coverSearch) untake(o int32) {
	s.state[o] = colFree
	s.cur -= s.cost[o]
	s.chosen = s.chosen[:len(s.chosen)-1]
	for _, r := range s.cols[o] {
		s.hit[r]--
		if s.hit[r] == 0 {
			s.uncov++
		}
		s.freeIn[r]++
	}
}

// exclude leaves o out; it reports false when that leaves an uncovered row
// without options.
func (s *coverSearch) exclude(o int32) bool {
	s.state[o] = colOut
	ok := true
	for _, r := range s.cols[o] {
		s.freeIn[r]--
		if s.freeIn[r] == 0 && s.hit[r] == 0 {
			ok = false
		}
	}
	return ok
}

func (s *coverSearch) unexclude(o int32) {
	s.state[o] = colFree
	for _, r := range s.cols[o] {
		s.freeIn[r]++
	}
}

// lagrangian returns L(u) for the current node and fills s.rc with the free
// options' reduced costs; +Inf when an uncovered row has no free option.
func (s *coverSearch) lagrangian() float64 {
	l := s.cur
	for i := range s.rows {
		if s.hit[i] == 0 {
			if s.freeIn[i] == 0 {
				return math.Inf(1)
			}
			l += s.u[i]
		}
	}
	for o, st := range s.state {
		if st != colFree {
			continue
		}
		rc := s.cost[o]
		for _, r := range s.cols[o] {
			if s.hit[r] == 0 {
				rc -= s.u[r]
			}
		}
		s.rc[o] = rc
		if rc < 0 {
			l += rc
		}
	}
	return l
}

// bound tunes the multipliers by subgradient steps at the current node and
// returns the best L(u) seen (s.bestU and s.rc then belong to it, and s.u is
// left at s.bestU). The step is lambda (UB - L) / |g|^2, lambda halving when
// L(u) has not improved for a while (Held and Karp; Beasley).
func (s *coverSearch) bound(iters int, lambda float64, heuristicEvery int) float64 {
	best := math.Inf(-1)
	stall := 0
	// Small problems settle fast: wait in proportion to their rows, and
	// stop sooner, so that they are not charged the effort large ones need.
	m := len(s.rows)
	patience := max(5, min(iters/40, m/4))
	floor := 1e-4
	if m < 1000 {
		floor = 5e-3
	}
	for it := 0; it < iters; it++ {
		if it%16 == 15 {
			if st := ctxStop(s.ctx); st != "" {
				s.stopped = st
				break
			}
		}
		l := s.lagrangian()
		if math.IsInf(l, 1) {
			return l
		}
		if math.IsInf(best, -1) || l > best {
			if math.IsInf(best, -1) || l > best+1e-6*math.Max(1, math.Abs(best)) {
				stall = 0
			} else {
				stall++
			}
			best = l
			copy(s.bestU, s.u)
		} else {
			stall++
		}
		if s.prune(s.round(best)) {
			break
		}
		if stall >= patience {
			lambda /= 2
			stall = 0
			if lambda < floor {
				break
			}
		}
		// Subgradient: 1 - (options with negative reduced cost) per uncovered row.
		norm := 0.0
		for i, r := range s.rows {
			if s.hit[i] != 0 {
				s.scratchG[i] = 0
				continue
			}
			g := 1.0
			for _, o := range r {
				if s.rc[o] < 0 && s.state[o] == colFree {
					g--
				}
			}
			if g < 0 && s.u[i] <= 0 {
				g = 0
			}
			s.scratchG[i] = g
			norm += g * g
		}
		if norm == 0 {
			break // L(u) is optimal for this node
		}
		target := s.bestCost
		if math.IsInf(target, 1) {
			target = math.Abs(l)*1.1 + 1
		}
		step := lambda * math.Max(target-l, 1e-3*s.eps+1e-9) / norm
		for i := range s.rows {
			if g := s.scratchG[i]; g != 0 {
				s.u[i] = math.Max(0, s.u[i]+step*g)
			}
		}
		if heuristicEvery > 0 && it%heuristicEvery == heuristicEvery-1 {
			s.lagrangianHeuristic()
		}
	}
	copy(s.u, s.bestU)
	s.lagrangian()
	return best
}

// branchLP branches on the free option whose LP value is the most
// fractional: first taking it, then leaving it out. When no free option is
// fractional, the LP solution is a cover: it offers it and, unless that
// settles the node, reports false so that the caller branches on a row.
func (s *coverSearch) branchLP(x []float64, b float64) bool {
	pick, best := int32(-1), 0.0
	for o, st := range s.state {
		if st != colFree {
			continue
		}
		if f := math.Min(x[o], 1-x[o]); f > 1e-6 && (f > best+1e-9 || f > best-1e-9 && s.cost[o] < s.cost[pick]) {
			pick, best = int32(o), f
		}
	}
	if pick < 0 {
		var added []int32
		for o, st := range s.state {
			if st == colFree && x[o] > 0.5 && s.gain(int32(o)) > 0 {
				s.take(int32(o))
				added = append(added, int32(o))
			}
		}
		if s.uncov == 0 {
			s.record()
		}
		for k := len(added) - 1; k >= 0; k-- {
			s.untake(added[k])
		}
		return s.prune(b)
	}
	s.take(pick)
	s.dfs(b)
	s.untake(pick)
	if s.stopped != "" || s.prune(b) {
		return true
	}
	if s.exclude(pick) {
		s.dfs(b)
	}
	s.unexclude(pick)
	return true
}

// nodeLP solves the current node's LP and replaces the multipliers by its
// duals when they give a better bound than l, the subgradient's; it returns
// the bound kept (s.u, s.bestU and s.rc then belong to it) and leaves the LP
// solution in s.lpX when the LP's bound is kept. At the root it also runs the
// LP-guided heuristics.
func (s *coverSearch) nodeLP(l float64) float64 {
	u, x, _ := s.lpSolve(s.u)
	saved := slices.Clone(s.u)
	copy(s.u, u)
	lu := s.lagrangian()
	if lu > l {
		s.lpX = x
		copy(s.bestU, s.u)
		if s.nodes == s.rootAt {
			s.lagrangianHeuristic()
			s.lpHeuristics(x)
		}
		return lu
	}
	copy(s.u, saved)
	s.lagrangian()
	return l
}

// lpHeuristics builds covers guided by an LP solution x and the reduced
// costs in s.rc: one takes options by decreasing x, one greedily by least
// reduced cost per uncovered row hit; each is pruned and improved by
// recordPruned.
func (s *coverSearch) lpHeuristics(x []float64) {
	var order []int32
	for o, st := range s.state {
		if st == colFree {
			order = append(order, int32(o))
		}
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		switch {
		case x[a] > x[b]:
			return -1
		case x[a] < x[b]:
			return 1
		}
		return 0
	})
	var added []int32
	for _, o := range order {
		if s.uncov == 0 {
			break
		}
		if s.gain(o) > 0 {
			s.take(o)
			added = append(added, o)
		}
	}
	if s.uncov == 0 {
		s.recordPruned(added)
	}
	for k := len(added) - 1; k >= 0; k-- {
		s.untake(added[k])
	}
	// Greedy on reduced cost per row, with cost per row breaking ties.
	added = added[:0]
	for s.uncov > 0 {
		pick, best := int32(-1), math.Inf(1)
		for _, o := range order {
			if s.state[o] != colFree {
				continue
			}
			if g := s.gain(o); g > 0 {
				if v := (math.Max(s.rc[o], 0) + 1e-3*s.cost[o]) / float64(g); v < best {
					pick, best = o, v
				}
			}
		}
		if pick < 0 {
			break
		}
		s.take(pick)
		added = append(added, pick)
	}
	if s.uncov == 0 {
		s.recordPruned(added)
	}
	for k := len(added) - 1; k >= 0; k-- {
		s.untake(added[k])
	}
}

// lagrangianHeuristic builds a cover from the current reduced costs: take the
// options with negative reduced cost, cover what is left by least reduced
// cost per row, drop redundant members, and offer the result.
func (s *coverSearch) lagrangianHeuristic() {
	var added []int32
	for o, st := range s.state {
		if st == colFree && s.rc[o] < 0 {
			s.take(int32(o))
			added = append(added, int32(o))
		}
	}
	for i, r := range s.rows {
		if s.hit[i] != 0 {
			continue
		}
		pick, best := int32(-1), math.Inf(1)
		for _, o := range r {
			if s.state[o] != colFree {
				continue
			}
			v := s.cost[o] / float64(s.gain(o))
			if v < best {
				pick, best = o, v
			}
		}
		if pick < 0 {
			break
		}
		s.take(pick)
		added = append(added, pick)
	}
	if s.uncov == 0 {
		s.recordPruned(added)
	}
	for k := len(added) - 1; k >= 0; k-- {
		s.untake(added[k])
	}
}

// gain counts the uncovered rows o hits.
func (s *coverSearch) gain(o int32) int {
	g := 0
	for _, r := range s.cols[o] {
		if s.hit[r] == 0 {
			g++
		}
	}
	return g
}

// recordPruned offers the current cover after dropping, dearest first, the
// members among added that it does not need.
func (s *coverSearch) recordPruned(added []int32) {
	order := slices.Clone(added)
	slices.SortStableFunc(order, func(a, b int32) int {
		switch {
		case s.cost[a] > s.cost[b]:
			return -1
		case s.cost[a] < s.cost[b]:
			return 1
		}
		return int(b - a)
	})
	drop := map[int32]bool{}
	for _, o := range order {
		need := false
		for _, r := range s.cols[o] {
			if s.hit[r] == 1 {
				need = true
				break
			}
		}
		if !need {
			drop[o] = true
			for _, r := range s.cols[o] {
				s.hit[r]--
			}
		}
	}
	var members []int32
	for _, o := range s.chosen {
		if !drop[int32(o)] {
			members = append(members, int32(o))
		}
	}
	for o := range drop {
		for _, r := range s.cols[o] {
			s.hit[r]++
		}
	}
	// The local search is worth its time at the root, where it sets the
	// bound to beat, and below only for covers that already beat it.
	if c := s.forcedC + s.sumCost32(members); s.nodes <= 1 && c <= s.bestCost*1.03+s.eps || c < s.bestCost-s.eps {
		members = s.improve(members)
	}
	set := make([]int, 0, len(members)+len(s.forced))
	set = append(set, s.forced...)
	for _, o := range members {
		set = append(set, int(o))
	}
	s.offer(set, s.sumCost(set))
}

// improve is a local search on a cover of the live rows: it adds an option
// when the members that then become redundant cost more than it, until no
// such move is left. It works on its own counts, not on the search state.
func (s *coverSearch) improve(members []int32) []int32 {
	count := make([]int32, len(s.rows))
	in := make([]bool, len(s.cost))
	for _, o := range members {
		in[o] = true
		for _, r := range s.cols[o] {
			count[r]++
		}
	}
	var cand []int32
	mark := make([]bool, len(s.cost))
	for improved := true; improved; {
		improved = false
		for k := range s.cost {
			if in[k] || len(s.cols[k]) == 0 {
				continue
			}
			// Members sharing a row with k are the only ones k can make
			// redundant.
			cand = cand[:0]
			for _, r := range s.cols[k] {
				count[r]++
				for _, o := range s.rows[r] {
					if in[o] && !mark[o] {
						mark[o] = true
						cand = append(cand, o)
					}
				}
			}
			for _, o := range cand {
				mark[o] = false
			}
			slices.SortFunc(cand, func(a, b int32) int {
				switch {
				case s.cost[a] > s.cost[b]:
					return -1
				case s.cost[a] < s.cost[b]:
					return 1
				}
				return int(a - b)
			})
			saved := 0.0
			var removed []int32
			for _, o := range cand {
				redundant := true
				for _, r := range s.cols[o] {
					if count[r] < 2 {
						redundant = false
						break
					}
				}
				if redundant {
					for _, r := range s.cols[o] {
						count[r]--
					}
					saved += s.cost[o]
					removed = append(removed, o)
				}
			}
			if saved > s.cost[k]+s.eps {
				in[k] = true
				for _, o := range removed {
					in[o] = false
				}
				improved = true
				continue
			}
			for _, o := range removed {
				for _, r := range s.cols[o] {
					count[r]++
				}
			}
			for _, r := range s.cols[k] {
				count[r]--
			}
		}
	}
	out := members[:0]
	for o, ok := range in {
		if ok && len(s.cols[o]) > 0 {
			out = append(out, int32(o))
		}
	}
	return out
}

func (s *coverSearch) sumCost32(set []int32) float64 {
	c := 0.0
	for _, o := range set {
		c += s.cost[o]
	}
	return c
}

func (s *coverSearch) sumCost(set []int) float64 {
	c := 0.0
	for _, o := range set {
		c += s.cost[o]
	}
	return c
}

// greedy records a first cover: repeatedly the best cost per newly hit row,
// then redundant members dropped.
func (s *coverSearch) greedy() {
	var added []int32
	for s.uncov > 0 {
		pick, best := int32(-1), math.Inf(1)
		for o, st := range s.state {
			if st != colFree {
				continue
			}
			if g := s.gain(int32(o)); g > 0 {
				if v := s.cost[o] / float64(g); v < best {
					pick, best = int32(o), v
				}
			}
		}
		if pick < 0 {
			break
		}
		s.take(pick)
		added = append(added, pick)
	}
	if s.uncov == 0 {
		s.recordPruned(added)
	}
	for k := len(added) - 1; k >= 0; k-- {
		s.untake(added[k])
	}
}

// record offers the current chosen set.
func (s *coverSearch) record() {
	set := append(slices.Clone(s.forced), s.chosen...)
	s.offer(set, s.sumCost(set))
}

// offer keeps set, of the given cost, if it is among the cheapest.
func (s *coverSearch) offer(set []int, cost float64) {
	set = slices.Clone(set)
	slices.Sort(set)
	var kb strings.Builder
	for _, o := range set {
		kb.WriteString(strconv.Itoa(o))
		kb.WriteByte(',')
	}
	key := kb.String()
	switch {
	case cost < s.bestCost-s.eps:
		if !s.noLP && s.stopped == "" && !math.IsInf(s.bestCost, 1) {
			s.stopped = stopRestart
		}
		s.bestCost = cost
		s.lastImp = s.nodes
		s.best = [][]int{set}
		s.seen = map[string]bool{key: true}
	case cost <= s.bestCost+s.eps && len(s.best) < s.want && !s.seen[key]:
		s.best = append(s.best, set)
		s.seen[key] = true
	}
}

// tookSince reports whether the trail holds a take after its first k entries.
func tookSince(t trail, k int) bool {
	for _, o := range t[k:] {
		if o >= 0 {
			return true
		}
	}
	return false
}

// trail entries undo node-local fixings: o >= 0 undoes a take, o < 0 undoes
// the exclusion of -o-1.
type trail []int32

func (s *coverSearch) undo(t trail) {
	for k := len(t) - 1; k >= 0; k-- {
		if o := t[k]; o >= 0 {
			s.untake(o)
		} else {
			s.unexclude(-o - 1)
		}
	}
}

// dfs explores the current node; inherited is its parent's bound.
func (s *coverSearch) dfs(inherited float64) {
	s.nodes++
	if s.nodes > s.budget {
		s.stopped = StopBudget
		return
	}
	if s.phaseCap > 0 && (s.nodes > s.phaseCap || s.nodes-s.lastImp > probePatience) {
		s.stopped = stopProbe
		return
	}
	if s.nodes%ctxEvery == 0 {
		if st := ctxStop(s.ctx); st != "" {
			s.stopped = st
			return
		}
	}
	if s.uncov == 0 {
		s.record()
		return
	}
	s.lpX = nil
	root := s.nodes == s.rootAt
	iters, lambda, heur := nodeIterations, 0.25, 0
	if root {
		iters, lambda, heur = rootIterations, 2, 20
	}
	if !s.noLP {
		// The LP gives the bound; L(u) of the parent's duals may prune
		// first.
		iters, heur = 1, 0
	}
	l := s.bound(iters, lambda, heur)
	if !s.noLP && s.stopped == "" && !s.prune(s.round(l)) {
		l = s.nodeLP(l)
	}
	if !root && !s.prune(s.round(l)) {
		s.lagrangianHeuristic()
	}
	b := math.Max(s.round(l), inherited)
	if root {
		s.rootBound = math.Max(s.rootBound, b)
	}
	if s.stopped != "" || s.prune(b) {
		return
	}

	// Reduced-cost fixing: an option whose taking (or leaving out) would
	// raise the bound past what is wanted is left out (or taken). Fixing
	// shrinks the node's problem, so the bound is tuned again and the
	// fixing repeated while it keeps fixing.
	var t trail
	defer func() { s.undo(t) }()
	for round := 0; ; round++ {
		fixed := len(t)
		for o, st := range s.state {
			if st != colFree {
				continue
			}
			rc := s.rc[o]
			switch {
			case rc > 0 && s.prune(s.round(l+rc)):
				t = append(t, -int32(o)-1)
				if !s.exclude(int32(o)) {
					return
				}
			case rc < 0 && s.prune(s.round(l-rc)):
				s.take(int32(o))
				t = append(t, int32(o))
			}
		}
		// Rows left with one free option force it.
		for again := true; again; {
			again = false
			for i, r := range s.rows {
				if s.hit[i] != 0 || s.freeIn[i] != 1 {
					continue
				}
				for _, o := range r {
					if s.state[o] == colFree {
						s.take(o)
						t = append(t, o)
						again = true
						break
					}
				}
			}
		}
		if s.uncov == 0 {
			s.record()
			return
		}
		if len(t) == fixed || round == fixRounds {
			break
		}
		if !s.noLP && !tookSince(t, fixed) {
			// Options left out had positive reduced costs, so they were
			// at 0 in the LP solution: its optimum has not moved.
			break
		}
		its := nodeIterations
		if !s.noLP {
			its = 1
		}
		l = s.bound(its, 0.1, 0)
		if !s.noLP && s.stopped == "" && !s.prune(s.round(l)) {
			l = s.nodeLP(l)
		}
		b = math.Max(b, s.round(l))
		if root {
			s.rootBound = math.Max(s.rootBound, b)
		}
		if s.stopped != "" || s.prune(b) {
			return
		}
	}

	if x := s.lpX; x != nil && s.branchLP(x, b) {
		return
	}
	// Branch on the uncovered row with the fewest free options (ties: the
	// larger multiplier); child k takes option k and leaves out options
	// 1..k-1, so no set is found twice.
	pick := -1
	for i := range s.rows {
		if s.hit[i] != 0 {
			continue
		}
		if s.freeIn[i] == 0 {
			return
		}
		if pick < 0 || s.freeIn[i] < s.freeIn[pick] || s.freeIn[i] == s.freeIn[pick] && s.u[i] > s.u[pick] {
			pick = i
		}
	}
	var opts []int32
	for _, o := range s.rows[pick] {
		if s.state[o] == colFree {
			opts = append(opts, o)
		}
	}
	rc := slices.Clone(s.rc)
	slices.SortStableFunc(opts, func(a, b int32) int {
		switch {
		case rc[a] < rc[b]:
			return -1
		case rc[a] > rc[b]:
			return 1
		}
		return 0
	})
	var excl []int32
	defer func() {
		for k := len(excl) - 1; k >= 0; k-- {
			s.unexclude(excl[k])
		}
	}()
	for k, o := range opts {
		if s.prune(b) {
			break
		}
		s.take(o)
		s.dfs(b)
		s.untake(o)
		if s.stopped != "" {
			return
		}
		if k == len(opts)-1 {
			break
		}
		excl = append(excl, o)
		if !s.exclude(o) {
			return
		}
	}
}
