package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGapWide checks the first phase's hand-over rule on a search whose best
// cover is set by hand: the gap is wide from one mean member cost on, the
// forced options count neither in the members nor in the mean.
func TestGapWide(t *testing.T) {
	// Option 0 is forced (a row of its own); options 1..4 cost 2, 4, 6, 8.
	cost := []float64{5, 2, 4, 6, 8}
	rows := [][]int32{{0}, {1, 2}, {2, 3}, {3, 4}, {1, 4}}
	s := testSearch(len(cost), cost, rows)
	if s == nil || len(s.forced) != 1 || s.forced[0] != 0 {
		t.Fatalf("want option 0 forced, got %v", s.forced)
	}
	if s.gapWide(0) {
		t.Fatal("no best cover yet: the gap must not count as wide")
	}
	s.best = [][]int{{0, 1, 3}} // free members cost 2 + 6: mean 4
	s.bestCost = 5 + 2 + 6
	for _, tc := range []struct {
		bound float64
		wide  bool
	}{
		{13, false}, {10, false}, {9.5, false}, {9, true}, {5, true},
	} {
		if got := s.gapWide(tc.bound); got != tc.wide {
			t.Errorf("best 13, bound %v, mean member 4: wide %v, want %v", tc.bound, got, tc.wide)
		}
	}
	s.best = [][]int{{0}}
	if s.gapWide(0) {
		t.Error("a best cover of forced options only: the gap must not count as wide")
	}
}

// TestLocalSearchPatience starts the local search from an optimal cover of
// random small instances, where no move can find a cheaper one: it must
// stop after its patience in moves, leave the best cost at the
// optimum, and never make more than ilsCap times its patience.
func TestLocalSearchPatience(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 7))
	checked, full := 0, 0
	for iter := range 400 {
		n, cost, rows := smallCover(r)
		s := testSearch(n, cost, rows)
		if s == nil {
			continue
		}
		best, bestMask := math.Inf(1), uint32(0)
		for _, mask := range coversOf(n, rows) {
			c := 0.0
			for j := range n {
				if mask&(1<<j) != 0 {
					c += cost[j]
				}
			}
			if c < best {
				best, bestMask = c, mask
			}
		}
		var start []int32
		forced := map[int]bool{}
		for _, o := range s.forced {
			forced[o] = true
		}
		for j := range n {
			if bestMask&(1<<j) != 0 && !forced[j] && s.state[j] == colFree {
				start = append(start, int32(j))
			}
		}
		if len(start) < 2 || len(start)+len(s.forced) != popcount(bestMask) {
			continue // too small to move, or the reductions chose another optimum
		}
		const patience = 50
		s.localSearchFrom(start, patience)
		// It may stop sooner only when a move of equal cost left it
		// fewer than two members to move.
		if s.ilsMoves > patience {
			t.Fatalf("instance %d: %d moves from an optimal cover, above the patience %d", iter, s.ilsMoves, patience)
		}
		if s.ilsMoves == patience {
			full++
		}
		if s.bestCost < best-1e-9 {
			t.Fatalf("instance %d: best %v below the optimum %v", iter, s.bestCost, best)
		}
		checked++
	}
	if checked < 50 || full < checked*9/10 {
		t.Fatalf("%d instances checked, %d of them walked their full patience", checked, full)
	}
	// From the greedy cover it may find cheaper covers, each of which
	// extends the walk, but never past the cap.
	for iter := range 300 {
		n, cost, rows := randomCover(r)
		s := testSearch(n, cost, rows)
		if s == nil {
			continue
		}
		s.greedy()
		s.ilsMoves = 0
		s.localSearch(40)
		if s.ilsMoves > ilsCap*40 {
			t.Fatalf("instance %d: %d moves, above the cap %d", iter, s.ilsMoves, ilsCap*40)
		}
	}
}

func popcount(m uint32) int {
	k := 0
	for ; m != 0; m &= m - 1 {
		k++
	}
	return k
}

// TestDivesGiveUp runs the root's dives on random instances whose
// incumbent is already optimal, so that no dive can improve it: the root
// must stop after diveTries dives, not make all diveCount.
func TestDivesGiveUp(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 3))
	dived := 0
	for iter := range 120 {
		n, cost, rows := randomCover(r)
		s := testSearch(n, cost, rows)
		if s == nil {
			continue
		}
		s.greedy()
		u, _ := solvedRoot(t, iter, s)
		copy(s.u, u)
		_, x, _, st := s.lpSolve(s.u, nil)
		s.warm = st
		s.lagrangian()
		// The incumbent's cost is set to the LP bound: nothing beats it.
		s.bestCost = s.round(s.lagrangian())
		s.dives(x)
		if s.stopped != "" {
			t.Fatalf("instance %d: dives stopped by %q", iter, s.stopped)
		}
		if s.diveGain != 0 {
			t.Fatalf("instance %d: a dive beat the LP bound", iter)
		}
		if want := min(diveTries, diveCount); s.divesDone != want {
			t.Fatalf("instance %d: %d dives without a better cover, want %d", iter, s.divesDone, want)
		}
		dived++
	}
	if dived < 40 {
		t.Fatalf("only %d instances dived", dived)
	}
}

// TestRoundStall checks the stopping rule of the root subgradient with
// integer costs: it stops when the windows left at the last window's pace
// would not reach the next integer above the bound (one up when it sits on
// one).
func TestRoundStall(t *testing.T) {
	s := testSearch(3, []float64{2, 2, 2}, [][]int32{{0, 1}, {1, 2}, {0, 2}})
	if s == nil || !s.integer {
		t.Fatal("want an integer-cost search")
	}
	for _, tc := range []struct {
		mark, best, left float64
		stop             bool
	}{
		{math.Inf(-1), 868.3, 8, false}, // no window yet
		{868.00, 868.30, 6, false},      // .30 a window, lacks .70
		{868.67, 868.76, 5, false},      // .09 a window, lacks .24
		{868.67, 868.76, 2, true},       // .18 to come, lacks .24
		{1080.64, 1080.68, 4, true},     // .16 to come, lacks .32
		{868.99, 869.01, 1, true},       // just past 869: the next is 870
		{119.92, 120, 10, true},         // on an integer: lacks 1, .8 to come
		{119.7, 120, 4, false},          // 1.2 to come
		{200, 200, 10, true},            // no gain
	} {
		if got := s.roundStall(tc.mark, tc.best, tc.left); got != tc.stop {
			t.Errorf("mark %v, best %v, %v windows left: stop %v, want %v", tc.mark, tc.best, tc.left, got, tc.stop)
		}
	}
}

// TestRootSubgradientStops runs the root's subgradient on random
// integer-cost instances with and without the stopping rule: unit costs
// keep every step; with costs 1 to 20, no
// run takes more steps, runs of root length stop sooner, and the rounded
// bound, what the search uses, is kept on most instances (26 of these 30
// when written; the tree closes the rest) and never drops by more than one.
func TestRootSubgradientStops(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 4))
	run := func(n int, cost []float64, rows [][]int32, on bool) (float64, int) {
		roundStops = on
		defer func() { roundStops = true }()
		own := make([][]int32, len(rows)) // the search's reductions edit its rows
		for i, row := range rows {
			own[i] = append([]int32(nil), row...)
		}
		s := testSearch(n, cost, own)
		s.greedy()
		s.initMultipliers()
		l := s.bound(rootIterations, 2, 0)
		return s.round(l), s.subIters
	}
	const instances = 30
	shorter, same, long := 0, 0, 0
	saved, total := 0, 0
	for iter := range instances {
		n := 150 + r.IntN(150)
		cost := make([]float64, n)
		for j := range cost {
			cost[j] = float64(1 + r.IntN(20))
		}
		var rows [][]int32
		for range 3 * n {
			seen := map[int32]bool{}
			var row []int32
			for range 2 + r.IntN(6) {
				if o := int32(r.IntN(n)); !seen[o] {
					seen[o] = true
					row = append(row, o)
				}
			}
			sortInt32(row)
			rows = append(rows, row)
		}
		if iter < 5 { // unit costs keep every step
			unit := make([]float64, n)
			for j := range unit {
				unit[j] = 1
			}
			bU0, itU0 := run(n, unit, rows, false)
			bU1, itU1 := run(n, unit, rows, true)
			if bU0 != bU1 || itU0 != itU1 {
				t.Errorf("instance %d, unit costs: bound %v in %d steps with the rule, %v in %d without", iter, bU1, itU1, bU0, itU0)
			}
		}
		bOff, itOff := run(n, cost, rows, false)
		bOn, itOn := run(n, cost, rows, true)
		if itOn > itOff {
			t.Errorf("instance %d: %d steps with the rule, %d without", iter, itOn, itOff)
		}
		if itOff >= rootIterations/2 {
			long++
			if itOn < itOff {
				shorter++
			}
		}
		saved += itOff - itOn
		total += itOff
		if bOn == bOff {
			same++
		} else if bOn < bOff-1 || bOn > bOff {
			t.Errorf("instance %d: rounded bound %v with the rule, %v without", iter, bOn, bOff)
		}
	}
	t.Logf("%d of %d long runs stopped sooner; %d of %d steps saved; %d of %d rounded bounds kept", shorter, long, saved, total, same, instances)
	if long == 0 || shorter == 0 {
		t.Errorf("no long run stopped sooner (%d long runs)", long)
	}
	if same < instances*4/5 {
		t.Errorf("%d of %d rounded bounds kept, want at least 80%%", same, instances)
	}
}
