package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
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

// CurrentChoice says whether a load makes its release current.
type CurrentChoice int

const (
	// CurrentIfNotOlder, the default, makes the release current unless the
	// current release has a newer version (see atlas.CompareVersions); an older
	// release is staged, and LoadResult says so.
	CurrentIfNotOlder CurrentChoice = iota
	// CurrentAlways makes the release current whatever its version.
	CurrentAlways
	// CurrentNever stages the release: the current release stays current.
	CurrentNever
)

// NotCurrentReason says why a loaded release was not made current.
type NotCurrentReason string

const (
	// NotCurrentAsked: the load was told not to (CurrentNever).
	NotCurrentAsked NotCurrentReason = "asked"
	// NotCurrentOlder: the current release has a newer version.
	NotCurrentOlder NotCurrentReason = "older"
)

// LoadOptions change how Load writes a release.
type LoadOptions struct {
	// Current says whether the release becomes current once complete; the
	// zero value is CurrentIfNotOlder.
	Current CurrentChoice
	// Replace reloads a release whose version is loaded from different
	// content. The new content is written beside the old one and replaces
	// it in one transaction at the end, so the old release stays whole and
	// readable until then, and after any interruption. The current release
	// is never replaced.
	Replace bool
	// Progress, when set, is called after each batch. It runs on the
	// loading goroutine and should return quickly.
	Progress func(Progress)
}

func (o LoadOptions) choice() CurrentChoice { return o.Current }

// CurrentWhen is CurrentAlways when b holds and CurrentNever otherwise.
func CurrentWhen(b bool) CurrentChoice {
	if b {
		return CurrentAlways
	}
	return CurrentNever
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
	// was written (but for making it current).
	Unchanged bool
	// Replaced is true when other content of the same version was
	// replaced.
	Replaced bool
	// Current is true when the release is current after the load.
	Current bool
	// NotCurrent says why the release is not current ("" when it is).
	NotCurrent NotCurrentReason
	// CurrentVersion is the current release after the load ("" if none).
	CurrentVersion string
	// Cleaned counts the nodes left by interrupted operations on this
	// version that the load removed first.
	Cleaned  int
	Counters Counters
	Duration time.Duration
}

// Note is one sentence for a person about a release that was loaded but
// not made current, with how to switch to it; "" when it is current.
func (r LoadResult) Note() string {
	switch {
	case r.Current:
		return ""
	case r.NotCurrent == NotCurrentOlder:
		return fmt.Sprintf("loaded %s and staged it: it is older than the current %s; `atlasgraph releases use %s` to switch (or load with --current)",
			r.Version, r.CurrentVersion, r.Version)
	default:
		return fmt.Sprintf("loaded %s and staged it, as asked; `atlasgraph releases use %s` to switch", r.Version, r.Version)
	}
}

// stagingKey is the release property of the nodes a replace writes
// before it switches: ids stay unique per key, the old release keeps its
// own, and the nodes of an interrupted replace are found by prefix.
func stagingKey(version string) string {
	return version + "#staging-" + randomID()
}

// Load writes a release to Neo4j. Nothing is visible as a usable release
// until every node and relationship is written; the current release is not
// touched until then, and only as opt.Current says. Loading content that is
// already loaded changes nothing. Load holds the version's lease (see
// BusyError) from start to end, and removes first whatever an interrupted
// load, replace or prune of the version left.
func (s *Store) Load(ctx context.Context, rel *atlas.Release, opt LoadOptions) (res LoadResult, err error) {
	start := time.Now()
	res.Version = rel.Version
	if strings.TrimSpace(rel.Version) == "" || strings.ContainsAny(rel.Version, "#") {
		return res, fmt.Errorf("%w: release version %q cannot be stored: it must not be empty nor contain '#'", atlas.ErrBadInput, rel.Version)
	}
	if err := s.EnsureSchema(ctx); err != nil {
		return res, err
	}
	op := opLoad
	if opt.Replace {
		op = opReplace
	}
	l, ctx, err := s.acquire(ctx, rel.Version, op)
	if err != nil {
		return res, err
	}
	defer l.release(ctx)
	defer func() {
		err = cause(ctx, err)
		res.Duration = time.Since(start)
	}()
	if err := s.checkpoint("load:lease"); err != nil {
		return res, err
	}
	existing, err := s.release(ctx, rel.Version)
	if err != nil {
		return res, err
	}
	complete := existing != nil && existing.Status == statusComplete
	if complete {
		switch {
		case existing.SHA256 == rel.SHA256:
			res.Unchanged = true
		case existing.Current:
			return res, fmt.Errorf("%w: release %s is current and was loaded from other content (sha256 %s); make another release current first (atlasgraph releases use VERSION), then load again with --replace",
				atlas.ErrConflict, rel.Version, existing.SHA256)
		case !opt.Replace:
			return res, fmt.Errorf("%w: release %s is already loaded from other content (sha256 %s); load with --replace to overwrite it, or prune it first (atlasgraph releases prune %s)",
				atlas.ErrConflict, rel.Version, existing.SHA256, rel.Version)
		}
	}
	// What interrupted operations left: staging nodes of a replace, and
	// all of a release that never completed (or was being pruned).
	left, err := s.countNodes(ctx, rel.Version, true)
	if err != nil {
		return res, err
	}
	if !complete && (existing != nil || left > 0) {
		res.Cleaned = left
		if err := s.deleteRelease(ctx, &res.Counters, l); err != nil {
			return res, fmt.Errorf("remove what an interrupted operation left of release %s: %w", rel.Version, err)
		}
	} else if left > 0 {
		n, err := s.countNodes(ctx, rel.Version, false)
		if err != nil {
			return res, err
		}
		res.Cleaned = left - n
		if res.Cleaned > 0 {
			if err := s.deleteNodes(ctx, &res.Counters, l, rel.Version+"#", true); err != nil {
				return res, fmt.Errorf("remove what an interrupted replace of release %s left: %w", rel.Version, err)
			}
		}
	}
	switch {
	case res.Unchanged:
	case complete:
		if err := s.replace(ctx, &res.Counters, l, rel, opt); err != nil {
			return res, err
		}
		res.Replaced = true
	default:
		if err := s.loadNew(ctx, &res.Counters, l, rel, opt); err != nil {
			return res, err
		}
	}
	return res, s.applyCurrent(ctx, &res, l, opt.choice())
}

// applyCurrent makes the loaded release current as the choice says, and
// records the outcome in res.
func (s *Store) applyCurrent(ctx context.Context, res *LoadResult, l *lease, choice CurrentChoice) error {
	if err := s.checkpoint("load:before-current"); err != nil {
		return err
	}
	if choice == CurrentNever {
		cur, err := s.releases(ctx, "")
		if err != nil {
			return err
		}
		if len(cur) > 0 {
			res.CurrentVersion = cur[0].Version
		}
		res.Current = res.CurrentVersion == res.Version
		if !res.Current {
			res.NotCurrent = NotCurrentAsked
		}
		return nil
	}
	made, cur, err := s.switchCurrent(ctx, &res.Counters, l, choice == CurrentIfNotOlder)
	if err != nil {
		return err
	}
	res.Current, res.CurrentVersion = made, cur
	if !made {
		res.NotCurrent = NotCurrentOlder
	}
	return nil
}

// releaseProps are the properties of a Release node that describe its
// content.
func releaseProps(rel *atlas.Release) map[string]any {
	props := map[string]any{"version": rel.Version, "format": string(rel.Format), "sha256": rel.SHA256, "source": rel.Source,
		"name": rel.Name, "description": rel.Description}
	setDate(props, "modifiedDate", rel.Modified)
	// What a newer 6.x release adds that this version does not model is
	// kept as JSON text, so nothing in the file is lost (see loader).
	setIf(props, "formatVersion", rel.FormatVersion)
	setIf(props, "extra", rel.Extra)
	setIf(props, "extraSections", rel.ExtraSections)
	setIf(props, "extraRelationships", rel.ExtraRelationships)
	counts := map[string]any{
		"tactics": len(rel.Tactics), "techniques": len(rel.Techniques), "mitigations": len(rel.Mitigations),
		"caseStudies": len(rel.CaseStudies), "steps": countSteps(rel), "actors": len(rel.Actors),
	}
	for k, v := range prefixed(counts) {
		props[k] = v
	}
	return props
}

// loadNew writes a release whose version has nothing stored: a Release
// node in status loading, the batches under the version itself, then the
// status complete in a transaction fenced by the lease.
func (s *Store) loadNew(ctx context.Context, c *Counters, l *lease, rel *atlas.Release, opt LoadOptions) error {
	props := releaseProps(rel)
	props["status"], props["current"] = statusLoading, false
	err := s.fenced(ctx, c, l, `CREATE (r:Release) SET r = $props, r.startedAt = datetime()`, map[string]any{"props": props})
	if err != nil {
		return fmt.Errorf("register release %s: %w", rel.Version, err)
	}
	if err := s.checkpoint("load:registered"); err != nil {
		return err
	}
	w := &batchWriter{s: s, ctx: ctx, c: c, release: rel.Version, progress: opt.Progress, txRows: s.txRows}
	if err := w.writeAll(writePlan(rel)); err != nil {
		return fmt.Errorf("write %s of release %s (the release stays unusable; load it again): %w", w.what, rel.Version, cause(ctx, err))
	}
	if err := s.checkpoint("load:written"); err != nil {
		return err
	}
	err = s.fenced(ctx, c, l, `MATCH (r:Release {version: $version}) SET r.status = $status, r.loadedAt = datetime()`,
		map[string]any{"status": statusComplete})
	if err != nil {
		return fmt.Errorf("complete release %s: %w", rel.Version, err)
	}
	return s.checkpoint("load:complete")
}

// replace writes the new content of a complete, not current release under
// a staging key, then swaps it for the old content in one transaction.
// Until that transaction commits the old release is whole and readable; if
// the process dies before, the staging nodes are leftovers that the next
// load or prune of the version removes.
func (s *Store) replace(ctx context.Context, c *Counters, l *lease, rel *atlas.Release, opt LoadOptions) error {
	key := stagingKey(rel.Version)
	w := &batchWriter{s: s, ctx: ctx, c: c, release: key, progress: opt.Progress, txRows: s.txRows}
	if err := w.writeAll(writePlan(rel)); err != nil {
		return fmt.Errorf("write %s of the new content of release %s (the loaded content stays as it was; load it again): %w", w.what, rel.Version, cause(ctx, err))
	}
	if err := s.checkpoint("replace:staged"); err != nil {
		return err
	}
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	p := l.params(map[string]any{"staging": key, "props": releaseProps(rel), "status": statusComplete})
	out, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		var local Counters
		if err := s.fence(ctx, tx, l); err != nil {
			return nil, err
		}
		run := func(cypher string) error {
			res, err := tx.Run(ctx, cypher, p)
			if err != nil {
				return err
			}
			sum, err := res.Consume(ctx)
			if err != nil {
				return err
			}
			local.add(sum.Counters())
			return s.checkpoint("replace:switch-statement")
		}
		// The old content goes first, so the renamed nodes keep ids unique.
		for _, label := range releaseLabels {
			if err := run(fmt.Sprintf(`MATCH (n:%s {release: $version}) DETACH DELETE n`, label)); err != nil {
				return nil, err
			}
		}
		for _, label := range releaseLabels {
			if err := run(fmt.Sprintf(`MATCH (n:%s {release: $staging}) SET n.release = $version`, label)); err != nil {
				return nil, err
			}
			if err := run(fmt.Sprintf(`MATCH (n:%s {release: $version})-[e]->() WHERE e.release = $staging SET e.release = $version`, label)); err != nil {
				return nil, err
			}
		}
		if err := run(`MATCH (r:Release {version: $version, status: $status}) SET r += $props, r.loadedAt = datetime()`); err != nil {
			return nil, err
		}
		return local, nil
	}, leaseTx(ctx))
	if err != nil {
		return fmt.Errorf("switch release %s to its new content (the loaded content stays as it was): %w", rel.Version, cause(ctx, classify(err)))
	}
	c.add2(out.(Counters))
	return s.checkpoint("replace:switched")
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
	txRows    int    // TxRows when zero
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
	limit := w.txRows
	if limit <= 0 {
		limit = TxRows
	}
	for i := range plan {
		st := &plan[i]
		w.total += len(st.Rows)
		for j := 0; j < len(st.Rows); j += BatchSize {
			b := batch{st: st, rows: st.Rows[j:min(j+BatchSize, len(st.Rows))]}
			if rows+len(b.rows) > limit && len(pending) > 0 {
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
		// Under a lease (a load or replace), the batch commits only while
		// the lease is this operation's: a holder that stalled past its
		// lease writes nothing once another took over.
		if l := leaseOf(w.ctx); l != nil {
			if err := w.s.fence(w.ctx, tx, l); err != nil {
				return nil, err
			}
		}
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
			if err := w.s.checkpoint("load:statement"); err != nil {
				return nil, err
			}
		}
		return local, nil
	}, leaseTx(w.ctx))
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
	return w.s.checkpoint("load:committed")
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
