package store

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// matchRelease starts every query that takes a release from the caller: it
// binds `release` to the version asked for ($release), or to the current
// release when $release is "". It yields no row when that release is not
// loaded, which is how callers tell "no such release" from "no such object".
const matchRelease = `MATCH (r:Release {status: '` + statusComplete + `'})
WHERE CASE WHEN $release = '' THEN r.current = true ELSE r.version = $release END
WITH r.version AS release
`

// One query per kind of object for a lookup by id. Each returns one row
// (release, n) with n null when the object is missing, or no row when the
// release is.
const (
	qTacticByID     = matchRelease + `OPTIONAL MATCH (n:Tactic {release: release, id: $id}) RETURN release, n`
	qTechniqueByID  = matchRelease + `OPTIONAL MATCH (n:Technique {release: release, id: $id}) RETURN release, n`
	qMitigationByID = matchRelease + `OPTIONAL MATCH (n:Mitigation {release: release, id: $id}) RETURN release, n`
	qCaseStudyByID  = matchRelease + `OPTIONAL MATCH (n:CaseStudy {release: release, id: $id}) RETURN release, n`
	qActorByID      = matchRelease + `OPTIONAL MATCH (n:Actor {release: release, id: $id}) RETURN release, n`
)

// ResolveRelease returns the version of the release asked for: version
// itself if it is loaded, the current release when version is "".
func (r *Reader) ResolveRelease(ctx context.Context, version string) (string, error) {
	recs, err := r.query(ctx, matchRelease+`RETURN release`, map[string]any{"release": version})
	if err != nil {
		return "", fmt.Errorf("look up release: %w", err)
	}
	if len(recs) == 0 {
		return "", &NotFoundError{Kind: "release", ID: version}
	}
	return recString(recs[0], "release"), nil
}

// releaseQuery is the Cypher of the release lookups, by version and for the
// current one.
const releaseQuery = `MATCH (r:Release {status: $status})
WHERE $version IS NULL OR r.version = $version OR ($version = '' AND r.current = true)
RETURN ` + releaseFields + ` ORDER BY r.loadedAt DESC, r.version DESC`

// Releases lists the complete releases, newest version first.
func (r *Reader) Releases(ctx context.Context) ([]ReleaseInfo, error) {
	return r.releases(ctx, nil)
}

// Release returns one complete release; "" means the current one.
func (r *Reader) Release(ctx context.Context, version string) (ReleaseInfo, error) {
	list, err := r.releases(ctx, version)
	if err != nil {
		return ReleaseInfo{}, err
	}
	if len(list) == 0 {
		return ReleaseInfo{}, &NotFoundError{Kind: "release", ID: version}
	}
	return list[0], nil
}

// releases is Store.releases through the Reader, so the query is observed
// and bounded by the Reader's transaction timeout.
func (r *Reader) releases(ctx context.Context, version any) ([]ReleaseInfo, error) {
	recs, err := r.query(ctx, releaseQuery, map[string]any{"status": statusComplete, "version": version})
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	out := make([]ReleaseInfo, 0, len(recs))
	for _, rec := range recs {
		out = append(out, releaseFromRecord(rec))
	}
	SortReleases(out)
	return out, nil
}

// Tactic returns one tactic of a release ("" for the current one).
func (r *Reader) Tactic(ctx context.Context, release, id string) (Tactic, error) {
	return byID(ctx, r, qTacticByID, "tactic", release, id, tacticFrom)
}

// Technique returns one technique or sub-technique.
func (r *Reader) Technique(ctx context.Context, release, id string) (Technique, error) {
	return byID(ctx, r, qTechniqueByID, "technique", release, id, techniqueFrom)
}

// Mitigation returns one mitigation.
func (r *Reader) Mitigation(ctx context.Context, release, id string) (Mitigation, error) {
	return byID(ctx, r, qMitigationByID, "mitigation", release, id, mitigationFrom)
}

// CaseStudy returns one case study, without its steps.
func (r *Reader) CaseStudy(ctx context.Context, release, id string) (CaseStudy, error) {
	return byID(ctx, r, qCaseStudyByID, "case study", release, id, caseStudyFrom)
}

// Actor returns one threat actor.
func (r *Reader) Actor(ctx context.Context, release, id string) (Actor, error) {
	return byID(ctx, r, qActorByID, "actor", release, id, actorFrom)
}

func byID[T any](ctx context.Context, r *Reader, cypher, kind, release, id string, from func(dbtype.Node, string) T) (T, error) {
	var zero T
	recs, err := r.query(ctx, cypher, map[string]any{"release": release, "id": id})
	if err != nil {
		return zero, fmt.Errorf("read %s %s: %w", kind, id, err)
	}
	if len(recs) == 0 {
		return zero, &NotFoundError{Kind: "release", ID: release}
	}
	rel := recString(recs[0], "release")
	v, _ := recs[0].Get("n")
	n, ok := v.(dbtype.Node)
	if !ok {
		return zero, &NotFoundError{Kind: kind, ID: id, Release: rel}
	}
	return from(n, rel), nil
}

// listQuery is one list query: the node label, the conditions of the
// filters that are set (fixed Cypher fragments, never user text), and the
// sort order. Only the parameters carry caller values.
type listQuery struct {
	label  string
	conds  []string
	params map[string]any
	search string
	order  string
}

// cypher assembles the query. It yields one row (release, total, page), or
// none when the release is not loaded. The filtered list is collected in a
// subquery so that an empty result still yields the release row.
func (q listQuery) cypher() string {
	var b strings.Builder
	b.WriteString(matchRelease)
	b.WriteString("CALL (release) {\n")
	if q.search != "" {
		b.WriteString("CALL db.index.fulltext.queryNodes('atlas_text', $search) YIELD node AS n\nWHERE n:" + q.label + " AND n.release = release")
	} else {
		b.WriteString("MATCH (n:" + q.label + " {release: release})\nWHERE true")
	}
	for _, c := range q.conds {
		b.WriteString("\n  AND " + c)
	}
	b.WriteString("\nWITH n ORDER BY " + q.order + "\nRETURN collect(n) AS items\n}\n")
	b.WriteString("RETURN release, size(items) AS total, [x IN items WHERE $after = '' OR x.id > $after][..$limit] AS page")
	return b.String()
}

func runList[T any](ctx context.Context, r *Reader, what, release string, q listQuery, page Page, from func(dbtype.Node, string) T) (List[T], error) {
	var out List[T]
	p := q.params
	if p == nil {
		p = map[string]any{}
	}
	p["release"], p["after"] = release, page.After
	limit := math.MaxInt32
	if page.First > 0 {
		limit = page.First + 1 // one more tells whether a next page exists
	}
	p["limit"] = limit
	if q.search != "" {
		lucene, err := LuceneQuery(q.search)
		if err != nil {
			return out, err
		}
		p["search"] = lucene
	}
	recs, err := r.query(ctx, q.cypher(), p)
	if err != nil {
		return out, fmt.Errorf("list %s: %w", what, err)
	}
	if len(recs) == 0 {
		return out, &NotFoundError{Kind: "release", ID: release}
	}
	rec := recs[0]
	out.Release = recString(rec, "release")
	out.Total = recInt(rec, "total")
	v, _ := rec.Get("page")
	nodes, _ := v.([]any)
	if page.First > 0 && len(nodes) > page.First {
		nodes = nodes[:page.First]
		out.HasNextPage = true
	}
	out.Items = make([]T, 0, len(nodes))
	for _, x := range nodes {
		if n, ok := x.(dbtype.Node); ok {
			out.Items = append(out.Items, from(n, out.Release))
		}
	}
	return out, nil
}

// Tactics lists the tactics of a release that meet f: in matrix order
// when page.First is 0 and page.After empty, else sorted by id.
func (r *Reader) Tactics(ctx context.Context, release string, f TacticFilter, page Page) (List[Tactic], error) {
	q := listQuery{label: "Tactic", search: f.Search, order: "n.id"}
	if page.First <= 0 && page.After == "" {
		q.order = "n.position"
	}
	return runList(ctx, r, "tactics", release, q, page, tacticFrom)
}

// Maturities are the maturity values a technique filter accepts.
var Maturities = []string{"Feasible", "Demonstrated", "Realized"}

// Techniques lists the techniques of a release that meet f, sorted by id.
func (r *Reader) Techniques(ctx context.Context, release string, f TechniqueFilter, page Page) (List[Technique], error) {
	q := listQuery{label: "Technique", search: f.Search, order: "n.id", params: map[string]any{}}
	if f.Tactic != "" {
		q.conds = append(q.conds, "EXISTS { (n)-[:ACHIEVES]->(:Tactic {id: $tactic}) }")
		q.params["tactic"] = f.Tactic
	}
	if f.Maturity != "" {
		m := ""
		for _, v := range Maturities {
			if strings.EqualFold(v, f.Maturity) {
				m = v
			}
		}
		if m == "" {
			return List[Technique]{}, fmt.Errorf("%w: maturity %q is not one of %s", ErrBadInput, f.Maturity, strings.Join(Maturities, ", "))
		}
		q.conds = append(q.conds, "n.maturity = $maturity")
		q.params["maturity"] = m
	}
	if f.Platform != "" {
		q.conds = append(q.conds, "$platform IN n.platforms")
		q.params["platform"] = f.Platform
	}
	if f.HasMitigation != nil {
		q.conds = append(q.conds, "EXISTS { (n)<-[:MITIGATES]-(:Mitigation) } = $hasMitigation")
		q.params["hasMitigation"] = *f.HasMitigation
	}
	if f.IsSubtechnique != nil {
		q.conds = append(q.conds, "(n:SubTechnique) = $isSubtechnique")
		q.params["isSubtechnique"] = *f.IsSubtechnique
	}
	return runList(ctx, r, "techniques", release, q, page, techniqueFrom)
}

// Mitigations lists the mitigations of a release that meet f, sorted by id.
func (r *Reader) Mitigations(ctx context.Context, release string, f MitigationFilter, page Page) (List[Mitigation], error) {
	q := listQuery{label: "Mitigation", search: f.Search, order: "n.id", params: map[string]any{}}
	if f.Technique != "" {
		q.conds = append(q.conds, "EXISTS { (n)-[:MITIGATES]->(:Technique {id: $technique}) }")
		q.params["technique"] = f.Technique
	}
	if f.Category != "" {
		q.conds = append(q.conds, "$category IN n.categories")
		q.params["category"] = f.Category
	}
	if f.LifecyclePhase != "" {
		q.conds = append(q.conds, "$lifecyclePhase IN n.lifecyclePhases")
		q.params["lifecyclePhase"] = f.LifecyclePhase
	}
	return runList(ctx, r, "mitigations", release, q, page, mitigationFrom)
}

// CaseStudies lists the case studies of a release that meet f, sorted by id.
func (r *Reader) CaseStudies(ctx context.Context, release string, f CaseStudyFilter, page Page) (List[CaseStudy], error) {
	q := listQuery{label: "CaseStudy", search: f.Search, order: "n.id", params: map[string]any{}}
	if f.Type != "" {
		q.conds = append(q.conds, "toLower(n.type) = toLower($type)")
		q.params["type"] = f.Type
	}
	if f.Technique != "" {
		q.conds = append(q.conds, "EXISTS { (n)-[:HAS_STEP]->(:Step)-[:EMPLOYS]->(:Technique {id: $technique}) }")
		q.params["technique"] = f.Technique
	}
	if f.Actor != "" {
		q.conds = append(q.conds, "EXISTS { (n)-[:ATTRIBUTED_TO]->(:Actor {id: $actor}) }")
		q.params["actor"] = f.Actor
	}
	return runList(ctx, r, "case studies", release, q, page, caseStudyFrom)
}

// Actors lists the actors of a release that meet f, sorted by id.
func (r *Reader) Actors(ctx context.Context, release string, f ActorFilter, page Page) (List[Actor], error) {
	q := listQuery{label: "Actor", search: f.Search, order: "n.id", params: map[string]any{}}
	if f.Technique != "" {
		q.conds = append(q.conds, "EXISTS { (n)-[:USES]->(:Technique {id: $technique}) }")
		q.params["technique"] = f.Technique
	}
	return runList(ctx, r, "actors", release, q, page, actorFrom)
}

// Diff compares two loaded releases (see atlas.Compare). It reads both
// releases whole, a dozen queries that the query observer does not see.
func (r *Reader) Diff(ctx context.Context, from, to string) (atlas.Diff, error) {
	for _, v := range []string{from, to} {
		if _, err := r.ResolveRelease(ctx, v); err != nil {
			return atlas.Diff{}, err
		}
	}
	return r.s.Diff(ctx, from, to)
}
