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
