package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/view"
)

// Snapshot reads a whole complete release back from the graph as plain
// values, in the same order the loader gives them. An empty version means
// the current release. Tests compare it with the source file; servers read
// releases through Reader.Snapshot instead.
func (s *Store) Snapshot(ctx context.Context, version string) (*atlas.Release, error) {
	info, err := s.Release(ctx, version)
	if err != nil {
		return nil, err
	}
	return snapshot(info, func(cypher string, params map[string]any) ([]*neo4j.Record, error) {
		return s.read(ctx, cypher, params)
	})
}

// DefaultSnapshotTimeout bounds reading one release whole when
// ReaderOptions.SnapshotTimeout is zero: a release a hundred times the size
// of ATLAS 2026.05 takes about ten seconds on a busy machine.
const DefaultSnapshotTimeout = 2 * time.Minute

// Snapshot reads the complete release info describes in one read
// transaction, so that its parts are consistent with each other, under
// ReaderOptions.SnapshotTimeout (not the per-request TxTimeout: a whole
// release is more than one request's worth). Each of its queries is
// reported to the query observer like every Reader query. It is the one
// read of a release a server makes: every answer about it comes from the
// value it returns.
func (r *Reader) Snapshot(ctx context.Context, info view.ReleaseInfo) (*atlas.Release, error) {
	timeout := r.opt.SnapshotTimeout
	if timeout <= 0 {
		timeout = DefaultSnapshotTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	sess := r.s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: r.s.database, AccessMode: neo4j.AccessModeRead})
	defer sess.Close(context.WithoutCancel(ctx))
	v, err := sess.ExecuteRead(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		return snapshot(info, func(cypher string, params map[string]any) ([]*neo4j.Record, error) {
			if f, ok := ctx.Value(observerKey{}).(QueryObserver); ok {
				f(cypher, params)
			}
			res, err := tx.Run(ctx, cypher, params)
			if err != nil {
				return nil, err
			}
			return res.Collect(ctx)
		})
	}, neo4j.WithTxTimeout(timeout))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("read release %s: %w: %v", info.Version, ctx.Err(), err)
		}
		return nil, fmt.Errorf("read release %s: %w", info.Version, classifyRead(err))
	}
	return v.(*atlas.Release), nil
}

// snapshot maps the release info names from the graph, one query per kind
// of node, through read. It is the one mapper from Neo4j to the domain
// types: a release is read this way only.
func snapshot(info view.ReleaseInfo, read func(cypher string, params map[string]any) ([]*neo4j.Record, error)) (*atlas.Release, error) {
	rel := &atlas.Release{Version: info.Version, Format: atlas.Format(info.Format), SHA256: info.SHA256, Source: info.Source,
		Name: info.Name, Description: info.Description, Modified: info.Modified,
		FormatVersion: info.FormatVersion, Extra: info.Extra, ExtraSections: info.ExtraSections, ExtraRelationships: info.ExtraRelationships}
	p := map[string]any{"release": info.Version}

	recs, err := read(`MATCH (n:Tactic {release: $release}) RETURN n ORDER BY n.position`, p)
	if err != nil {
		return nil, fmt.Errorf("read tactics of %s: %w", info.Version, err)
	}
	for _, r := range recs {
		n := node(r, "n")
		rel.Tactics = append(rel.Tactics, atlas.Tactic{Object: objectFrom(n), Position: intProp(n, "position")})
	}

	recs, err = read(`MATCH (n:Technique {release: $release})
OPTIONAL MATCH (n)-[:ACHIEVES]->(t:Tactic)
WITH n, t ORDER BY t.id
RETURN n, [x IN collect(t.id) WHERE x IS NOT NULL] AS tactics ORDER BY n.id`, p)
	if err != nil {
		return nil, fmt.Errorf("read techniques of %s: %w", info.Version, err)
	}
	for _, r := range recs {
		n := node(r, "n")
		t := atlas.Technique{Object: objectFrom(n), Platforms: strList(n, "platforms"), Maturity: strProp(n, "maturity"),
			Tactics: recStrings(r, "tactics"), Parent: strProp(n, "parent")}
		if len(t.Tactics) == 0 {
			t.Tactics = nil
		}
		rel.Techniques = append(rel.Techniques, t)
	}

	recs, err = read(`MATCH (n:Mitigation {release: $release})
OPTIONAL MATCH (n)-[m:MITIGATES]->(t:Technique)
WITH n, m, t ORDER BY t.id
RETURN n, collect(CASE WHEN t IS NULL THEN NULL ELSE [t.id, m.description] END) AS links ORDER BY n.id`, p)
	if err != nil {
		return nil, fmt.Errorf("read mitigations of %s: %w", info.Version, err)
	}
	for _, r := range recs {
		n := node(r, "n")
		m := atlas.Mitigation{Object: objectFrom(n), LifecyclePhases: strList(n, "lifecyclePhases"), Categories: strList(n, "categories")}
		links, _ := r.Get("links")
		for _, l := range links.([]any) {
			pair := l.([]any)
			desc, _ := pair[1].(string)
			m.Mitigates = append(m.Mitigates, atlas.Mitigates{Technique: pair[0].(string), Description: desc})
		}
		rel.Mitigations = append(rel.Mitigations, m)
	}

	recs, err = read(`MATCH (n:CaseStudy {release: $release})
OPTIONAL MATCH (n)-[:ATTRIBUTED_TO]->(a:Actor)
WITH n, a ORDER BY a.id
RETURN n, [x IN collect(a.id) WHERE x IS NOT NULL] AS actors ORDER BY n.id`, p)
	if err != nil {
		return nil, fmt.Errorf("read case studies of %s: %w", info.Version, err)
	}
	index := map[string]int{}
	for _, r := range recs {
		n := node(r, "n")
		c := atlas.CaseStudy{Object: objectFrom(n), Type: strProp(n, "type"), ActorText: strProp(n, "actorText"),
			Actors: recStrings(r, "actors"), Target: strProp(n, "target"), Reporter: strProp(n, "reporter"),
			Date: dateProp(n, "date"), DateGranularity: strProp(n, "dateGranularity")}
		if len(c.Actors) == 0 {
			c.Actors = nil
		}
		index[c.ID] = len(rel.CaseStudies)
		rel.CaseStudies = append(rel.CaseStudies, c)
	}

	recs, err = read(`MATCH (c:CaseStudy {release: $release})-[:HAS_STEP]->(s:Step)
MATCH (s)-[:EMPLOYS]->(t:Technique)
MATCH (s)-[:IN_TACTIC]->(ta:Tactic)
OPTIONAL MATCH (s)-[:LEADS_TO]->(n:Step)
WITH c, s, t, ta, n ORDER BY n.stepId
RETURN c.id AS caseStudy, s.stepId AS stepId, s.position AS position, s.description AS description, t.id AS technique,
       ta.id AS tactic, [x IN collect(n.stepId) WHERE x IS NOT NULL] AS leadsTo
ORDER BY caseStudy, position`, p)
	if err != nil {
		return nil, fmt.Errorf("read steps of %s: %w", info.Version, err)
	}
	for _, r := range recs {
		m := r.AsMap()
		cs := &rel.CaseStudies[index[m["caseStudy"].(string)]]
		desc, _ := m["description"].(string)
		cs.Steps = append(cs.Steps, atlas.Step{ID: m["stepId"].(string), Technique: m["technique"].(string),
			Tactic: m["tactic"].(string), Description: desc, LeadsTo: recStrings(r, "leadsTo")})
	}
	for i := range rel.CaseStudies {
		steps := rel.CaseStudies[i].Steps
		sort.SliceStable(steps, func(a, b int) bool { return stepNum(steps[a].ID) < stepNum(steps[b].ID) })
	}

	recs, err = read(`MATCH (a:Actor {release: $release})
OPTIONAL MATCH (c:CaseStudy)-[:ATTRIBUTED_TO]->(a)
WITH a, c ORDER BY c.id
RETURN a, collect(c.id) AS caseStudies ORDER BY a.id`, p)
	if err != nil {
		return nil, fmt.Errorf("read actors of %s: %w", info.Version, err)
	}
	for _, r := range recs {
		n := node(r, "a")
		rel.Actors = append(rel.Actors, atlas.Actor{ID: strProp(n, "id"), Name: strProp(n, "name"),
			Aliases: strList(n, "aliases"), CaseStudies: recStrings(r, "caseStudies")})
	}
	return rel, nil
}

func stepNum(id string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "S"))
	if err != nil {
		return -1
	}
	return n
}

func node(r *neo4j.Record, key string) dbtype.Node {
	v, _ := r.Get(key)
	n, _ := v.(dbtype.Node)
	return n
}

func strProp(n dbtype.Node, k string) string {
	v, _ := n.Props[k].(string)
	return v
}

func intProp(n dbtype.Node, k string) int {
	v, _ := n.Props[k].(int64)
	return int(v)
}

func dateProp(n dbtype.Node, k string) string {
	switch v := n.Props[k].(type) {
	case dbtype.Date:
		return v.Time().Format("2006-01-02")
	case string:
		return v
	}
	return ""
}

// strList reads a list property; a stored empty list reads as nil so that
// it compares equal to an absent field.
func strList(n dbtype.Node, k string) []string {
	raw, _ := n.Props[k].([]any)
	if len(raw) == 0 {
		return nil
	}
	out := make([]string, 0, len(raw))
	for _, x := range raw {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func recStrings(r *neo4j.Record, key string) []string {
	v, _ := r.Get(key)
	raw, _ := v.([]any)
	out := make([]string, 0, len(raw))
	for _, x := range raw {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func objectFrom(n dbtype.Node) atlas.Object {
	o := atlas.Object{ID: strProp(n, "id"), Name: strProp(n, "name"), Description: strProp(n, "description"),
		UUID: strProp(n, "uuid"), Created: dateProp(n, "createdDate"), Modified: dateProp(n, "modifiedDate"),
		Extra: strProp(n, "extra")}
	if refs := strProp(n, "references"); refs != "" && refs != "[]" {
		_ = json.Unmarshal([]byte(refs), &o.References)
	}
	if id := strProp(n, "attackId"); id != "" {
		o.Attack = &atlas.AttackRef{ID: id, URL: strProp(n, "attackUrl")}
	}
	return o
}
