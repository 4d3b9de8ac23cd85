package graph

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/auth"
	"github.com/atlasgraph/atlasgraph/graph/model"
)

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

func toAPI(st *app.StoredModel) *model.ThreatModel {
	m := st.Model
	out := &model.ThreatModel{ID: st.ID, Version: st.Version, Name: m.Name, Description: m.Description, Domain: m,
		Components: []model.TMComponent{}, Flows: []model.TMFlow{}, Controls: []model.TMControl{}, AcceptedRisks: []model.TMAcceptedRisk{}}
	if m.Release != "" {
		rel := m.Release
		out.AtlasRelease = &rel
	}
	for _, c := range m.Components {
		tc := model.TMComponent{ID: c.ID, Kind: string(c.Kind), Layer: app.ComponentLayer(string(c.Kind)), Name: c.Name, Description: c.Description, Properties: []model.TMProperty{}}
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
	p := m.Preferences
	out.Preferences = model.TMPreferences{CountDetection: p.CountDetection, Costs: []model.TMCost{}, Exclude: nonNilList(p.Exclude)}
	for _, id := range slices.Sorted(maps.Keys(p.Costs)) {
		out.Preferences.Costs = append(out.Preferences.Costs, model.TMCost{Mitigation: id, Cost: p.Costs[id]})
	}
	return out
}

func fromComponentInput(in model.TMComponentInput) (app.Component, error) {
	props := map[string]string{}
	for _, p := range in.Properties {
		props[p.Name] = p.Value
	}
	return app.NewComponent(in.ID, in.Kind, deref(in.Name), deref(in.Description), props)
}

func fromFlowInput(in model.TMFlowInput) app.Flow {
	return app.Flow{ID: deref(in.ID), From: in.From, To: in.To, TrustBoundary: deref(in.TrustBoundary), Data: deref(in.Data)}
}

func fromControlInput(in model.TMControlInput) app.Control {
	return app.Control{ID: deref(in.ID), Mitigation: in.Mitigation, Status: app.ControlStatus(in.Status), Scope: in.Scope, Note: deref(in.Note)}
}

func fromRiskInput(in model.TMAcceptedRiskInput) app.AcceptedRisk {
	return app.AcceptedRisk{Technique: in.Technique, Owner: in.Owner, Reason: in.Reason, Expires: in.Expires}
}

func fromModelInput(in model.ThreatModelInput) (*app.ThreatModel, error) {
	m := &app.ThreatModel{Name: in.Name, Description: deref(in.Description), Release: deref(in.AtlasRelease), Source: in.ID}
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
	if p := in.Preferences; p != nil {
		m.Preferences.CountDetection = p.CountDetection != nil && *p.CountDetection
		m.Preferences.Exclude = p.Exclude
		if len(p.Costs) > 0 {
			m.Preferences.Costs = map[string]float64{}
			for _, c := range p.Costs {
				m.Preferences.Costs[c.Mitigation] = c.Cost
			}
		}
	}
	return m, nil
}

// mutate runs one change to a stored model after checking the caller may write.
func (r *Resolver) mutate(ctx context.Context, id string, version int, change app.ModelChange) (*model.ThreatModel, error) {
	if err := r.canWrite(ctx); err != nil {
		return nil, err
	}
	st, err := r.app.UpdateModel(ctx, id, version, change)
	if err != nil {
		return nil, err
	}
	return toAPI(st), nil
}

func taxonomyAPI() *model.TMTaxonomy {
	out := &model.TMTaxonomy{Kinds: []model.TMKindInfo{}, Properties: []model.TMPropertyInfo{}}
	for _, k := range app.ModelKinds() {
		out.Kinds = append(out.Kinds, model.TMKindInfo{ID: string(k.Kind), Name: k.Name, Layer: string(k.Layer), Description: k.Description})
	}
	for _, p := range app.ModelProperties() {
		out.Properties = append(out.Properties, model.TMPropertyInfo{Name: p.Name, Type: string(p.Type), Values: nonNilList(p.Values), Description: p.Description})
	}
	return out
}
