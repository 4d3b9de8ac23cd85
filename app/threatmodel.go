package app

import (
	"context"
	"sort"
	"time"

	"github.com/atlasgraph/atlasgraph/navigator"
	"github.com/atlasgraph/atlasgraph/threatmodel"
)

// The threat-model questions: parse and check a model of an AI system,
// report on it against the release it is pinned to, keep models by id, and
// say what a newer release changes. The semantics are package threatmodel's;
// this is the door every face goes through.

// The threat-model types every face handles.
type (
	// ThreatModel is one model of an AI system.
	ThreatModel = threatmodel.Model
	// Component, Flow, Control and AcceptedRisk are the parts of a model.
	Component    = threatmodel.Component
	Flow         = threatmodel.Flow
	Control      = threatmodel.Control
	AcceptedRisk = threatmodel.AcceptedRisk
	// StoredModel is a model kept by id, with its version.
	StoredModel = threatmodel.Stored
	// ModelChange is one edit of a stored model.
	ModelChange = func(*ThreatModel) error
	// ModelReport is the report on a model; UpgradeImpact what a newer
	// release changes in it.
	ModelReport   = threatmodel.Report
	UpgradeImpact = threatmodel.UpgradeImpact
)

// The names a face offers for threat models.
var (
	// ModelTemplates are the templates of `model init`.
	ModelTemplates = threatmodel.Templates
	// ReportFormats are the formats a report renders to.
	ReportFormats = threatmodel.Formats
	// FailOnValues are the conditions a report can fail a build on.
	FailOnValues = threatmodel.FailOnValues
)

// ModelTemplate returns the model file of a template.
func ModelTemplate(name string) (_ []byte, err error) {
	defer wrap(&err)
	data, err := threatmodel.Template(name)
	if err != nil {
		return nil, errorf(BadInput, "%s", err.Error())
	}
	return data, nil
}

// ParseModel reads a model file (YAML or JSON); every problem is reported
// as FILE:LINE:COL: message, in a BadInput error.
func ParseModel(name string, data []byte) (_ *ThreatModel, err error) {
	defer wrap(&err)
	m, err := threatmodel.Parse(name, data, threatmodel.Limits{})
	return m, fail(err)
}

// RenderReport renders the report on a model: markdown, json, navigator,
// sarif or mermaid.
func RenderReport(m *ThreatModel, rep *ModelReport, format string) (_ []byte, err error) {
	defer wrap(&err)
	out, err := threatmodel.Render(m, rep, format)
	if err != nil {
		return nil, errorf(BadInput, "%s", err.Error())
	}
	return out, nil
}

// SARIFOptions say where the model file is for code scanning (the source
// root its URI is relative to, and atlasgraph's version).
type SARIFOptions = threatmodel.SARIFOptions

// RenderOptions tune RenderReportWith: the SARIF location and the
// Navigator a layer is for.
type RenderOptions struct {
	SARIF     SARIFOptions
	Navigator navigator.Output
}

// RenderReportWith renders a report like RenderReport, placing a SARIF
// log's URIs under a source root and writing a Navigator layer for the
// Navigator asked for.
func RenderReportWith(m *ThreatModel, rep *ModelReport, format string, opt RenderOptions) ([]byte, error) {
	var out []byte
	var err error
	switch format {
	case "sarif":
		out, err = threatmodel.RenderSARIF(m, rep, opt.SARIF)
	case "navigator":
		out, err = threatmodel.Navigator(rep).JSONFor(opt.Navigator)
	default:
		return RenderReport(m, rep, format)
	}
	if err != nil {
		return nil, errorf(BadInput, "%s", err.Error())
	}
	return out, nil
}

// ReportFailure names why a report fails a build gate (--fail-on:
// residual, uncovered, incident), or "" when it passes.
func ReportFailure(rep *ModelReport, on []string) string { return threatmodel.Failure(rep, on) }

// ReportOptions tune a report.
type ReportOptions struct {
	// AsOf is the day accepted risks are judged on; zero means today (UTC).
	AsOf time.Time
}

func (s *Service) models(opt ReportOptions) *threatmodel.Service {
	if opt.AsOf.IsZero() {
		return s.tm
	}
	svc := *s.tm
	day := opt.AsOf
	svc.Now = func() time.Time { return day }
	return &svc
}

// CheckModel checks a model against the release it is pinned to (the
// current one when it names none) and returns that release's version.
func (s *Service) CheckModel(ctx context.Context, m *ThreatModel) (_ string, err error) {
	defer wrap(&err)
	rel, _, err := s.tm.Check(ctx, m)
	if err != nil {
		return "", fail(err)
	}
	return rel.Version, nil
}

// ReportModel reports on a model: the techniques that apply to it, the
// incidents and paths that reach it, what breaks them and what to do.
func (s *Service) ReportModel(ctx context.Context, m *ThreatModel, opt ReportOptions) (_ *ModelReport, err error) {
	defer wrap(&err)
	rep, err := s.models(opt).Report(ctx, m)
	return rep, fail(err)
}

// storedModels is the threat-model service when models are kept here.
func (s *Service) storedModels() (*threatmodel.Service, error) {
	if s.tm == nil || s.tm.Store == nil {
		return nil, errorf(BadInput, "threat models are not enabled on this server")
	}
	return s.tm, nil
}

// ModelsEnabled reports whether models are kept by id here.
func (s *Service) ModelsEnabled() bool { return s.tm != nil && s.tm.Store != nil }

// CreateModel validates and keeps a new model under id.
func (s *Service) CreateModel(ctx context.Context, id string, m *ThreatModel) (_ *StoredModel, err error) {
	defer wrap(&err)
	svc, err := s.storedModels()
	if err != nil {
		return nil, err
	}
	st, err := svc.Create(ctx, id, m)
	return st, fail(err)
}

// GetModel reads a kept model; NotFound when there is none.
func (s *Service) GetModel(ctx context.Context, id string) (_ *StoredModel, err error) {
	defer wrap(&err)
	svc, err := s.storedModels()
	if err != nil {
		return nil, err
	}
	st, err := svc.Get(ctx, id)
	return st, fail(err)
}

// ListModels lists the kept models, by id.
func (s *Service) ListModels(ctx context.Context) (_ []*StoredModel, err error) {
	defer wrap(&err)
	svc, err := s.storedModels()
	if err != nil {
		return nil, err
	}
	l, err := svc.List(ctx)
	return l, fail(err)
}

// UpdateModel applies one change to a kept model, provided it is still at
// version; Conflict otherwise.
func (s *Service) UpdateModel(ctx context.Context, id string, version int, change ModelChange) (_ *StoredModel, err error) {
	defer wrap(&err)
	svc, err := s.storedModels()
	if err != nil {
		return nil, err
	}
	st, err := svc.Update(ctx, id, version, change)
	return st, fail(err)
}

// DeleteModel deletes a kept model at version.
func (s *Service) DeleteModel(ctx context.Context, id string, version int) (err error) {
	defer wrap(&err)
	svc, err := s.storedModels()
	if err != nil {
		return err
	}
	return fail(svc.Delete(ctx, id, version))
}

// ModelUpgradeImpact says what moving a kept model to another release
// changes in its report.
func (s *Service) ModelUpgradeImpact(ctx context.Context, id, toRelease string) (_ *UpgradeImpact, err error) {
	defer wrap(&err)
	st, err := s.GetModel(ctx, id)
	if err != nil {
		return nil, err
	}
	imp, err := s.tm.UpgradeImpact(ctx, st.Model, toRelease)
	return imp, fail(err)
}

// The edits of a kept model (UpdateModel); add is false to replace an
// existing part with the same id.
var (
	AddComponent       = threatmodel.AddComponent
	UpdateComponent    = threatmodel.UpdateComponent
	DeleteComponent    = threatmodel.DeleteComponent
	PutFlow            = threatmodel.PutFlow
	DeleteFlow         = threatmodel.DeleteFlow
	PutControl         = threatmodel.PutControl
	DeleteControl      = threatmodel.DeleteControl
	PutAcceptedRisk    = threatmodel.PutAcceptedRisk
	DeleteAcceptedRisk = threatmodel.DeleteAcceptedRisk
)

// NewComponent makes a component from text properties (as GraphQL and
// forms give them), checking each against the taxonomy.
func NewComponent(id, kind, name, description string, props map[string]string) (Component, error) {
	c := Component{ID: id, Kind: threatmodel.Kind(kind), Name: name, Description: description, Properties: map[string]threatmodel.Value{}}
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := props[k]
		pi, ok := threatmodel.PropertyOf(k)
		if !ok {
			return c, errorf(BadInput, "component %q: %s", id, threatmodel.UnknownProperty(k))
		}
		if pi.Type == threatmodel.TypeBool {
			if v != "true" && v != "false" {
				return c, errorf(BadInput, "component %q: property %s takes true or false", id, k)
			}
			c.Properties[k] = threatmodel.Value{Type: threatmodel.TypeBool, Bool: v == "true"}
		} else {
			c.Properties[k] = threatmodel.Value{Type: threatmodel.TypeString, Text: v}
		}
	}
	return c, nil
}

// ComponentLayer is the layer of the taxonomy a kind of component sits in
// ("" for an unknown kind).
func ComponentLayer(kind string) string {
	ki, _ := threatmodel.KindOf(threatmodel.Kind(kind))
	return string(ki.Layer)
}

// ControlStatus converts a status as text.
func ControlStatus(s string) threatmodel.Status { return threatmodel.Status(s) }
