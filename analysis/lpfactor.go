package analysis

import (
	"math"
	"slices"
)

// A factored basis for the dual simplex of lp.go.
//
// The basis B of the LP over m active rows has one column per basis
// position: either the surplus of a row t (the column -e_t) or a covering
// option (a sparse 0/1 column, or a cut's coefficients). Most positions
// hold surpluses, so B is, after permuting rows and columns,
//
//	[ K  0 ]   rows whose surplus is not basic (the kernel rows)
//	[ A -I ]   rows whose surplus is basic
//
// and only the kernel K (rows without a basic surplus × basic options, as
// many of one as of the other) needs factorising. K itself is mostly
// triangular: a tight row covered by one basic option is a row singleton,
// an option in one tight row a column singleton. lpFactor peels both off
// (a forward part of row singletons, a backward part of column singletons)
// and keeps only what is left, the bump, as a dense LU with partial
// pivoting. Solves then cost the nonzeros of the basic columns, plus the
// square of the bump, instead of the m² of an explicit inverse.
//
// A factor never changes once built: the clones of an LP state share it,
// with the eta file of the pivots since (product form of the inverse,
// lpEta), and the state factorises again every lpRefactor pivots.

// lpPivot is a singleton pivot of the kernel: kernel row t, basis position
// k, and the entry there.
type lpPivot struct {
	t, k int32
	v    float64
}

// lpFactor is the factorisation of one basis; see above.
type lpFactor struct {
	m       int
	slackAt []int32 // per row position: the basis position of its basic surplus, or -1 (a kernel row)
	// The basic options' columns over all active rows, per basis position
	// (empty for a surplus), and the same entries by row.
	colIdx [][]int32
	colVal [][]float64
	rowIdx [][]int32 // per row position: the basis positions of the basic options in it
	rowVal [][]float64
	front  []lpPivot // row singletons, solved first to last
	back   []lpPivot // column singletons, solved last to first
	bRows  []int32   // the bump's rows (row positions)
	bCols  []int32   // the bump's columns (basis positions)
	// The bump's LU (L unit lower, U upper), its nonzeros kept four ways
	// so that every solve runs through contiguous entries and skips the
	// zeros of its right-hand side: L and U (without the diagonal) by
	// column and by row, and U's diagonal.
	lCol, lRow, uCol, uRow lpSparse
	uDiag                  []float64
	perm                   []int32 // row i of the LU is row perm[i] of the bump
	nnz                    int     // nonzeros of the basic columns and the LU, a measure of a solve's cost
}

// lpSparse is a sparse matrix by lines (columns or rows): line i has the
// entries start[i]..start[i+1] of idx and val.
type lpSparse struct {
	start []int32
	idx   []int32
	val   []float64
}

// line returns line i.
func (s *lpSparse) line(i int) ([]int32, []float64) {
	a, b := s.start[i], s.start[i+1]
	return s.idx[a:b], s.val[a:b]
}

// transpose returns the matrix by the other lines (n of them).
func (s *lpSparse) transpose(n int) lpSparse {
	t := lpSparse{start: make([]int32, n+1), idx: make([]int32, len(s.idx)), val: make([]float64, len(s.val))}
	for _, j := range s.idx {
		t.start[j+1]++
	}
	for j := range n {
		t.start[j+1] += t.start[j]
	}
	next := slices.Clone(t.start[:n])
	for i := range len(s.start) - 1 {
		idx, val := s.line(i)
		for e, j := range idx {
			at := next[j]
			t.idx[at], t.val[at] = int32(i), val[e]
			next[j]++
		}
	}
	return t
}

// lpEta is one pivot of the product form: the entering column in the basis
// of before (B⁻¹a_q) at its pivot position r, without that position.
type lpEta struct {
	r   int32
	piv float64
	idx []int32
	val []float64
}

// lpFactorScratch is the working space of newLPFactor that the factor does
// not keep, passed from one factorisation to the next.
type lpFactorScratch struct {
	at, rowCnt, colCnt, queue, bumpAt, nzc []int32
	rowOn, colOn                           []bool
	lastL, lastU                           int // nonzeros of the last factorisation's L and U
}

// lpFactorTol is the smallest pivot the factorisation accepts; below it the
// basis counts as singular.
const lpFactorTol = 1e-11

// newLPFactor factorises the basis over m rows whose position k holds the
// surplus of row slack[k] (when slack[k] >= 0) or the option whose column
// over the row positions col(k) returns. It returns false when the basis is
// singular (numerically: a pivot under lpFactorTol). The bump is
// eliminated in *dense, grown as needed, and the rest of the working space
// is in fs (nil for new); the caller may pass both to the next
// factorisation.
func newLPFactor(m int, slack []int32, col func(k int) ([]int32, []float64), dense *[]float64, fs *lpFactorScratch) (*lpFactor, bool) {
	if fs == nil {
		fs = &lpFactorScratch{}
	}
	f := &lpFactor{m: m, slackAt: make([]int32, m), colIdx: make([][]int32, m), colVal: make([][]float64, m),
		rowIdx: make([][]int32, m), rowVal: make([][]float64, m)}
	for t := range f.slackAt {
		f.slackAt[t] = -1
	}
	nk := 0 // basic options
	for k, t := range slack {
		if t >= 0 {
			if f.slackAt[t] >= 0 {
				return nil, false // two surpluses of one row
			}
			f.slackAt[t] = int32(k)
			continue
		}
		nk++
		idx, val := col(k)
		f.colIdx[k], f.colVal[k] = idx, val
		f.nnz += len(idx)
	}
	// The same entries by row, in one allocation.
	fs.at = grow(fs.at, m+1)
	at := fs.at
	clear(at)
	for k := range m {
		for _, t := range f.colIdx[k] {
			at[t+1]++
		}
	}
	for t := range m {
		at[t+1] += at[t]
	}
	rIdx := make([]int32, at[m])
	rVal := make([]float64, at[m])
	for t := range m {
		f.rowIdx[t] = rIdx[at[t]:at[t]:at[t+1]]
		f.rowVal[t] = rVal[at[t]:at[t]:at[t+1]]
	}
	for k := range m {
		for e, t := range f.colIdx[k] {
			f.rowIdx[t] = append(f.rowIdx[t], int32(k))
			f.rowVal[t] = append(f.rowVal[t], f.colVal[k][e])
		}
	}
	// Counts of the entries in the active part of the kernel.
	fs.rowCnt, fs.colCnt = grow(fs.rowCnt, m), grow(fs.colCnt, m)
	fs.rowOn, fs.colOn = grow(fs.rowOn, m), grow(fs.colOn, m)
	rowCnt := fs.rowCnt // per kernel row
	colCnt := fs.colCnt // per basis position of an option (counted after the row singletons)
	rowOn, colOn := fs.rowOn, fs.colOn
	clear(rowCnt)
	clear(colCnt)
	clear(rowOn)
	clear(colOn)
	nr := 0
	for t := range m {
		if f.slackAt[t] >= 0 {
			continue
		}
		nr++
		rowOn[t] = true
		rowCnt[t] = int32(len(f.rowIdx[t]))
	}
	if nr != nk {
		return nil, false
	}
	for k, t := range slack {
		if t < 0 {
			colOn[k] = true
		}
	}
	// The singleton pivots, front then back, in one allocation: there are
	// at most as many as basic options.
	pivots := make([]lpPivot, 0, nk)
	f.front = pivots
	// Row singletons, as long as there are.
	queue := fs.queue[:0]
	defer func() { fs.queue = queue[:0] }()
	for t := range m {
		if rowOn[t] && rowCnt[t] <= 1 {
			queue = append(queue, int32(t))
		}
	}
	for len(queue) > 0 {
		t := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if !rowOn[t] {
			continue
		}
		if rowCnt[t] == 0 {
			return nil, false // a tight row with no basic option left
		}
		k, v := int32(-1), 0.0
		for e, c := range f.rowIdx[t] {
			if colOn[c] {
				k, v = c, f.rowVal[t][e]
				break
			}
		}
		if math.Abs(v) < lpFactorTol {
			return nil, false
		}
		f.front = append(f.front, lpPivot{t, k, v})
		rowOn[t], colOn[k] = false, false
		for _, t2 := range f.colIdx[k] {
			if rowOn[t2] {
				rowCnt[t2]--
				if rowCnt[t2] <= 1 {
					queue = append(queue, t2)
				}
			}
		}
	}
	nf := len(f.front)
	f.front, f.back = pivots[:nf:nf], pivots[nf:nf:nk]
	// Column singletons of what is left (no row singletons are looked
	// for among them again: the order of the solves needs the forward part
	// first). Removing one leaves the other columns' counts but those of
	// its row's columns as they were. colCnt counted entries in every
	// kernel row; recount over the rows still on.
	for k := range m {
		if colOn[k] {
			colCnt[k] = 0
		}
	}
	for t := range m {
		if rowOn[t] {
			for _, k := range f.rowIdx[t] {
				if colOn[k] {
					colCnt[k]++
				}
			}
		}
	}
	queue = queue[:0]
	for k := range m {
		if colOn[k] && colCnt[k] <= 1 {
			queue = append(queue, int32(k))
		}
	}
	for len(queue) > 0 {
		k := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if !colOn[k] {
			continue
		}
		if colCnt[k] == 0 {
			return nil, false // a basic option in no tight row left
		}
		t, v := int32(-1), 0.0
		for e, r := range f.colIdx[k] {
			if rowOn[r] {
				t, v = r, f.colVal[k][e]
				break
			}
		}
		if math.Abs(v) < lpFactorTol {
			return nil, false
		}
		f.back = append(f.back, lpPivot{t, k, v})
		rowOn[t], colOn[k] = false, false
		for _, c := range f.rowIdx[t] {
			if colOn[c] {
				colCnt[c]--
				if colCnt[c] <= 1 {
					queue = append(queue, c)
				}
			}
		}
	}
	// The bump: dense LU with partial pivoting. Its rows and columns in
	// one allocation (as many as the options left, unless singular).
	nbk := nk - len(f.front) - len(f.back)
	bump := make([]int32, 0, 2*nbk)
	f.bRows, f.bCols = bump[:0:nbk], bump[nbk:nbk:2*nbk]
	fs.bumpAt = grow(fs.bumpAt, m) // per basis position: its column in the bump
	bumpAt := fs.bumpAt
	clear(bumpAt)
	for t := range m {
		if rowOn[t] {
			f.bRows = append(f.bRows, int32(t))
		}
	}
	for k := range m {
		if colOn[k] {
			bumpAt[k] = int32(len(f.bCols))
			f.bCols = append(f.bCols, int32(k))
		}
	}
	nb := len(f.bRows)
	if nb != len(f.bCols) {
		return nil, false
	}
	if nb == 0 {
		return f, true
	}
	if cap(*dense) < nb*nb {
		*dense = make([]float64, nb*nb)
	}
	a := (*dense)[:nb*nb]
	clear(a)
	for i, t := range f.bRows {
		for e, k := range f.rowIdx[t] {
			if colOn[k] {
				a[i*nb+int(bumpAt[k])] += f.rowVal[t][e]
			}
		}
	}
	f.perm = make([]int32, nb)
	for i := range f.perm {
		f.perm[i] = int32(i)
	}
	nzc := fs.nzc[:0]
	defer func() { fs.nzc = nzc[:0] }()
	for c := range nb {
		p, big := -1, lpFactorTol
		for i := c; i < nb; i++ {
			if v := math.Abs(a[i*nb+c]); v > big {
				p, big = i, v
			}
		}
		if p < 0 {
			return nil, false
		}
		if p != c {
			for j := range nb {
				a[p*nb+j], a[c*nb+j] = a[c*nb+j], a[p*nb+j]
			}
			f.perm[p], f.perm[c] = f.perm[c], f.perm[p]
		}
		piv := a[c*nb+c]
		// The bump stays sparse as it is eliminated: update with the
		// nonzeros of the pivot row only.
		nzc = nzc[:0]
		for j := c + 1; j < nb; j++ {
			if a[c*nb+j] != 0 {
				nzc = append(nzc, int32(j))
			}
		}
		for i := c + 1; i < nb; i++ {
			l := a[i*nb+c]
			if l == 0 {
				continue
			}
			l /= piv
			a[i*nb+c] = l
			ri, rc := a[i*nb:i*nb+nb], a[c*nb:c*nb+nb]
			for _, j := range nzc {
				ri[j] -= l * rc[j]
			}
		}
	}
	f.uDiag = make([]float64, nb)
	f.lRow.start = make([]int32, 0, nb+1)
	f.uRow.start = make([]int32, 0, nb+1)
	// The LU's nonzeros are about the last factorisation's: room for
	// them, against growing the lists by doubling.
	f.lRow.idx, f.lRow.val = make([]int32, 0, fs.lastL), make([]float64, 0, fs.lastL)
	f.uRow.idx, f.uRow.val = make([]int32, 0, fs.lastU), make([]float64, 0, fs.lastU)
	for i := range nb {
		f.lRow.start = append(f.lRow.start, int32(len(f.lRow.idx)))
		f.uRow.start = append(f.uRow.start, int32(len(f.uRow.idx)))
		for j, v := range a[i*nb : i*nb+nb] {
			switch {
			case v == 0:
			case j < i:
				f.lRow.idx = append(f.lRow.idx, int32(j))
				f.lRow.val = append(f.lRow.val, v)
			case j > i:
				f.uRow.idx = append(f.uRow.idx, int32(j))
				f.uRow.val = append(f.uRow.val, v)
			default:
				f.uDiag[i] = v
			}
		}
	}
	f.lRow.start = append(f.lRow.start, int32(len(f.lRow.idx)))
	f.uRow.start = append(f.uRow.start, int32(len(f.uRow.idx)))
	fs.lastL, fs.lastU = len(f.lRow.idx), len(f.uRow.idx)
	f.lCol = f.lRow.transpose(nb)
	f.uCol = f.uRow.transpose(nb)
	f.nnz += nb + len(f.lCol.idx) + len(f.uCol.idx)
	return f, true
}

// scatterCol subtracts z times the column at basis position k from w.
func (f *lpFactor) scatterCol(w []float64, k int32, z float64) {
	for e, t := range f.colIdx[k] {
		w[t] -= f.colVal[k][e] * z
	}
}

// scatterRow subtracts y times row t of the basic options from v.
func (f *lpFactor) scatterRow(v []float64, t int32, y float64) {
	for e, k := range f.rowIdx[t] {
		v[k] -= f.rowVal[t][e] * y
	}
}

// ftran solves B x = a for the base basis: w holds a on entry (by row
// position) and is used up; x (by basis position) receives the solution
// and bw (at least the bump's size) is scratch.
func (f *lpFactor) ftran(w, x, bw []float64) {
	for _, p := range f.front {
		z := w[p.t] / p.v
		x[p.k] = z
		if z != 0 {
			f.scatterCol(w, p.k, z)
		}
	}
	if nb := len(f.bRows); nb > 0 {
		z := bw[:nb]
		for i := range nb {
			z[i] = w[f.bRows[f.perm[i]]]
		}
		for j := range nb {
			if zj := z[j]; zj != 0 {
				idx, val := f.lCol.line(j)
				for e, i := range idx {
					z[i] -= val[e] * zj
				}
			}
		}
		for j := nb - 1; j >= 0; j-- {
			zj := z[j] / f.uDiag[j]
			z[j] = zj
			if zj != 0 {
				idx, val := f.uCol.line(j)
				for e, i := range idx {
					z[i] -= val[e] * zj
				}
			}
		}
		for c, k := range f.bCols {
			x[k] = z[c]
			if z[c] != 0 {
				f.scatterCol(w, k, z[c])
			}
		}
	}
	for q := len(f.back) - 1; q >= 0; q-- {
		p := f.back[q]
		z := w[p.t] / p.v
		x[p.k] = z
		if z != 0 {
			f.scatterCol(w, p.k, z)
		}
	}
	for t, k := range f.slackAt {
		if k >= 0 {
			x[k] = -w[t]
		}
	}
}

// btran solves y B = c for the base basis: v holds c on entry (by basis
// position) and is used up; y (by row position) receives the solution and
// bw (at least the bump's size) is scratch.
func (f *lpFactor) btran(v, y, bw []float64) {
	for t, k := range f.slackAt {
		if k < 0 {
			continue
		}
		yt := -v[k]
		y[t] = yt
		if yt != 0 {
			f.scatterRow(v, int32(t), yt)
		}
	}
	for _, p := range f.back {
		yt := v[p.k] / p.v
		y[p.t] = yt
		if yt != 0 {
			f.scatterRow(v, p.t, yt)
		}
	}
	if nb := len(f.bRows); nb > 0 {
		// A = Pᵀ L U, so Aᵀ y = g is Uᵀ w = g, Lᵀ z = w, y = Pᵀ z.
		z := bw[:nb]
		for c, k := range f.bCols {
			z[c] = v[k]
		}
		for i := range nb {
			zi := z[i] / f.uDiag[i]
			z[i] = zi
			if zi != 0 {
				idx, val := f.uRow.line(i)
				for e, j := range idx {
					z[j] -= val[e] * zi
				}
			}
		}
		for i := nb - 1; i >= 0; i-- {
			if zi := z[i]; zi != 0 {
				idx, val := f.lRow.line(i)
				for e, j := range idx {
					z[j] -= val[e] * zi
				}
			}
		}
		for i := range nb {
			t := f.bRows[f.perm[i]]
			y[t] = z[i]
			if z[i] != 0 {
				f.scatterRow(v, t, z[i])
			}
		}
	}
	for q := len(f.front) - 1; q >= 0; q-- {
		p := f.front[q]
		yt := v[p.k] / p.v
		y[p.t] = yt
		if yt != 0 {
			f.scatterRow(v, p.t, yt)
		}
	}
}

// etaFtran applies the eta file, oldest first, to x = B₀⁻¹a.
func etaFtran(etas []lpEta, x []float64) {
	for e := range etas {
		et := &etas[e]
		xr := x[et.r]
		if xr == 0 {
			continue
		}
		xr /= et.piv
		x[et.r] = xr
		for i, k := range et.idx {
			x[k] -= et.val[i] * xr
		}
	}
}

// etaBtran applies the eta file, newest first, to a row vector c, before
// the base's btran.
func etaBtran(etas []lpEta, c []float64) {
	for e := len(etas) - 1; e >= 0; e-- {
		et := &etas[e]
		s := c[et.r]
		for i, k := range et.idx {
			s -= et.val[i] * c[k]
		}
		c[et.r] = s / et.piv
	}
}
