package threatmodel

import (
	"context"
	"embed"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/atlas"
)

//go:embed templates/*.yaml
var templatesFS embed.FS

// Templates are the names of the starting models `model init` writes.
var Templates = []string{"rag-chatbot", "agent-with-tools", "training-pipeline", "fraud-classifier"}

// Template returns the model file of a template.
func Template(name string) ([]byte, error) {
	if !slices.Contains(Templates, name) {
		return nil, fmt.Errorf("unknown template %q; use one of %s", name, strings.Join(Templates, ", "))
	}
	return templatesFS.ReadFile("templates/" + name + ".yaml")
}

// A ReleaseSource gives the ATLAS release a model is evaluated on, with its
// analysis input. version "" means the current release.
type ReleaseSource interface {
	ReleaseForModel(ctx context.Context, version string) (*atlas.Release, *analysis.Input, error)
}

// Service answers the questions about threat models, the same way for every
// face (command line, GraphQL): check a model, report on it, tell what a
// newer release changes.
type Service struct {
	Rules    *RuleSet
	Releases ReleaseSource
	// Actors, when set, adds ATT&CK groups to the reports' actors.
	Actors ActorSource
	// Store keeps models by id; only the stored-model methods need it.
	Store ModelStore
	// Now gives the date accepted risks are judged on; nil means time.Now.
	Now func() time.Time
}

func (s *Service) today() string {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return now().UTC().Format(time.DateOnly)
}

// Check validates a model against the release it is pinned to.
func (s *Service) Check(ctx context.Context, m *Model) (*atlas.Release, *analysis.Input, error) {
	rel, in, err := s.Releases.ReleaseForModel(ctx, m.Release)
	if err != nil {
		return nil, nil, err
	}
	if err := m.CheckRelease(rel.Version, in); err != nil {
		return nil, nil, err
	}
	return rel, in, nil
}

// Report checks a model against its release and evaluates it.
func (s *Service) Report(ctx context.Context, m *Model) (*Report, error) {
	rel, in, err := s.Check(ctx, m)
	if err != nil {
		return nil, err
	}
	return s.evaluate(ctx, m, rel, in)
}

func (s *Service) evaluate(ctx context.Context, m *Model, rel *atlas.Release, in *analysis.Input) (*Report, error) {
	opt := Options{AsOf: s.today()}
	if s.Actors != nil {
		techs := sortedKeys(s.Rules.Applicability(m, in.HasTechnique))
		var err error
		if opt.ExternalActors, err = s.Actors.ActorsUsing(ctx, rel.Version, techs); err != nil {
			return nil, fmt.Errorf("actors using the applicable techniques: %w", err)
		}
	}
	return Evaluate(ctx, m, rel, in, s.Rules, opt)
}

// UpgradeImpact evaluates the model on its pinned release and on toRelease
// and reports the differences. Controls naming mitigations toRelease lacks
// are reported and left out of the new evaluation rather than failing it.
func (s *Service) UpgradeImpact(ctx context.Context, m *Model, toRelease string) (*UpgradeImpact, error) {
	oldRep, err := s.Report(ctx, m)
	if err != nil {
		return nil, err
	}
	_, oldIn, err := s.Releases.ReleaseForModel(ctx, m.Release)
	if err != nil {
		return nil, err
	}
	newRel, newIn, err := s.Releases.ReleaseForModel(ctx, toRelease)
	if err != nil {
		return nil, err
	}
	nm := *m
	nm.Controls = nil
	out := &UpgradeImpact{From: oldRep.Release, To: newRel.Version}
	for _, c := range m.Controls {
		if newIn.HasMitigation(c.Mitigation) {
			nm.Controls = append(nm.Controls, c)
		} else {
			out.ControlsInvalid = append(out.ControlsInvalid, c.ID)
		}
	}
	nm.AcceptedRisks = nil
	for _, a := range m.AcceptedRisks {
		if newIn.HasTechnique(a.Technique) {
			nm.AcceptedRisks = append(nm.AcceptedRisks, a)
		}
	}
	newRep, err := s.evaluate(ctx, &nm, newRel, newIn)
	if err != nil {
		return nil, err
	}
	oldSt, newSt := map[string]string{}, map[string]string{}
	for _, t := range oldRep.ApplicableTechniques {
		oldSt[t.ID] = t.Status
	}
	for _, t := range newRep.ApplicableTechniques {
		newSt[t.ID] = t.Status
	}
	for _, t := range sortedKeys(newSt) {
		if o, ok := oldSt[t]; !ok {
			out.NowApplicable = append(out.NowApplicable, t)
		} else if o != newSt[t] {
			out.StatusChanged = append(out.StatusChanged, StatusChange{Technique: t, From: o, To: newSt[t]})
		}
	}
	for _, t := range sortedKeys(oldSt) {
		if _, ok := newSt[t]; !ok {
			out.NoLongerApplicable = append(out.NoLongerApplicable, t)
		}
	}
	oldInc, newInc := map[string]bool{}, map[string]bool{}
	// Incidents here are exact matches; near incidents are not counted.
	for _, i := range oldRep.Incidents {
		if i.Match == MatchExact {
			oldInc[i.CaseStudy] = true
		}
	}
	for _, i := range newRep.Incidents {
		if i.Match != MatchExact {
			continue
		}
		newInc[i.CaseStudy] = true
		if !oldInc[i.CaseStudy] {
			out.NewIncidents = append(out.NewIncidents, i.CaseStudy)
		}
	}
	for _, i := range oldRep.Incidents {
		if i.Match == MatchExact && !newInc[i.CaseStudy] {
			out.GoneIncidents = append(out.GoneIncidents, i.CaseStudy)
		}
	}
	mits := map[string]bool{}
	for _, c := range m.Controls {
		mits[c.Mitigation] = true
	}
	for _, r := range oldRep.RecommendedMitigations {
		mits[r.ID] = true
	}
	for _, r := range newRep.RecommendedMitigations {
		mits[r.ID] = true
	}
	for _, mid := range sortedKeys(mits) {
		a, b := oldIn.Knowledge.Mitigates[mid], newIn.Knowledge.Mitigates[mid]
		var added, removed []string
		for _, t := range b {
			if !slices.Contains(a, t) {
				added = append(added, t)
			}
		}
		for _, t := range a {
			if !slices.Contains(b, t) {
				removed = append(removed, t)
			}
		}
		if len(added)+len(removed) > 0 {
			out.MitigationsChanged = append(out.MitigationsChanged, MitigationChange{Mitigation: mid, Added: nonNil(added), Removed: nonNil(removed)})
		}
	}
	out.NowApplicable, out.NoLongerApplicable = nonNil(out.NowApplicable), nonNil(out.NoLongerApplicable)
	out.NewIncidents, out.GoneIncidents, out.ControlsInvalid = nonNil(out.NewIncidents), nonNil(out.GoneIncidents), nonNil(out.ControlsInvalid)
	out.StatusChanged, out.MitigationsChanged = nonNilT(out.StatusChanged), nonNilT(out.MitigationsChanged)
	return out, nil
}
