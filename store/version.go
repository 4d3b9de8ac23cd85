package store

import (
	"slices"
	"strings"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/view"
)

// SortReleases orders releases newest version first, as
// atlas.CompareVersions orders versions; entries of the same version (a
// release and what an interrupted replace of it left) keep the complete
// release first.
func SortReleases(list []view.ReleaseInfo) {
	slices.SortStableFunc(list, func(a, b view.ReleaseInfo) int {
		if c := atlas.CompareVersions(b.Version, a.Version); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
}
