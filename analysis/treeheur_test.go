package analysis

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// treeSettings are the switches of the tree's search order and heuristics.
type treeSettings struct {
	dives, sbFix, childOrder, restart bool
}

func (ts treeSettings) String() string {
	return fmt.Sprintf("dives=%v sbFix=%v childOrder=%v restart=%v", ts.dives, ts.sbFix, ts.childOrder, ts.restart)
}

// withTree runs f with the tree switches set as in ts, a tree dive due at
// every node and the probe phase skipped, so that small instances reach the
// LP phase's tree.
func withTree(ts treeSettings, f func()) {
	defer func(d, sf, co, rs bool, g, mg, p int) {
		treeDives, sbFixings, childOrder, restartInTree = d, sf, co, rs
		treeDiveFirstGap, treeDiveMaxGap, probeNodes = g, mg, p
	}(treeDives, sbFixings, childOrder, restartInTree, treeDiveFirstGap, treeDiveMaxGap, probeNodes)
	treeDives, sbFixings, childOrder, restartInTree = ts.dives, ts.sbFix, ts.childOrder, ts.restart
	treeDiveFirstGap, treeDiveMaxGap, probeNodes = 1, 1, 1
	f()
}

// allTreeSettings lists every combination of the switches.
func allTreeSettings() []treeSettings {
	var out []treeSettings
	for m := range 16 {
		out = append(out, treeSettings{m&1 != 0, m&2 != 0, m&4 != 0, m&8 != 0})
	}
	return out
}

// checkCover fails unless set covers every row and costs c.
func checkCover(t *testing.T, what string, set []int, c float64, cost []float64, rows [][]int32) {
	t.Helper()
	in := map[int32]bool{}
	total := 0.0
	for _, o := range set {
		in[int32(o)] = true
		total += cost[o]
	}
	if math.Abs(total-c) > 1e-9 {
		t.Fatalf("%s: the set %v costs %v, the search says %v", what, set, total, c)
	}
	for _, row := range rows {
		if !slices.ContainsFunc(row, func(o int32) bool { return in[o] }) {
			t.Fatalf("%s: the set %v misses row %v", what, set, row)
		}
	}
}

// TestTreeSettingsKeepTheOptimum: with every combination of the tree's
// switches (dives at every node, strong-branching fixings, the child order,
// restarts on a better cover), the search on random small instances ends
// with the optimum found by enumeration, every set it returns covers every
// row and costs that optimum, and with several wanted sets it returns as
// many distinct ones as enumeration finds (up to the number wanted).
func TestTreeSettingsKeepTheOptimum(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 5))
	var fixings, dives int
	for iter := range 120 {
		n, cost, rows := smallCover(r)
		if len(rows) == 0 {
			continue
		}
		best, count := math.Inf(1), 0
		for _, mask := range coversOf(n, rows) {
			c := 0.0
			for j := range n {
				if mask&(1<<j) != 0 {
					c += cost[j]
				}
			}
			switch {
			case c < best-1e-9:
				best, count = c, 1
			case c < best+1e-9:
				count++
			}
		}
		want := 1 + iter%3
		for _, ts := range allTreeSettings() {
			withTree(ts, func() {
				s := newCoverSearch(n, cost, rows, want, 1_000_000)
				s.ctx = context.Background()
				s.solve()
				what := fmt.Sprintf("instance %d, %v", iter, ts)
				if s.stopped != "" {
					t.Fatalf("%s: stopped by %q", what, s.stopped)
				}
				if math.Abs(s.bestCost-best) > 1e-9 {
					t.Fatalf("%s: best %v, enumeration %v", what, s.bestCost, best)
				}
				if len(s.best) != min(want, count) {
					t.Fatalf("%s: %d sets, want %d", what, len(s.best), min(want, count))
				}
				for _, set := range s.best {
					checkCover(t, what, set, best, cost, rows)
				}
				fixings += s.sbFixNodes
				dives += s.treeDivesRun
			})
		}
	}
	// The switches must have been exercised, not only set.
	if fixings < 20 || dives < 20 {
		t.Fatalf("%d nodes with strong-branching fixings, %d tree dives: too few to check them", fixings, dives)
	}
	t.Logf("%d nodes with strong-branching fixings, %d tree dives", fixings, dives)
}

// TestTreeDiveOffersCovers runs one tree dive from the root LP of random
// instances (bigger than enumeration allows): every cover it offers covers
// every row and costs what the search says, the node is left as found, and
// some dives improve the greedy cover.
func TestTreeDiveOffersCovers(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 6))
	improved := 0
	withTree(treeSettings{dives: true}, func() {
		for iter := range 200 {
			n, cost, rows := randomCover(r)
			s := testSearch(n, cost, rows)
			if s == nil {
				continue
			}
			x := greedyRootLP(t, iter, s)
			s.lagrangian()
			before := s.bestCost
			state, uncov := slices.Clone(s.state), s.uncov
			s.rootAt = 0 // the dive runs at tree nodes, not at the root
			s.nodes = 5
			s.maybeTreeDive(x)
			if s.treeDivesRun != 1 {
				t.Fatalf("instance %d: %d dives, want 1", iter, s.treeDivesRun)
			}
			if !slices.Equal(state, s.state) || uncov != s.uncov {
				t.Fatalf("instance %d: the dive left the node changed", iter)
			}
			if s.stopped != "" && s.stopped != stopRestart {
				t.Fatalf("instance %d: stopped by %q", iter, s.stopped)
			}
			if s.bestCost > before {
				t.Fatalf("instance %d: best went from %v to %v", iter, before, s.bestCost)
			}
			for _, set := range s.best {
				checkCover(t, fmt.Sprintf("instance %d", iter), set, s.bestCost, cost, rows)
			}
			if s.bestCost < before-1e-9 {
				improved++
			}
		}
	})
	if improved == 0 {
		t.Fatalf("no dive improved the greedy cover")
	}
	t.Logf("%d dives improved the greedy cover", improved)
}
