package store

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/atlasgraph/atlasgraph/attack"
)

// AttackVersion describes one loaded ATT&CK Enterprise release.
type AttackVersion struct {
	Version                  string
	SHA256                   string
	Source                   string
	Current                  bool
	LoadedAt                 time.Time
	Groups, Techniques, Uses int
	// RevokedObjects, DeprecatedObjects and RelationshipsLeftOut count what the load left out.
	RevokedObjects, DeprecatedObjects, RelationshipsLeftOut int
}

const qAttackVersion = `MATCH (n:AttackRelease {status: '` + statusComplete + `'})
WHERE CASE WHEN $version = '' THEN n.current = true ELSE n.version = $version END
RETURN n`

// AttackVersion returns a complete ATT&CK version, the current one when version is "".
// With version "" and no ATT&CK loaded it returns nil and no error; a version asked for
// that is not loaded is a NotFoundError.
func (r *Reader) AttackVersion(ctx context.Context, version string) (*AttackVersion, error) {
	recs, err := r.query(ctx, qAttackVersion, map[string]any{"version": version})
	if err != nil {
		return nil, fmt.Errorf("look up ATT&CK version: %w", err)
	}
	if len(recs) == 0 {
		if version == "" {
			return nil, nil
		}
		return nil, &NotFoundError{Kind: "ATT&CK version", ID: version, Release: "the loaded ATT&CK versions"}
	}
	n := node(recs[0], "n")
	v := &AttackVersion{Version: strProp(n, "version"), SHA256: strProp(n, "sha256"), Source: strProp(n, "source"),
		Groups: intProp(n, "countGroups"), Techniques: intProp(n, "countTechniques"), Uses: intProp(n, "countUses"),
		RevokedObjects: intProp(n, "revokedObjects"), DeprecatedObjects: intProp(n, "deprecatedObjects"),
		RelationshipsLeftOut: intProp(n, "relationshipsLeftOut")}
	v.Current, _ = n.Props["current"].(bool)
	if t, ok := n.Props["loadedAt"].(time.Time); ok {
		v.LoadedAt = t
	}
	return v, nil
}

// AttackVersions lists the complete ATT&CK versions.
func (r *Reader) AttackVersions(ctx context.Context) ([]AttackVersion, error) {
	recs, err := r.query(ctx, `MATCH (n:AttackRelease {status: '`+statusComplete+`'}) RETURN n.version AS version ORDER BY n.loadedAt DESC`, nil)
	if err != nil {
		return nil, fmt.Errorf("list ATT&CK versions: %w", err)
	}
	out := []AttackVersion{}
	for _, rec := range recs {
		v, err := r.AttackVersion(ctx, recString(rec, "version"))
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

// ActorSources is what the actor directory of one ATLAS release and one ATT&CK version is
// built from: the case-study actors, the ATT&CK groups, and which ATLAS techniques
// reference which ATT&CK technique.
type ActorSources struct {
	Release         string
	CaseStudyActors []attack.CaseStudyActor
	Groups          []attack.Group
	// References maps an ATT&CK technique id to the ATLAS techniques referencing it.
	References map[string][]string
}

const (
	qDirectoryActors = matchRelease + `OPTIONAL MATCH (a:Actor {release: release})
WITH release, a ORDER BY a.id
RETURN release, collect([a.id, a.name, a.aliases]) AS actors`
	qAttackRefs = `MATCH (x:Technique {release: $release}) WHERE x.attackId IS NOT NULL
RETURN x.attackId AS attack, collect(x.id) AS techniques`
	qAttackGroups = `MATCH (g:AttackGroup {attack: $attack})
RETURN g.id AS id, g.stixId AS stixId, g.name AS name, g.aliases AS aliases, g.description AS description, g.url AS url, g.modified AS modified
ORDER BY g.id`
)

// ActorSources reads the sources of the actor directory: three queries. attackVersion ""
// reads no groups (no ATT&CK loaded).
func (r *Reader) ActorSources(ctx context.Context, release, attackVersion string) (*ActorSources, error) {
	recs, err := r.query(ctx, qDirectoryActors, map[string]any{"release": release})
	if err != nil {
		return nil, fmt.Errorf("read actors: %w", err)
	}
	if len(recs) == 0 {
		return nil, &NotFoundError{Kind: "release", ID: release}
	}
	src := &ActorSources{Release: recString(recs[0], "release"), References: map[string][]string{}}
	v, _ := recs[0].Get("actors")
	rows, _ := v.([]any)
	for _, x := range rows {
		t, _ := x.([]any)
		if len(t) != 3 || t[0] == nil {
			continue
		}
		a := attack.CaseStudyActor{ID: asString(t[0]), Name: asString(t[1])}
		al, _ := t[2].([]any)
		for _, s := range al {
			a.Aliases = append(a.Aliases, asString(s))
		}
		src.CaseStudyActors = append(src.CaseStudyActors, a)
	}
	recs, err = r.query(ctx, qAttackRefs, map[string]any{"release": src.Release})
	if err != nil {
		return nil, fmt.Errorf("read ATT&CK references: %w", err)
	}
	for _, rec := range recs {
		src.References[recString(rec, "attack")] = recStrings(rec, "techniques")
	}
	if attackVersion == "" {
		return src, nil
	}
	recs, err = r.query(ctx, qAttackGroups, map[string]any{"attack": attackVersion})
	if err != nil {
		return nil, fmt.Errorf("read ATT&CK groups: %w", err)
	}
	for _, rec := range recs {
		src.Groups = append(src.Groups, attack.Group{ID: recString(rec, "id"), STIXID: recString(rec, "stixId"), Name: recString(rec, "name"),
			Aliases: recStrings(rec, "aliases"), Description: recString(rec, "description"), URL: recString(rec, "url"), Modified: recString(rec, "modified")})
	}
	return src, nil
}

func asString(v any) string { s, _ := v.(string); return s }

const qAttackUses = `MATCH (t:AttackTechnique {attack: $attack})
WHERE t.id IN $refs OR t.parent IN $refs
MATCH (g:AttackGroup)-[u:USES]->(t)
WHERE $groups IS NULL OR g.id IN $groups
RETURN g.id AS group, t.id AS technique, t.name AS name, t.parent AS parent, u.relationship AS relationship, u.description AS description
ORDER BY group, technique, relationship`

// AttackUses reads the "uses" relationships of some groups (all when groups is nil) whose
// technique, or its parent, is one of refs: the rows the ATT&CK link rule needs.
func (r *Reader) AttackUses(ctx context.Context, attackVersion string, groups, refs []string) ([]attack.UseRow, error) {
	var g any
	if groups != nil {
		g = groups
	}
	recs, err := r.query(ctx, qAttackUses, map[string]any{"attack": attackVersion, "groups": g, "refs": nonNil(refs)})
	if err != nil {
		return nil, fmt.Errorf("read ATT&CK uses: %w", err)
	}
	out := make([]attack.UseRow, 0, len(recs))
	for _, rec := range recs {
		out = append(out, attack.UseRow{Use: attack.Use{Group: recString(rec, "group"), Technique: recString(rec, "technique"),
			Relationship: recString(rec, "relationship"), Description: recString(rec, "description")},
			TechniqueName: recString(rec, "name"), Parent: recString(rec, "parent")})
	}
	return out, nil
}

// ActorStep is a case-study step employing a technique, in a case study attributed to an
// ATLAS actor.
type ActorStep struct {
	Actor, Technique, CaseStudy, Step string
}

const qActorSteps = `MATCH (a:Actor {release: $release})<-[:ATTRIBUTED_TO]-(c:CaseStudy)-[:HAS_STEP]->(s:Step)-[:EMPLOYS]->(t:Technique)
WHERE ($actors IS NULL OR a.id IN $actors) AND ($techniques IS NULL OR t.id IN $techniques)
RETURN a.id AS actor, t.id AS technique, c.id AS caseStudy, s.stepId AS step
ORDER BY actor, technique, caseStudy, step`

// ActorSteps reads the case-study steps of some ATLAS actors (all when actors is nil) that
// employ some techniques (any when techniques is nil).
func (r *Reader) ActorSteps(ctx context.Context, release string, actors, techniques []string) ([]ActorStep, error) {
	var a, t any
	if actors != nil {
		a = actors
	}
	if techniques != nil {
		t = techniques
	}
	recs, err := r.query(ctx, qActorSteps, map[string]any{"release": release, "actors": a, "techniques": t})
	if err != nil {
		return nil, fmt.Errorf("read actor steps: %w", err)
	}
	out := make([]ActorStep, 0, len(recs))
	for _, rec := range recs {
		out = append(out, ActorStep{Actor: recString(rec, "actor"), Technique: recString(rec, "technique"),
			CaseStudy: recString(rec, "caseStudy"), Step: recString(rec, "step")})
	}
	return out, nil
}

const qAttackTechniquesByID = `UNWIND $ids AS id
MATCH (t:AttackTechnique {attack: $attack, id: id})
RETURN t`

// AttackTechniques reads ATT&CK techniques by id.
func (r *Reader) AttackTechniques(ctx context.Context, attackVersion string, ids []string) ([]attack.Technique, error) {
	recs, err := r.query(ctx, qAttackTechniquesByID, map[string]any{"attack": attackVersion, "ids": nonNil(ids)})
	if err != nil {
		return nil, fmt.Errorf("read ATT&CK techniques: %w", err)
	}
	out := make([]attack.Technique, 0, len(recs))
	for _, rec := range recs {
		out = append(out, attackTechniqueFrom(node(rec, "t")))
	}
	return out, nil
}

func attackTechniqueFrom(n dbtype.Node) attack.Technique {
	return attack.Technique{ID: strProp(n, "id"), STIXID: strProp(n, "stixId"), Name: strProp(n, "name"), Description: strProp(n, "description"),
		URL: strProp(n, "url"), Parent: strProp(n, "parent"), Tactics: strList(n, "tactics")}
}

// AttackTechnique is an ATT&CK technique of one ATT&CK version.
type AttackTechnique struct {
	attack.Technique
	AttackVersion string
}

const qAttackTechnique = `MATCH (t:AttackTechnique {attack: $attack, id: $id}) RETURN t`

// AttackTechnique reads one ATT&CK technique; a missing one is a NotFoundError.
func (r *Reader) AttackTechnique(ctx context.Context, attackVersion, id string) (AttackTechnique, error) {
	recs, err := r.query(ctx, qAttackTechnique, map[string]any{"attack": attackVersion, "id": id})
	if err != nil {
		return AttackTechnique{}, fmt.Errorf("read ATT&CK technique %s: %w", id, err)
	}
	if len(recs) == 0 {
		return AttackTechnique{}, &NotFoundError{Kind: "ATT&CK technique", ID: id, Release: "ATT&CK " + attackVersion}
	}
	return AttackTechnique{Technique: attackTechniqueFrom(node(recs[0], "t")), AttackVersion: attackVersion}, nil
}

const qReferencing = `UNWIND $ids AS id
MATCH (n:Technique {release: $release, attackId: id})
RETURN id, n ORDER BY n.id`

// TechniquesReferencing returns, for each ATT&CK technique id, the ATLAS techniques of a
// release whose attack-reference names it, sorted by id.
func (r *Reader) TechniquesReferencing(ctx context.Context, release string, ids []string) (map[string][]Technique, error) {
	rel, err := r.ResolveRelease(ctx, release)
	if err != nil {
		return nil, err
	}
	return grouped(ctx, r, "referencing techniques", qReferencing, rel, ids, func(rec *neo4j.Record) Technique {
		return techniqueFrom(node(rec, "n"), rel)
	})
}

// ActorViewKey identifies the content an actor directory is built from: an ATLAS release
// and an ATT&CK version with their digests, so a cache keyed by it never serves a replaced
// release.
type ActorViewKey struct {
	Release, ReleaseSHA256 string
	// Attack and AttackSHA256 are "" when no ATT&CK is loaded.
	Attack, AttackSHA256 string
}

const qActorViewKey = `OPTIONAL MATCH (r:Release {status: '` + statusComplete + `'})
WHERE CASE WHEN $release = '' THEN r.current = true ELSE r.version = $release END
OPTIONAL MATCH (a:AttackRelease {status: '` + statusComplete + `'})
WHERE CASE WHEN $attack = '' THEN a.current = true ELSE a.version = $attack END
RETURN r.version AS release, r.sha256 AS releaseSha, a.version AS attack, a.sha256 AS attackSha`

// ActorViewKey resolves an ATLAS release ("" for the current one) and an ATT&CK version (""
// for the current one, none when none is loaded) in one query. A release or an ATT&CK
// version asked for and not loaded is a NotFoundError.
func (r *Reader) ActorViewKey(ctx context.Context, release, attackVersion string) (ActorViewKey, error) {
	recs, err := r.query(ctx, qActorViewKey, map[string]any{"release": release, "attack": attackVersion})
	if err != nil {
		return ActorViewKey{}, fmt.Errorf("look up release and ATT&CK version: %w", err)
	}
	var k ActorViewKey
	if len(recs) > 0 {
		k = ActorViewKey{Release: recString(recs[0], "release"), ReleaseSHA256: recString(recs[0], "releaseSha"),
			Attack: recString(recs[0], "attack"), AttackSHA256: recString(recs[0], "attackSha")}
	}
	if k.Release == "" {
		return k, &NotFoundError{Kind: "release", ID: release}
	}
	if attackVersion != "" && k.Attack == "" {
		return k, &NotFoundError{Kind: "ATT&CK version", ID: attackVersion, Release: "the loaded ATT&CK versions"}
	}
	return k, nil
}
