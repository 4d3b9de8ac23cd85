package store

import (
	"slices"
	"strings"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// SortReleases orders releases newest version first, as
// atlas.CompareVersions orders versions; entries of the same version (a
// release and what an interrupted replace of it left) keep the complete
// release first.
func SortReleases(list []ReleaseInfo) {
	slices.SortStableFunc(list, func(a, b ReleaseInfo) int {
		if c := atlas.CompareVersions(b.Version, a.Version); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
}
