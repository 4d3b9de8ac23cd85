package atlas

import (
	"strconv"
	"strings"
)

// CompareVersions orders two release names: -1, 0 or 1. Names are split on
// dots and compared number by number; a YYYY.MM name (first part of four
// digits or more) comes after any semver name, since ATLAS moved from
// semver (up to 5.6.0) to dated releases (from 2026.05).
func CompareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	dated := func(p []string) bool { return len(p[0]) >= 4 }
	if dated(pa) != dated(pb) {
		if dated(pa) {
			return 1
		}
		return -1
	}
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y string
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		nx, ex := strconv.Atoi(x)
		ny, ey := strconv.Atoi(y)
		switch {
		case ex == nil && ey == nil && nx != ny:
			if nx < ny {
				return -1
			}
			return 1
		case (ex != nil || ey != nil) && x != y:
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}
