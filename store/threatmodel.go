package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Threat models live apart from release data: their own labels
// (:ThreatModel, :TMComponent, :TMControl, :TMAcceptedRisk), no release
// property, so switching or pruning releases never touches them. A model
// carries a version number that every write must name; the write takes the
// model node's lock first, so two writers naming the same version cannot
// both succeed. Reads go to the writer (readLatest), so that behind a load
// balancer a model written through one server reads back whole through any
// other at once.

const tmConstraint = `CREATE CONSTRAINT threat_model_id IF NOT EXISTS FOR (m:ThreatModel) REQUIRE m.id IS UNIQUE`

const tmLock = `MATCH (m:ThreatModel {id: $id}) SET m.locked = true`

const tmVersion = `MATCH (m:ThreatModel {id: $id}) RETURN m.version AS version`

const tmCreate = `CREATE (m:ThreatModel {id: $id, version: 0})`

const tmClear = `MATCH (m:ThreatModel {id: $id})
OPTIONAL MATCH (m)-[:HAS_COMPONENT|HAS_CONTROL|ACCEPTS_RISK]->(c)
DETACH DELETE c`

const tmWrite = `MATCH (m:ThreatModel {id: $id})
SET m.name = $name, m.description = $description, m.atlasRelease = $release, m.preferences = $preferences,
    m.version = m.version + 1, m.locked = false
WITH m
CALL (m) {
  UNWIND $components AS c
  CREATE (m)-[:HAS_COMPONENT]->(:TMComponent {model: m.id, id: c.id, kind: c.kind, name: c.name,
    description: c.description, properties: c.properties, line: c.line, col: c.col, position: c.position})
}
CALL (m) {
  UNWIND $flows AS f
  MATCH (m)-[:HAS_COMPONENT]->(a:TMComponent {id: f.from})
  MATCH (m)-[:HAS_COMPONENT]->(b:TMComponent {id: f.to})
  CREATE (a)-[:FLOW {id: f.id, trustBoundary: f.trustBoundary, data: f.data, line: f.line, col: f.col, position: f.position}]->(b)
}
CALL (m) {
  UNWIND $controls AS c
  CREATE (m)-[:HAS_CONTROL]->(:TMControl {model: m.id, id: c.id, mitigation: c.mitigation, status: c.status,
    scope: c.scope, note: c.note, line: c.line, col: c.col, position: c.position})
}
CALL (m) {
  UNWIND $risks AS r
  CREATE (m)-[:ACCEPTS_RISK]->(:TMAcceptedRisk {model: m.id, technique: r.technique, owner: r.owner,
    reason: r.reason, expires: r.expires, line: r.line, col: r.col, position: r.position})
}
RETURN m.version AS version`

const tmRead = `MATCH (m:ThreatModel {id: $id})
CALL (m) {
  OPTIONAL MATCH (m)-[:HAS_COMPONENT]->(c:TMComponent)
  WITH c ORDER BY c.position
  RETURN collect(c {.*}) AS components
}
CALL (m) {
  OPTIONAL MATCH (m)-[:HAS_COMPONENT]->(a:TMComponent)-[f:FLOW]->(b:TMComponent)
  WITH a, f, b ORDER BY f.position
  RETURN collect(CASE WHEN f IS NULL THEN NULL ELSE f {.*, from: a.id, to: b.id} END) AS flows
}
CALL (m) {
  OPTIONAL MATCH (m)-[:HAS_CONTROL]->(c:TMControl)
  WITH c ORDER BY c.position
  RETURN collect(c {.*}) AS controls
}
CALL (m) {
  OPTIONAL MATCH (m)-[:ACCEPTS_RISK]->(r:TMAcceptedRisk)
  WITH r ORDER BY r.position
  RETURN collect(r {.*}) AS risks
}
RETURN m {.*} AS model, components, flows, controls, risks`

const tmList = `MATCH (m:ThreatModel) WHERE m.version > 0
RETURN m.id AS id ORDER BY m.id LIMIT $limit`

const tmDelete = `MATCH (m:ThreatModel {id: $id})
OPTIONAL MATCH (m)-[:HAS_COMPONENT|HAS_CONTROL|ACCEPTS_RISK]->(c)
DETACH DELETE c, m`

// The sentinels of stored threat models, checked with errors.Is; each
// also matches the atlas kind it is (atlas.ErrConflict, atlas.ErrNotFound).
var (
	// ErrModelExists: a model of that id is already stored.
	ErrModelExists = fmt.Errorf("%w: threat model exists", atlas.ErrConflict)
	// ErrModelStale: the write named a version that is no longer the stored one.
	ErrModelStale = fmt.Errorf("%w: stale threat-model version", atlas.ErrConflict)
	// ErrNoModel: no model of that id is stored.
	ErrNoModel = fmt.Errorf("%w: no such threat model", atlas.ErrNotFound)
)

// ModelRecord is a threat model as stored: its parts in order, each with
// the place it had in the file it came from. The application layer turns
// it into a threat model and back; the store knows nothing of what a model
// means.
type ModelRecord struct {
	Name, Description, Release string
	// Preferences is the model's preferences as JSON text, "" when none.
	Preferences   string
	Components    []ComponentRecord
	Flows         []FlowRecord
	Controls      []ControlRecord
	AcceptedRisks []RiskRecord
}

// Place is a line and column in a model file (0 when unknown).
type Place struct{ Line, Col int }

// ComponentRecord is a stored component; Properties hold booleans and text.
type ComponentRecord struct {
	ID, Kind, Name, Description string
	Properties                  map[string]any
	Place
}

// FlowRecord is a stored data flow.
type FlowRecord struct {
	ID, From, To  string
	TrustBoundary bool
	Data          string
	Place
}

// ControlRecord is a stored control.
type ControlRecord struct {
	ID, Mitigation, Status string
	Scope                  []string
	Note                   string
	Place
}

// RiskRecord is a stored accepted risk.
type RiskRecord struct {
	Technique, Owner, Reason, Expires string
	Place
}

// EnsureThreatModelSchema creates the uniqueness constraint on model ids.
// Call it once at start-up, before serving: a schema change waits for every
// open transaction, so it does not belong in a request.
func (s *Store) EnsureThreatModelSchema(ctx context.Context) error {
	if err := s.write(ctx, nil, tmConstraint, nil); err != nil {
		return fmt.Errorf("threat-model constraint: %w", classify(err))
	}
	return nil
}

// CreateModel stores a new model under id; it fails with ErrModelExists
// when the id is taken. It returns the version (1).
func (s *Store) CreateModel(ctx context.Context, id string, m ModelRecord) (int, error) {
	return s.saveModel(ctx, id, 0, m)
}

// ReplaceModel replaces the stored model id, provided its version is still
// version; otherwise it fails with ErrModelStale (or ErrNoModel) and
// changes nothing. It returns the new version.
func (s *Store) ReplaceModel(ctx context.Context, id string, version int, m ModelRecord) (int, error) {
	return s.saveModel(ctx, id, version, m)
}

func (s *Store) saveModel(ctx context.Context, id string, version int, m ModelRecord) (int, error) {
	params := modelParams(id, m)
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	out, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		p := map[string]any{"id": id}
		if version == 0 {
			res, err := tx.Run(ctx, tmVersion, p)
			if err != nil {
				return nil, err
			}
			if res.Next(ctx) {
				return nil, fmt.Errorf("%w: a threat model %q is already stored; pick another id or update it", ErrModelExists, id)
			}
			if _, err := tx.Run(ctx, tmCreate, p); err != nil {
				return nil, err
			}
		} else {
			if err := lockAtVersion(ctx, tx, p, id, version, "read it again and reapply your change"); err != nil {
				return nil, err
			}
			if _, err := tx.Run(ctx, tmClear, p); err != nil {
				return nil, err
			}
		}
		res, err := tx.Run(ctx, tmWrite, params)
		if err != nil {
			return nil, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return nil, err
		}
		v, _ := rec.Get("version")
		return v, nil
	})
	if err != nil {
		var ne *neo4j.Neo4jError
		if errors.As(err, &ne) && ne.Code == "Neo.ClientError.Schema.ConstraintValidationFailed" {
			return 0, fmt.Errorf("%w: a threat model %q is already stored", ErrModelExists, id)
		}
		if errors.Is(err, ErrModelExists) || errors.Is(err, ErrModelStale) || errors.Is(err, ErrNoModel) {
			return 0, err
		}
		return 0, fmt.Errorf("save threat model %q: %w", id, classify(err))
	}
	return int(out.(int64)), nil
}

func modelParams(id string, m ModelRecord) map[string]any {
	comps := make([]map[string]any, 0, len(m.Components))
	for i, c := range m.Components {
		props := c.Properties
		if props == nil {
			props = map[string]any{}
		}
		b, _ := json.Marshal(props)
		comps = append(comps, map[string]any{"id": c.ID, "kind": c.Kind, "name": c.Name, "description": c.Description,
			"properties": string(b), "line": c.Line, "col": c.Col, "position": i})
	}
	flows := make([]map[string]any, 0, len(m.Flows))
	for i, f := range m.Flows {
		flows = append(flows, map[string]any{"id": f.ID, "from": f.From, "to": f.To, "trustBoundary": f.TrustBoundary, "data": f.Data,
			"line": f.Line, "col": f.Col, "position": i})
	}
	ctrls := make([]map[string]any, 0, len(m.Controls))
	for i, c := range m.Controls {
		scope := c.Scope
		if scope == nil {
			scope = []string{}
		}
		ctrls = append(ctrls, map[string]any{"id": c.ID, "mitigation": c.Mitigation, "status": c.Status, "scope": scope, "note": c.Note,
			"line": c.Line, "col": c.Col, "position": i})
	}
	risks := make([]map[string]any, 0, len(m.AcceptedRisks))
	for i, a := range m.AcceptedRisks {
		risks = append(risks, map[string]any{"technique": a.Technique, "owner": a.Owner, "reason": a.Reason, "expires": a.Expires,
			"line": a.Line, "col": a.Col, "position": i})
	}
	return map[string]any{"id": id, "name": m.Name, "description": m.Description, "release": m.Release, "preferences": m.Preferences,
		"components": comps, "flows": flows, "controls": ctrls, "risks": risks}
}

// GetModel reads a stored model and its version; ErrNoModel when there is
// none.
func (s *Store) GetModel(ctx context.Context, id string) (ModelRecord, int, error) {
	recs, err := s.readLatest(ctx, tmRead, map[string]any{"id": id})
	if err != nil {
		return ModelRecord{}, 0, fmt.Errorf("read threat model %q: %w", id, err)
	}
	if len(recs) == 0 {
		return ModelRecord{}, 0, fmt.Errorf("%w: no threat model %q", ErrNoModel, id)
	}
	r := recs[0]
	get := func(k string) any { v, _ := r.Get(k); return v }
	mm := get("model").(map[string]any)
	m := ModelRecord{Name: str(mm["name"]), Description: str(mm["description"]), Release: str(mm["atlasRelease"]), Preferences: str(mm["preferences"])}
	place := func(x map[string]any) Place { return Place{Line: int(num(x["line"])), Col: int(num(x["col"]))} }
	for _, v := range get("components").([]any) {
		c := v.(map[string]any)
		comp := ComponentRecord{ID: str(c["id"]), Kind: str(c["kind"]), Name: str(c["name"]), Description: str(c["description"]), Place: place(c)}
		_ = json.Unmarshal([]byte(str(c["properties"])), &comp.Properties)
		m.Components = append(m.Components, comp)
	}
	for _, v := range get("flows").([]any) {
		f := v.(map[string]any)
		tb, _ := f["trustBoundary"].(bool)
		m.Flows = append(m.Flows, FlowRecord{ID: str(f["id"]), From: str(f["from"]), To: str(f["to"]), TrustBoundary: tb, Data: str(f["data"]), Place: place(f)})
	}
	for _, v := range get("controls").([]any) {
		c := v.(map[string]any)
		var scope []string
		for _, x := range c["scope"].([]any) {
			scope = append(scope, str(x))
		}
		m.Controls = append(m.Controls, ControlRecord{ID: str(c["id"]), Mitigation: str(c["mitigation"]), Status: str(c["status"]), Scope: scope, Note: str(c["note"]), Place: place(c)})
	}
	for _, v := range get("risks").([]any) {
		a := v.(map[string]any)
		m.AcceptedRisks = append(m.AcceptedRisks, RiskRecord{Technique: str(a["technique"]), Owner: str(a["owner"]), Reason: str(a["reason"]), Expires: str(a["expires"]), Place: place(a)})
	}
	return m, int(num(mm["version"])), nil
}

// ListModels returns the ids of the stored models, sorted, at most limit.
func (s *Store) ListModels(ctx context.Context, limit int) ([]string, error) {
	recs, err := s.readLatest(ctx, tmList, map[string]any{"limit": limit})
	if err != nil {
		return nil, fmt.Errorf("list threat models: %w", err)
	}
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		v, _ := r.Get("id")
		out = append(out, str(v))
	}
	return out, nil
}

// lockAtVersion locks the stored model id (parameters p) for the rest of
// tx and checks it is still at version: ErrNoModel when there is none,
// ErrModelStale (ending with hint) when it moved on.
func lockAtVersion(ctx context.Context, tx neo4j.ManagedTransaction, p map[string]any, id string, version int, hint string) error {
	if _, err := tx.Run(ctx, tmLock, p); err != nil {
		return err
	}
	res, err := tx.Run(ctx, tmVersion, p)
	if err != nil {
		return err
	}
	rec, err := res.Single(ctx)
	if err != nil {
		return fmt.Errorf("%w: no threat model %q", ErrNoModel, id)
	}
	cur, _ := rec.Get("version")
	if cur.(int64) != int64(version) {
		return fmt.Errorf("%w: threat model %q is at version %d, not %d; %s", ErrModelStale, id, cur, version, hint)
	}
	return nil
}

// DeleteModel deletes a stored model at version; ErrModelStale when
// it moved on, atlas.ErrNotFound when there is none.
func (s *Store) DeleteModel(ctx context.Context, id string, version int) error {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		p := map[string]any{"id": id}
		if err := lockAtVersion(ctx, tx, p, id, version, "read it again"); err != nil {
			return nil, err
		}
		_, err := tx.Run(ctx, tmDelete, p)
		return nil, err
	})
	if err != nil {
		if errors.Is(err, ErrModelStale) || errors.Is(err, ErrNoModel) {
			return err
		}
		return fmt.Errorf("delete threat model %q: %w", id, classify(err))
	}
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int64 {
	n, _ := v.(int64)
	return n
}
