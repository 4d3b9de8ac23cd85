package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/attack"
	"github.com/atlasgraph/atlasgraph/view"
)

const qAttackVersion = `MATCH (n:AttackRelease {status: '` + statusComplete + `'})
WHERE CASE WHEN $version = '' THEN n.current = true ELSE n.version = $version END
RETURN n`

// AttackVersion returns a complete ATT&CK version, the current one when version is "".
// With version "" and no ATT&CK loaded it returns nil and no error; a version asked for
// that is not loaded is a atlas.NotFoundError.
func (r *Reader) AttackVersion(ctx context.Context, version string) (*view.AttackVersion, error) {
	recs, err := r.query(ctx, qAttackVersion, map[string]any{"version": version})
	if err != nil {
		return nil, fmt.Errorf("look up ATT&CK version: %w", err)
	}
	if len(recs) == 0 {
		if version == "" {
			return nil, nil
		}
		return nil, &atlas.NotFoundError{Kind: "ATT&CK version", ID: version, Release: "the loaded ATT&CK versions"}
	}
	n := node(recs[0], "n")
	v := &view.AttackVersion{Version: strProp(n, "version"), SHA256: strProp(n, "sha256"), Source: strProp(n, "source"),
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
func (r *Reader) AttackVersions(ctx context.Context) ([]view.AttackVersion, error) {
	recs, err := r.query(ctx, `MATCH (n:AttackRelease {status: '`+statusComplete+`'}) RETURN n.version AS version ORDER BY n.loadedAt DESC`, nil)
	if err != nil {
		return nil, fmt.Errorf("list ATT&CK versions: %w", err)
	}
	out := []view.AttackVersion{}
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

// qDirectory resolves the release and ATT&CK version asked for and, only when they are not
// the ones the caller already has ($known...), reads the directory's sources: one round
// trip either way, and a small one when nothing changed.
const qDirectory = `OPTIONAL MATCH (r:Release {status: '` + statusComplete + `'})
WHERE CASE WHEN $release = '' THEN r.current = true ELSE r.version = $release END
OPTIONAL MATCH (av:AttackRelease {status: '` + statusComplete + `'})
WHERE CASE WHEN $attack = '' THEN av.current = true ELSE av.version = $attack END
WITH r, av, r IS NOT NULL AND NOT (r.version = $knownRelease AND r.sha256 = $knownReleaseSha
  AND coalesce(av.version, '') = $knownAttack AND coalesce(av.sha256, '') = $knownAttackSha) AS fresh
CALL (r, fresh) {
  OPTIONAL MATCH (a:Actor {release: r.version}) WHERE fresh
  WITH a ORDER BY a.id
  RETURN collect([a.id, a.name, a.aliases]) AS actors
}
CALL (r, fresh) {
  OPTIONAL MATCH (x:Technique {release: r.version}) WHERE fresh AND x.attackId IS NOT NULL
  RETURN collect([x.attackId, x.id]) AS refs
}
CALL (av, fresh) {
  OPTIONAL MATCH (g:AttackGroup {attack: av.version}) WHERE fresh
  WITH g ORDER BY g.id
  RETURN collect(g) AS groups
}
RETURN r.version AS release, r.sha256 AS releaseSha, av.version AS attack, av.sha256 AS attackSha, fresh, actors, refs, groups`

// ActorDirectory resolves an ATLAS release ("" for the current one) and an ATT&CK version
// ("" for the current one, none when none is loaded) and, unless they are known (the key of
// a directory the caller holds), reads the directory's sources; src is nil when known is
// still current. A release or ATT&CK version asked for and not loaded is a atlas.NotFoundError.
func (r *Reader) ActorDirectory(ctx context.Context, release, attackVersion string, known ActorViewKey) (ActorViewKey, *ActorSources, error) {
	recs, err := r.query(ctx, qDirectory, map[string]any{"release": release, "attack": attackVersion,
		"knownRelease": known.Release, "knownReleaseSha": known.ReleaseSHA256, "knownAttack": known.Attack, "knownAttackSha": known.AttackSHA256})
	if err != nil {
		return ActorViewKey{}, nil, fmt.Errorf("read the actor directory: %w", err)
	}
	var k ActorViewKey
	if len(recs) > 0 {
		k = ActorViewKey{Release: recString(recs[0], "release"), ReleaseSHA256: recString(recs[0], "releaseSha"),
			Attack: recString(recs[0], "attack"), AttackSHA256: recString(recs[0], "attackSha")}
	}
	if k.Release == "" {
		return k, nil, &atlas.NotFoundError{Kind: "release", ID: release}
	}
	if attackVersion != "" && k.Attack == "" {
		return k, nil, &atlas.NotFoundError{Kind: "ATT&CK version", ID: attackVersion, Release: "the loaded ATT&CK versions"}
	}
	if fresh, _ := recs[0].Get("fresh"); fresh != true {
		return k, nil, nil
	}
	src := &ActorSources{Release: k.Release, References: map[string][]string{}}
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
	v, _ = recs[0].Get("refs")
	rows, _ = v.([]any)
	for _, x := range rows {
		t, _ := x.([]any)
		if len(t) == 2 {
			src.References[asString(t[0])] = append(src.References[asString(t[0])], asString(t[1]))
		}
	}
	for k := range src.References {
		sort.Strings(src.References[k])
	}
	v, _ = recs[0].Get("groups")
	rows, _ = v.([]any)
	for _, x := range rows {
		n, ok := x.(dbtype.Node)
		if !ok {
			continue
		}
		src.Groups = append(src.Groups, attack.Group{ID: strProp(n, "id"), STIXID: strProp(n, "stixId"), Name: strProp(n, "name"),
			Aliases: strList(n, "aliases"), Description: strProp(n, "description"), URL: strProp(n, "url"), Modified: strProp(n, "modified")})
	}
	return k, src, nil
}

func asString(v any) string { s, _ := v.(string); return s }

// qAttackUses reads one row per ATT&CK technique that is, or is a sub-technique of, a
// referenced one: the ATLAS techniques referencing it or its parent, and the uses of it by
// the groups asked for.
const qAttackUses = `MATCH (t:AttackTechnique {attack: $attack})
WHERE t.id IN $refs OR t.parent IN $refs
CALL (t) {
  MATCH (g:AttackGroup)-[u:USES]->(t)
  WHERE $groups IS NULL OR g.id IN $groups
  WITH g, u ORDER BY g.id, u.relationship
  RETURN collect([g.id, u.relationship, u.description]) AS uses
}
WITH t, uses WHERE size(uses) > 0
RETURN t.id AS technique, t.name AS name, t.parent AS parent, uses
ORDER BY technique`

// AttackUses reads the "uses" relationships of some groups (all when groups is nil) whose
// technique, or its parent, is one of refs: the rows the ATT&CK link rule needs. It adds
// nothing else: the ATLAS techniques are the held release's.
func (r *Reader) AttackUses(ctx context.Context, release, attackVersion string, groups, refs []string) ([]attack.UseRow, error) {
	var g any
	if groups != nil {
		g = groups
	}
	recs, err := r.query(ctx, qAttackUses, map[string]any{"attack": attackVersion, "groups": g, "refs": nonNil(refs)})
	if err != nil {
		return nil, fmt.Errorf("read ATT&CK uses: %w", err)
	}
	var out []attack.UseRow
	for _, rec := range recs {
		tech, name, parent := recString(rec, "technique"), recString(rec, "name"), recString(rec, "parent")
		v, _ := rec.Get("uses")
		us, _ := v.([]any)
		for _, u := range us {
			t, _ := u.([]any)
			if len(t) != 3 {
				continue
			}
			out = append(out, attack.UseRow{Use: attack.Use{Group: asString(t[0]), Technique: tech, Relationship: asString(t[1]),
				Description: asString(t[2])}, TechniqueName: name, Parent: parent})
		}
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
ORDER BY actor, t.id, caseStudy, step`

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

const qAttackTechnique = `MATCH (t:AttackTechnique {attack: $attack, id: $id}) RETURN t`

// AttackTechnique reads one ATT&CK technique; a missing one is a atlas.NotFoundError.
func (r *Reader) AttackTechnique(ctx context.Context, attackVersion, id string) (view.AttackTechnique, error) {
	recs, err := r.query(ctx, qAttackTechnique, map[string]any{"attack": attackVersion, "id": id})
	if err != nil {
		return view.AttackTechnique{}, fmt.Errorf("read ATT&CK technique %s: %w", id, err)
	}
	if len(recs) == 0 {
		return view.AttackTechnique{}, &atlas.NotFoundError{Kind: "ATT&CK technique", ID: id, Release: "ATT&CK " + attackVersion}
	}
	t := attackTechniqueFrom(node(recs[0], "t"))
	return view.AttackTechnique{ID: t.ID, STIXID: t.STIXID, Name: t.Name, Description: t.Description, URL: t.URL,
		Parent: t.Parent, Tactics: t.Tactics, AttackVersion: attackVersion}, nil
}

// ActorViewKey identifies the content an actor directory is built from: an ATLAS release
// and an ATT&CK version with their digests, so a cache keyed by it never serves a replaced
// release.
type ActorViewKey struct {
	Release, ReleaseSHA256 string
	// Attack and AttackSHA256 are "" when no ATT&CK is loaded.
	Attack, AttackSHA256 string
}
