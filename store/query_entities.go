package store

import (
	"context"
	"fmt"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/view"
)

// matchRelease starts every query that takes a release from the caller: it
// binds `release` to the version asked for ($release), or to the current
// release when $release is "". It yields no row when that release is not
// loaded, which is how callers tell "no such release" from "no such object".
const matchRelease = `MATCH (r:Release {status: '` + statusComplete + `'})
WHERE CASE WHEN $release = '' THEN r.current = true ELSE r.version = $release END
WITH r.version AS release
`

// ResolveRelease returns the version of the release asked for: version
// itself if it is loaded, the current release when version is "".
func (r *Reader) ResolveRelease(ctx context.Context, version string) (string, error) {
	recs, err := r.query(ctx, matchRelease+`RETURN release`, map[string]any{"release": version})
	if err != nil {
		return "", fmt.Errorf("look up release: %w", err)
	}
	if len(recs) == 0 {
		return "", &atlas.NotFoundError{Kind: "release", ID: version}
	}
	return recString(recs[0], "release"), nil
}

// releaseQuery is the Cypher of the release lookups, by version and for the
// current one.
const releaseQuery = `MATCH (r:Release {status: $status})
WHERE $version IS NULL OR r.version = $version OR ($version = '' AND r.current = true)
RETURN ` + releaseFields + ` ORDER BY r.loadedAt DESC, r.version DESC`

// Releases lists the complete releases, newest version first.
func (r *Reader) Releases(ctx context.Context) ([]view.ReleaseInfo, error) {
	return r.releases(ctx, nil)
}

// Release returns one complete release; "" means the current one.
func (r *Reader) Release(ctx context.Context, version string) (view.ReleaseInfo, error) {
	return oneRelease(ctx, r.query, version)
}

// releases is Store.releases through the Reader, so the query is observed
// and bounded by the Reader's transaction timeout.
func (r *Reader) releases(ctx context.Context, version any) ([]view.ReleaseInfo, error) {
	return listReleases(ctx, r.query, version)
}
