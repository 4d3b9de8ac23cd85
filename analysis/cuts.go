package analysis

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// Zero-half cuts of the covering rows.
//
// Adding up an odd number of covering rows (each sum_{j in row} x_j >= 1)
// gives sum_j a_j x_j >= |S|, with a_j the number of those rows option j
// is in. Every cover is integral, so halving and rounding up keeps it valid:
//
//	sum_j ceil(a_j/2) x_j >= (|S|+1)/2
//
// (a {0,1/2}-Chvátal–Gomory cut; Caprara and Fischetti, "{0,1/2}-Chvátal–
// Gomory cuts", 1996). Its simplest case is three rows pairwise sharing one
// option each (x1+x2, x2+x3, x1+x3 >= 1), which gives x1+x2+x3 >= 2 and cuts
// off x = 1/2 everywhere, the typical fractional vertex of these instances.
// A coefficient above the right-hand side can be lowered to it (an option
// at 1 then satisfies the cut alone).
//
// The cut is violated by an LP solution x exactly when
//
//	sum_{i in S} slack_i + sum_{j : a_j odd} x_j < 1
//
// with slack_i = sum_{j in i} x_j - 1. separateZeroHalf looks for such odd
// sets by Gaussian elimination over GF(2) (Koster, Zymolka and Kutschka,
// "Algorithms to separate {0,1/2}-Chvátal–Gomory cuts", 2009): the rows of
// small slack, as bit vectors over the options with x_j > 0 (options at 0
// cost nothing when odd), with their right-hand side bit; it eliminates the
// options of largest x first, so that combinations are left whose odd
// options are cheap, and takes every combination with an odd right-hand
// side that is violated enough.
//
// A cut is derived from the rows alone, so it holds for every cover of the
// instance: it stays valid at every node below, where the options already
// taken lower its right-hand side.

// cutRow is one cut: sum_t coef[t] x_{opts[t]} >= rhs.
type cutRow struct {
	opts []int32 // ascending
	coef []float64
	rhs  float64
}

// Limits of the cut loop at the root of the LP phase.
const (
	cutRounds   = 5    // separation rounds
	cutPerRound = 50   // cuts added per round at most
	cutMax      = 250  // cuts kept in all
	cutMinViol  = 0.05 // smallest violation of a cut added
)

// nLP is the number of rows the LP may use: the covering rows, then the cuts.
func (s *coverSearch) nLP() int { return len(s.rows) + len(s.cuts) }

// lpRow returns the options of LP row i and their coefficients (nil: all 1).
func (s *coverSearch) lpRow(i int32) ([]int32, []float64) {
	if int(i) < len(s.rows) {
		return s.rows[i], nil
	}
	c := &s.cuts[int(i)-len(s.rows)]
	return c.opts, c.coef
}

// lpB returns what LP row i still asks of the free options at the current
// node: 1 or 0 for a covering row, the right-hand side less the options
// taken for a cut (at least 0).
func (s *coverSearch) lpB(i int32) float64 {
	if int(i) < len(s.rows) {
		if s.hit[i] != 0 {
			return 0
		}
		return 1
	}
	return s.cutRes(int(i) - len(s.rows))
}

// cutRes is the right-hand side of cut k less its options taken, at least 0.
func (s *coverSearch) cutRes(k int) float64 {
	c := &s.cuts[k]
	r := c.rhs
	for t, o := range c.opts {
		if s.state[o] == colIn {
			r -= c.coef[t]
		}
	}
	return math.Max(r, 0)
}

// addCuts adds cuts to the pool (those already in it are skipped) and
// widens the multipliers to them (0 for the new ones). It returns how many
// were added.
func (s *coverSearch) addCuts(cuts []cutRow) int {
	if s.cutKeys == nil {
		s.cutKeys = map[string]bool{}
	}
	added := 0
	for _, c := range cuts {
		if len(s.cuts) >= cutMax {
			break
		}
		key := c.key()
		if s.cutKeys[key] {
			continue
		}
		s.cutKeys[key] = true
		k := len(s.cuts)
		s.cuts = append(s.cuts, c)
		for t, o := range c.opts {
			s.cutCols[o] = append(s.cutCols[o], int32(k))
			s.cutCof[o] = append(s.cutCof[o], c.coef[t])
		}
		added++
	}
	for len(s.u) < s.nLP() {
		s.u = append(s.u, 0)
		s.bestU = append(s.bestU, 0)
	}
	return added
}

func (c *cutRow) key() string {
	var b strings.Builder
	for t, o := range c.opts {
		b.WriteString(strconv.Itoa(int(o)))
		b.WriteByte(':')
		b.WriteString(strconv.FormatFloat(c.coef[t], 'g', -1, 64))
		b.WriteByte(',')
	}
	b.WriteString(strconv.FormatFloat(c.rhs, 'g', -1, 64))
	return b.String()
}

// zeroHalfCut builds the cut of an odd set of covering rows (indices into
// rows), with coefficients lowered to the right-hand side.
func zeroHalfCut(rows [][]int32, set []int) cutRow {
	cnt := map[int32]int{}
	for _, i := range set {
		for _, o := range rows[i] {
			cnt[o]++
		}
	}
	rhs := float64((len(set) + 1) / 2)
	c := cutRow{rhs: rhs}
	for o := range cnt {
		c.opts = append(c.opts, o)
	}
	slices.Sort(c.opts)
	c.coef = make([]float64, len(c.opts))
	for t, o := range c.opts {
		c.coef[t] = math.Min(float64((cnt[o]+1)/2), rhs)
	}
	return c
}

// separateZeroHalf returns zero-half cuts of the uncovered covering rows
// that x (over the free options, 0 elsewhere) violates by at least
// cutMinViol, the most violated first, at most max of them.
func (s *coverSearch) separateZeroHalf(x []float64, limit int) []cutRow {
	// Candidate rows: slack below 1 - cutMinViol.
	var cand []int
	var slack []float64
	colIdx := map[int32]int{}
	var cols []int32
	for i, r := range s.rows {
		if s.hit[i] != 0 {
			continue
		}
		sum := 0.0
		for _, o := range r {
			if s.state[o] == colFree {
				sum += x[o]
			}
		}
		if sl := sum - 1; sl < 1-cutMinViol {
			cand = append(cand, i)
			slack = append(slack, math.Max(sl, 0))
			for _, o := range r {
				if s.state[o] == colFree && x[o] > 1e-6 {
					if _, ok := colIdx[o]; !ok {
						colIdx[o] = 0
						cols = append(cols, o)
					}
				}
			}
		}
	}
	if len(cand) < 3 {
		return nil
	}
	// Columns by decreasing x: the dearest to leave odd go first.
	slices.SortStableFunc(cols, func(a, b int32) int { return cmp.Compare(x[b], x[a]) })
	for k, o := range cols {
		colIdx[o] = k
	}
	nc, nr := len(cols), len(cand)
	cw, rw := (nc+63)/64, (nr+63)/64
	type gfRow struct {
		bits  []uint64 // options with x > 0, odd in the combination
		set   []uint64 // candidate rows in the combination
		rhs   bool
		slack float64
	}
	rowsGF := make([]*gfRow, nr)
	for k, i := range cand {
		g := &gfRow{bits: make([]uint64, cw), set: make([]uint64, rw), rhs: true, slack: slack[k]}
		for _, o := range s.rows[i] {
			if c, ok := colIdx[o]; ok && s.state[o] == colFree && x[o] > 1e-6 {
				g.bits[c/64] ^= 1 << (uint(c) % 64)
			}
		}
		g.set[k/64] |= 1 << (uint(k) % 64)
		rowsGF[k] = g
	}
	oddWeight := func(g *gfRow) float64 {
		w := 0.0
		for wi, word := range g.bits {
			for word != 0 {
				b := bits.TrailingZeros64(word)
				word &= word - 1
				w += x[cols[wi*64+b]]
			}
		}
		return w
	}
	seen := map[string]bool{}
	var out []cutRow
	var viol []float64
	consider := func(g *gfRow) {
		if !g.rhs || g.slack >= 1-cutMinViol {
			return
		}
		if g.slack+oddWeight(g) >= 1-cutMinViol {
			return
		}
		var set []int
		for wi, word := range g.set {
			for word != 0 {
				b := bits.TrailingZeros64(word)
				word &= word - 1
				set = append(set, cand[wi*64+b])
			}
		}
		c := zeroHalfCut(s.rows, set)
		lhs := 0.0
		for t, o := range c.opts {
			if s.state[o] == colFree {
				lhs += c.coef[t] * x[o]
			} else if s.state[o] == colIn {
				lhs += c.coef[t]
			}
		}
		if v := c.rhs - lhs; v >= cutMinViol {
			key := c.key()
			if !seen[key] {
				seen[key] = true
				out = append(out, c)
				viol = append(viol, v)
			}
		}
	}
	alive := rowsGF
	for c := range nc {
		w, bit := c/64, uint64(1)<<(uint(c)%64)
		piv := -1
		for k, g := range alive {
			if g.bits[w]&bit != 0 && (piv < 0 || g.slack < alive[piv].slack) {
				piv = k
			}
		}
		if piv < 0 {
			continue
		}
		p := alive[piv]
		next := alive[:0]
		for k, g := range alive {
			if k == piv {
				continue
			}
			if g.bits[w]&bit != 0 {
				if g.slack+p.slack >= 1-cutMinViol {
					continue // too slack to take part in a violated cut
				}
				for t := range g.bits {
					g.bits[t] ^= p.bits[t]
				}
				sl := 0.0
				for t := range g.set {
					g.set[t] ^= p.set[t]
					word := g.set[t]
					for word != 0 {
						b := bits.TrailingZeros64(word)
						word &= word - 1
						sl += slack[t*64+b]
					}
				}
				g.rhs = g.rhs != p.rhs
				g.slack = sl
				consider(g)
			}
			next = append(next, g)
		}
		alive = next
		if len(out) >= 4*limit {
			break
		}
	}
	idx := seq(len(out))
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(viol[b], viol[a]) })
	if len(idx) > limit {
		idx = idx[:limit]
	}
	res := make([]cutRow, len(idx))
	for k, i := range idx {
		res[k] = out[i]
	}
	return res
}
