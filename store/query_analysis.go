package store

import (
	"context"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/atlas"
)

const qMitigationsByID = `UNWIND $ids AS id
MATCH (n:Mitigation {release: $release, id: id})
RETURN id, n`

// MitigationsByID returns the mitigations of a release with these ids.
func (r *Reader) MitigationsByID(ctx context.Context, release string, ids []string) (map[string]Mitigation, error) {
	return single(ctx, r, "mitigations", qMitigationsByID, release, ids, func(rec *neo4j.Record) Mitigation {
		return mitigationFrom(node(rec, "n"), release)
	})
}

// AnalysisView reads what the analysis needs of a complete release (see
// Store.AnalysisView); "" means the current release.
func (r *Reader) AnalysisView(ctx context.Context, version string) (*atlas.Release, error) {
	return r.s.AnalysisView(ctx, version)
}
