package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// Release statuses. Only complete releases are listed as usable; a release
// left loading was interrupted and is removed by the next load of it.
const (
	statusLoading  = "loading"
	statusComplete = "complete"
	statusPruning  = "pruning"
)

// BatchSize is the number of rows one UNWIND statement writes.
const BatchSize = 5000

// LoadOptions change how Load writes a release.
type LoadOptions struct {
	// MakeCurrent makes the release current once it is complete.
	MakeCurrent bool
	// Replace reloads a release whose version is loaded from different
	// content. The current release is never replaced in place.
	Replace bool
	// Progress, when set, is called after each batch. It runs on the
	// loading goroutine and should return quickly.
	Progress func(Progress)
}

// Progress reports how far a load has gone.
type Progress struct {
	Phase string // "nodes", "relationships", "derived"
	What  string // the label or relationship type just written
	Rows  int    // rows written so far in this load
	Total int    // rows the load will write
}

// LoadResult says what a load did.
type LoadResult struct {
	Version string
	// Unchanged is true when the same content was already loaded; nothing
	// was written.
	Unchanged bool
	Current   bool
	Counters  Counters
	Duration  time.Duration
}

// Load writes a release to Neo4j. Nothing is visible as a usable release
// until every node and relationship is written; the current release is not
// touched until then, and only when MakeCurrent is set. Loading content that
// is already loaded changes nothing. A release left half-written by an
// interrupted load is removed first.
func (s *Store) Load(ctx context.Context, rel *atlas.Release, opt LoadOptions) (LoadResult, error) {
	start := time.Now()
	res := LoadResult{Version: rel.Version}
	if err := s.EnsureSchema(ctx); err != nil {
		return res, err
	}
	existing, err := s.release(ctx, rel.Version)
	if err != nil {
		return res, err
	}
	if existing != nil {
		switch {
		case existing.Status == statusComplete && existing.SHA256 == rel.SHA256:
			res.Unchanged = true
			if opt.MakeCurrent && !existing.Current {
				if err := s.setCurrent(ctx, &res.Counters, rel.Version); err != nil {
					return res, err
				}
			}
			res.Current = existing.Current || opt.MakeCurrent
			res.Duration = time.Since(start)
			return res, nil
		case existing.Status == statusComplete && existing.Current:
			return res, fmt.Errorf("%w: release %s is current and was loaded from other content (sha256 %s); make another release current first (atlasgraph releases use VERSION), then load again with --replace",
				ErrConflict, rel.Version, existing.SHA256)
		case existing.Status == statusComplete && !opt.Replace:
			return res, fmt.Errorf("%w: release %s is already loaded from other content (sha256 %s); load with --replace to overwrite it, or prune it first (atlasgraph releases prune %s)",
				ErrConflict, rel.Version, existing.SHA256, rel.Version)
		}
		// Interrupted, being pruned, or to be replaced: start from nothing.
		if err := s.deleteRelease(ctx, &res.Counters, rel.Version); err != nil {
			return res, err
		}
	}

	props := map[string]any{"version": rel.Version, "format": string(rel.Format), "sha256": rel.SHA256, "source": rel.Source,
		"status": statusLoading, "current": false, "name": rel.Name, "description": rel.Description}
	setDate(props, "modifiedDate", rel.Modified)
	// What a newer 6.x release adds that this version does not model is
	// kept as JSON text, so nothing in the file is lost (see loader).
	setIf(props, "formatVersion", rel.FormatVersion)
	setIf(props, "extra", rel.Extra)
	setIf(props, "extraSections", rel.ExtraSections)
	setIf(props, "extraRelationships", rel.ExtraRelationships)
	err = s.write(ctx, &res.Counters, `CREATE (r:Release) SET r = $props, r.startedAt = datetime()`, map[string]any{"props": props})
	if err != nil {
		return res, fmt.Errorf("register release %s: %w", rel.Version, err)
	}

	w := &batchWriter{s: s, ctx: ctx, c: &res.Counters, release: rel.Version, progress: opt.Progress}
	if err := w.writeAll(writePlan(rel)); err != nil {
		return res, fmt.Errorf("write %s of release %s (the release stays unusable; load it again): %w", w.what, rel.Version, err)
	}

	counts := map[string]any{
		"tactics": len(rel.Tactics), "techniques": len(rel.Techniques), "mitigations": len(rel.Mitigations),
		"caseStudies": len(rel.CaseStudies), "steps": countSteps(rel), "actors": len(rel.Actors),
	}
	err = s.write(ctx, &res.Counters, `MATCH (r:Release {version: $version}) SET r.status = $status, r.loadedAt = datetime(), r += $counts`,
		map[string]any{"version": rel.Version, "status": statusComplete, "counts": prefixed(counts)})
	if err != nil {
		return res, fmt.Errorf("complete release %s: %w", rel.Version, err)
	}
	if opt.MakeCurrent {
		if err := s.setCurrent(ctx, &res.Counters, rel.Version); err != nil {
			return res, err
		}
		res.Current = true
	}
	res.Duration = time.Since(start)
	return res, nil
}

// prefixed names count properties countTactics, countTechniques, ...
func prefixed(counts map[string]any) map[string]any {
	out := make(map[string]any, len(counts))
	for k, v := range counts {
		out["count"+string(k[0]-'a'+'A')+k[1:]] = v
	}
	return out
}

func countSteps(rel *atlas.Release) int {
	n := 0
	for _, cs := range rel.CaseStudies {
		n += len(cs.Steps)
	}
	return n
}

// Statement is one UNWIND statement of a load and the rows it writes. The
// statement takes the parameters $release and $rows.
type Statement struct {
	What   string
	Phase  string
	Cypher string
	Rows   []map[string]any
}

// WritePlan returns the statements a load runs, in order, with their rows.
// Load is the way to write a release; the plan is exported so that the load
// benchmark can run the very same statements one row at a time.
func WritePlan(rel *atlas.Release) []Statement { return writePlan(rel) }

// TxRows bounds the rows one transaction writes: a release the size of
// ATLAS goes in one transaction, a synthetic one a hundred times larger in a
// few dozen. Whatever the number, the release is invisible until Load marks
// it complete.
const TxRows = 20_000

type batchWriter struct {
	s         *Store
	ctx       context.Context
	c         *Counters
	release   string
	progress  func(Progress)
	total     int
	committed int    // rows in committed transactions, for progress
	what      string // the statement being written, for errors
}

type batch struct {
	st   *Statement
	rows []map[string]any
}

// writeAll cuts the statements into batches of BatchSize rows and writes the
// batches in as few transactions of at most TxRows rows as it can.
func (w *batchWriter) writeAll(plan []Statement) error {
	var pending []batch
	rows := 0
	for i := range plan {
		st := &plan[i]
		w.total += len(st.Rows)
		for j := 0; j < len(st.Rows); j += BatchSize {
			b := batch{st: st, rows: st.Rows[j:min(j+BatchSize, len(st.Rows))]}
			if rows+len(b.rows) > TxRows && len(pending) > 0 {
				if err := w.commit(pending); err != nil {
					return err
				}
				pending, rows = nil, 0
			}
			pending = append(pending, b)
			rows += len(b.rows)
		}
	}
	if len(pending) == 0 {
		return nil
	}
	return w.commit(pending)
}

// commit writes batches in one managed transaction and adds what they
// changed to the load's counters once it has committed.
func (w *batchWriter) commit(batches []batch) error {
	sess := w.s.session(w.ctx, neo4j.AccessModeWrite)
	defer sess.Close(w.ctx)
	before := w.committed
	out, err := sess.ExecuteWrite(w.ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		// A retried transaction starts over: count afresh.
		var local Counters
		done := before
		for _, b := range batches {
			w.what = b.st.What
			res, err := tx.Run(w.ctx, b.st.Cypher, map[string]any{"release": w.release, "rows": b.rows})
			if err != nil {
				return nil, err
			}
			sum, err := res.Consume(w.ctx)
			if err != nil {
				return nil, err
			}
			local.add(sum.Counters())
			done += len(b.rows)
			if w.progress != nil {
				w.progress(Progress{Phase: b.st.Phase, What: b.st.What, Rows: done, Total: w.total})
			}
		}
		return local, nil
	})
	if err != nil {
		return classify(err)
	}
	local := out.(Counters)
	w.c.NodesCreated += local.NodesCreated
	w.c.RelationshipsCreated += local.RelationshipsCreated
	w.c.PropertiesSet += local.PropertiesSet
	w.c.LabelsAdded += local.LabelsAdded
	for _, b := range batches {
		w.committed += len(b.rows)
	}
	return nil
}

// Cypher of a load, one statement per label and relationship type. Nodes
// are created, not merged: a load always starts from an empty release.
const (
	createTactics     = `UNWIND $rows AS row CREATE (n:Tactic) SET n = row.props, n.release = $release`
	createTechniques  = `UNWIND $rows AS row CREATE (n:Technique) SET n = row.props, n.release = $release`
	createSubs        = `UNWIND $rows AS row CREATE (n:Technique:SubTechnique) SET n = row.props, n.release = $release`
	createMitigations = `UNWIND $rows AS row CREATE (n:Mitigation) SET n = row.props, n.release = $release`
	createCaseStudies = `UNWIND $rows AS row CREATE (n:CaseStudy) SET n = row.props, n.release = $release`
	createActors      = `UNWIND $rows AS row CREATE (n:Actor) SET n = row.props, n.release = $release`
	createSteps       = `UNWIND $rows AS row
MATCH (c:CaseStudy {release: $release, id: row.caseStudy})
MATCH (t:Technique {release: $release, id: row.technique})
MATCH (ta:Tactic {release: $release, id: row.tactic})
CREATE (s:Step) SET s = row.props, s.release = $release
CREATE (c)-[:HAS_STEP {release: $release, position: row.props.position}]->(s)
CREATE (s)-[:EMPLOYS {release: $release}]->(t)
CREATE (s)-[:IN_TACTIC {release: $release}]->(ta)`
	createAchieves = `UNWIND $rows AS row
MATCH (a:Technique {release: $release, id: row.from})
MATCH (b:Tactic {release: $release, id: row.to})
CREATE (a)-[:ACHIEVES {release: $release}]->(b)`
	createSpecializes = `UNWIND $rows AS row
MATCH (a:Technique {release: $release, id: row.from})
MATCH (b:Technique {release: $release, id: row.to})
CREATE (a)-[:SPECIALIZES {release: $release}]->(b)`
	createMitigates = `UNWIND $rows AS row
MATCH (a:Mitigation {release: $release, id: row.from})
MATCH (b:Technique {release: $release, id: row.to})
CREATE (a)-[:MITIGATES {release: $release, description: row.description}]->(b)`
	createLeadsTo = `UNWIND $rows AS row
MATCH (a:Step {release: $release, id: row.from})
MATCH (b:Step {release: $release, id: row.to})
CREATE (a)-[:LEADS_TO {release: $release}]->(b)`
	createAttributed = `UNWIND $rows AS row
MATCH (a:CaseStudy {release: $release, id: row.from})
MATCH (b:Actor {release: $release, id: row.to})
CREATE (a)-[:ATTRIBUTED_TO {release: $release}]->(b)`
	createPrecedes = `UNWIND $rows AS row
MATCH (a:Technique {release: $release, id: row.from})
MATCH (b:Technique {release: $release, id: row.to})
CREATE (a)-[:PRECEDES {release: $release, count: row.count, caseStudies: row.caseStudies}]->(b)`
	createUses = `UNWIND $rows AS row
MATCH (a:Actor {release: $release, id: row.from})
MATCH (b:Technique {release: $release, id: row.to})
CREATE (a)-[:USES {release: $release, caseStudies: row.caseStudies}]->(b)`
)

// StepKey is the id of a Step node: the case study id and the step id.
func StepKey(caseStudy, stepID string) string { return caseStudy + "/" + stepID }

// writePlan turns a release into the statements that write it, in an order
// where every relationship finds both of its ends.
func writePlan(rel *atlas.Release) []Statement {
	var tactics, techs, subs, mits, cases, actors, steps []map[string]any
	var achieves, specializes, mitigates, leads, attributed, precedes, uses []map[string]any
	for _, t := range rel.Tactics {
		p := objectProps(t.Object)
		p["position"] = t.Position
		tactics = append(tactics, map[string]any{"props": p})
	}
	for _, t := range rel.Techniques {
		p := objectProps(t.Object)
		p["platforms"] = nonNil(t.Platforms)
		setIf(p, "maturity", t.Maturity)
		if t.Parent != "" {
			p["parent"] = t.Parent
			subs = append(subs, map[string]any{"props": p})
			specializes = append(specializes, link(t.ID, t.Parent))
		} else {
			techs = append(techs, map[string]any{"props": p})
		}
		for _, ta := range t.Tactics {
			achieves = append(achieves, link(t.ID, ta))
		}
	}
	for _, m := range rel.Mitigations {
		p := objectProps(m.Object)
		p["lifecyclePhases"] = nonNil(m.LifecyclePhases)
		p["categories"] = nonNil(m.Categories)
		mits = append(mits, map[string]any{"props": p})
		for _, l := range m.Mitigates {
			row := link(m.ID, l.Technique)
			row["description"] = l.Description
			mitigates = append(mitigates, row)
		}
	}
	for _, c := range rel.CaseStudies {
		p := objectProps(c.Object)
		setIf(p, "type", c.Type)
		setIf(p, "actorText", c.ActorText)
		setIf(p, "target", c.Target)
		setIf(p, "reporter", c.Reporter)
		setDate(p, "date", c.Date)
		setIf(p, "dateGranularity", c.DateGranularity)
		cases = append(cases, map[string]any{"props": p})
		for i, s := range c.Steps {
			steps = append(steps, map[string]any{
				"caseStudy": c.ID, "technique": s.Technique, "tactic": s.Tactic,
				"props": map[string]any{
					"id": StepKey(c.ID, s.ID), "stepId": s.ID, "caseStudy": c.ID, "position": i,
					"description": s.Description,
				},
			})
			for _, n := range s.LeadsTo {
				leads = append(leads, link(StepKey(c.ID, s.ID), StepKey(c.ID, n)))
			}
		}
		for _, a := range c.Actors {
			attributed = append(attributed, link(c.ID, a))
		}
	}
	for _, a := range rel.Actors {
		actors = append(actors, map[string]any{"props": map[string]any{"id": a.ID, "name": a.Name, "aliases": nonNil(a.Aliases)}})
	}
	for _, t := range rel.Transitions() {
		row := link(t.From, t.To)
		row["count"], row["caseStudies"] = t.Count, t.CaseStudies
		precedes = append(precedes, row)
	}
	for _, u := range rel.Uses() {
		row := link(u.Actor, u.Technique)
		row["caseStudies"] = u.CaseStudies
		uses = append(uses, row)
	}
	return []Statement{
		{"tactics", "nodes", createTactics, tactics},
		{"techniques", "nodes", createTechniques, techs},
		{"sub-techniques", "nodes", createSubs, subs},
		{"mitigations", "nodes", createMitigations, mits},
		{"case studies", "nodes", createCaseStudies, cases},
		{"actors", "nodes", createActors, actors},
		{"steps", "nodes", createSteps, steps},
		{"ACHIEVES", "relationships", createAchieves, achieves},
		{"SPECIALIZES", "relationships", createSpecializes, specializes},
		{"MITIGATES", "relationships", createMitigates, mitigates},
		{"LEADS_TO", "relationships", createLeadsTo, leads},
		{"ATTRIBUTED_TO", "relationships", createAttributed, attributed},
		{"PRECEDES", "derived", createPrecedes, precedes},
		{"USES", "derived", createUses, uses},
	}
}

func link(from, to string) map[string]any { return map[string]any{"from": from, "to": to} }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func setIf(p map[string]any, k, v string) {
	if v != "" {
		p[k] = v
	}
}

func setDate(p map[string]any, k, v string) {
	if v == "" {
		return
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		// The loader checked the shape; a date like 2024-02-30 is kept as
		// text rather than lost.
		p[k] = v
		return
	}
	p[k] = neo4j.DateOf(t)
}

// objectProps maps the common fields to node properties. References and
// unknown source fields are JSON text: Neo4j properties cannot hold maps.
func objectProps(o atlas.Object) map[string]any {
	p := map[string]any{"id": o.ID, "name": o.Name, "description": o.Description}
	setIf(p, "uuid", o.UUID)
	refs, _ := json.Marshal(nonNilRefs(o.References))
	p["references"] = string(refs)
	setDate(p, "createdDate", o.Created)
	setDate(p, "modifiedDate", o.Modified)
	if o.Attack != nil {
		p["attackId"] = o.Attack.ID
		setIf(p, "attackUrl", o.Attack.URL)
	}
	setIf(p, "extra", o.Extra)
	return p
}

func nonNilRefs(r []atlas.Reference) []atlas.Reference {
	if r == nil {
		return []atlas.Reference{}
	}
	return r
}
