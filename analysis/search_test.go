package analysis

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// randomCover returns a random weighted set-cover instance over n options:
// testSearch is a search over the instance for tests that exercise its
// parts: one answer, the default budget, no deadline; nil when no row needs
// covering.
func testSearch(n int, cost []float64, rows [][]int32) *coverSearch {
	s := newCoverSearch(n, cost, rows, 1, 1_000_000)
	s.ctx = context.Background()
	if s.uncov == 0 {
		return nil
	}
	return s
}

// solvedRoot solves s's root LP from scratch and returns its multipliers and
// final state; the test fails if it does not finish.
func solvedRoot(t *testing.T, iter int, s *coverSearch) ([]float64, *lpState) {
	t.Helper()
	u, _, ok, root := s.lpSolve(s.u, nil)
	if !ok {
		t.Fatalf("instance %d: the root LP did not finish", iter)
	}
	return u, root
}

// greedyRootLP gives s the greedy cover as its incumbent and returns the
// primal solution of its root LP, solved from the dual start of each row's
// cheapest cost per row covered.
func greedyRootLP(t *testing.T, iter int, s *coverSearch) []float64 {
	t.Helper()
	s.greedy()
	for i, row := range s.rows {
		s.u[i] = math.Inf(1)
		for _, o := range row {
			s.u[i] = math.Min(s.u[i], s.cost[o]/float64(len(s.cols[o])))
		}
	}
	_, x, ok, _ := s.lpSolve(s.u, nil)
	if !ok {
		t.Fatalf("instance %d: the root LP failed", iter)
	}
	return x
}

// rows of 2 to 6 options, unit or integer or real costs.
func randomCover(r *rand.Rand) (n int, cost []float64, rows [][]int32) {
	n = 20 + r.IntN(60)
	cost = make([]float64, n)
	kind := r.IntN(3)
	for j := range cost {
		switch kind {
		case 0:
			cost[j] = 1
		case 1:
			cost[j] = float64(1 + r.IntN(5))
		default:
			cost[j] = 0.5 + 3*r.Float64()
		}
	}
	for range 30 + r.IntN(100) {
		seen := map[int32]bool{}
		var row []int32
		for range 2 + r.IntN(5) {
			if o := int32(r.IntN(n)); !seen[o] {
				seen[o] = true
				row = append(row, o)
			}
		}
		sortInt32(row)
		rows = append(rows, row)
	}
	return n, cost, rows
}

func sortInt32(s []int32) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestWarmLPMatchesColdLP checks the warm start of the LP: after random
// fixings below a solved root, the LP solved from the root's final basis has
// the same bound as the LP solved from scratch, and its solution covers
// every row the fixings leave open using free options only.
func TestWarmLPMatchesColdLP(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 4))
	compared := 0
	for iter := range 300 {
		n, cost, rows := randomCover(r)
		s := testSearch(n, cost, rows)
		if s == nil {
			continue
		}
		u0, root := solvedRoot(t, iter, s)
		// Random fixings, undone at the end.
		var t0 trail
		for range 1 + r.IntN(4) {
			var free []int32
			for o, st := range s.state {
				if st == colFree {
					free = append(free, int32(o))
				}
			}
			if len(free) == 0 || s.uncov == 0 {
				break
			}
			o := free[r.IntN(len(free))]
			if r.IntN(2) == 0 {
				s.take(o)
				t0 = append(t0, o)
			} else {
				t0 = append(t0, -o-1)
				if !s.exclude(o) {
					break
				}
			}
		}
		infeasible := false
		for i := range s.rows {
			if s.hit[i] == 0 && s.freeIn[i] == 0 {
				infeasible = true
			}
		}
		if !infeasible && s.uncov > 0 {
			uw, xw, okw, _ := s.lpSolve(u0, root)
			uc, _, okc, _ := s.lpSolve(u0, nil)
			if okw && okc {
				copy(s.u, uw)
				bw := s.lagrangian()
				copy(s.u, uc)
				bc := s.lagrangian()
				if math.Abs(bw-bc) > 1e-5*math.Max(1, math.Abs(bc)) {
					t.Errorf("instance %d: warm LP bound %v, cold %v", iter, bw, bc)
				}
				for i, row := range s.rows {
					if s.hit[i] != 0 {
						continue
					}
					sum := 0.0
					for _, o := range row {
						if s.state[o] != colFree && xw[o] != 0 {
							t.Errorf("instance %d: fixed option %d has LP value %v", iter, o, xw[o])
						}
						sum += xw[o]
					}
					if sum < 1-1e-6 {
						t.Errorf("instance %d: row %d covered %v by the warm LP solution", iter, i, sum)
					}
				}
				compared++
			}
		}
		s.undo(t0)
	}
	if compared < 100 {
		t.Fatalf("only %d instances compared; the generator makes too few open nodes", compared)
	}
}

// TestLocalSearchKeepsCovers checks that the local search offers only covers
// of the live rows, never dearer than the cover it started from.
func TestLocalSearchKeepsCovers(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	for iter := range 200 {
		n, cost, rows := randomCover(r)
		s := testSearch(n, cost, rows)
		if s == nil {
			continue
		}
		s.greedy()
		if len(s.best) == 0 {
			t.Fatalf("instance %d: the greedy found no cover", iter)
		}
		start := s.bestCost
		s.lagrangian() // reduced costs for the local search to read
		s.localSearch(500)
		if s.bestCost > start+1e-9 {
			t.Fatalf("instance %d: cost went from %v to %v", iter, start, s.bestCost)
		}
		in := map[int]bool{}
		sum := 0.0
		for _, o := range s.best[0] {
			in[o] = true
			sum += cost[o]
		}
		if math.Abs(sum-s.bestCost) > 1e-9 {
			t.Fatalf("instance %d: members cost %v, best says %v", iter, sum, s.bestCost)
		}
		for i, row := range rows {
			hit := false
			for _, o := range row {
				hit = hit || in[int(o)]
			}
			if !hit {
				t.Fatalf("instance %d: row %d (%v) not hit by %v", iter, i, row, s.best[0])
			}
		}
	}
}

// TestMinimalMitigationSetProgress checks the progress reports of a search:
// counts only grow, the best cost only falls, every bound is at most the
// best cost and at most the proven optimum, and the gap agrees with them.
func TestMinimalMitigationSetProgress(t *testing.T) {
	defer func(d time.Duration) { progressInterval = d }(progressInterval)
	progressInterval = 0 // every node reports
	in := synthInput(t, 10)
	var got []SetProgress
	res, err := MinimalMitigationSet(context.Background(), in.Chains, in.Knowledge, Options{}, SetRequest{
		Progress: func(p SetProgress) { got = append(got, p) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Optimal {
		t.Fatalf("the search of the 10x release did not finish: %+v", res.Stopped)
	}
	if len(got) == 0 {
		t.Fatal("no progress report")
	}
	for i, p := range got {
		if i > 0 {
			q := got[i-1]
			if p.Nodes < q.Nodes || p.Elapsed < q.Elapsed || p.BestCost > q.BestCost || q.Found && !p.Found {
				t.Fatalf("report %d %+v goes back from %+v", i, p, q)
			}
		}
		if p.Bound > res.Best.Cost+1e-9 || p.Found && p.Bound > p.BestCost {
			t.Fatalf("report %d: bound %v above the optimum %v or the best %v", i, p.Bound, res.Best.Cost, p.BestCost)
		}
		if p.Found && math.Abs(p.Gap-(p.BestCost-p.Bound)/p.BestCost) > 1e-12 || !p.Found && p.Gap != 1 {
			t.Fatalf("report %d: gap %v for best %v and bound %v", i, p.Gap, p.BestCost, p.Bound)
		}
		if p.Found && p.BestCost < res.Best.Cost-1e-9 {
			t.Fatalf("report %d: best %v below the optimum %v", i, p.BestCost, res.Best.Cost)
		}
	}
	if last := got[len(got)-1]; !last.Found || last.BestCost != res.Best.Cost {
		t.Fatalf("last report %+v; want the answer's cost %v", last, res.Best.Cost)
	}
}

// TestMinimalMitigationSetTimeLimit checks that a time limit stops the
// search with its own reason and the best set found, that a cancelled
// context still says cancelled, and that a negative limit is refused.
func TestMinimalMitigationSetTimeLimit(t *testing.T) {
	chains, k, costs := bigInstance()
	got, err := MinimalMitigationSet(context.Background(), chains, k, Options{}, SetRequest{Costs: costs, TimeLimit: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if got.Optimal || got.Stopped != StopTimeLimit {
		t.Fatalf("Optimal %v, Stopped %q; want false and %q", got.Optimal, got.Stopped, StopTimeLimit)
	}
	checkAnswer(t, chains, k, costs, got)

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	got, err = MinimalMitigationSet(cancelled, chains, k, Options{}, SetRequest{Costs: costs, TimeLimit: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if got.Stopped != StopCancelled {
		t.Fatalf("Stopped %q; want %q", got.Stopped, StopCancelled)
	}

	_, err = MinimalMitigationSet(context.Background(), chains, k, Options{}, SetRequest{TimeLimit: -time.Second})
	if !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("negative time limit: %v; want ErrInvalidInput", err)
	}
}
