package graph

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/auth"
	"github.com/atlasgraph/atlasgraph/graph/model"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/threatmodel"
)

// ReleaseForModel serves threat-model evaluations from the analysis cache,
// so a report on a cached release costs one release lookup.
func (r *Resolver) ReleaseForModel(ctx context.Context, version string) (*atlas.Release, *analysis.Input, error) {
	a, err := r.app.Analysis(ctx, version)
	if err != nil {
		return nil, nil, err
	}
	return a.Release, a.Input, nil
}

// threatModels returns the threat-model service, or an error when the
// server has none configured.
func (r *Resolver) threatModels() (*threatmodel.Service, error) {
	if r.tm == nil {
		return nil, fmt.Errorf("%w: threat models are not enabled on this server", store.ErrBadInput)
	}
	return r.tm, nil
}

func (r *Resolver) canRead(ctx context.Context) error {
	if r.opt.Auth == nil {
		return nil
	}
	return r.opt.Auth.CanRead(ctx)
}

// canWrite refuses every write when no token policy is configured: writes
// always need an editor's token.
func (r *Resolver) canWrite(ctx context.Context) error {
	if r.opt.Auth == nil {
		return fmt.Errorf("%w: this server has no tokens configured (ATLASGRAPH_TOKENS), so it accepts no changes", auth.ErrUnauthenticated)
	}
	return r.opt.Auth.CanWrite(ctx)
}

// tmError maps the threat-model errors onto the API's error classes.
func tmError(err error) error {
	var ve *threatmodel.ValidationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		return fmt.Errorf("%w: %s", store.ErrBadInput, ve.Error())
	case errors.Is(err, threatmodel.ErrStale), errors.Is(err, threatmodel.ErrExists):
		return fmt.Errorf("%w: %s", store.ErrConflict, err.Error())
	case errors.Is(err, threatmodel.ErrNotFound):
		return fmt.Errorf("%w: %s", store.ErrNotFound, err.Error())
	}
	return err
}

func toAPI(st *threatmodel.Stored) *model.ThreatModel {
	m := st.Model
	out := &model.ThreatModel{ID: st.ID, Version: st.Version, Name: m.Name, Description: m.Description, Domain: m,
		Components: []model.TMComponent{}, Flows: []model.TMFlow{}, Controls: []model.TMControl{}, AcceptedRisks: []model.TMAcceptedRisk{}}
	if m.Release != "" {
		rel := m.Release
		out.AtlasRelease = &rel
	}
	for _, c := range m.Components {
		ki, _ := threatmodel.KindOf(c.Kind)
		tc := model.TMComponent{ID: c.ID, Kind: string(c.Kind), Layer: string(ki.Layer), Name: c.Name, Description: c.Description, Properties: []model.TMProperty{}}
		names := make([]string, 0, len(c.Properties))
		for k := range c.Properties {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			tc.Properties = append(tc.Properties, model.TMProperty{Name: k, Value: c.Properties[k].String()})
		}
		out.Components = append(out.Components, tc)
	}
	for _, f := range m.Flows {
		out.Flows = append(out.Flows, model.TMFlow{ID: f.ID, From: f.From, To: f.To, TrustBoundary: f.TrustBoundary, Data: f.Data})
	}
	for _, c := range m.Controls {
		scope := c.Scope
		if scope == nil {
			scope = []string{}
		}
		out.Controls = append(out.Controls, model.TMControl{ID: c.ID, Mitigation: c.Mitigation, Status: string(c.Status), Scope: scope, Note: c.Note})
	}
	for _, a := range m.AcceptedRisks {
		out.AcceptedRisks = append(out.AcceptedRisks, model.TMAcceptedRisk{Technique: a.Technique, Owner: a.Owner, Reason: a.Reason, Expires: a.Expires})
	}
	return out
}

func fromComponentInput(in model.TMComponentInput) (threatmodel.Component, error) {
	c := threatmodel.Component{ID: in.ID, Kind: threatmodel.Kind(in.Kind), Name: deref(in.Name), Description: deref(in.Description), Properties: map[string]threatmodel.Value{}}
	for _, p := range in.Properties {
		pi, ok := threatmodel.PropertyOf(p.Name)
		if !ok {
			return c, fmt.Errorf("%w: component %q: unknown property %q; see docs/threatmodel.md for the properties", store.ErrBadInput, in.ID, p.Name)
		}
		if pi.Type == threatmodel.TypeBool {
			if p.Value != "true" && p.Value != "false" {
				return c, fmt.Errorf("%w: component %q: property %s takes true or false", store.ErrBadInput, in.ID, p.Name)
			}
			c.Properties[p.Name] = threatmodel.Value{Type: threatmodel.TypeBool, Bool: p.Value == "true"}
		} else {
			c.Properties[p.Name] = threatmodel.Value{Type: threatmodel.TypeString, Text: p.Value}
		}
	}
	return c, nil
}

func fromFlowInput(in model.TMFlowInput) threatmodel.Flow {
	return threatmodel.Flow{ID: deref(in.ID), From: in.From, To: in.To, TrustBoundary: deref(in.TrustBoundary), Data: deref(in.Data)}
}

func fromControlInput(in model.TMControlInput) threatmodel.Control {
	return threatmodel.Control{ID: deref(in.ID), Mitigation: in.Mitigation, Status: threatmodel.Status(in.Status), Scope: in.Scope, Note: deref(in.Note)}
}

func fromRiskInput(in model.TMAcceptedRiskInput) threatmodel.AcceptedRisk {
	return threatmodel.AcceptedRisk{Technique: in.Technique, Owner: in.Owner, Reason: in.Reason, Expires: in.Expires}
}

func fromModelInput(in model.ThreatModelInput) (*threatmodel.Model, error) {
	m := &threatmodel.Model{Name: in.Name, Description: deref(in.Description), Release: deref(in.AtlasRelease), Source: in.ID}
	for _, c := range in.Components {
		comp, err := fromComponentInput(c)
		if err != nil {
			return nil, err
		}
		m.Components = append(m.Components, comp)
	}
	for _, f := range in.Flows {
		m.Flows = append(m.Flows, fromFlowInput(f))
	}
	for _, c := range in.Controls {
		m.Controls = append(m.Controls, fromControlInput(c))
	}
	for _, a := range in.AcceptedRisks {
		m.AcceptedRisks = append(m.AcceptedRisks, fromRiskInput(a))
	}
	return m, nil
}

// mutate runs one change to a stored model after checking the caller may write.
func (r *Resolver) mutate(ctx context.Context, id string, version int, change func(*threatmodel.Model) error) (*model.ThreatModel, error) {
	if err := r.canWrite(ctx); err != nil {
		return nil, err
	}
	svc, err := r.threatModels()
	if err != nil {
		return nil, err
	}
	st, err := svc.Update(ctx, id, version, change)
	if err != nil {
		return nil, tmError(err)
	}
	return toAPI(st), nil
}
