package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestLPProbeMatchesSolveLimit checks the probes of strong branching, which
// reuse one state's vectors and one multiplier vector from probe to probe:
// at random fixings below a solved root, probes started alternately from the
// root's final state and from a child's return exactly the multipliers of
// lpSolveLimit from the same state with the same pivot limit, and leave both
// states as they were.
func TestLPProbeMatchesSolveLimit(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 7))
	compared := 0
	for iter := range 200 {
		n, cost, rows := randomCover(r)
		s := testSearch(n, cost, rows)
		if s == nil {
			continue
		}
		u0, root := solvedRoot(t, iter, s)
		var t0 trail
		fix := func() {
			var free []int32
			for o, st := range s.state {
				if st == colFree {
					free = append(free, int32(o))
				}
			}
			if len(free) == 0 || s.uncov == 0 {
				return
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
		fix()
		var child *lpState
		if s.uncov > 0 {
			_, _, _, child = s.lpSolve(u0, root)
		}
		snap := func(p *lpState) [][]float64 {
			if p == nil {
				return nil
			}
			var basis, where []float64
			for _, v := range p.basis {
				basis = append(basis, float64(v))
			}
			for _, v := range p.where {
				where = append(where, float64(v))
			}
			return [][]float64{slices.Clone(p.xB), slices.Clone(p.d), slices.Clone(p.dse), slices.Clone(p.b), basis, where}
		}
		rootBefore, childBefore := snap(root), snap(child)
		for probe := range 8 {
			if s.uncov == 0 {
				break
			}
			warm := root
			if child != nil && probe%2 == 1 {
				warm = child
			}
			piv := 1 + r.IntN(25)
			want, _, _, _ := s.lpSolveLimit(u0, warm, piv)
			got := s.lpProbe(u0, warm, piv)
			if len(got) != len(want) {
				t.Fatalf("instance %d probe %d: %d multipliers, lpSolveLimit %d", iter, probe, len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
					t.Fatalf("instance %d probe %d: multiplier %d is %v, lpSolveLimit %v", iter, probe, i, got[i], want[i])
				}
			}
			compared++
			if r.IntN(2) == 0 {
				fix()
			}
		}
		for name, pair := range map[string][2][][]float64{"root": {rootBefore, snap(root)}, "child": {childBefore, snap(child)}} {
			for v := range pair[0] {
				if !slices.Equal(pair[0][v], pair[1][v]) {
					t.Fatalf("instance %d: the probes changed vector %d of the %s state", iter, v, name)
				}
			}
		}
		s.undo(t0)
	}
	if compared < 500 {
		t.Fatalf("only %d probes compared; the generator makes too few open nodes", compared)
	}
}
