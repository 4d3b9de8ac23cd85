package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/view"
)

const releaseFields = `r.version AS version, r.format AS format, r.sha256 AS sha256, r.source AS source,
r.name AS name, r.description AS description, r.modifiedDate AS modifiedDate,
r.formatVersion AS formatVersion, r.extra AS extra, r.extraSections AS extraSections, r.extraRelationships AS extraRelationships,
r.status AS status, coalesce(r.current, false) AS current, r.loadedAt AS loadedAt,
r.countTactics AS tactics, r.countTechniques AS techniques, r.countMitigations AS mitigations,
r.countCaseStudies AS caseStudies, r.countSteps AS steps, r.countActors AS actors`

func releaseFromRecord(rec *neo4j.Record) view.ReleaseInfo {
	m := rec.AsMap()
	str := func(k string) string { v, _ := m[k].(string); return v }
	num := func(k string) int { v, _ := m[k].(int64); return int(v) }
	info := view.ReleaseInfo{
		Version: str("version"), Format: str("format"), SHA256: str("sha256"), Source: str("source"),
		Status: str("status"), Name: str("name"), Description: str("description"),
		FormatVersion: str("formatVersion"), Extra: str("extra"), ExtraSections: str("extraSections"), ExtraRelationships: str("extraRelationships"),
		Counts: view.ReleaseCounts{Tactics: num("tactics"), Techniques: num("techniques"), Mitigations: num("mitigations"), CaseStudies: num("caseStudies"), Steps: num("steps"), Actors: num("actors")},
	}
	info.Current, _ = m["current"].(bool)
	info.LoadedAt, _ = m["loadedAt"].(time.Time)
	if d, ok := m["modifiedDate"].(dbtype.Date); ok {
		info.Modified = d.Time().Format(time.DateOnly)
	}
	return info
}

// release returns the release of that version whatever its status, or nil.
func (s *Store) release(ctx context.Context, version string) (*view.ReleaseInfo, error) {
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

// Releases lists the complete releases, newest version first (see
// atlas.CompareVersions), followed within each version by what interrupted
// operations left of it: a half-written release (StatusIncomplete), the
// staging nodes of an interrupted replace or orphan nodes (StatusLeftover),
// and releases a live operation is writing (StatusInProgress), each with
// its node count. The next load or prune of the version removes leftovers.
func (s *Store) Releases(ctx context.Context) ([]view.ReleaseInfo, error) {
	list, err := s.releases(ctx, nil)
	if err != nil {
		return nil, err
	}
	left, err := s.leftovers(ctx)
	if err != nil {
		return nil, err
	}
	list = append(list, left...)
	SortReleases(list)
	return list, nil
}

// Release returns one complete release, or a *atlas.NotFoundError (which is
// atlas.ErrNotFound). An empty version means the current release.
func (s *Store) Release(ctx context.Context, version string) (view.ReleaseInfo, error) {
	return oneRelease(ctx, s.read, version)
}

// releases runs releaseQuery: every complete release when version is nil,
// else the one of that version ("" for the current one).
func (s *Store) releases(ctx context.Context, version any) ([]view.ReleaseInfo, error) {
	return listReleases(ctx, s.read, version)
}

// readFunc runs a read query: Store.read, or Reader.query (observed and
// bounded by the Reader's transaction timeout).
type readFunc func(ctx context.Context, cypher string, params map[string]any) ([]*neo4j.Record, error)

// listReleases runs releaseQuery through read: every complete release when
// version is nil, else the one of that version ("" for the current one),
// newest first.
func listReleases(ctx context.Context, read readFunc, version any) ([]view.ReleaseInfo, error) {
	recs, err := read(ctx, releaseQuery, map[string]any{"status": statusComplete, "version": version})
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	out := make([]view.ReleaseInfo, 0, len(recs))
	for _, rec := range recs {
		out = append(out, releaseFromRecord(rec))
	}
	SortReleases(out)
	return out, nil
}

// oneRelease is the complete release of that version ("" for the current
// one), or a *atlas.NotFoundError.
func oneRelease(ctx context.Context, read readFunc, version string) (view.ReleaseInfo, error) {
	list, err := listReleases(ctx, read, version)
	if err != nil {
		return view.ReleaseInfo{}, err
	}
	if len(list) == 0 {
		return view.ReleaseInfo{}, &atlas.NotFoundError{Kind: "release", ID: version}
	}
	return list[0], nil
}

// SetCurrent makes a complete release the current one, in one transaction:
// readers see either the old current release or the new one, never none.
// It holds the release's lease meanwhile, so it fails with a *BusyError
// while that release is being loaded, replaced or pruned.
func (s *Store) SetCurrent(ctx context.Context, version string) error {
	if err := s.EnsureSchema(ctx); err != nil {
		return err
	}
	l, ctx, err := s.acquire(ctx, version, opSwitch)
	if err != nil {
		return err
	}
	defer l.release(ctx)
	if err := s.checkpoint("switch:lease"); err != nil {
		return err
	}
	_, _, err = s.switchCurrent(ctx, nil, l, false)
	if err != nil {
		return cause(ctx, err)
	}
	return s.checkpoint("switch:done")
}

// switchCurrent makes the leased release current in one transaction that
// first renews (and so locks) the lease, then locks every Release node, so
// concurrent switches are serialised and exactly one release ends up
// current. With onlyIfNotOlder it leaves the current release alone when it
// is newer than this one; it returns whether the release is current and
// the version current afterwards.
func (s *Store) switchCurrent(ctx context.Context, c *Counters, l *lease, onlyIfNotOlder bool) (bool, string, error) {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	type outcome struct {
		made     bool
		current  string
		notFound bool
		local    Counters
	}
	out, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		var o outcome
		if err := s.fence(ctx, tx, l); err != nil {
			return nil, err
		}
		res, err := tx.Run(ctx, `MATCH (x:Release) SET x.current = coalesce(x.current, false)
WITH collect(x) AS releases
RETURN [r IN releases WHERE r.current | r.version] AS current, [r IN releases WHERE r.version = $version AND r.status = $status] <> [] AS found`,
			l.params(map[string]any{"status": statusComplete}))
		if err != nil {
			return nil, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return nil, err
		}
		if found, _ := rec.AsMap()["found"].(bool); !found {
			o.notFound = true
			return o, nil
		}
		cur, _ := rec.AsMap()["current"].([]any)
		if len(cur) > 0 {
			o.current, _ = cur[0].(string)
		}
		if o.current == l.version {
			o.made = true
			return o, nil
		}
		if onlyIfNotOlder && o.current != "" && atlas.CompareVersions(l.version, o.current) < 0 {
			return o, nil
		}
		if err := s.checkpoint("switch:statement"); err != nil {
			return nil, err
		}
		res, err = tx.Run(ctx, `MATCH (x:Release) SET x.current = (x.version = $version AND x.status = $status)`,
			l.params(map[string]any{"status": statusComplete}))
		if err != nil {
			return nil, err
		}
		sum, err := res.Consume(ctx)
		if err != nil {
			return nil, err
		}
		o.local.add(sum.Counters())
		o.made, o.current = true, l.version
		return o, nil
	}, leaseTx(ctx))
	if err != nil {
		return false, "", fmt.Errorf("make release %s current: %w", l.version, classify(err))
	}
	o := out.(outcome)
	if o.notFound {
		return false, "", fmt.Errorf("%w: release %q is not loaded; see atlasgraph releases", atlas.ErrNotFound, l.version)
	}
	if c != nil {
		c.add2(o.local)
	}
	return o.made, o.current, nil
}

// fence renews the lease inside tx, which also locks it until tx ends:
// nobody can take it over before the transaction commits. It fails with
// errLeaseLost when the lease is gone.
func (s *Store) fence(ctx context.Context, tx neo4j.ManagedTransaction, l *lease) error {
	res, err := tx.Run(ctx, leaseRenew, l.params(map[string]any{"ttl": s.ttl().Milliseconds()}))
	if err != nil {
		return err
	}
	rec, err := res.Single(ctx)
	if err != nil {
		return err
	}
	if n, _ := rec.Get("n"); n != int64(1) {
		return errLeaseLost
	}
	return nil
}

// Prune deletes a release that is not current, in batches, holding its
// lease so no load, replace or switch of it runs meanwhile (those fail
// with a *BusyError, as Prune does while one of them runs). It also
// removes what interrupted operations left of that version (see
// Releases), and succeeds when only such leftovers were there. Pruning a
// staging key (VERSION#staging-ID) removes just that leftover.
func (s *Store) Prune(ctx context.Context, version string) (Counters, error) {
	var c Counters
	if err := s.EnsureSchema(ctx); err != nil {
		return c, err
	}
	base, _, staged := strings.Cut(version, "#")
	l, ctx, err := s.acquire(ctx, base, opPrune)
	if err != nil {
		return c, err
	}
	defer l.release(ctx)
	if err := s.checkpoint("prune:lease"); err != nil {
		return c, err
	}
	err = s.prune(ctx, &c, l, version, staged)
	return c, cause(ctx, err)
}

func (s *Store) prune(ctx context.Context, c *Counters, l *lease, version string, staged bool) error {
	if staged {
		n, err := s.countNodes(ctx, version, false)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: nothing is stored under %q; see atlasgraph releases", atlas.ErrNotFound, version)
		}
		return s.deleteNodes(ctx, c, l, version, false)
	}
	info, err := s.release(ctx, version)
	if err != nil {
		return err
	}
	if info != nil && info.Current {
		return fmt.Errorf("%w: release %s is current; make another release current first (atlasgraph releases use VERSION)", atlas.ErrConflict, version)
	}
	left, err := s.countNodes(ctx, version, true)
	if err != nil {
		return err
	}
	if info == nil && left == 0 {
		return fmt.Errorf("%w: release %q is not loaded; see atlasgraph releases", atlas.ErrNotFound, version)
	}
	return s.deleteRelease(ctx, c, l)
}

// releaseLabels are the labels of the nodes of a release; steps first so
// the batches stay small. A label added to a release must be listed here,
// or pruning and crash clean-up miss its nodes.
var releaseLabels = []string{"Step", "CaseStudy", "Actor", "Technique", "Mitigation", "Tactic"}

// deleteRelease removes every node and relationship of the leased
// release, the staging leftovers of its version and its Release node, in
// batches, marking it as being pruned first so it is never listed as
// usable half gone. A crash part way leaves an incomplete release that the
// next load or prune of the version removes.
func (s *Store) deleteRelease(ctx context.Context, c *Counters, l *lease) error {
	version := l.version
	err := s.fenced(ctx, c, l, `MATCH (r:Release {version: $version}) SET r.status = $status, r.current = false`,
		map[string]any{"status": statusPruning})
	if err != nil {
		return fmt.Errorf("prune release %s: %w", version, err)
	}
	if err := s.checkpoint("prune:marked"); err != nil {
		return err
	}
	if err := s.deleteNodes(ctx, c, l, version+"#", true); err != nil {
		return err
	}
	if err := s.deleteNodes(ctx, c, l, version, false); err != nil {
		return err
	}
	if err := s.fenced(ctx, c, l, `MATCH (r:Release {version: $version}) DELETE r`, nil); err != nil {
		return fmt.Errorf("prune release %s: %w", version, err)
	}
	return nil
}

// deleteNodes removes, label by label in batches of 5000, the nodes whose
// release property is key (or starts with key, with prefix), and their
// relationships. Each statement checks the lease first.
func (s *Store) deleteNodes(ctx context.Context, c *Counters, l *lease, key string, prefix bool) error {
	where := `n.release = $key`
	if prefix {
		where = `n.release STARTS WITH $key`
	}
	for _, label := range releaseLabels {
		// Labels cannot be parameters; they come from the constant list above.
		cypher := fmt.Sprintf(`MATCH (lease:ReleaseLease {version: $version, holder: $holder}) WHERE lease.expires > datetime()
MATCH (n:%s) WHERE %s
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS`, label, where)
		sess := s.session(ctx, neo4j.AccessModeWrite)
		res, err := sess.Run(ctx, cypher, l.params(map[string]any{"key": key}))
		if err == nil {
			var sum neo4j.ResultSummary
			sum, err = res.Consume(ctx)
			if err == nil {
				c.add(sum.Counters())
			}
		}
		sess.Close(ctx)
		if err != nil {
			return fmt.Errorf("delete %s nodes of release %s: %w", label, key, classify(err))
		}
		if err := s.checkpoint("prune:label"); err != nil {
			return err
		}
	}
	return nil
}

// countNodes counts the nodes whose release property is key (and, with
// staging, those of the key's staging leftovers).
func (s *Store) countNodes(ctx context.Context, key string, staging bool) (int, error) {
	var parts []string
	for _, label := range releaseLabels {
		parts = append(parts, fmt.Sprintf(`MATCH (n:%s) WHERE n.release = $key OR ($staging AND n.release STARTS WITH $prefix) RETURN count(n) AS n`, label))
	}
	recs, err := s.read(ctx, `CALL () { `+strings.Join(parts, " UNION ALL ")+` } RETURN sum(n) AS n`,
		map[string]any{"key": key, "staging": staging, "prefix": key + "#"})
	if err != nil {
		return 0, fmt.Errorf("count the nodes of release %s: %w", key, err)
	}
	n, _ := recs[0].Get("n")
	v, _ := n.(int64)
	return int(v), nil
}

// fenced runs one statement in a transaction that first renews (and
// locks) the lease: it changes nothing once the lease is lost.
func (s *Store) fenced(ctx context.Context, c *Counters, l *lease, cypher string, params map[string]any) error {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	out, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		if err := s.fence(ctx, tx, l); err != nil {
			return nil, err
		}
		res, err := tx.Run(ctx, cypher, l.params(params))
		if err != nil {
			return nil, err
		}
		sum, err := res.Consume(ctx)
		if err != nil {
			return nil, err
		}
		var local Counters
		local.add(sum.Counters())
		return local, nil
	}, leaseTx(ctx))
	if err != nil {
		return classify(err)
	}
	if c != nil {
		c.add2(out.(Counters))
	}
	return nil
}
