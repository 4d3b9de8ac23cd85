package analysis

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// smallCover returns a random set-cover instance small enough to enumerate
// every subset of options: 6 to 14 options, rows of 2 to 4 options, unit or
// integer costs.
func smallCover(r *rand.Rand) (n int, cost []float64, rows [][]int32) {
	n = 6 + r.IntN(9)
	cost = make([]float64, n)
	unit := r.IntN(2) == 0
	for j := range cost {
		cost[j] = 1
		if !unit {
			cost[j] = float64(1 + r.IntN(4))
		}
	}
	for range 8 + r.IntN(30) {
		seen := map[int32]bool{}
		var row []int32
		for range 2 + r.IntN(3) {
			if o := int32(r.IntN(n)); !seen[o] {
				seen[o] = true
				row = append(row, o)
			}
		}
		if len(row) < 2 {
			continue
		}
		slices.Sort(row)
		rows = append(rows, row)
	}
	return n, cost, rows
}

// coversOf returns every subset of n options (as bit masks) hitting all rows.
func coversOf(n int, rows [][]int32) []uint32 {
	var out []uint32
	for mask := uint32(0); mask < 1<<n; mask++ {
		ok := true
		for _, row := range rows {
			hit := false
			for _, o := range row {
				if mask&(1<<o) != 0 {
					hit = true
					break
				}
			}
			if !hit {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, mask)
		}
	}
	return out
}

func TestZeroHalfCutOfATriangle(t *testing.T) {
	c := zeroHalfCut([][]int32{{0, 1}, {1, 2}, {0, 2}}, []int{0, 1, 2})
	if !slices.Equal(c.opts, []int32{0, 1, 2}) || !slices.Equal(c.coef, []float64{1, 1, 1}) || c.rhs != 2 {
		t.Fatalf("cut %+v, want x0 + x1 + x2 >= 2", c)
	}
	// Five rows where option 0 is in three: its coefficient is 2, the
	// right-hand side 3.
	c = zeroHalfCut([][]int32{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {3, 4}}, []int{0, 1, 2, 3, 4})
	if c.rhs != 3 || c.coef[0] != 2 {
		t.Fatalf("cut %+v, want coefficient 2 on option 0 and right-hand side 3", c)
	}
}

// TestZeroHalfCutsAreValid separates zero-half cuts from the LP solutions of
// random small instances, at the root and after random fixings, and checks
// that each cut is violated by that LP solution as much as separation says,
// and that no cover of the instance, among all subsets of its options,
// violates any of them.
func TestZeroHalfCutsAreValid(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 12))
	found, checked := 0, 0
	for iter := range 1500 {
		n, cost, rows := smallCover(r)
		s := testSearch(n, cost, rows)
		if s == nil {
			continue
		}
		var t0 trail
		if iter%2 == 1 {
			for range 1 + r.IntN(2) {
				var free []int32
				for o, st := range s.state {
					if st == colFree {
						free = append(free, int32(o))
					}
				}
				if len(free) == 0 {
					break
				}
				o := free[r.IntN(len(free))]
				if r.IntN(2) == 0 {
					s.take(o)
					t0 = append(t0, o)
				} else {
					t0 = append(t0, -o-1)
					s.exclude(o)
				}
			}
		}
		infeasible := false
		for i := range s.rows {
			if s.hit[i] == 0 && s.freeIn[i] == 0 {
				infeasible = true
			}
		}
		if infeasible || s.uncov == 0 {
			s.undo(t0)
			continue
		}
		_, x, ok, _ := s.lpSolve(s.u, nil)
		if !ok {
			t.Fatalf("instance %d: the LP did not finish", iter)
		}
		cuts := s.separateZeroHalf(x, 1000)
		for _, c := range cuts {
			lhs := 0.0
			for k, o := range c.opts {
				switch s.state[o] {
				case colFree:
					lhs += c.coef[k] * x[o]
				case colIn:
					lhs += c.coef[k]
				}
			}
			if c.rhs-lhs < cutMinViol-1e-9 {
				t.Fatalf("instance %d: cut %+v is violated by only %v", iter, c, c.rhs-lhs)
			}
		}
		s.undo(t0)
		if len(cuts) == 0 {
			continue
		}
		found += len(cuts)
		for _, mask := range coversOf(n, s.rows) {
			for _, c := range cuts {
				lhs := 0.0
				for k, o := range c.opts {
					if mask&(1<<o) != 0 {
						lhs += c.coef[k]
					}
				}
				if lhs < c.rhs-1e-9 {
					t.Fatalf("instance %d: the cover %b violates cut %+v", iter, mask, c)
				}
			}
			checked++
		}
	}
	if found < 50 || checked < 1000 {
		t.Fatalf("only %d cuts found, %d covers checked; the generator makes too few fractional LPs", found, checked)
	}
}

// TestSearchWithCutsMatchesBruteForce runs the search straight into its LP
// phase, where the root adds zero-half cuts, on random small instances and
// compares the cost found with the cheapest cover by enumeration; it also
// checks that the search's multipliers, cuts included, never bound above
// that cost.
func TestSearchWithCutsMatchesBruteForce(t *testing.T) {
	defer func(p int, c bool) { probeNodes, rootCuts = p, c }(probeNodes, rootCuts)
	probeNodes, rootCuts = 1, true
	r := rand.New(rand.NewPCG(5, 77))
	withCuts := 0
	for iter := range 1500 {
		n, cost, rows := smallCover(r)
		s := newCoverSearch(n, cost, rows, 1, 1_000_000)
		s.ctx = context.Background()
		s.solve()
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
		if s.stopped != "" {
			t.Fatalf("instance %d: stopped by %q", iter, s.stopped)
		}
		if math.Abs(s.bestCost-best) > 1e-9 {
			t.Fatalf("instance %d: the search found %v, the cheapest cover costs %v", iter, s.bestCost, best)
		}
		if len(s.cuts) > 0 {
			withCuts++
			// At the root (nothing taken), the Lagrangian bound of the
			// final multipliers must not pass the optimum.
			if l := s.lagrangian(); l > best+1e-6 {
				t.Fatalf("instance %d: bound %v above the optimum %v", iter, l, best)
			}
		}
	}
	if withCuts < 20 {
		t.Fatalf("only %d instances used cuts", withCuts)
	}
}

// TestCloneSharesNoWrites checks the shared factor and eta file of the LP
// state: solving children from a state, many times over, leaves its
// inverse as it was.
func TestCloneSharesNoWrites(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 1))
	compared := 0
	for iter := range 200 {
		n, cost, rows := randomCover(r)
		s := testSearch(n, cost, rows)
		if s == nil {
			continue
		}
		u0, root := solvedRoot(t, iter, s)
		snap := root.inverse()
		for range 5 {
			var free []int32
			for o, st := range s.state {
				if st == colFree {
					free = append(free, int32(o))
				}
			}
			if len(free) == 0 {
				break
			}
			o := free[r.IntN(len(free))]
			s.take(o)
			_, _, _, child := s.lpSolve(u0, root)
			s.untake(o)
			// A grandchild from the child: rows shared two levels deep.
			if s.exclude(o) {
				s.lpSolve(u0, child)
			}
			s.unexclude(o)
		}
		for k, row := range root.inverse() {
			if !slices.Equal(row, snap[k]) {
				t.Fatalf("instance %d: row %d of the root's inverse changed", iter, k)
			}
		}
		compared++
	}
	if compared < 100 {
		t.Fatalf("only %d instances compared", compared)
	}
}

// TestStoppedSearchBound stops searches of random instances after a few
// nodes and checks that the bound proven over the open tree never passes
// the optimum (found by enumeration), and that it does rise above the
// root's bound on some of them (else it would be the root's bound again).
func TestStoppedSearchBound(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 3))
	above := 0
	for iter := range 2000 {
		n, cost, rows := smallCover(r)
		for j := range cost {
			cost[j] = float64(1 + r.IntN(9)) // more distinct bounds, deeper trees
		}
		s := newCoverSearch(n, cost, rows, 1, 2+r.IntN(30))
		s.ctx = context.Background()
		s.solve()
		if s.stopped == "" {
			continue
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
		lb := s.provenBound()
		if lb > best+1e-9 || s.bestCost < best-1e-9 {
			t.Fatalf("instance %d: bound %v, best found %v, optimum %v", iter, lb, s.bestCost, best)
		}
		if lb > s.rootBound+1e-9 {
			above++
		}
	}
	if above == 0 {
		t.Fatal("no stopped search proved more than its root's bound")
	}
}
