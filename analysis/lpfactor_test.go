package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

// testBasis is a basis written out for the factor's tests: per position,
// the surplus of a row (slack >= 0) or a sparse column.
type testBasis struct {
	m     int
	slack []int32
	idx   [][]int32
	val   [][]float64
}

// randomTestBasis returns a basis over m rows with nk options, most of them
// covering columns of 0/1 (some with other coefficients, like cuts), in a
// random order of positions; it may be singular.
func randomTestBasis(r *rand.Rand, m, nk int, density float64) testBasis {
	b := testBasis{m: m, slack: make([]int32, m), idx: make([][]int32, m), val: make([][]float64, m)}
	rows := r.Perm(m)
	kernel := rows[:nk] // rows without a basic surplus
	pos := r.Perm(m)
	for q, t := range rows[nk:] {
		b.slack[pos[q]] = int32(t)
	}
	for c := range nk {
		k := pos[m-nk+c]
		b.slack[k] = -1
		coef := func() float64 {
			if r.IntN(4) == 0 {
				return float64(1 + r.IntN(3))
			}
			return 1
		}
		// One kernel row for sure (a nonsingular start), others at random.
		in := map[int]bool{kernel[c]: true}
		for t := range m {
			if r.Float64() < density {
				in[t] = true
			}
		}
		for t := range m {
			if in[t] {
				b.idx[k] = append(b.idx[k], int32(t))
				b.val[k] = append(b.val[k], coef())
			}
		}
	}
	return b
}

// dense returns the basis as a dense matrix, rows by columns (positions).
func (b testBasis) dense() [][]float64 {
	a := make([][]float64, b.m)
	for t := range a {
		a[t] = make([]float64, b.m)
	}
	for k := range b.m {
		if t := b.slack[k]; t >= 0 {
			a[t][k] = -1
			continue
		}
		for e, t := range b.idx[k] {
			a[t][k] = b.val[k][e]
		}
	}
	return a
}

// factor factorises b.
func (b testBasis) factor() (*lpFactor, bool) {
	var dense []float64
	return newLPFactor(b.m, b.slack, func(k int) ([]int32, []float64) { return b.idx[k], b.val[k] }, &dense, nil)
}

// denseRank returns the numerical rank of a (Gaussian elimination with
// partial pivoting, pivots under tol counting as zero).
func denseRank(a [][]float64, tol float64) int {
	m := len(a)
	w := make([][]float64, m)
	for i := range a {
		w[i] = append([]float64(nil), a[i]...)
	}
	rank := 0
	for c := 0; c < m && rank < m; c++ {
		p, big := -1, tol
		for i := rank; i < m; i++ {
			if v := math.Abs(w[i][c]); v > big {
				p, big = i, v
			}
		}
		if p < 0 {
			continue
		}
		w[p], w[rank] = w[rank], w[p]
		for i := rank + 1; i < m; i++ {
			l := w[i][c] / w[rank][c]
			for j := c; j < m; j++ {
				w[i][j] -= l * w[rank][j]
			}
		}
		rank++
	}
	return rank
}

// sparseRHS returns a vector of length m with a few random nonzeros (a
// unit vector one time in three, as the pivot row's solve has).
func sparseRHS(r *rand.Rand, m int) []float64 {
	v := make([]float64, m)
	if r.IntN(3) == 0 {
		v[r.IntN(m)] = 1
		return v
	}
	for range 1 + r.IntN(4) {
		v[r.IntN(m)] = float64(r.IntN(5)) - 2
	}
	return v
}

// checkSolves compares ftran and btran of the factor f with its eta file
// against the dense basis a: B x = rhs and y B = c, by their residuals.
func checkSolves(t *testing.T, r *rand.Rand, f *lpFactor, etas []lpEta, a [][]float64, what string) {
	t.Helper()
	m := len(a)
	x := make([]float64, m)
	y := make([]float64, m)
	w := make([]float64, m)
	bw := make([]float64, m)
	for range 5 {
		rhs := sparseRHS(r, m)
		copy(w, rhs)
		f.ftran(w, x, bw)
		etaFtran(etas, x)
		for i := range m {
			s := 0.0
			for k := range m {
				s += a[i][k] * x[k]
			}
			if math.Abs(s-rhs[i]) > 1e-7 {
				t.Fatalf("%s: ftran: row %d of B x is %g, want %g", what, i, s, rhs[i])
			}
		}
		c := sparseRHS(r, m)
		copy(w, c)
		etaBtran(etas, w)
		f.btran(w, y, bw)
		for k := range m {
			s := 0.0
			for i := range m {
				s += y[i] * a[i][k]
			}
			if math.Abs(s-c[k]) > 1e-7 {
				t.Fatalf("%s: btran: column %d of y B is %g, want %g", what, k, s, c[k])
			}
		}
	}
}

// TestLPFactorSolves factorises random bases (surpluses and sparse
// covering columns, small kernels and large, with and without a bump) and
// checks FTRAN and BTRAN against the dense basis; a basis it refuses must be
// singular.
func TestLPFactorSolves(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 4))
	solved, refused, bumps := 0, 0, 0
	for iter := range 600 {
		m := 1 + r.IntN(60)
		nk := r.IntN(m + 1)
		density := []float64{0, 0.02, 0.05, 0.15}[r.IntN(4)]
		b := randomTestBasis(r, m, nk, density)
		a := b.dense()
		f, ok := b.factor()
		if !ok {
			if rank := denseRank(a, 1e-9); rank == m {
				t.Fatalf("basis %d (m %d): refused, but its rank is %d", iter, m, rank)
			}
			refused++
			continue
		}
		if len(f.bRows) > 1 {
			bumps++
		}
		checkSolves(t, r, f, nil, a, "basis")
		solved++
	}
	if solved < 400 || bumps < 50 {
		t.Fatalf("only %d bases solved, %d with a bump (%d refused)", solved, bumps, refused)
	}
}

// TestLPEtaUpdates replaces columns of random bases one pivot at a time,
// as the simplex does (the eta of the entering column at a position where
// it is far from 0), and checks the solves through the eta file against
// the dense basis after every pivot, and that factorising the new basis
// afresh gives the same solutions.
func TestLPEtaUpdates(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 5))
	pivots := 0
	for iter := range 150 {
		m := 2 + r.IntN(50)
		b := randomTestBasis(r, m, r.IntN(m+1), 0.05)
		f, ok := b.factor()
		if !ok {
			continue
		}
		var etas []lpEta
		for step := range 30 {
			// An entering column: a surplus or a sparse option.
			var col []float64 = make([]float64, m)
			var eIdx []int32
			var eVal []float64
			slack := int32(-1)
			if r.IntN(3) == 0 {
				slack = int32(r.IntN(m))
				col[slack] = -1
			} else {
				for t := range m {
					if r.Float64() < 0.1 || t == step%m {
						col[t] = 1
						eIdx = append(eIdx, int32(t))
						eVal = append(eVal, 1)
					}
				}
			}
			w := append([]float64(nil), col...)
			x := make([]float64, m)
			bw := make([]float64, m)
			f.ftran(w, x, bw)
			etaFtran(etas, x)
			rpos := -1
			for _, k := range r.Perm(m) {
				if math.Abs(x[k]) > 0.1 {
					rpos = k
					break
				}
			}
			if rpos < 0 {
				continue
			}
			// A surplus already basic elsewhere would make the basis
			// singular; the simplex never enters a basic variable.
			if slack >= 0 {
				dup := false
				for k, t := range b.slack {
					if t == slack && k != rpos {
						dup = true
					}
				}
				if dup {
					continue
				}
			}
			et := lpEta{r: int32(rpos), piv: x[rpos]}
			for k, v := range x {
				if v != 0 && k != rpos {
					et.idx = append(et.idx, int32(k))
					et.val = append(et.val, v)
				}
			}
			etas = append(etas, et)
			b.slack[rpos], b.idx[rpos], b.val[rpos] = slack, eIdx, eVal
			pivots++
			a := b.dense()
			checkSolves(t, r, f, etas, a, "after a pivot")
			g, ok := b.factor()
			if !ok {
				t.Fatalf("basis %d: the basis after %d pivots is not refactorised", iter, len(etas))
			}
			checkSolves(t, r, g, nil, a, "refactorised")
			if step%10 == 9 {
				f, etas = g, nil
			}
		}
	}
	if pivots < 1000 {
		t.Fatalf("only %d pivots checked", pivots)
	}
}
