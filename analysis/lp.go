package analysis

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// The LP relaxation of the weighted hitting-set solver.
//
// The Lagrangian bound of the search equals, at its best multipliers, the
// bound of the LP relaxation
//
//	min c x  subject to  A x >= 1, x >= 0
//
// (the Lagrangian subproblem has integral optima), but subgradient steps
// approach those multipliers slowly and never quite reach them. In its second
// phase the search therefore solves the LP at every node and uses its dual
// values as the multipliers: the bound is then the LP bound and the reduced
// costs are the LP reduced costs, which fix far more options against the
// incumbent.
//
// lpSolve is a revised dual simplex over a subset of the rows, with the
// basis factorised (lpfactor.go) rather than inverted: it starts from the
// rows the caller's multipliers make positive, and adds every row the
// current solution leaves uncovered until none is left, so the basis stays the size of the rows that matter (a few
// hundred on the synthetic 100x release) rather than of all of them. It
// refreshes its basic values and reduced costs from the factor every 100
// pivots, uses a Harris ratio test, and perturbs the costs by a relative
// 1e-7 against the stalling that ties of unit costs cause. Whatever the
// floating-point error of the simplex, the bound used is L(u) recomputed with
// the true costs from the duals clamped to u >= 0, which is a valid bound for
// any u: numerical trouble can only weaken it.

// Limits of one LP solve: pivots, rows in the basis (the bump of its
// factorisation is eliminated in a dense scratch matrix of at most 8
// lpMaxRows^2 bytes, in practice far smaller), and rows added at once.
const (
	lpMaxPivots = 50_000
	lpMaxRows   = 2000
	lpBatch     = 300
	// lpWarmRows is the largest basis kept for the nodes below to start
	// from; each level of the search holds one (its vectors, and a factor
	// and etas it may share with the levels above).
	lpWarmRows = 800
	// lpRefactor is the most pivots between two factorisations.
	lpRefactor = 64
)

// lpState is the simplex state of one LP solve.
type lpState struct {
	s      *coverSearch
	n      int         // structural columns (all options; only free ones enter)
	act    []int32     // active rows (indices into s.rows), by position
	pos    []int32     // per row: its position in act, or -1
	colPos [][]int32   // per option: the positions of its active rows
	colCof [][]float64 // per option: its coefficient in each of those rows (1 but in cuts)
	// sharedCols: colPos and colCof are shared with a clone (copied before
	// rows are added).
	sharedCols bool
	cost       []float64 // perturbed costs of the options
	b          []float64 // per position: the right-hand side left (1 for a row to cover, 0 once a fixing hit it)

	maxPivots int // pivots allowed to this solve; 0 for lpMaxPivots

	fac   *lpFactor // factorisation of the basis at the last refactorisation, shared with clones
	etas  []lpEta   // the pivots since, oldest first (shared with clones, appended copy-on-write)
	etaNZ int       // nonzeros in etas
	// The space the entries of this state's next etas are carved from
	// (not shared: a clone starts its own, the parent's etas stay as they
	// are).
	etaIdx []int32
	etaVal []float64
	bad    bool      // the basis with rows just added could not be factorised: the solve stops, the duals are 0
	basis  []int     // per position: basic variable (j < n option, n+k slack of position k)
	isBas  []bool    // per variable
	where  []int32   // per variable: its basis position, or -1
	xB     []float64 // basic values
	dse    []float64 // per position: dual steepest-edge weight, ||e_k B⁻¹||² (updated, not recomputed)
	d      []float64 // reduced costs per variable
	// The scratch vectors of the solves, shared with the clones.
	*lpScratch
}

// lpScratch is the scratch space of the solves: vectors each use
// overwrites, grown as the bases grow. A state shares it with its clones
// (the search runs one solve at a time, and none keeps a scratch vector past
// its call), so that the LP of a node or of a strong-branching probe
// allocates no scratch of its own: before, each clone grew its own, among
// them the bump's dense matrix, and the garbage collector took about a sixth
// of the CPU.
type lpScratch struct {
	alpha   []float64 // the pivot row over the variables, 0 outside touched
	mark    []bool    // the variables in touched
	nz      []int     // the nonzero positions of the pivot row of Binv
	touched []int     // the variables with an entry in the pivot row
	col     []float64 // the entering column
	rho     []float64 // the pivot row of the inverse
	tau     []float64 // B⁻¹ rho, for the weights' update
	fw, fv  []float64 // the solves'
	fb      []float64 // the bump's solves'
	fd      []float64 // the factorisation's dense bump
	y, c    []float64 // the duals and the basic costs (duals)
	x       []float64 // the basic options' values, per option (run, at optimality)
	add     []int32   // the rows an optimal solution leaves uncovered (run)
	short   []float64 // by how much (run)
	slack   []int32   // per basis position: its surplus's row, or -1 (refactor)
	cnt     []int32   // the basic columns' starts (refactor)
	next    []int32   // (refactor)
	fs      lpFactorScratch
	probe   *lpState  // the last probe's state (lpProbe), whose vectors the next reuses
	probeU  []float64 // the last probe's multipliers
}

// grow returns v with length n, reallocated (twice as large, against
// growing again soon) when its capacity is short; the contents are not
// kept.
func grow[T any](v []T, n int) []T {
	if cap(v) < n {
		return make([]T, n, 2*n)
	}
	return v[:n]
}

// lpSolve solves the LP relaxation of the current node's uncovered rows over
// its free options and returns multipliers (one per row, 0 for rows not in
// the LP), the LP solution, whether the simplex reached optimality, and its
// final state, from which a node below can start (warm). On false the
// multipliers are still non-negative and so still give a valid bound.
//
// With warm, the solve starts from a copy of that state, the final basis of
// an ancestor: options fixed since are dropped (a basic one is driven out of
// the basis by dual simplex pivots, like a violated bound) and rows a taken
// option hit since are relaxed to 0 >= 0, so the basis stays dual feasible
// and a few pivots usually restore optimality.
func (s *coverSearch) lpSolve(start []float64, warm *lpState) (u, x []float64, ok bool, st *lpState) {
	return s.lpSolveLimit(start, warm, 0)
}

// lpSolveLimit is lpSolve with at most maxPivots pivots (0: lpMaxPivots):
// a dual simplex stopped early still has dual feasible multipliers, whose
// bound is valid and usually close.
func (s *coverSearch) lpSolveLimit(start []float64, warm *lpState, maxPivots int) (u, x []float64, ok bool, st *lpState) {
	n := len(s.cost)
	var p *lpState
	if warm != nil {
		p = warm.clone()
		p.rewarm()
	} else {
		p = s.lpStart(start)
	}
	ok = p.runLimit(maxPivots)
	u = p.multipliers(make([]float64, s.nLP()))
	x = make([]float64, n)
	for k, v := range p.basis {
		if v < n && s.state[v] == colFree {
			x[v] = math.Max(0, p.xB[k])
		}
	}
	return u, x, ok, p
}

// lpProbe is lpSolveLimit for a caller that keeps only the multipliers
// (strong branching's probes, many short LPs from one state): it returns
// them in a vector that the next probe overwrites, and the probe's state,
// which it does not return, lends its vectors to the next probe from a
// state of the same search. Results are those of lpSolveLimit.
func (s *coverSearch) lpProbe(start []float64, warm *lpState, maxPivots int) []float64 {
	if warm == nil {
		u, _, _, _ := s.lpSolveLimit(start, nil, maxPivots)
		return u
	}
	sc := warm.lpScratch
	p := warm.cloneInto(sc.probe)
	sc.probe = p
	p.rewarm()
	p.runLimit(maxPivots)
	sc.probeU = grow(sc.probeU, s.nLP())
	clear(sc.probeU)
	return p.multipliers(sc.probeU)
}

// rewarm readies a copy of an ancestor's final state for the current
// node: rows added since, right-hand sides of rows hit since, and the basic
// values and reduced costs from the factor.
func (p *lpState) rewarm() {
	s := p.s
	for len(p.pos) < s.nLP() {
		p.pos = append(p.pos, -1) // cuts added since the state was saved
	}
	for k, i := range p.act {
		p.b[k] = s.lpB(i)
	}
	p.refresh()
}

// runLimit is run with at most maxPivots pivots (0: lpMaxPivots).
func (p *lpState) runLimit(maxPivots int) bool {
	p.maxPivots = maxPivots
	ok := p.run()
	p.maxPivots = 0
	return ok
}

// multipliers sets u (zero, one entry per row) to the duals clamped to
// u >= 0 on the active rows still to cover, and returns it.
func (p *lpState) multipliers(u []float64) []float64 {
	s := p.s
	y := p.duals()
	for k, i := range p.act {
		if s.lpB(i) > 0 {
			u[i] = math.Max(0, y[k])
		}
	}
	return u
}

// lpStart returns the slack basis over the uncovered rows that start makes
// positive (the largest lpBatch of them).
func (s *coverSearch) lpStart(start []float64) *lpState {
	n := len(s.cost)
	p := &lpState{s: s, n: n, pos: make([]int32, s.nLP()), colPos: make([][]int32, n), colCof: make([][]float64, n), cost: make([]float64, n), lpScratch: &lpScratch{}}
	// A tiny relative perturbation of the costs breaks the ties of unit
	// costs, against which the dual simplex would stall.
	r := rand.New(rand.NewPCG(1, 2))
	for j, c := range s.cost {
		p.cost[j] = c * (1 + 1e-7*r.Float64())
	}
	for i := range p.pos {
		p.pos[i] = -1
	}
	var first []int32
	for i := range s.nLP() {
		if i < len(start) && start[i] > 0 && s.lpB(int32(i)) > 0 {
			first = append(first, int32(i))
		}
	}
	// Multipliers that have not settled may be positive on most rows:
	// start from the largest only, the rest come in as they are needed.
	if len(first) > lpBatch {
		slices.SortStableFunc(first, func(a, b int32) int { return cmp.Compare(start[b], start[a]) })
		first = first[:lpBatch]
	}
	if len(first) == 0 {
		for i := range s.rows {
			if s.hit[i] == 0 {
				first = append(first, int32(i))
				break
			}
		}
	}
	p.d = make([]float64, n)
	p.isBas = make([]bool, n)
	p.where = make([]int32, n)
	for j := range p.where {
		p.where[j] = -1
	}
	for j := range n {
		p.d[j] = p.cost[j]
	}
	p.addRows(first)
	return p
}

// clone copies the state deeply enough that pivots on the copy leave p
// unchanged; scratch space is not shared. The factor is shared (it never
// changes), and so are the eta file and the options' row lists, clipped so
// that an append copies them.
func (p *lpState) clone() *lpState { return p.cloneInto(nil) }

// cloneInto is clone into the vectors of c (nil: new ones), a state no
// longer used, whose etas, copies and results are all dead too: its chunk
// of eta entries is reused.
func (p *lpState) cloneInto(c *lpState) *lpState {
	var old lpState
	if c != nil {
		old = *c
	} else {
		c = new(lpState)
	}
	*c = lpState{s: p.s, n: p.n, cost: p.cost,
		act: append(old.act[:0], p.act...), pos: append(old.pos[:0], p.pos...), b: append(old.b[:0], p.b...),
		fac: p.fac, etas: slices.Clip(p.etas), etaNZ: p.etaNZ, bad: p.bad,
		etaIdx: old.etaIdx[:0], etaVal: old.etaVal[:0],
		basis: append(old.basis[:0], p.basis...), isBas: append(old.isBas[:0], p.isBas...),
		where: append(old.where[:0], p.where...),
		xB:    append(old.xB[:0], p.xB...), d: append(old.d[:0], p.d...), dse: append(old.dse[:0], p.dse...),
		lpScratch: p.lpScratch}
	// The options' row lists are shared until one of the two adds rows.
	c.colPos, c.colCof = p.colPos, p.colCof
	p.sharedCols, c.sharedCols = true, true
	return c
}

// ownCols makes the options' row lists this state's own before rows are
// added: a copy of the outer lists, each inner one clipped so that an
// append copies it.
func (p *lpState) ownCols() {
	if !p.sharedCols {
		return
	}
	pos := make([][]int32, len(p.colPos))
	cof := make([][]float64, len(p.colCof))
	for j, cp := range p.colPos {
		if len(cp) > 0 {
			pos[j] = slices.Clip(cp)
			cof[j] = slices.Clip(p.colCof[j])
		}
	}
	p.colPos, p.colCof, p.sharedCols = pos, cof, false
}

// lpEtaChunk is the most entries of etas allocated at once (see etaSpace).
const lpEtaChunk = 4096

// etaSpace returns empty slices of capacity n for the entries of the next
// eta, carved from the state's chunk, whose lengths then cover them; a new
// chunk, twice the last up to lpEtaChunk entries, when it is full. An
// eta's slices, clipped, never change once filled: clones share them, and
// a chunk lives as long as any of its etas.
func (p *lpState) etaSpace(n int) ([]int32, []float64) {
	if cap(p.etaIdx)-len(p.etaIdx) < n {
		size := max(n, min(2*cap(p.etaIdx), lpEtaChunk), 256)
		p.etaIdx = make([]int32, 0, size)
		p.etaVal = make([]float64, 0, size)
	}
	a := len(p.etaIdx)
	p.etaIdx, p.etaVal = p.etaIdx[:a+n], p.etaVal[:a+n]
	return p.etaIdx[a : a : a+n], p.etaVal[a : a : a+n]
}

// size is the number of rows of the basis.
func (p *lpState) size() int { return len(p.act) }

// addRows adds rows to the LP, each with its surplus variable basic, and
// factorises the larger basis.
func (p *lpState) addRows(rows []int32) {
	s := p.s
	m0 := len(p.act)
	p.ownCols()
	for k, i := range rows {
		pk := int32(m0 + k)
		p.act = append(p.act, i)
		p.pos[i] = pk
		// The new surplus is the row's activity less its right-hand side.
		rhs := s.lpB(i)
		xb := -rhs
		opts, cof := s.lpRow(i)
		for t, j := range opts {
			a := 1.0
			if cof != nil {
				a = cof[t]
			}
			if s.state[j] == colFree {
				p.colPos[j] = append(p.colPos[j], pk)
				p.colCof[j] = append(p.colCof[j], a)
			}
			// A fixed option may still be basic in a warm start, on its
			// way out: it is part of the basis matrix all the same.
			if p.isBas[j] {
				xb += a * p.xB[p.where[j]]
			}
		}
		p.basis = append(p.basis, p.n+int(pk))
		p.isBas = append(p.isBas, true)
		p.where = append(p.where, pk)
		p.xB = append(p.xB, xb)
		// The new row of the inverse is (w B⁻¹, -1): at least 1, taken
		// as 1 like a surplus basis.
		p.dse = append(p.dse, 1)
		p.b = append(p.b, rhs)
		p.d = append(p.d, 0)
	}
	if !p.refactor() {
		// The old factor is of a smaller basis: nothing to solve with.
		p.bad = true
	}
}

// refactor factorises the current basis and empties the eta file; on a
// singular basis it returns false and leaves the factor and etas as they
// were (still the basis, only less exactly).
func (p *lpState) refactor() bool {
	s := p.s
	m := len(p.act)
	p.slack = grow(p.slack, m)
	slack := p.slack
	for k, v := range p.basis {
		slack[k] = -1
		if v >= p.n {
			slack[k] = int32(v - p.n)
		}
	}
	// The basic options' columns, complete over the active rows (a fixed
	// option's row list stops where it was fixed), in one allocation.
	p.cnt = grow(p.cnt, m+1)
	cnt := p.cnt
	clear(cnt)
	for _, i := range p.act {
		opts, _ := s.lpRow(i)
		for _, j := range opts {
			if p.isBas[j] {
				cnt[p.where[j]+1]++
			}
		}
	}
	for k := range m {
		cnt[k+1] += cnt[k]
	}
	idx := make([]int32, cnt[m])
	val := make([]float64, cnt[m])
	p.next = grow(p.next, m)
	next := p.next
	copy(next, cnt[:m])
	for t, i := range p.act {
		opts, cof := s.lpRow(i)
		for e, j := range opts {
			if !p.isBas[j] {
				continue
			}
			k := p.where[j]
			a := 1.0
			if cof != nil {
				a = cof[e]
			}
			idx[next[k]], val[next[k]] = int32(t), a
			next[k]++
		}
	}
	col := func(k int) ([]int32, []float64) {
		return idx[cnt[k]:cnt[k+1]:cnt[k+1]], val[cnt[k]:cnt[k+1]:cnt[k+1]]
	}
	f, ok := newLPFactor(m, slack, col, &p.fd, &p.fs)
	if !ok {
		return false
	}
	p.fac, p.etas, p.etaNZ, p.bad = f, nil, 0, false
	return true
}

// scratch returns the solves' scratch vectors, sized for the basis.
func (p *lpState) scratch() (w, v, bw []float64) {
	m := len(p.act)
	if cap(p.fw) < m {
		p.fw = make([]float64, 2*m)
		p.fv = make([]float64, 2*m)
	}
	if nb := len(p.fac.bRows); cap(p.fb) < nb {
		p.fb = make([]float64, 2*nb)
	}
	return p.fw[:m], p.fv[:m], p.fb
}

// ftran sets x (by basis position) to B⁻¹a; a (by row position) is left
// as it was.
func (p *lpState) ftran(a, x []float64) {
	w, _, bw := p.scratch()
	copy(w, a)
	p.fac.ftran(w, x, bw)
	etaFtran(p.etas, x)
}

// btran sets y (by row position) to c B⁻¹ for c by basis position; c is
// used up.
func (p *lpState) btran(c, y []float64) {
	_, _, bw := p.scratch()
	etaBtran(p.etas, c)
	p.fac.btran(c, y, bw)
}

// inverse returns B⁻¹ as a dense matrix by basis position (for tests).
func (p *lpState) inverse() [][]float64 {
	m := len(p.act)
	inv := make([][]float64, m)
	for k := range inv {
		inv[k] = make([]float64, m)
	}
	e := make([]float64, m)
	x := make([]float64, m)
	for t := range m {
		e[t] = 1
		p.ftran(e, x)
		e[t] = 0
		for k := range m {
			inv[k][t] = x[k]
		}
	}
	return inv
}

// duals returns y = c_B B⁻¹ (all 0 when the basis could not be
// factorised: still valid multipliers, only weak), in scratch space that the
// next call overwrites.
func (p *lpState) duals() []float64 {
	m := len(p.act)
	p.y = grow(p.y, m)
	y := p.y
	if p.bad {
		clear(y)
		return y
	}
	p.c = grow(p.c, m)
	c := p.c
	for k, v := range p.basis {
		c[k] = 0
		if v < p.n {
			c[k] = p.cost[v]
		}
	}
	p.btran(c, y)
	return y
}

// clearAlpha zeroes the pivot row scratch.
func (p *lpState) clearAlpha() {
	for _, j := range p.touched {
		p.alpha[j] = 0
		p.mark[j] = false
	}
	p.touched = p.touched[:0]
}

// refresh recomputes the basic values and reduced costs from the factor,
// against the drift of the updates.
func (p *lpState) refresh() {
	if p.bad {
		return
	}
	p.ftran(p.b, p.xB)
	y := p.duals()
	for j := range p.n {
		if p.isBas[j] || p.s.state[j] != colFree {
			continue
		}
		d := p.cost[j]
		for t, k := range p.colPos[j] {
			d -= y[k] * p.colCof[j][t]
		}
		p.d[j] = d
	}
	for k := range p.act {
		if !p.isBas[p.n+k] {
			p.d[p.n+k] = y[k]
		}
	}
}

// leaving returns the basis position that most violates its bound, or -1:
// a negative basic value, or (up) a positive value of an option no longer
// free, which must go to 0. "Most" is by dual steepest edge: the square of
// the violation over the weight of the position (the squared norm of its
// row of the inverse), which takes far fewer pivots than the largest
// violation alone.
func (p *lpState) leaving(tol float64) (r int, up bool) {
	r, worst := -1, 0.0
	for k, v := range p.xB {
		if -v > tol {
			if sc := v * v / p.dse[k]; sc > worst {
				r, worst, up = k, sc, false
			}
		} else if j := p.basis[k]; v > tol && j < p.n && p.s.state[j] != colFree {
			if sc := v * v / p.dse[k]; sc > worst {
				r, worst, up = k, sc, true
			}
		}
	}
	return r, up
}

// run pivots until the LP over all uncovered rows is optimal, the pivot cap
// is reached or the context is done.
func (p *lpState) run() bool {
	const tolP, tolD, tolPiv = 1e-9, 1e-9, 1e-9
	s := p.s
	if p.bad {
		return false
	}
	limit := lpMaxPivots
	if p.maxPivots > 0 {
		limit = p.maxPivots
	}
	for it := 0; it < limit; it++ {
		if it%64 == 63 {
			if st := ctxStop(s.ctx); st != "" {
				s.stopped = st
				return false
			}
		}
		if it%100 == 99 {
			p.refresh()
		}
		r, up := p.leaving(tolP)
		if r < 0 {
			p.refresh()
			r, up = p.leaving(tolP)
		}
		if r < 0 {
			// Optimal over the active rows: add the rows it leaves uncovered.
			p.x = grow(p.x, p.n)
			x := p.x
			clear(x)
			for k, v := range p.basis {
				if v < p.n {
					x[v] = p.xB[k]
				}
			}
			add, short := p.add[:0], p.short[:0]
			for i := range s.nLP() {
				if p.pos[i] >= 0 {
					continue
				}
				rhs := s.lpB(int32(i))
				if rhs <= 0 {
					continue
				}
				sum := 0.0
				opts, cof := s.lpRow(int32(i))
				for t, j := range opts {
					if cof == nil {
						sum += x[j]
					} else {
						sum += cof[t] * x[j]
					}
				}
				if sum < rhs-1e-7 {
					add = append(add, int32(i))
					short = append(short, sum-rhs)
				}
			}
			p.add, p.short = add, short
			if len(add) == 0 {
				return true
			}
			if len(add) > lpBatch {
				// The most violated rows first.
				idx := seq(len(add))
				slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(short[a], short[b]) })
				picked := make([]int32, lpBatch)
				for k := range picked {
					picked[k] = add[idx[k]]
				}
				add = picked
			}
			if len(p.act)+len(add) > lpMaxRows {
				return false // keep the basis inverse within bounds; the duals still bound
			}
			p.addRows(add)
			continue
		}
		// Pivot row: alpha_j = (e_r B⁻¹) . a_j, computed from the nonzeros
		// of e_r B⁻¹ row by row, since it is sparse.
		m := len(p.act)
		if cap(p.rho) < m {
			p.rho = make([]float64, 2*m)
			p.col = make([]float64, 2*m)
		}
		rho, col := p.rho[:m], p.col[:m]
		clear(col)
		col[r] = 1
		p.btran(col, rho)
		wr := 0.0 // the exact weight of r
		for _, v := range rho {
			wr += v * v
		}
		if cap(p.tau) < m {
			p.tau = make([]float64, 2*m)
		}
		tau := p.tau[:m]
		p.ftran(rho, tau)
		nv := p.n + len(p.act)
		if len(p.alpha) < nv {
			p.alpha = make([]float64, nv*2)
			p.mark = make([]bool, nv*2)
		}
		alpha, mark := p.alpha, p.mark
		nz, touched := p.nz[:0], p.touched[:0]
		for k, v := range rho {
			if v == 0 {
				continue
			}
			nz = append(nz, k)
			opts, cof := s.lpRow(p.act[k])
			for t, j := range opts {
				if s.state[j] != colFree || p.isBas[j] {
					continue
				}
				if !mark[j] {
					mark[j] = true
					touched = append(touched, int(j))
				}
				if cof == nil {
					alpha[j] += v
				} else {
					alpha[j] += v * cof[t]
				}
			}
			if j := p.n + k; !p.isBas[j] {
				mark[j] = true
				touched = append(touched, j)
				alpha[j] = -v
			}
		}
		p.nz, p.touched = nz, touched
		// Harris ratio test, pass 1: the largest step that keeps every
		// reduced cost above -tolD.
		bound := math.Inf(1)
		// A basic option fixed to 0 leaves by decreasing: the entering
		// variable is one whose pivot-row entry is positive, so the signs
		// of the ratio test flip.
		sg := 1.0
		if up {
			sg = -1
		}
		for _, j := range touched {
			if a := sg * alpha[j]; a < -tolPiv {
				if t := (math.Max(p.d[j], 0) + tolD) / -a; t < bound {
					bound = t
				}
			}
		}
		if math.IsInf(bound, 1) {
			p.clearAlpha()
			return false // a row without free options: infeasible
		}
		// Pass 2: among the steps within it, the largest pivot.
		q, big := -1, 0.0
		for _, j := range touched {
			if a := sg * alpha[j]; a < -tolPiv && math.Max(p.d[j], 0)/-a <= bound && -a > big {
				q, big = j, -a
			}
		}
		// Entering column: B⁻¹ a_q.
		a := p.rho[:m] // rho is no longer needed
		clear(a)
		if q < p.n {
			for t, pt := range p.colPos[q] {
				a[pt] = p.colCof[q][t]
			}
		} else {
			a[q-p.n] = -1
		}
		p.ftran(a, col)
		arq := col[r]
		if math.Abs(arq) < tolPiv {
			// The pivot row and the column disagree: the factor has
			// drifted. Factorise afresh, or give up if it is fresh.
			p.clearAlpha()
			if len(p.etas) == 0 || !p.refactor() {
				return false
			}
			p.refresh()
			continue
		}
		// Dual steepest-edge weights (Forrest and Goldfarb's update).
		for k, c := range col {
			if c != 0 && k != r {
				kap := c / arq
				p.dse[k] = math.Max(p.dse[k]+kap*(kap*wr-2*tau[k]), 1e-6)
			}
		}
		p.dse[r] = math.Max(wr/(arq*arq), 1e-6)
		thetaP := p.xB[r] / arq
		for k := range m {
			if c := col[k]; c != 0 {
				p.xB[k] -= thetaP * c
			}
		}
		p.xB[r] = thetaP
		thetaD := p.d[q] / arq
		for _, j := range touched {
			p.d[j] -= thetaD * alpha[j]
		}
		p.clearAlpha()
		leave := p.basis[r]
		p.d[leave] = -thetaD
		p.d[q] = 0
		// The eta of this pivot; after enough of them, factorise afresh.
		cnt := 0
		for _, c := range col {
			if c != 0 {
				cnt++
			}
		}
		et := lpEta{r: int32(r), piv: arq}
		et.idx, et.val = p.etaSpace(cnt)
		for k, c := range col {
			if c != 0 && k != r {
				et.idx = append(et.idx, int32(k))
				et.val = append(et.val, c)
			}
		}
		p.etas = append(p.etas, et)
		p.etaNZ += len(et.idx) + 1
		p.isBas[leave] = false
		p.isBas[q] = true
		p.where[leave] = -1
		p.where[q] = int32(r)
		p.basis[r] = q
		if len(p.etas) >= lpRefactor || p.etaNZ > 2*p.fac.nnz+4*m {
			if !p.refactor() {
				return false
			}
		}
	}
	return false
}
