package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/threatmodel"
)

// modelStore keeps threat models in the store: it turns a model into what
// the store persists (store.ModelRecord) and back, so that store knows
// nothing of what a model means, and maps the store's sentinels onto the
// threat models' own.
type modelStore struct{ st *store.Store }

var _ threatmodel.ModelStore = modelStore{}

func (s modelStore) CreateModel(ctx context.Context, id string, m *threatmodel.Model) (int, error) {
	rec, err := recordOf(m)
	if err != nil {
		return 0, err
	}
	v, err := s.st.CreateModel(ctx, id, rec)
	return v, modelErr(err)
}

func (s modelStore) ReplaceModel(ctx context.Context, id string, version int, m *threatmodel.Model) (int, error) {
	rec, err := recordOf(m)
	if err != nil {
		return 0, err
	}
	v, err := s.st.ReplaceModel(ctx, id, version, rec)
	return v, modelErr(err)
}

func (s modelStore) GetStored(ctx context.Context, id string) (*threatmodel.Model, int, error) {
	rec, v, err := s.st.GetModel(ctx, id)
	if err != nil {
		return nil, 0, modelErr(err)
	}
	m, err := modelOf(id, rec)
	return m, v, err
}

func (s modelStore) ListModels(ctx context.Context, limit int) ([]string, error) {
	return s.st.ListModels(ctx, limit)
}

func (s modelStore) DeleteModel(ctx context.Context, id string, version int) error {
	return modelErr(s.st.DeleteModel(ctx, id, version))
}

// modelErr keeps the store's message under the threat models' sentinel.
func modelErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrModelExists):
		return fmt.Errorf("%w: %s", threatmodel.ErrExists, after(err.Error(), store.ErrModelExists.Error()+": "))
	case errors.Is(err, store.ErrModelStale):
		return fmt.Errorf("%w: %s", threatmodel.ErrStale, after(err.Error(), store.ErrModelStale.Error()+": "))
	case errors.Is(err, store.ErrNoModel):
		return fmt.Errorf("%w: %s", threatmodel.ErrNotFound, after(err.Error(), store.ErrNoModel.Error()+": "))
	}
	return err
}

func placeOf(p threatmodel.Pos) store.Place { return store.Place{Line: p.Line, Col: p.Col} }
func posOf(p store.Place) threatmodel.Pos   { return threatmodel.Pos{Line: p.Line, Col: p.Col} }

// recordOf is what the store keeps of a model.
func recordOf(m *threatmodel.Model) (store.ModelRecord, error) {
	rec := store.ModelRecord{Name: m.Name, Description: m.Description, Release: m.Release}
	p := m.Preferences
	if p.CountDetection || len(p.Costs) > 0 || len(p.Exclude) > 0 {
		b, err := json.Marshal(p)
		if err != nil {
			return rec, fmt.Errorf("encode the model's preferences: %w", err)
		}
		rec.Preferences = string(b)
	}
	for _, c := range m.Components {
		props := map[string]any{}
		for k, v := range c.Properties {
			if v.Type == threatmodel.TypeBool {
				props[k] = v.Bool
			} else {
				props[k] = v.Text
			}
		}
		rec.Components = append(rec.Components, store.ComponentRecord{ID: c.ID, Kind: string(c.Kind), Name: c.Name,
			Description: c.Description, Properties: props, Place: placeOf(c.Pos)})
	}
	for _, f := range m.Flows {
		rec.Flows = append(rec.Flows, store.FlowRecord{ID: f.ID, From: f.From, To: f.To, TrustBoundary: f.TrustBoundary, Data: f.Data, Place: placeOf(f.Pos)})
	}
	for _, c := range m.Controls {
		rec.Controls = append(rec.Controls, store.ControlRecord{ID: c.ID, Mitigation: c.Mitigation, Status: string(c.Status), Scope: c.Scope,
			Note: c.Note, Place: placeOf(c.Pos)})
	}
	for _, a := range m.AcceptedRisks {
		rec.AcceptedRisks = append(rec.AcceptedRisks, store.RiskRecord{Technique: a.Technique, Owner: a.Owner, Reason: a.Reason,
			Expires: a.Expires, Place: placeOf(a.Pos)})
	}
	return rec, nil
}

// modelOf turns a stored record back into a model.
func modelOf(id string, rec store.ModelRecord) (*threatmodel.Model, error) {
	m := &threatmodel.Model{Name: rec.Name, Description: rec.Description, Release: rec.Release, Source: id}
	if rec.Preferences != "" {
		if err := json.Unmarshal([]byte(rec.Preferences), &m.Preferences); err != nil {
			return nil, fmt.Errorf("read the preferences of threat model %q: %w", id, err)
		}
	}
	for _, c := range rec.Components {
		comp := threatmodel.Component{ID: c.ID, Kind: threatmodel.Kind(c.Kind), Name: c.Name, Description: c.Description,
			Pos: posOf(c.Place), Properties: map[string]threatmodel.Value{}}
		for k, v := range c.Properties {
			switch x := v.(type) {
			case bool:
				comp.Properties[k] = threatmodel.Value{Type: threatmodel.TypeBool, Bool: x}
			case string:
				comp.Properties[k] = threatmodel.Value{Type: threatmodel.TypeString, Text: x}
			}
		}
		m.Components = append(m.Components, comp)
	}
	for _, f := range rec.Flows {
		m.Flows = append(m.Flows, threatmodel.Flow{ID: f.ID, From: f.From, To: f.To, TrustBoundary: f.TrustBoundary, Data: f.Data, Pos: posOf(f.Place)})
	}
	for _, c := range rec.Controls {
		m.Controls = append(m.Controls, threatmodel.Control{ID: c.ID, Mitigation: c.Mitigation, Status: threatmodel.Status(c.Status),
			Scope: c.Scope, Note: c.Note, Pos: posOf(c.Place)})
	}
	for _, a := range rec.AcceptedRisks {
		m.AcceptedRisks = append(m.AcceptedRisks, threatmodel.AcceptedRisk{Technique: a.Technique, Owner: a.Owner, Reason: a.Reason,
			Expires: a.Expires, Pos: posOf(a.Place)})
	}
	return m, nil
}
