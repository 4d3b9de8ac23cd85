package atlas

import (
	"strconv"
	"strings"
)

// CompareVersions orders two release versions: -1 when a is older than b,
// 0 when equal, +1 when newer. Versions compare by their dot-separated
// numeric parts (so 2026.05 is newer than 5.6.0, and 4.10.0 newer than
// 4.9.0); a part that is not a number compares as text after every number.
func CompareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y string
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if c := comparePart(x, y); c != 0 {
			return c
		}
	}
	return 0
}

func comparePart(x, y string) int {
	nx, ex := strconv.ParseUint(x, 10, 64)
	ny, ey := strconv.ParseUint(y, 10, 64)
	switch {
	case x == y:
		return 0
	case x == "":
		return -1
	case y == "":
		return 1
	case ex == nil && ey == nil:
		switch {
		case nx < ny:
			return -1
		case nx > ny:
			return 1
		}
		return strings.Compare(x, y) // 05 and 5
	case ex == nil:
		return -1
	case ey == nil:
		return 1
	}
	return strings.Compare(x, y)
}
