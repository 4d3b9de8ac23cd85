package store

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// ReleaseNames is the name of every tactic, technique, mitigation and case
// study of one release, by id: what the mapping validator checks rows
// against.
type ReleaseNames struct {
	Version string
	Objects map[string]string
}

// qReleaseNames reads the names of every complete release in one query.
const qReleaseNames = `MATCH (r:Release {status: '` + statusComplete + `'})
CALL (r) {
  MATCH (n:Tactic {release: r.version}) RETURN n.id AS id, n.name AS name
  UNION ALL MATCH (n:Technique {release: r.version}) RETURN n.id AS id, n.name AS name
  UNION ALL MATCH (n:Mitigation {release: r.version}) RETURN n.id AS id, n.name AS name
  UNION ALL MATCH (n:CaseStudy {release: r.version}) RETURN n.id AS id, n.name AS name
}
RETURN r.version AS release, collect([id, name]) AS names`

// ReleaseNames returns the names of the objects of every complete release,
// in no particular order.
func (s *Store) ReleaseNames(ctx context.Context) ([]ReleaseNames, error) {
	recs, err := s.read(ctx, qReleaseNames, nil)
	if err != nil {
		return nil, fmt.Errorf("read the names of the loaded releases: %w", err)
	}
	return releaseNames(recs), nil
}

// ReleaseNames is Store.ReleaseNames for the API, bounded by the reader's
// transaction timeout.
func (r *Reader) ReleaseNames(ctx context.Context) ([]ReleaseNames, error) {
	recs, err := r.query(ctx, qReleaseNames, nil)
	if err != nil {
		return nil, fmt.Errorf("read the names of the loaded releases: %w", err)
	}
	return releaseNames(recs), nil
}

func releaseNames(recs []*neo4j.Record) []ReleaseNames {
	out := make([]ReleaseNames, 0, len(recs))
	for _, rec := range recs {
		rn := ReleaseNames{Version: recString(rec, "release"), Objects: map[string]string{}}
		v, _ := rec.Get("names")
		list, _ := v.([]any)
		for _, p := range list {
			pair, _ := p.([]any)
			if len(pair) != 2 {
				continue
			}
			id, _ := pair[0].(string)
			name, _ := pair[1].(string)
			rn.Objects[id] = name
		}
		out = append(out, rn)
	}
	return out
}
