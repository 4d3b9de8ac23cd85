package store

import (
	"slices"
	"strconv"
	"strings"
)

// CompareVersions orders release versions: it returns a negative number
// when a is older than b, zero when they are the same, positive when a is
// newer. Versions made of dot-separated numbers compare part by part
// numerically (2026.05 > 5.6.0 > 5.5.0 > 4.5.0; 5.6 == 5.6.0); any other
// shape is older than every numeric one and such versions compare as text.
func CompareVersions(a, b string) int {
	pa, okA := versionParts(a)
	pb, okB := versionParts(b)
	switch {
	case okA && okB:
		for i := 0; i < max(len(pa), len(pb)); i++ {
			var x, y uint64
			if i < len(pa) {
				x = pa[i]
			}
			if i < len(pb) {
				y = pb[i]
			}
			if x != y {
				if x < y {
					return -1
				}
				return 1
			}
		}
		return 0
	case okA:
		return 1
	case okB:
		return -1
	}
	return strings.Compare(b, a) // lexically earlier sorts first, so counts as newer
}

func versionParts(v string) ([]uint64, bool) {
	if v == "" {
		return nil, false
	}
	parts := strings.Split(v, ".")
	out := make([]uint64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

// SortReleases orders releases newest version first; entries of the same
// version (a release and what an interrupted replace of it left) keep the
// complete release first.
func SortReleases(list []ReleaseInfo) {
	slices.SortStableFunc(list, func(a, b ReleaseInfo) int {
		if c := CompareVersions(b.Version, a.Version); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
}
