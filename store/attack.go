package store

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/attack"
)

// ATT&CK Enterprise is a second source beside ATLAS, versioned on its own. Its nodes carry
// an `attack` property holding the ATT&CK version instead of `release`:
//
//	(:AttackRelease {version, sha256, source, status, current, loadedAt, count...})
//	(:AttackGroup {attack, id, stixId, name, aliases, description, url, modified})
//	(:AttackTechnique {attack, id, stixId, name, description, url, parent, tactics})
//	(:AttackGroup)-[:USES {attack, relationship, description}]->(:AttackTechnique)
//	(:AttackTechnique)-[:SUBTECHNIQUE_OF {attack}]->(:AttackTechnique)
//	(:Technique)-[:REFERENCES_ATTACK {release, attack}]->(:AttackTechnique)
//
// The last one joins an ATLAS technique (of every loaded ATLAS release) to the ATT&CK
// technique its attack-reference names. Like ATLAS releases, an ATT&CK version becomes
// usable only once completely written, and current only after that.

var attackSchema = []string{
	`CREATE CONSTRAINT attack_release_version IF NOT EXISTS FOR (r:AttackRelease) REQUIRE r.version IS UNIQUE`,
	`CREATE CONSTRAINT attack_group_key IF NOT EXISTS FOR (n:AttackGroup) REQUIRE (n.attack, n.id) IS UNIQUE`,
	`CREATE CONSTRAINT attack_technique_key IF NOT EXISTS FOR (n:AttackTechnique) REQUIRE (n.attack, n.id) IS UNIQUE`,
	`CREATE INDEX attack_group_version IF NOT EXISTS FOR (n:AttackGroup) ON (n.attack)`,
	`CREATE INDEX attack_technique_version IF NOT EXISTS FOR (n:AttackTechnique) ON (n.attack)`,
	`CREATE INDEX technique_attack_id IF NOT EXISTS FOR (n:Technique) ON (n.attackId)`,
}

// ensureAttackSchema creates the ATT&CK constraints and indexes and waits for them.
func (s *Store) ensureAttackSchema(ctx context.Context) error {
	if err := s.EnsureSchema(ctx); err != nil {
		return err
	}
	for _, stmt := range attackSchema {
		if err := s.write(ctx, nil, stmt, nil); err != nil {
			return fmt.Errorf("create ATT&CK schema: %w", err)
		}
	}
	if err := s.write(ctx, nil, `CALL db.awaitIndexes(300)`, nil); err != nil {
		return fmt.Errorf("wait for indexes: %w", err)
	}
	return nil
}

// AttackLoadResult says what LoadAttack did.
type AttackLoadResult struct {
	Version   string
	Unchanged bool
	Current   bool
	Counters  Counters
	Duration  time.Duration
	// Links is the number of REFERENCES_ATTACK links written, over every ATLAS release.
	Links int
}

// ATT&CK writes, one statement per label and relationship type; $release is the ATT&CK
// version here.
const (
	createAttackGroups = `UNWIND $rows AS row CREATE (n:AttackGroup) SET n = row, n.attack = $release`
	createAttackTechs  = `UNWIND $rows AS row CREATE (n:AttackTechnique) SET n = row, n.attack = $release`
	createAttackUses   = `UNWIND $rows AS row
MATCH (g:AttackGroup {attack: $release, id: row.group})
MATCH (t:AttackTechnique {attack: $release, id: row.technique})
CREATE (g)-[:USES {attack: $release, relationship: row.relationship, description: row.description}]->(t)`
	createAttackSubs = `UNWIND $rows AS row
MATCH (a:AttackTechnique {attack: $release, id: row.from})
MATCH (b:AttackTechnique {attack: $release, id: row.to})
CREATE (a)-[:SUBTECHNIQUE_OF {attack: $release}]->(b)`
	// linkAttackRefs joins the ATLAS techniques of complete releases to the ATT&CK
	// techniques of one version; MERGE makes it safe to run again.
	linkAttackRefs = `MATCH (r:Release {status: '` + statusComplete + `'})
WHERE $atlas = '' OR r.version = $atlas
MATCH (x:Technique {release: r.version}) WHERE x.attackId IS NOT NULL
MATCH (a:AttackTechnique {attack: $attack, id: x.attackId})
MERGE (x)-[l:REFERENCES_ATTACK {attack: $attack}]->(a)
ON CREATE SET l.release = r.version
RETURN count(l) AS links`
	setAttackCurrent = `MATCH (n:AttackRelease {version: $version, status: '` + statusComplete + `'})
OPTIONAL MATCH (o:AttackRelease {current: true}) WHERE o <> n
SET o.current = false
WITH DISTINCT n
SET n.current = true
RETURN n.version AS version`
)

func attackPlan(b *attack.Bundle) []Statement {
	var groups, techs, uses, subs []map[string]any
	for _, g := range b.Groups {
		groups = append(groups, map[string]any{"id": g.ID, "stixId": g.STIXID, "name": g.Name, "aliases": nonNil(g.Aliases),
			"description": g.Description, "url": g.URL, "modified": g.Modified})
	}
	for _, t := range b.Techniques {
		techs = append(techs, map[string]any{"id": t.ID, "stixId": t.STIXID, "name": t.Name, "description": t.Description,
			"url": t.URL, "parent": t.Parent, "tactics": nonNil(t.Tactics)})
		if t.Parent != "" {
			subs = append(subs, link(t.ID, t.Parent))
		}
	}
	for _, u := range b.Uses {
		uses = append(uses, map[string]any{"group": u.Group, "technique": u.Technique, "relationship": u.Relationship, "description": u.Description})
	}
	return []Statement{
		{"ATT&CK groups", "nodes", createAttackGroups, groups},
		{"ATT&CK techniques", "nodes", createAttackTechs, techs},
		{"SUBTECHNIQUE_OF", "relationships", createAttackSubs, subs},
		{"USES (ATT&CK)", "relationships", createAttackUses, uses},
	}
}

// LoadAttack writes an ATT&CK Enterprise release beside the ATLAS releases. The version is
// invisible until completely written, then made current unless opt.Current is CurrentNever (ATT&CK versions are not ordered by
// age here: the one loaded last with a choice to be current wins); the
// previous current ATT&CK version stays loaded and current until then, so a failed load
// leaves it intact. Loading the same content again changes nothing; the same version from
// other content is refused unless opt.Replace, and never replaces the current version.
func (s *Store) LoadAttack(ctx context.Context, b *attack.Bundle, opt LoadOptions) (AttackLoadResult, error) {
	start := time.Now()
	res := AttackLoadResult{Version: b.Version}
	makeCurrent := opt.Current != CurrentNever
	if err := s.ensureAttackSchema(ctx); err != nil {
		return res, err
	}
	recs, err := s.read(ctx, `MATCH (n:AttackRelease {version: $version}) RETURN n.status AS status, n.sha256 AS sha256, coalesce(n.current, false) AS current`,
		map[string]any{"version": b.Version})
	if err != nil {
		return res, fmt.Errorf("look up ATT&CK %s: %w", b.Version, err)
	}
	if len(recs) > 0 {
		status, sha := recString(recs[0], "status"), recString(recs[0], "sha256")
		cur, _ := recs[0].Get("current")
		current, _ := cur.(bool)
		switch {
		case status == statusComplete && sha == b.SHA256:
			res.Unchanged = true
			if makeCurrent && !current {
				if err := s.setAttackCurrent(ctx, &res.Counters, b.Version); err != nil {
					return res, err
				}
			}
			// An ATLAS release loaded since may lack its links.
			n, err := s.linkAttack(ctx, &res.Counters, "", b.Version)
			if err != nil {
				return res, err
			}
			res.Links, res.Current = n, current || makeCurrent
			res.Duration = time.Since(start)
			return res, nil
		case status == statusComplete && current:
			return res, fmt.Errorf("%w: ATT&CK %s is current and was loaded from other content (sha256 %s); it cannot be replaced in place",
				atlas.ErrConflict, b.Version, sha)
		case status == statusComplete && !opt.Replace:
			return res, fmt.Errorf("%w: ATT&CK %s is already loaded from other content (sha256 %s); load with --replace to overwrite it",
				atlas.ErrConflict, b.Version, sha)
		}
		if err := s.deleteAttack(ctx, &res.Counters, b.Version); err != nil {
			return res, err
		}
	}
	props := map[string]any{"version": b.Version, "sha256": b.SHA256, "source": b.Source, "status": statusLoading, "current": false}
	if err := s.write(ctx, &res.Counters, `CREATE (r:AttackRelease) SET r = $props, r.startedAt = datetime()`, map[string]any{"props": props}); err != nil {
		return res, fmt.Errorf("register ATT&CK %s: %w", b.Version, err)
	}
	w := &batchWriter{s: s, ctx: ctx, c: &res.Counters, release: b.Version, progress: opt.Progress}
	if err := w.writeAll(attackPlan(b)); err != nil {
		return res, fmt.Errorf("write %s of ATT&CK %s (the version stays unusable; load it again): %w", w.what, b.Version, err)
	}
	n, err := s.linkAttack(ctx, &res.Counters, "", b.Version)
	if err != nil {
		return res, err
	}
	res.Links = n
	counts := map[string]any{
		"countGroups": len(b.Groups), "countTechniques": len(b.Techniques), "countUses": len(b.Uses),
		"countObjects": b.Stats.Objects, "countRelationships": b.Stats.Relationships,
		"revokedObjects": b.Stats.RevokedObjects, "deprecatedObjects": b.Stats.DeprecatedObjects,
		"relationshipsLeftOut": b.Stats.RelationshipsLeftOut,
	}
	err = s.write(ctx, &res.Counters, `MATCH (r:AttackRelease {version: $version}) SET r.status = $status, r.loadedAt = datetime(), r += $counts`,
		map[string]any{"version": b.Version, "status": statusComplete, "counts": counts})
	if err != nil {
		return res, fmt.Errorf("complete ATT&CK %s: %w", b.Version, err)
	}
	if makeCurrent {
		if err := s.setAttackCurrent(ctx, &res.Counters, b.Version); err != nil {
			return res, err
		}
		res.Current = true
	}
	res.Duration = time.Since(start)
	return res, nil
}

// LinkAttack joins the ATLAS techniques of one release (every complete release when
// release is "") to the ATT&CK techniques of every complete ATT&CK version they reference.
// LoadAttack does it for the releases loaded before; call it after loading an ATLAS release
// when ATT&CK is already loaded. It is idempotent.
func (s *Store) LinkAttack(ctx context.Context, release string) (int, error) {
	recs, err := s.read(ctx, `MATCH (n:AttackRelease {status: $status}) RETURN n.version AS version`, map[string]any{"status": statusComplete})
	if err != nil {
		return 0, fmt.Errorf("list ATT&CK versions: %w", err)
	}
	total := 0
	for _, rec := range recs {
		n, err := s.linkAttack(ctx, nil, release, recString(rec, "version"))
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

func (s *Store) linkAttack(ctx context.Context, c *Counters, release, version string) (int, error) {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	out, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, linkAttackRefs, map[string]any{"atlas": release, "attack": version})
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
		v, _ := rec.Get("links")
		n, _ := v.(int64)
		return int(n), nil
	})
	if err != nil {
		return 0, fmt.Errorf("link ATLAS techniques to ATT&CK %s: %w", version, classify(err))
	}
	return out.(int), nil
}

func (s *Store) setAttackCurrent(ctx context.Context, c *Counters, version string) error {
	recs := 0
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		// Lock every ATT&CK release first so two switches cannot both win.
		if _, err := tx.Run(ctx, `MATCH (n:AttackRelease) SET n._lock = true REMOVE n._lock`, nil); err != nil {
			return nil, err
		}
		res, err := tx.Run(ctx, setAttackCurrent, map[string]any{"version": version})
		if err != nil {
			return nil, err
		}
		all, err := res.Collect(ctx)
		if err != nil {
			return nil, err
		}
		recs = len(all)
		sum, err := res.Consume(ctx)
		if err == nil && c != nil {
			c.add(sum.Counters())
		}
		return nil, err
	})
	if err != nil {
		return fmt.Errorf("make ATT&CK %s current: %w", version, classify(err))
	}
	if recs == 0 {
		return fmt.Errorf("%w: ATT&CK %s is not loaded", atlas.ErrNotFound, version)
	}
	return nil
}

// deleteAttack removes one ATT&CK version and its links, in batches.
func (s *Store) deleteAttack(ctx context.Context, c *Counters, version string) error {
	for _, q := range []string{
		`MATCH (n:AttackTechnique {attack: $version}) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS`,
		`MATCH (n:AttackGroup {attack: $version}) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS`,
		`MATCH (n:AttackRelease {version: $version}) DETACH DELETE n`,
	} {
		if err := s.attackAutoCommit(ctx, c, q, map[string]any{"version": version}); err != nil {
			return fmt.Errorf("delete ATT&CK %s: %w", version, err)
		}
	}
	return nil
}

// attackAutoCommit runs a statement outside a managed transaction, as CALL ... IN TRANSACTIONS
// requires.
func (s *Store) attackAutoCommit(ctx context.Context, c *Counters, cypher string, params map[string]any) error {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	res, err := sess.Run(ctx, cypher, params)
	if err != nil {
		return classify(err)
	}
	sum, err := res.Consume(ctx)
	if err != nil {
		return classify(err)
	}
	if c != nil {
		c.add(sum.Counters())
	}
	return nil
}

// PruneAttack deletes an ATT&CK version that is not current, with its links.
func (s *Store) PruneAttack(ctx context.Context, version string) error {
	recs, err := s.read(ctx, `MATCH (n:AttackRelease {version: $version}) RETURN coalesce(n.current, false) AS current`, map[string]any{"version": version})
	if err != nil {
		return fmt.Errorf("look up ATT&CK %s: %w", version, err)
	}
	if len(recs) == 0 {
		return fmt.Errorf("%w: ATT&CK %s is not loaded", atlas.ErrNotFound, version)
	}
	if cur, _ := recs[0].Get("current"); cur == true {
		return fmt.Errorf("%w: ATT&CK %s is current; load another version first", atlas.ErrConflict, version)
	}
	return s.deleteAttack(ctx, nil, version)
}
