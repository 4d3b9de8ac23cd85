package analysis

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
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
// free options; small instances finish in it. When the gap at its root is
// at least the mean cost of a member of the best cover (gapWide), or it has
// gone probePatience nodes without a better cover, the second phase starts
// again from the root
// and takes u from the LP relaxation solved exactly at every node (lp.go):
// the bound is then the LP bound, the reduced costs fix far more options, and
// it branches on the option reliability branching picks (branchPick). A
// better cover found at the second phase's root (by its heuristics) restarts
// it, so that the root's fixing uses it; one found below the root does not
// (restartInTree, treeheur.go).

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
//
// report, when not nil, hears the best cost (+Inf before the first set), a
// proven bound and the nodes visited whenever the best cost improves and
// about every ProgressInterval otherwise.
func solveHittingSet(ctx context.Context, n int, cost []float64, cons []bitset, want, budget int, report func(best, bound float64, nodes int)) hsOutcome {
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
	s.report = report
	s.started = time.Now()
	s.lastReport = s.started
	s.solve()
	out := hsOutcome{sets: s.best, cost: s.bestCost, stopped: s.stopped, nodes: s.nodes + s.subNodes}
	slices.SortFunc(out.sets, slices.Compare[[]int])
	if s.stopped == "" {
		out.lower = s.bestCost
	} else {
		out.lower = s.provenBound()
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

	eps      float64
	integer  bool // every cost is an integer: bounds round up
	subIters int  // subgradient steps taken by the last call of bound
	// weighted: integer costs, not all equal; the root's subgradient may
	// stop early (roundStall). With equal (unit) costs the probe hands over
	// at its root, and the Lagrangian heuristic every 20 root steps is what
	// finds the cover the LP phase starts from: they keep all their steps.
	weighted bool

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

	// The open part of the tree, for the bound a stopped search proves
	// (provenBound): the bounds of the subtrees left for later along the
	// current path (a right child, the remaining options of a row), and
	// the bound inherited by the node being explored.
	pend  []float64
	curLB float64

	nodes    int
	subNodes int  // nodes of neighbourhood searches (rins.go)
	sub      bool // a neighbourhood search: no neighbourhood searches of its own
	// divesDone counts the root's LP dives made so far: a restart's root
	// solves the same LP, so it makes only the dives not made yet.
	divesDone int
	ilsMoves  int // local-search moves made (for tests and traces)
	// diveGain is 1 + the last dive that found a better cover (0: none).
	diveGain int
	stopped  StopReason

	report     func(best, bound float64, nodes int)
	started    time.Time
	lastReport time.Time

	lpX      []float64   // the LP solution of the current node, nil if none
	cuts     []cutRow    // zero-half cuts found at the LP phase's root (cuts.go)
	cutCols  [][]int32   // per option: the cuts it is in
	cutCof   [][]float64 // per option: its coefficient in each of those cuts
	cutKeys  map[string]bool
	cutScr   []float64 // scratch: the right-hand side left of each cut
	warm     *lpState  // the LP state the node's LPs start from, nil for none
	lastImp  int       // the node at which the incumbent last improved
	rootAt   int       // the node number of the current phase's root
	phaseCap int       // the node cap of the current phase, 0 for none
	noLP     bool      // no LP at the root in this phase

	// Dives inside the tree (treeheur.go): the gap in nodes before the
	// next, the phase root it belongs to and the node of the last.
	treeGap, treeGapAt, lastTreeDive int
	treeDivesRun                     int // dives made in the tree
	sbFixNodes                       int // nodes that strong-branching fixings made

	// Pseudo-costs of reliability branching (branchPick).
	psUp, psDown         []float64
	psNUp, psNDown       []int32
	psTotUp, psTotDown   float64
	psTotNUp, psTotNDown int
	sbFix                []sbFixing // fixings found by strong branching (sbfix.go)
	pickUp, pickDown     float64    // the estimated bound gains of the option picked
}

func newCoverSearch(n int, cost []float64, rows [][]int32, want, budget int) *coverSearch {
	total, least := 0.0, math.Inf(1)
	integer, equal := true, true
	for _, c := range cost {
		total += c
		least = math.Min(least, c)
		integer = integer && c == math.Trunc(c)
		equal = equal && c == cost[0]
	}
	if n == 0 {
		least = 1
	}
	s := &coverSearch{
		cost: cost, want: want, budget: budget,
		eps:      math.Min(1e-9*math.Max(1, total), 1e-3*least),
		integer:  integer,
		weighted: integer && !equal,
		state:    make([]int8, n),
		bestCost: math.Inf(1),
		seen:     map[string]bool{},
		rootAt:   1,
		curLB:    math.Inf(-1),
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
	s.cutCols = make([][]int32, n)
	s.cutCof = make([][]float64, n)
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
// traceSearch, when set (by a test or a benchmark while developing),
// hears the root LP bounds, the incumbents and the neighbourhood searches
// of every search.
var traceSearch func(format string, args ...any)

func (s *coverSearch) solve() {
	if s.uncov == 0 {
		s.record()
		s.rootBound = s.cur
		return
	}
	s.greedy()
	s.initMultipliers()
	if st := ctxStop(s.ctx); st != "" {
		s.stopped = st
		s.rootBound = s.round(s.lagrangian())
		return
	}
	// Phase one: a short search with subgradient bounds only, to find a
	// good incumbent; phase two: the full search, whose root solves the LP
	// and fixes options by LP reduced cost against that incumbent.
	s.phaseCap, s.noLP = probeNodes, true
	s.pend, s.curLB = s.pend[:0], math.Inf(-1)
	s.dfs(math.Inf(-1))
	if traceSearch != nil && !s.sub {
		traceSearch("probe phase done: %d nodes, best %v, root bound %v, stopped %q, %v", s.nodes, s.bestCost, s.rootBound, s.stopped, time.Since(s.started))
	}
	// The second phase starts again from its root whenever its root's
	// heuristics find a better incumbent, since the root's fixing against
	// it shrinks every LP below.
	for s.stopped == stopProbe || s.stopped == stopRestart {
		s.stopped = ""
		s.phaseCap, s.noLP, s.rootAt = 0, false, s.nodes+1
		s.pend, s.curLB = s.pend[:0], math.Inf(-1)
		s.dfs(math.Inf(-1))
	}
	if s.stopped == "" {
		s.rootBound = s.bestCost
	}
}

// initMultipliers sets the first multipliers: each row's cheapest cost per
// row hit.
func (s *coverSearch) initMultipliers() {
	for i, r := range s.rows {
		y := math.Inf(1)
		for _, o := range r {
			y = math.Min(y, s.cost[o]/float64(len(s.cols[o])))
		}
		s.u[i] = y
	}
}

// probeNodes is the node cap of the first phase of the search (a variable
// so that tests can send small instances through the second phase).
var probeNodes = 3000

// probePatience is how many nodes the first phase goes on without a better
// incumbent.
const probePatience = 100

// gapWide reports whether the gap between the best cover and the root's
// bound b is at least the mean cost of the cover's members (those not
// forced by the reductions). The first phase's Lagrangian bounds close such
// a gap only with a large tree (every instance with unit costs, where the
// gap is one member or more, went on for its full patience and handed over
// to the second phase without a proof); the LP's bound and branching close
// it sooner. Gaps narrower than one member are often closed by the first
// phase within a few dozen nodes.
func (s *coverSearch) gapWide(b float64) bool {
	if len(s.best) == 0 {
		return false
	}
	members := len(s.best[0]) - len(s.forced)
	if members <= 0 {
		return false
	}
	mean := (s.bestCost - s.forcedC) / float64(members)
	wide := s.bestCost-b >= mean-s.eps
	if traceSearch != nil && !s.sub {
		traceSearch("probe root gap %v (best %v, bound %v), mean member %.2f: wide %v", s.bestCost-b, s.bestCost, b, mean, wide)
	}
	return wide
}

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
	// Cuts count with their multipliers (after the rows in s.u) and what
	// they still ask of the free options.
	nr := len(s.rows)
	res := s.cutScr[:0]
	for k := range s.cuts {
		r := 0.0
		if s.u[nr+k] > 0 {
			r = s.cutRes(k)
			l += s.u[nr+k] * r
		}
		res = append(res, r)
	}
	s.cutScr = res
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
		for t, k := range s.cutCols[o] {
			if res[k] > 0 {
				rc -= s.u[nr+int(k)] * s.cutCof[o][t]
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
	// With integer costs only the rounded bound counts. A long run (the
	// root's) with weighted costs looks back every window steps and stops
	// when the bound is not heading for the next integer (roundStall).
	window := 0
	s.subIters = 0
	if s.weighted && iters >= rootIterations && roundStops {
		window = min(max(25, m/50), iters/12)
	}
	mark := math.Inf(-1)
	for it := 0; it < iters; it++ {
		if it%16 == 15 {
			if st := ctxStop(s.ctx); st != "" {
				s.stopped = st
				break
			}
		}
		l := s.lagrangian()
		s.subIters++
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
		if window > 0 && it > 0 && it%window == 0 {
			if s.roundStall(mark, best, float64(iters-it)/float64(window)) {
				break
			}
			mark = best
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

// roundStops turns roundStall on (tests turn it off to compare).
var roundStops = true

// roundStall reports whether a subgradient run with integer costs should
// stop: over the last window its best bound rose from mark to best, and
// windowsLeft more windows at that pace would still not reach the next
// integer above best (the next rounded bound). The tail of a run improves
// by ever smaller amounts, so that pace is an optimistic guess; the steps it
// stops only moved the unrounded bound, which the rounding discards.
func (s *coverSearch) roundStall(mark, best, windowsLeft float64) bool {
	if math.IsInf(mark, -1) || math.IsInf(best, 0) {
		return false
	}
	lack := s.round(best+s.eps) - best
	if lack <= s.eps {
		lack = 1 // best sits on an integer (within eps): the next is one up
	}
	return (best-mark)*windowsLeft < lack
}

// branchLP branches on a free option fractional in the LP solution x,
// chosen by reliability branching (branchPick): first taking it, then
// leaving it out. When no free option is fractional, the LP solution is a
// cover: it offers it and, unless that settles the node, reports false so
// that the caller branches on a row.
func (s *coverSearch) branchLP(x []float64, b float64) bool {
	pick := s.branchPick(x)
	if s.stopped != "" {
		return true
	}
	if pick == sbFixed {
		s.applySBFixings(b)
		return true
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
	if childOrder && s.pickDown < s.pickUp {
		// The child leaving pick out has the lower bound estimate: it goes
		// first.
		s.pend = append(s.pend, b) // the other child, left for later
		if s.exclude(pick) {
			s.dfs(b)
		}
		s.unexclude(pick)
		if s.stopped != "" {
			return true
		}
		s.pend = s.pend[:len(s.pend)-1]
		if s.prune(b) {
			return true
		}
		s.take(pick)
		s.dfs(b)
		s.untake(pick)
		return true
	}
	s.take(pick)
	s.pend = append(s.pend, b) // the right child, left for later
	s.dfs(b)
	s.untake(pick)
	if s.stopped != "" {
		return true // the open tree as it was at the stop: see provenBound
	}
	s.pend = s.pend[:len(s.pend)-1]
	if s.prune(b) {
		return true
	}
	if s.exclude(pick) {
		s.dfs(b)
	}
	s.unexclude(pick)
	return true
}

// Reliability branching: an option's pseudo-costs are the mean LP bound
// gains per unit of change seen when taking it (up) and leaving it out
// (down). Until an option has sbReliable observations each way, its gains
// are measured by strong branching (both children's LPs solved, at most
// sbMax candidates a node, the most fractional first); the others are
// scored by their pseudo-costs, unknown ones by the mean over all options.
// The score of a candidate is the product of its two gains (Achterberg,
// Koch and Martin, "Branching rules revisited", 2005).
const (
	sbReliable = 2
	sbMax      = 8
	// sbPivots caps the dual simplex pivots of each child LP of strong
	// branching: its bound only ranks candidates, and a dual simplex
	// stopped early still bounds validly.
	sbPivots = 20
)

// branchPick returns the free option to branch on, or -1 when none is
// fractional in x. It may set s.stopped.
func (s *coverSearch) branchPick(x []float64) int32 {
	if s.psUp == nil {
		n := len(s.cost)
		s.psUp, s.psDown = make([]float64, n), make([]float64, n)
		s.psNUp, s.psNDown = make([]int32, n), make([]int32, n)
	}
	var cand []int32
	for o, st := range s.state {
		if st == colFree && x[o] > 1e-6 && x[o] < 1-1e-6 {
			cand = append(cand, int32(o))
		}
	}
	s.sbFix = s.sbFix[:0]
	if len(cand) == 0 {
		return -1
	}
	frac := func(o int32) float64 { return math.Min(x[o], 1-x[o]) }
	slices.SortStableFunc(cand, func(a, b int32) int {
		switch fa, fb := frac(a), frac(b); {
		case fa > fb+1e-9:
			return -1
		case fa < fb-1e-9:
			return 1
		}
		return int(a - b)
	})
	// The mean pseudo-costs stand in for options never observed.
	meanUp, meanDown := 1.0, 1.0
	if s.psTotNUp > 0 {
		meanUp = s.psTotUp / float64(s.psTotNUp)
	}
	if s.psTotNDown > 0 {
		meanDown = s.psTotDown / float64(s.psTotNDown)
	}
	saveU, saveRC, saveBest := slices.Clone(s.u), slices.Clone(s.rc), slices.Clone(s.bestU)
	l0 := s.lagrangian()
	const tiny = 1e-6
	pick, best := int32(-1), math.Inf(-1)
	sb := 0
	for _, o := range cand {
		var up, down float64
		if (s.psNUp[o] < sbReliable || s.psNDown[o] < sbReliable) && sb < sbMax {
			sb++
			s.take(o)
			lu := s.childLP()
			s.untake(o)
			ld := math.Inf(1)
			if s.exclude(o) {
				ld = s.childLP()
			}
			s.unexclude(o)
			copy(s.u, saveU)
			copy(s.rc, saveRC)
			copy(s.bestU, saveBest)
			if s.stopped != "" {
				return -1
			}
			up, down = math.Max(lu-l0, 0), math.Max(ld-l0, 0)
			s.observe(o, up, down, x[o])
			pu, pd := s.prune(s.round(lu)), s.prune(s.round(ld))
			if !sbFixings && (pu || pd) {
				// One child is settled at once: branching here costs
				// one node.
				return o
			}
			if pu || pd {
				// A child settled at once fixes o the other way at
				// this node (sbfix.go); o is no candidate.
				s.sbFix = append(s.sbFix, sbFixing{o, pu, pd})
				continue
			}
		} else {
			pu, pd := meanUp, meanDown
			if s.psNUp[o] > 0 {
				pu = s.psUp[o] / float64(s.psNUp[o])
			}
			if s.psNDown[o] > 0 {
				pd = s.psDown[o] / float64(s.psNDown[o])
			}
			up, down = pu*(1-x[o]), pd*x[o]
		}
		if sc := math.Max(up, tiny) * math.Max(down, tiny); sc > best {
			pick, best = o, sc
			s.pickUp, s.pickDown = up, down
		}
	}
	if len(s.sbFix) > 0 {
		return sbFixed
	}
	return pick
}

// observe records the bound gains of taking and of leaving out o, whose LP
// value was xo.
func (s *coverSearch) observe(o int32, up, down, xo float64) {
	if !math.IsInf(up, 1) {
		g := up / math.Max(1-xo, 1e-6)
		s.psUp[o] += g
		s.psNUp[o]++
		s.psTotUp += g
		s.psTotNUp++
	}
	if !math.IsInf(down, 1) {
		g := down / math.Max(xo, 1e-6)
		s.psDown[o] += g
		s.psNDown[o]++
		s.psTotDown += g
		s.psTotNDown++
	}
}

// childLP returns the LP bound of the current state (a child being probed
// by strong branching), starting from the multipliers in s.u; it leaves
// s.u and s.rc changed, for the caller to restore.
func (s *coverSearch) childLP() float64 {
	if s.uncov == 0 {
		return s.cur
	}
	l := s.lagrangian()
	if math.IsInf(l, 1) || s.prune(s.round(l)) {
		return l
	}
	copy(s.u, s.lpProbe(s.u, s.warm, sbPivots)) // only the multipliers are kept
	return math.Max(l, s.lagrangian())
}

// nodeLP solves the current node's LP and replaces the multipliers by its
// duals when they give a better bound than l, the subgradient's; it returns
// the bound kept (s.u, s.bestU and s.rc then belong to it) and leaves the LP
// solution in s.lpX when the LP's bound is kept. At the root it also runs the
// LP-guided heuristics.
func (s *coverSearch) nodeLP(l float64) float64 {
	u, x, ok, st := s.lpSolve(s.u, s.warm)
	if ok && rootCuts && s.nodes == s.rootAt && s.stopped == "" {
		u, x, st = s.cutLoop(u, x, st)
	}
	if st.size() <= lpWarmRows {
		s.warm = st
	}
	saved := slices.Clone(s.u)
	copy(s.u, u)
	lu := s.lagrangian()
	if lu > l {
		s.lpX = x
		copy(s.bestU, s.u)
		if traceSearch != nil && !s.sub && s.nodes == s.rootAt {
			traceSearch("root LP %.3f at node %d, best %v, %v", lu, s.nodes, s.bestCost, time.Since(s.started))
		}
		if s.nodes == s.rootAt && !s.prune(s.round(lu)) {
			// The heuristics only pay while the root's bound leaves room
			// for a better cover.
			s.lagrangianHeuristic()
			s.lpHeuristics(x)
			if !s.prune(s.round(lu)) {
				s.dives(x)
			}
			if !s.prune(s.round(lu)) {
				s.localSearch(ilsPatience)
			}
			if !s.prune(s.round(lu)) {
				s.rins(x)
			}
		}
		return lu
	}
	copy(s.u, saved)
	s.lagrangian()
	return l
}

// cutLoop strengthens the root's LP (solved: duals u, solution x, state
// st) by rounds of zero-half cuts (cuts.go), each LP solved again from the
// last basis, until no cut is found, the bound stops rising or proves the
// best cover optimal. It returns the last LP's duals, solution and state.
func (s *coverSearch) cutLoop(u, x []float64, st *lpState) ([]float64, []float64, *lpState) {
	value := func(u []float64) float64 {
		v := s.cur
		for i, ui := range u {
			if ui > 0 {
				v += ui * s.lpB(int32(i))
			}
		}
		return v
	}
	last := value(u)
	stall := 0
	for range cutRounds {
		if s.prune(s.round(last)) {
			break
		}
		if s.addCuts(s.separateZeroHalf(x, cutPerRound)) == 0 {
			break
		}
		u2, x2, ok, st2 := s.lpSolve(u, st)
		if s.stopped != "" {
			break
		}
		u, x, st = u2, x2, st2
		if !ok {
			break
		}
		v := value(u)
		if v < last+1e-3 {
			stall++
			if stall >= 3 {
				break
			}
		} else {
			stall = 0
		}
		last = v
	}
	return u, x, st
}

// rootCuts turns on the zero-half cut loop at the LP phase's root. It is
// off: measured on the synthetic 100x release (docs/benchmarks.md, issue 23),
// 250 cuts raised seed 3's root LP bound from 121.23 to 121.68 and 1,850
// to 122.16 (the optimum is 124), not enough to round up to another
// integer, while every LP below, and every LP dive, grew by the cuts it
// picked up: the search took 1.7x (seed 4) to over 2x (seed 3) the CPU
// for the same number of nodes. The tests run the search with it on.
var rootCuts = false

// ilsPatience is how many destroy-and-repair moves in a row the local
// search of the second phase's root makes without a cheaper cover before it
// stops. It made a fixed 3,000 moves (and 1,000 from each dive's cover):
// on the synthetic 10x instances a third of those moves took up to 40% off
// the CPU of the whole search with the same covers found and the same nodes
// (docs/benchmarks.md, "Less root work").
const ilsPatience = 300

// ilsMaxK bounds the members one local-search move removes: 2 to ilsMaxK+1.
const ilsMaxK = 3

// ilsCap bounds a local search at ilsCap times its patience moves, however
// often it finds a cheaper cover.
const ilsCap = 10

// localSearch is an iterated local search from the best cover: it removes a
// few members sharing rows (2 to 4, around a random one), covers the rows
// left open again greedily by least LP reduced cost per row (the removed
// members excluded, ties broken at random), drops members made redundant
// and keeps the result when it costs no more (so that it walks plateaus of
// equal cost, common with unit costs); covers cheaper than the best are
// improved by improve and offered. The reduced costs of s.rc steer it to
// the options the LP finds cheap. It works on its own counts.
func (s *coverSearch) localSearch(patience int) {
	if len(s.best) == 0 || s.uncov == 0 {
		return
	}
	forced := map[int]bool{}
	for _, o := range s.forced {
		forced[o] = true
	}
	var start []int32
	for _, o := range s.best[0] {
		if forced[o] || len(s.cols[o]) == 0 || s.state[o] != colFree {
			continue
		}
		start = append(start, int32(o))
	}
	s.localSearchFrom(start, patience)
}

// localSearchFrom is localSearch from the cover made of the options taken
// at the current node and start (free options).
func (s *coverSearch) localSearchFrom(start []int32, patience int) {
	n, m := len(s.cost), len(s.rows)
	in := make([]bool, n)
	count := make([]int32, m)
	for _, o := range s.chosen {
		for _, r := range s.cols[o] {
			count[r]++ // taken at this node: never removed
		}
	}
	cur := 0.0
	for _, o := range start {
		if in[o] || s.state[o] != colFree {
			continue
		}
		in[o] = true
		cur += s.cost[o]
		for _, r := range s.cols[o] {
			count[r]++
		}
	}
	for i := range m {
		if count[i] == 0 {
			return // the start cover uses options this node leaves out
		}
	}
	rc := slices.Clone(s.rc)
	r := rand.New(rand.NewPCG(uint64(len(start)), 11))
	var members, removed, open, cands, added []int32
	tabu := make([]bool, n)
	mark := make([]bool, n)
	// The walk goes on while it finds cheaper covers: it stops after
	// patience moves without one (or after ilsCap times patience moves).
	lastGain := 0
	for it := 0; it-lastGain < patience && it < ilsCap*patience; it++ {
		s.ilsMoves++
		if it%64 == 63 {
			if st := ctxStop(s.ctx); st != "" {
				s.stopped = st
				return
			}
		}
		members = members[:0]
		for o, ok := range in {
			if ok {
				members = append(members, int32(o))
			}
		}
		if len(members) < 2 {
			return
		}
		// Destroy: a random member and up to 3 members sharing a row
		// with it.
		m0 := members[r.IntN(len(members))]
		removed = append(removed[:0], m0)
		k := 2 + r.IntN(ilsMaxK)
		for _, row := range s.cols[m0] {
			for _, o := range s.rows[row] {
				if len(removed) < k && in[o] && !slices.Contains(removed, o) {
					removed = append(removed, o)
				}
			}
		}
		delta := 0.0
		tabu[m0] = true
		for _, o := range removed {
			in[o] = false
			delta -= s.cost[o]
			for _, row := range s.cols[o] {
				count[row]--
			}
		}
		// Repair greedily.
		added = added[:0]
		for {
			open = open[:0]
			for _, o := range removed {
				for _, row := range s.cols[o] {
					if count[row] == 0 {
						open = append(open, row)
					}
				}
			}
			if len(open) == 0 {
				break
			}
			cands = cands[:0]
			for _, row := range open {
				for _, o := range s.rows[row] {
					if !mark[o] && !tabu[o] && !in[o] && s.state[o] == colFree {
						mark[o] = true
						cands = append(cands, o)
					}
				}
			}
			pick, best := int32(-1), math.Inf(1)
			for _, o := range cands {
				mark[o] = false
				g := 0
				for _, row := range s.cols[o] {
					if count[row] == 0 {
						g++
					}
				}
				if v := (s.cost[o] + 0.5*math.Max(rc[o], 0)) * (1 + 0.3*r.Float64()) / float64(g); v < best {
					pick, best = o, v
				}
			}
			if pick < 0 {
				break
			}
			in[pick] = true
			added = append(added, pick)
			delta += s.cost[pick]
			for _, row := range s.cols[pick] {
				count[row]++
			}
		}
		ok := true
		for _, row := range open {
			if count[row] == 0 {
				ok = false
			}
		}
		// Drop members made redundant, dearest first.
		if ok {
			slices.SortFunc(added, func(a, b int32) int { return cmp.Compare(s.cost[b], s.cost[a]) })
			for _, o := range added {
				if s.redundant(o, count) {
					in[o] = false
					delta -= s.cost[o]
					for _, row := range s.cols[o] {
						count[row]--
					}
				}
			}
			for _, o := range members {
				if in[o] && s.redundant(o, count) {
					in[o] = false
					delta -= s.cost[o]
					for _, row := range s.cols[o] {
						count[row]--
					}
				}
			}
		}
		for _, o := range removed {
			tabu[o] = false
		}
		if ok && delta <= s.eps {
			if delta < -s.eps {
				lastGain = it
			}
			cur += delta
			if s.cur+cur < s.bestCost-s.eps {
				var set []int32
				for o, ok := range in {
					if ok {
						set = append(set, int32(o))
					}
				}
				s.offerMembers(set)
			}
			continue
		}
		// Undo: back to the members before the move.
		for o := range in {
			if in[o] {
				in[o] = false
				for _, row := range s.cols[o] {
					count[row]--
				}
			}
		}
		for _, o := range members {
			in[o] = true
			for _, row := range s.cols[o] {
				count[row]++
			}
		}
	}
}

// redundant reports whether every row of o has another member, by count.
func (s *coverSearch) redundant(o int32, count []int32) bool {
	for _, row := range s.cols[o] {
		if count[row] < 2 {
			return false
		}
	}
	return true
}

// offerMembers offers the cover made of the forced options, the options
// taken at the current node and members (free options), after improve.
func (s *coverSearch) offerMembers(members []int32) {
	members = s.improve(members)
	set := make([]int, 0, len(members)+len(s.forced)+len(s.chosen))
	set = append(set, s.forced...)
	set = append(set, s.chosen...)
	for _, o := range members {
		set = append(set, int(o))
	}
	s.offer(set, s.sumCost(set))
}

// diveCount is how many LP dives the root of the second phase makes: the
// first takes the options of largest LP value, the others perturb that
// order at random (restarts), so that they end in other covers. The roots
// of the phase's restarts share them: a dive that found a better cover
// restarts the phase, whose root makes the dives left (the root LP is the
// same; making the earlier dives again found nothing new on the synthetic
// 100x instances and cost 2.6-6 s each time).
const diveCount = 6

// diveTries is how many dives in a row may find no better cover before the
// root gives up diving: dives pay on the instances where one finds a better
// cover, and the next ones (more perturbed) rarely do after a few failed.
const diveTries = 3

// dives runs LP diving from the current node, whose LP solution is x: take
// the free options of largest LP value (all those at 1, then the largest
// fractional one), solve the LP again from the last basis, and repeat until
// the taken options cover every row; each cover is pruned, improved by local
// search and offered. A dive stops as soon as its LP bound shows it cannot
// beat the best cover. It leaves the node as it found it.
func (s *coverSearch) dives(x []float64) {
	saveU, saveRC, saveBest, saveWarm := slices.Clone(s.u), slices.Clone(s.rc), slices.Clone(s.bestU), s.warm
	defer func() {
		copy(s.u, saveU)
		copy(s.rc, saveRC)
		copy(s.bestU, saveBest)
		s.warm = saveWarm
	}()
	r := rand.New(rand.NewPCG(uint64(s.nodes), 7))
	if traceSearch != nil && !s.sub {
		t0, b0 := time.Now(), s.bestCost
		defer func() { traceSearch("dives at node %d: best %v -> %v, %v", s.nodes, b0, s.bestCost, time.Since(t0)) }()
	}
	for d := s.divesDone; d < diveCount && d-s.diveGain < diveTries; d++ {
		if s.stopped != "" {
			return
		}
		s.divesDone = d + 1
		copy(s.u, saveU)
		s.warm = saveWarm
		bd := s.bestCost
		cover := s.dive(slices.Clone(x), r, float64(d)*0.15)
		if cover != nil && s.stopped == "" {
			// A local search from each dive's cover, with the node's
			// reduced costs: other plateaus than the best cover's.
			copy(s.rc, saveRC)
			s.localSearchFrom(cover, ilsDivePatience)
		}
		if s.bestCost < bd {
			s.diveGain = d + 1
		}
		if traceSearch != nil && !s.sub && s.bestCost < bd {
			traceSearch("dive %d improved %v -> %v", d, bd, s.bestCost)
		}
	}
}

// ilsDivePatience is the patience of the local search from each dive's
// cover (see ilsPatience).
const ilsDivePatience = 100

// dive is one LP dive (see dives); noise > 0 perturbs the LP values it
// ranks by.
func (s *coverSearch) dive(x []float64, r *rand.Rand, noise float64) (cover []int32) {
	var added []int32
	defer func() {
		for k := len(added) - 1; k >= 0; k-- {
			s.untake(added[k])
		}
	}()
	for s.uncov > 0 {
		pick, best := int32(-1), -1.0
		for o, st := range s.state {
			if st != colFree || x[o] <= 1e-9 || s.gain(int32(o)) == 0 {
				continue
			}
			if x[o] >= 1-1e-6 {
				s.take(int32(o))
				added = append(added, int32(o))
				continue
			}
			v := x[o]
			if noise > 0 {
				v += noise * r.Float64()
			}
			if v > best {
				pick, best = int32(o), v
			}
		}
		if s.uncov == 0 {
			break
		}
		if pick < 0 {
			return nil // the LP left a row to no free option with a value
		}
		s.take(pick)
		added = append(added, pick)
		if s.uncov == 0 {
			break
		}
		u, nx, _, st := s.lpSolve(s.u, s.warm)
		if s.stopped != "" {
			return nil
		}
		if st.size() <= lpWarmRows {
			s.warm = st
		}
		copy(s.u, u)
		// Dives a little above the best cost go on: the local search
		// may bring their covers down.
		if s.round(s.lagrangian()) > s.bestCost*1.03+s.eps {
			return nil
		}
		x = nx
	}
	cover = slices.Clone(added)
	s.recordPruned(added)
	return cover
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
		if !s.noLP && s.stopped == "" && !math.IsInf(s.bestCost, 1) && (restartInTree || s.nodes == s.rootAt) {
			s.stopped = stopRestart
		}
		s.bestCost = cost
		if traceSearch != nil && !s.sub {
			traceSearch("best %v at node %d (phase noLP=%v) %v", cost, s.nodes, s.noLP, time.Since(s.started))
		}
		s.lastImp = s.nodes
		s.best = [][]int{set}
		s.seen = map[string]bool{key: true}
		s.progress(true)
	case cost <= s.bestCost+s.eps && len(s.best) < s.want && !s.seen[key]:
		s.best = append(s.best, set)
		s.seen[key] = true
	}
}

// progress reports to s.report, when there is one, if forced or if
// ProgressInterval has passed since the last report.
func (s *coverSearch) progress(force bool) {
	if s.report == nil {
		return
	}
	// Nothing before the first interval: quick searches stay silent.
	now := time.Now()
	if now.Sub(s.started) < progressInterval || !force && now.Sub(s.lastReport) < progressInterval {
		return
	}
	s.lastReport = now
	s.report(s.bestCost, s.provenBound(), s.nodes)
}

// progressInterval is ProgressInterval, a variable so that tests can hear
// every node.
var progressInterval = ProgressInterval

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

// provenBound is the least cost the search has proven so far: the least
// bound over the open part of the tree (the subtrees left for later on the
// current path, the node being explored), or the root's bound if higher,
// and never above the best cost found. After a stop it is the bound at the
// moment of the stop, since the stack is not unwound then. Searching depth
// first, it rises as the left subtrees near the root are closed.
func (s *coverSearch) provenBound() float64 {
	lb := s.curLB
	for _, b := range s.pend {
		lb = math.Min(lb, b)
	}
	return math.Min(s.bestCost, math.Max(s.rootBound, lb))
}

// dfs explores the current node; inherited is its parent's bound.
func (s *coverSearch) dfs(inherited float64) {
	s.curLB = inherited
	s.nodes++
	if s.nodes+s.subNodes > s.budget {
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
	s.progress(false)
	if s.uncov == 0 {
		s.record()
		return
	}
	s.lpX = nil
	defer func(w *lpState) { s.warm = w }(s.warm)
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
		if traceSearch != nil && !s.sub && s.noLP {
			traceSearch("probe root: bound %.3f best %v", l, s.bestCost)
		}
	}
	if s.stopped != "" || s.prune(b) {
		return
	}
	if root && s.noLP && s.phaseCap > 0 && s.gapWide(b) {
		s.stopped = stopProbe // the LP phase closes wide gaps sooner
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

	s.maybeTreeDive(s.lpX)
	if s.stopped != "" {
		return
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
		last := k == len(opts)-1
		if !last {
			s.pend = append(s.pend, b) // the options after o, left for later
		}
		s.dfs(b)
		s.untake(o)
		if s.stopped != "" {
			return
		}
		if !last {
			s.pend = s.pend[:len(s.pend)-1]
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
