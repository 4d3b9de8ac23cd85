package store

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"
)

// ReleaseInfo describes one release in the database.
type ReleaseInfo struct {
	Version string
	Format  string
	SHA256  string
	Source  string
	// Name, Description and Modified describe the release as its file does.
	Name        string
	Description string
	Modified    string
	// FormatVersion is the v6 format-version of the file ("" for legacy).
	// Extra, ExtraSections and ExtraRelationships are JSON text of what the
	// file holds that this version does not model (see atlas.Release).
	FormatVersion      string
	Extra              string
	ExtraSections      string
	ExtraRelationships string
	Status             string
	Current            bool
	LoadedAt           time.Time
	Counts             ReleaseCounts
}

// ReleaseCounts are the numbers of nodes of each kind in a release.
type ReleaseCounts struct {
	Tactics, Techniques, Mitigations, CaseStudies, Steps, Actors int
}

const releaseFields = `r.version AS version, r.format AS format, r.sha256 AS sha256, r.source AS source,
r.name AS name, r.description AS description, r.modifiedDate AS modifiedDate,
r.formatVersion AS formatVersion, r.extra AS extra, r.extraSections AS extraSections, r.extraRelationships AS extraRelationships,
r.status AS status, coalesce(r.current, false) AS current, r.loadedAt AS loadedAt,
r.countTactics AS tactics, r.countTechniques AS techniques, r.countMitigations AS mitigations,
r.countCaseStudies AS caseStudies, r.countSteps AS steps, r.countActors AS actors`

func releaseFromRecord(rec *neo4j.Record) ReleaseInfo {
	m := rec.AsMap()
	str := func(k string) string { v, _ := m[k].(string); return v }
	num := func(k string) int { v, _ := m[k].(int64); return int(v) }
	info := ReleaseInfo{
		Version: str("version"), Format: str("format"), SHA256: str("sha256"), Source: str("source"),
		Status: str("status"), Name: str("name"), Description: str("description"),
		FormatVersion: str("formatVersion"), Extra: str("extra"), ExtraSections: str("extraSections"), ExtraRelationships: str("extraRelationships"),
		Counts: ReleaseCounts{num("tactics"), num("techniques"), num("mitigations"), num("caseStudies"), num("steps"), num("actors")},
	}
	info.Current, _ = m["current"].(bool)
	info.LoadedAt, _ = m["loadedAt"].(time.Time)
	if d, ok := m["modifiedDate"].(dbtype.Date); ok {
		info.Modified = d.Time().Format(time.DateOnly)
	}
	return info
}

// release returns the release of that version whatever its status, or nil.
func (s *Store) release(ctx context.Context, version string) (*ReleaseInfo, error) {
	recs, err := s.read(ctx, `MATCH (r:Release {version: $version}) RETURN `+releaseFields, map[string]any{"version": version})
	if err != nil {
		return nil, fmt.Errorf("look up release %s: %w", version, err)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	info := releaseFromRecord(recs[0])
	return &info, nil
}

// Releases lists the complete releases, newest load first.
func (s *Store) Releases(ctx context.Context) ([]ReleaseInfo, error) {
	return s.releases(ctx, nil)
}

// Release returns one complete release, or a *NotFoundError (which is
// ErrNotFound). An empty version means the current release.
func (s *Store) Release(ctx context.Context, version string) (ReleaseInfo, error) {
	list, err := s.releases(ctx, version)
	if err != nil {
		return ReleaseInfo{}, err
	}
	if len(list) == 0 {
		return ReleaseInfo{}, &NotFoundError{Kind: "release", ID: version}
	}
	return list[0], nil
}

// releases runs releaseQuery: every complete release when version is nil,
// else the one of that version ("" for the current one).
func (s *Store) releases(ctx context.Context, version any) ([]ReleaseInfo, error) {
	recs, err := s.read(ctx, releaseQuery, map[string]any{"status": statusComplete, "version": version})
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	out := make([]ReleaseInfo, 0, len(recs))
	for _, rec := range recs {
		out = append(out, releaseFromRecord(rec))
	}
	return out, nil
}

// SetCurrent makes a complete release the current one, in one transaction:
// readers see either the old current release or the new one, never none.
func (s *Store) SetCurrent(ctx context.Context, version string) error {
	return s.setCurrent(ctx, nil, version)
}

// setCurrentCypher writes the current flag of every release, not only of
// the old and the new current one: the writes lock every Release node, so
// two concurrent switches are serialised and exactly one release ends up
// current.
const setCurrentCypher = `MATCH (r:Release {version: $version, status: $status})
MATCH (all:Release)
SET all.current = (all = r)
RETURN count(DISTINCT r) AS n`

func (s *Store) setCurrent(ctx context.Context, c *Counters, version string) error {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	n, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, setCurrentCypher, map[string]any{"version": version, "status": statusComplete})
		if err != nil {
			return nil, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return nil, err
		}
		sum, err := res.Consume(ctx)
		if err != nil {
			return nil, err
		}
		if c != nil {
			c.add(sum.Counters())
		}
		v, _ := rec.Get("n")
		return v, nil
	})
	if err != nil {
		return fmt.Errorf("make release %s current: %w", version, classify(err))
	}
	if n.(int64) == 0 {
		return fmt.Errorf("%w: release %q is not loaded; see atlasgraph releases", ErrNotFound, version)
	}
	return nil
}

// Prune deletes a release that is not current.
func (s *Store) Prune(ctx context.Context, version string) (Counters, error) {
	var c Counters
	info, err := s.release(ctx, version)
	if err != nil {
		return c, err
	}
	if info == nil {
		return c, fmt.Errorf("%w: release %q is not loaded; see atlasgraph releases", ErrNotFound, version)
	}
	if info.Current {
		return c, fmt.Errorf("%w: release %s is current; make another release current first (atlasgraph releases use VERSION)", ErrConflict, version)
	}
	return c, s.deleteRelease(ctx, &c, version)
}

// releaseLabels are the labels of the nodes of a release; steps first so
// the batches stay small.
var releaseLabels = []string{"Step", "CaseStudy", "Actor", "Technique", "Mitigation", "Tactic"}

// deleteRelease removes every node and relationship of a release, in
// batches, marking it as being pruned first so it is never listed half gone.
func (s *Store) deleteRelease(ctx context.Context, c *Counters, version string) error {
	p := map[string]any{"version": version, "status": statusPruning}
	if err := s.write(ctx, c, `MATCH (r:Release {version: $version}) SET r.status = $status, r.current = false`, p); err != nil {
		return fmt.Errorf("prune release %s: %w", version, err)
	}
	for _, label := range releaseLabels {
		// Labels cannot be parameters; they come from the constant list above.
		cypher := fmt.Sprintf(`MATCH (n:%s {release: $version}) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS`, label)
		sess := s.session(ctx, neo4j.AccessModeWrite)
		res, err := sess.Run(ctx, cypher, p)
		if err == nil {
			var sum neo4j.ResultSummary
			sum, err = res.Consume(ctx)
			if err == nil {
				c.add(sum.Counters())
			}
		}
		sess.Close(ctx)
		if err != nil {
			return fmt.Errorf("prune %s nodes of release %s: %w", label, version, classify(err))
		}
	}
	if err := s.write(ctx, c, `MATCH (r:Release {version: $version}) DELETE r`, p); err != nil {
		return fmt.Errorf("prune release %s: %w", version, err)
	}
	return nil
}
