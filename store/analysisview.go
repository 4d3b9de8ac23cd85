package store

import (
	"context"
	"fmt"
	"sort"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// analysisViewObjects reads the release node, the tactics, the techniques
// with their tactics and the mitigations with their links, each list
// collected in one row. $version "" picks the current release.
const analysisViewObjects = `MATCH (r:Release {status: $status})
WHERE ($version = '' AND r.current = true) OR r.version = $version
CALL (r) {
  MATCH (t:Tactic {release: r.version})
  WITH t ORDER BY t.position
  RETURN collect([t.id, t.name, t.position]) AS tactics
}
CALL (r) {
  MATCH (n:Technique {release: r.version})
  OPTIONAL MATCH (n)-[:ACHIEVES]->(ta:Tactic)
  WITH n, ta ORDER BY ta.id
  WITH n, collect(ta.id) AS tactics
  ORDER BY n.id
  RETURN collect([n.id, n.name, n.maturity, n.parent, tactics]) AS techniques
}
CALL (r) {
  MATCH (m:Mitigation {release: r.version})
  OPTIONAL MATCH (m)-[:MITIGATES]->(t:Technique)
  WITH m, t ORDER BY t.id
  WITH m, collect(t.id) AS techniques
  ORDER BY m.id
  RETURN collect([m.id, m.name, techniques]) AS mitigations
}
RETURN r.version AS version, r.format AS format, r.sha256 AS sha256, r.source AS source,
       tactics, techniques, mitigations`

// analysisViewCases reads the case studies with their actors, every step
// with its technique, tactic and next steps, and the actors, for a release
// resolved by analysisViewObjects. It returns no row when the release was
// pruned, or replaced by other content, in between.
const analysisViewCases = `MATCH (r:Release {version: $version, status: $status, sha256: $sha256})
CALL (r) {
  MATCH (c:CaseStudy {release: r.version})
  OPTIONAL MATCH (c)-[:ATTRIBUTED_TO]->(a:Actor)
  WITH c, a ORDER BY a.id
  WITH c, collect(a.id) AS actors
  ORDER BY c.id
  RETURN collect([c.id, c.name, c.type, c.actorText, actors]) AS cases
}
CALL (r) {
  MATCH (c:CaseStudy {release: r.version})-[:HAS_STEP]->(s:Step)
  MATCH (s)-[:EMPLOYS]->(t:Technique)
  MATCH (s)-[:IN_TACTIC]->(ta:Tactic)
  OPTIONAL MATCH (s)-[:LEADS_TO]->(n:Step)
  WITH c, s, t, ta, n ORDER BY n.stepId
  WITH c, s, t, ta, collect(n.stepId) AS next
  ORDER BY c.id, s.position
  RETURN collect([c.id, s.stepId, t.id, ta.id, next]) AS steps
}
CALL (r) {
  MATCH (a:Actor {release: r.version})
  OPTIONAL MATCH (c:CaseStudy)-[:ATTRIBUTED_TO]->(a)
  WITH a, c ORDER BY c.id
  WITH a, collect(c.id) AS cases
  ORDER BY a.id
  RETURN collect([a.id, a.name, a.aliases, cases]) AS actors
}
RETURN cases, steps, actors`

// AnalysisView reads a complete release with only what the analyses and
// their reports need, in two queries: the release's identity (Version,
// Format, SHA256, Source); tactics (id, name, position) in matrix order;
// techniques (id, name, maturity, tactics, parent); mitigations (id, name,
// and the techniques they mitigate); case studies (id, name, type, actor
// text, actor ids) with their steps (id, technique, tactic, next steps); and
// actors (id, name, aliases, case studies). Everything is in the order
// Snapshot gives. It leaves out descriptions, references, dates, uuids,
// platforms, ATT&CK references, lifecycle phases, categories, targets,
// reporters and the descriptions of links and steps; use Snapshot for those.
// An empty version means the current release; a version that is not loaded
// gives ErrNotFound.
func (s *Store) AnalysisView(ctx context.Context, version string) (*atlas.Release, error) {
	recs, err := s.read(ctx, analysisViewObjects, map[string]any{"version": version, "status": statusComplete})
	if err != nil {
		return nil, fmt.Errorf("read release %q for analysis: %w", version, err)
	}
	if len(recs) == 0 {
		return nil, viewNotLoaded(version)
	}
	m := recs[0].AsMap()
	rel := &atlas.Release{Version: viewString(m["version"]), Format: atlas.Format(viewString(m["format"])), SHA256: viewString(m["sha256"]), Source: viewString(m["source"])}
	for _, row := range viewRows(m["tactics"]) {
		pos, _ := row[2].(int64)
		rel.Tactics = append(rel.Tactics, atlas.Tactic{Object: atlas.Object{ID: viewString(row[0]), Name: viewString(row[1])}, Position: int(pos)})
	}
	for _, row := range viewRows(m["techniques"]) {
		rel.Techniques = append(rel.Techniques, atlas.Technique{Object: atlas.Object{ID: viewString(row[0]), Name: viewString(row[1])},
			Maturity: viewString(row[2]), Parent: viewString(row[3]), Tactics: viewStrings(row[4])})
	}
	for _, row := range viewRows(m["mitigations"]) {
		mit := atlas.Mitigation{Object: atlas.Object{ID: viewString(row[0]), Name: viewString(row[1])}}
		for _, t := range viewStrings(row[2]) {
			mit.Mitigates = append(mit.Mitigates, atlas.Mitigates{Technique: t})
		}
		rel.Mitigations = append(rel.Mitigations, mit)
	}

	recs, err = s.read(ctx, analysisViewCases, map[string]any{"version": rel.Version, "status": statusComplete, "sha256": rel.SHA256})
	if err != nil {
		return nil, fmt.Errorf("read case studies of %s for analysis: %w", rel.Version, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%w: release %q was pruned or replaced while it was read; try again", ErrNotFound, rel.Version)
	}
	m = recs[0].AsMap()
	index := map[string]int{}
	for _, row := range viewRows(m["cases"]) {
		cs := atlas.CaseStudy{Object: atlas.Object{ID: viewString(row[0]), Name: viewString(row[1])}, Type: viewString(row[2]),
			ActorText: viewString(row[3]), Actors: viewStrings(row[4])}
		index[cs.ID] = len(rel.CaseStudies)
		rel.CaseStudies = append(rel.CaseStudies, cs)
	}
	for _, row := range viewRows(m["steps"]) {
		i, ok := index[viewString(row[0])]
		if !ok {
			continue
		}
		cs := &rel.CaseStudies[i]
		cs.Steps = append(cs.Steps, atlas.Step{ID: viewString(row[1]), Technique: viewString(row[2]), Tactic: viewString(row[3]), LeadsTo: viewStrings(row[4])})
	}
	for i := range rel.CaseStudies {
		steps := rel.CaseStudies[i].Steps
		sort.SliceStable(steps, func(a, b int) bool { return stepNum(steps[a].ID) < stepNum(steps[b].ID) })
	}
	for _, row := range viewRows(m["actors"]) {
		rel.Actors = append(rel.Actors, atlas.Actor{ID: viewString(row[0]), Name: viewString(row[1]), Aliases: viewStrings(row[2]), CaseStudies: viewStrings(row[3])})
	}
	return rel, nil
}

func viewNotLoaded(version string) error {
	if version == "" {
		return fmt.Errorf("%w: no current release; load one with atlasgraph load", ErrNotFound)
	}
	return fmt.Errorf("%w: release %q is not loaded; see atlasgraph releases", ErrNotFound, version)
}

// viewRows reads a collected list of lists.
func viewRows(v any) [][]any {
	raw, _ := v.([]any)
	out := make([][]any, 0, len(raw))
	for _, r := range raw {
		if row, ok := r.([]any); ok {
			out = append(out, row)
		}
	}
	return out
}

func viewString(v any) string {
	s, _ := v.(string)
	return s
}

// viewStrings reads a list of strings; an empty or missing list reads as nil, as
// Snapshot does, so that it compares equal to an absent field.
func viewStrings(v any) []string {
	raw, _ := v.([]any)
	if len(raw) == 0 {
		return nil
	}
	out := make([]string, 0, len(raw))
	for _, x := range raw {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
