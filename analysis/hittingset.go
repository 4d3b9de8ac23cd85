package analysis

import (
	"math/bits"
	"slices"
)

// bitset is a fixed-size set of small non-negative integers.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int) { b[i/64] |= 1 << (uint(i) % 64) }

func (b bitset) union(c bitset) bitset {
	r := make(bitset, len(b))
	for i := range b {
		r[i] = b[i] | c[i]
	}
	return r
}

func (b bitset) subsetOf(c bitset) bool {
	for i := range b {
		if b[i]&^c[i] != 0 {
			return false
		}
	}
	return true
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

func (b bitset) members() []int {
	var r []int
	for wi, w := range b {
		for w != 0 {
			r = append(r, wi*64+bits.TrailingZeros64(w))
			w &= w - 1
		}
	}
	return r
}

// compareSets orders sets by size, then by their members in ascending order.
func compareSets(a, b bitset) int {
	if d := a.count() - b.count(); d != 0 {
		return d
	}
	return slices.Compare(a.members(), b.members())
}

// minimalSets returns the inclusion-minimal sets among cand, without
// duplicates, smallest first. When more than limit (limit > 0) remain, it keeps
// the first limit and reports true.
func minimalSets(cand []bitset, limit int) ([]bitset, bool) {
	sorted := slices.Clone(cand)
	slices.SortFunc(sorted, compareSets)
	var kept []bitset
	for _, s := range sorted {
		dominated := false
		for _, k := range kept {
			if k.subsetOf(s) {
				dominated = true
				break
			}
		}
		if dominated {
			continue
		}
		if limit > 0 && len(kept) == limit {
			return kept, true
		}
		kept = append(kept, s)
	}
	return kept, false
}
