package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRinsOffersCovers runs one neighbourhood search from the root LP of
// random small instances whose incumbent is the greedy cover: every set it
// offers covers every row, costs what it says and no less than the
// optimum, and on some instances it improves the greedy cover.
func TestRinsOffersCovers(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 4))
	improved, searched := 0, 0
	for iter := range 1500 {
		n, cost, rows := smallCover(r)
		s := testSearch(n, cost, rows)
		if s == nil {
			continue
		}
		x := greedyRootLP(t, iter, s)
		before, nodes := s.bestCost, s.subNodes
		s.rins(x)
		if s.subNodes > nodes {
			searched++
		}
		if s.stopped != "" && s.stopped != stopRestart {
			t.Fatalf("instance %d: stopped by %q", iter, s.stopped)
		}
		best := math.Inf(1)
		for _, mask := range coversOf(n, rows) {
			c := 0.0
			for j := range n {
				if mask&(1<<j) != 0 {
					c += cost[j]
				}
			}
			best = math.Min(best, c)
		}
		set := s.best[0]
		var mask uint32
		c := 0.0
		for _, o := range set {
			mask |= 1 << o
			c += cost[o]
		}
		if math.Abs(c-s.bestCost) > 1e-9 {
			t.Fatalf("instance %d: the set %v costs %v, the search says %v", iter, set, c, s.bestCost)
		}
		for _, row := range rows {
			hit := false
			for _, o := range row {
				hit = hit || mask&(1<<o) != 0
			}
			if !hit {
				t.Fatalf("instance %d: the set %v misses row %v", iter, set, row)
			}
		}
		if s.bestCost < best-1e-9 {
			t.Fatalf("instance %d: %v below the optimum %v", iter, s.bestCost, best)
		}
		if s.bestCost < before-1e-9 {
			improved++
		}
	}
	if searched < 100 || improved < 5 {
		t.Fatalf("%d neighbourhood searches, %d improved the greedy cover", searched, improved)
	}
	t.Logf("%d neighbourhood searches, %d improved the greedy cover", searched, improved)
}
