package threatmodel

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/atlasgraph/atlasgraph/analysis"
	"github.com/atlasgraph/atlasgraph/atlas"
)

// Technique statuses in a report.
const (
	// StatusResidual: applicable, not mitigated everywhere it applies, not accepted.
	StatusResidual = "residual"
	// StatusMitigated: every component it applies to is covered by an
	// implemented control of a mitigation that mitigates it.
	StatusMitigated = "mitigated"
	// StatusAccepted: not mitigated, but accepted by a risk that has not expired.
	StatusAccepted = "accepted"
)

// Entry and goal tactics of residual attack paths: where an adversary first
// touches the system, and what they are after. Ids are stable across
// releases; names are not.
var (
	EntryTactics = []string{"AML.TA0004", "AML.TA0000"}
	GoalTactics  = []string{"AML.TA0011", "AML.TA0010"}
)

// Options tune [Evaluate].
type Options struct {
	// AsOf is the civil date (YYYY-MM-DD) accepted risks are judged on. It is
	// an input, not the clock, so that a report is reproducible.
	AsOf string
	// MaxPathHops and PathLimit bound the residual attack paths (defaults 6
	// and 20).
	MaxPathHops, PathLimit int
	// ExternalActors are actors known from outside ATLAS (ATT&CK groups,
	// from an [ActorSource]) to merge into the report's actors.
	ExternalActors []KnownActor
}

// ActorSource finds actors outside ATLAS (ATT&CK groups) that use ATLAS
// techniques, through the ATT&CK techniques the ATLAS ones adapt. The ATT&CK
// store implements it; when none is configured, reports list ATLAS
// case-study actors only.
type ActorSource interface {
	ActorsUsing(ctx context.Context, release string, techniques []string) ([]KnownActor, error)
}

// Evidence says why an item is in a report.
type Evidence struct {
	Release   string `json:"release"`
	Rule      string `json:"rule,omitempty"`
	Rationale string `json:"rationale,omitempty"`
	Component string `json:"component,omitempty"`
	CaseStudy string `json:"caseStudy,omitempty"`
	Control   string `json:"control,omitempty"`
	Technique string `json:"technique,omitempty"`
	Source    string `json:"source,omitempty"`
}

// Report is everything [Evaluate] finds for a model on one release. Every
// list is sorted and never nil, so the same model and release give the same
// bytes.
type Report struct {
	Model                  ModelSummary          `json:"model"`
	Release                string                `json:"release"`
	AsOf                   string                `json:"asOf"`
	Summary                Summary               `json:"summary"`
	ApplicableTechniques   []ApplicableTechnique `json:"applicableTechniques"`
	Incidents              []Incident            `json:"incidents"`
	ResidualPaths          []ResidualPath        `json:"residualPaths"`
	PathsTruncated         bool                  `json:"pathsTruncated"`
	RecommendedMitigations []Recommendation      `json:"recommendedMitigations"`
	RecommendationOptimal  bool                  `json:"recommendationOptimal"`
	Unbreakable            []UnbreakableItem     `json:"unbreakable"`
	Exposure               []TacticExposure      `json:"exposure"`
	UncoveredTechniques    []UncoveredTechnique  `json:"uncoveredTechniques"`
	Actors                 []KnownActor          `json:"actors"`
	Controls               []ControlEffect       `json:"controls"`
	AcceptedRisks          []AcceptedRiskStatus  `json:"acceptedRisks"`
	model                  *Model
}

// ModelSummary names the model a report is about.
type ModelSummary struct {
	Name       string `json:"name"`
	Source     string `json:"source,omitempty"`
	Components int    `json:"components"`
	Flows      int    `json:"flows"`
	Controls   int    `json:"controls"`
}

// Summary counts the report's findings.
type Summary struct {
	Applicable          int `json:"applicable"`
	Mitigated           int `json:"mitigated"`
	Accepted            int `json:"accepted"`
	Residual            int `json:"residual"`
	Incidents           int `json:"incidents"`
	IncidentsBroken     int `json:"incidentsBroken"`
	ResidualPaths       int `json:"residualPaths"`
	UncoveredTechniques int `json:"uncoveredTechniques"`
}

// ApplicableTechnique is a technique some rule makes applicable here.
type ApplicableTechnique struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Tactics []string `json:"tactics"`
	// Status is residual, mitigated or accepted.
	Status string `json:"status"`
	// Components are the ids of the components it applies to.
	Components []string `json:"components"`
	// MitigatedBy lists the implemented controls covering it somewhere.
	MitigatedBy []string `json:"mitigatedBy"`
	// Uncontrolled lists the components no implemented control covers it on.
	Uncontrolled []string `json:"uncontrolled"`
	// Pending lists partial or planned controls of mitigations covering it.
	Pending []string `json:"pending"`
	// Mitigations are the release's mitigations of the technique.
	Mitigations []string   `json:"mitigations"`
	Evidence    []Evidence `json:"evidence"`
}

// Incident is a case study whose every step uses an applicable technique.
type Incident struct {
	CaseStudy string   `json:"caseStudy"`
	Name      string   `json:"name"`
	Actors    []string `json:"actors"`
	// Techniques are the step techniques in step order.
	Techniques []string `json:"techniques"`
	// Broken reports whether the implemented controls cut every route.
	Broken bool `json:"broken"`
	// BreaksAt is the earliest step at which the implemented controls break
	// it, with its technique and the controls there; empty when not broken.
	BreaksAt *BreakPoint `json:"breaksAt,omitempty"`
	// CoveredSteps are every step a control covers.
	CoveredSteps []BreakPoint `json:"coveredSteps"`
	// OpenRoute, when not broken, is one route's techniques no control covers.
	OpenRoute []string `json:"openRoute"`
	// Accepted reports that it is not broken but accepted risks cut it.
	Accepted bool       `json:"accepted"`
	Evidence []Evidence `json:"evidence"`
}

// BreakPoint is a step of a case study a control covers.
type BreakPoint struct {
	Step      string   `json:"step"`
	Technique string   `json:"technique"`
	Controls  []string `json:"controls"`
}

// ResidualPath is an attack path over applicable, unmitigated techniques.
type ResidualPath struct {
	ID         string   `json:"id"`
	Techniques []string `json:"techniques"`
	// Support is the smallest number of case studies behind one of its hops.
	Support     int      `json:"support"`
	CaseStudies []string `json:"caseStudies"`
	// Accepted reports that some technique on it is an accepted risk.
	Accepted bool       `json:"accepted"`
	Evidence []Evidence `json:"evidence"`
}

// Recommendation is one mitigation of the least set breaking what remains.
type Recommendation struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Techniques are the residual techniques it mitigates.
	Techniques []string `json:"techniques"`
	// Incidents and Paths are those it helps break.
	Incidents []string   `json:"incidents"`
	Paths     []string   `json:"paths"`
	Evidence  []Evidence `json:"evidence"`
}

// UnbreakableItem is an incident or path no mitigation of the release breaks.
type UnbreakableItem struct {
	ID         string   `json:"id"`
	Techniques []string `json:"techniques"`
}

// TacticExposure counts the techniques of one tactic by status.
type TacticExposure struct {
	Tactic     string `json:"tactic"`
	Name       string `json:"name"`
	Techniques int    `json:"techniques"`
	Applicable int    `json:"applicable"`
	Mitigated  int    `json:"mitigated"`
	Accepted   int    `json:"accepted"`
	Residual   int    `json:"residual"`
}

// UncoveredTechnique is an applicable technique no mitigation of the release covers.
type UncoveredTechnique struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Status   string     `json:"status"`
	Maturity string     `json:"maturity"`
	Evidence []Evidence `json:"evidence"`
}

// KnownActor is an actor known to use applicable techniques.
type KnownActor struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Source is "atlas" (named by ATLAS case studies) or "attack" (an ATT&CK group).
	Source      string     `json:"source"`
	Techniques  []string   `json:"techniques"`
	CaseStudies []string   `json:"caseStudies"`
	Evidence    []Evidence `json:"evidence"`
}

// ControlEffect says what one control does here.
type ControlEffect struct {
	ID         string   `json:"id"`
	Mitigation string   `json:"mitigation"`
	Name       string   `json:"name"`
	Status     string   `json:"status"`
	Scope      []string `json:"scope"`
	// Techniques are the applicable techniques its mitigation mitigates on
	// its scope.
	Techniques []string `json:"techniques"`
	// Breaks are the incidents it takes part in breaking.
	Breaks []string `json:"breaks"`
}

// AcceptedRiskStatus is an accepted risk with whether it still holds.
type AcceptedRiskStatus struct {
	Technique  string `json:"technique"`
	Owner      string `json:"owner"`
	Reason     string `json:"reason"`
	Expires    string `json:"expires"`
	Active     bool   `json:"active"`
	Applicable bool   `json:"applicable"`
}

// inPlace is the pseudo-mitigation standing for the controls in place when
// the solver looks for what to add.
const inPlace = "(in place)"

// Evaluate applies the rules to the model on one release and computes every
// output of a report. The model must be valid and checked against the
// release. It stops with ctx's error when ctx is done between phases; each
// solver it calls is bounded by its own budget.
func Evaluate(ctx context.Context, m *Model, rel *atlas.Release, in *analysis.Input, rs *RuleSet, opt Options) (*Report, error) {
	if opt.MaxPathHops <= 0 {
		opt.MaxPathHops = 6
	}
	if opt.PathLimit <= 0 {
		opt.PathLimit = 20
	}
	ver := rel.Version
	techByID := map[string]*atlas.Technique{}
	for i := range rel.Techniques {
		techByID[rel.Techniques[i].ID] = &rel.Techniques[i]
	}
	mitName := map[string]string{}
	for _, mi := range rel.Mitigations {
		mitName[mi.ID] = mi.Name
	}
	mitigationsOf := map[string][]string{}
	for mid, ts := range in.Knowledge.Mitigates {
		for _, t := range ts {
			mitigationsOf[t] = append(mitigationsOf[t], mid)
		}
	}
	for _, ms := range mitigationsOf {
		slices.Sort(ms)
	}
	rules := map[string]*Rule{}
	for i := range rs.Rules {
		rules[rs.Rules[i].ID] = &rs.Rules[i]
	}

	rep := &Report{
		Model:   ModelSummary{Name: m.Name, Source: m.Source, Components: len(m.Components), Flows: len(m.Flows), Controls: len(m.Controls)},
		Release: ver, AsOf: opt.AsOf, model: m,
	}

	// Applicability and status.
	sites := rs.Applicability(m, in.HasTechnique)
	accepted := map[string]bool{}
	for _, a := range m.AcceptedRisks {
		if a.ActiveOn(opt.AsOf) {
			accepted[a.Technique] = true
		}
	}
	controlsOf := map[string][]*Control{} // mitigation -> controls, in model order
	for i := range m.Controls {
		controlsOf[m.Controls[i].Mitigation] = append(controlsOf[m.Controls[i].Mitigation], &m.Controls[i])
	}
	status := map[string]string{}
	mitigated := map[string]bool{}
	ids := sortedKeys(sites)
	for _, t := range ids {
		at := ApplicableTechnique{ID: t, Name: techByID[t].Name, Tactics: nonNil(slices.Clone(techByID[t].Tactics)), Mitigations: nonNil(mitigationsOf[t])}
		comps := map[string]bool{}
		for _, s := range sites[t] {
			comps[s.Component] = true
			at.Evidence = append(at.Evidence, Evidence{Release: ver, Rule: s.Rule, Rationale: rules[s.Rule].Rationale, Component: s.Component})
		}
		at.Components = sortedKeys(comps)
		by := map[string]bool{}
		pending := map[string]bool{}
		var relevant []*Control
		for _, mid := range mitigationsOf[t] {
			relevant = append(relevant, controlsOf[mid]...)
		}
		for _, c := range at.Components {
			covered := false
			for _, ctl := range relevant {
				if !ctl.Covers(c) {
					continue
				}
				if ctl.Status == StatusImplemented {
					covered = true
					by[ctl.ID] = true
				} else {
					pending[ctl.ID] = true
				}
			}
			if !covered {
				at.Uncontrolled = append(at.Uncontrolled, c)
			}
		}
		at.MitigatedBy, at.Pending = sortedKeys(by), sortedKeys(pending)
		at.Uncontrolled = nonNil(at.Uncontrolled)
		switch {
		case len(at.Uncontrolled) == 0:
			at.Status = StatusMitigated
			mitigated[t] = true
		case accepted[t]:
			at.Status = StatusAccepted
		default:
			at.Status = StatusResidual
		}
		status[t] = at.Status
		rep.ApplicableTechniques = append(rep.ApplicableTechniques, at)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Incidents: case studies whose every step is applicable.
	implKnow := analysis.Knowledge{Mitigates: map[string][]string{inPlace: sortedKeys(mitigated)}, Parents: in.Knowledge.Parents}
	acceptKnow := analysis.Knowledge{Mitigates: map[string][]string{inPlace: union(mitigated, accepted)}, Parents: in.Knowledge.Parents}
	byTech := make(map[string]*ApplicableTechnique, len(rep.ApplicableTechniques))
	for i := range rep.ApplicableTechniques {
		byTech[rep.ApplicableTechniques[i].ID] = &rep.ApplicableTechniques[i]
	}
	controlsAt := func(t string) []string {
		if a := byTech[t]; a != nil {
			return a.MitigatedBy
		}
		return nil
	}
	caseName := map[string]*atlas.CaseStudy{}
	for i := range rel.CaseStudies {
		caseName[rel.CaseStudies[i].ID] = &rel.CaseStudies[i]
	}
	breaksOf := map[string][]string{} // control id -> incidents
	var remaining []analysis.Chain
	for _, ch := range in.Chains {
		realisable := len(ch.Steps) > 0
		for _, s := range ch.Steps {
			if s.Technique == "" || status[s.Technique] == "" {
				realisable = false
				break
			}
		}
		if !realisable {
			continue
		}
		cr, err := analysis.ChainMitigations(ctx, ch, implKnow, analysis.Options{})
		if err != nil {
			return nil, fmt.Errorf("case study %s: %w", ch.ID, err)
		}
		inc := Incident{CaseStudy: ch.ID, Broken: cr.Breakable, OpenRoute: []string{}, CoveredSteps: []BreakPoint{}, Actors: []string{}}
		if cs := caseName[ch.ID]; cs != nil {
			inc.Name = cs.Name
			inc.Actors = nonNil(slices.Clone(cs.Actors))
		}
		stepTech := map[string]string{}
		for _, s := range ch.Steps {
			stepTech[s.ID] = s.Technique
		}
		for _, sid := range cr.Order {
			inc.Techniques = append(inc.Techniques, stepTech[sid])
			if mitigated[stepTech[sid]] {
				bp := BreakPoint{Step: sid, Technique: stepTech[sid], Controls: controlsAt(stepTech[sid])}
				inc.CoveredSteps = append(inc.CoveredSteps, bp)
			}
		}
		if inc.Broken {
			for _, b := range cr.Breakers {
				if b.Mitigation == inPlace {
					bp := BreakPoint{Step: b.BreaksAt, Technique: stepTech[b.BreaksAt], Controls: controlsAt(stepTech[b.BreaksAt])}
					inc.BreaksAt = &bp
				}
			}
			for _, bp := range inc.CoveredSteps {
				for _, c := range bp.Controls {
					breaksOf[c] = append(breaksOf[c], ch.ID)
				}
			}
		} else {
			for _, sid := range cr.OpenRoute {
				inc.OpenRoute = append(inc.OpenRoute, stepTech[sid])
			}
			ar, err := analysis.ChainMitigations(ctx, ch, acceptKnow, analysis.Options{})
			if err != nil {
				return nil, fmt.Errorf("case study %s: %w", ch.ID, err)
			}
			inc.Accepted = ar.Breakable
			if !inc.Accepted {
				remaining = append(remaining, ch)
			}
		}
		inc.Evidence = []Evidence{{Release: ver, CaseStudy: ch.ID}}
		rep.Incidents = append(rep.Incidents, inc)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Residual paths over applicable techniques not mitigated.
	open := map[string]bool{}
	for t, s := range status {
		if s != StatusMitigated {
			open[t] = true
		}
	}
	var trans []analysis.Transition
	for _, tr := range in.Transitions {
		if open[tr.From] && open[tr.To] {
			trans = append(trans, tr)
		}
	}
	from, to := tacticTechs(in, EntryTactics, open), tacticTechs(in, GoalTactics, open)
	if len(trans) > 0 && len(from) > 0 && len(to) > 0 {
		pr, err := analysis.AttackPaths(ctx, trans, analysis.PathQuery{From: from, To: to, MaxHops: opt.MaxPathHops, Limit: opt.PathLimit, MinSupport: 1}, in.Knowledge, analysis.Options{})
		if err != nil {
			return nil, fmt.Errorf("residual paths: %w", err)
		}
		rep.PathsTruncated = pr.Truncated
		for i, p := range pr.Paths {
			rp := ResidualPath{ID: fmt.Sprintf("path-%02d", i+1), Techniques: p.Techniques, Support: p.MinSupport, CaseStudies: []string{}}
			cases := map[string]bool{}
			for _, h := range p.Hops {
				for _, c := range h.CaseStudies {
					cases[c] = true
				}
			}
			rp.CaseStudies = sortedKeys(cases)
			for _, t := range p.Techniques {
				if accepted[t] {
					rp.Accepted = true
				}
			}
			for _, c := range rp.CaseStudies {
				rp.Evidence = append(rp.Evidence, Evidence{Release: ver, CaseStudy: c})
			}
			if !rp.Accepted {
				ch := analysis.ChainFromTechniques(p.Techniques)
				ch.ID = rp.ID
				remaining = append(remaining, ch)
			}
			rep.ResidualPaths = append(rep.ResidualPaths, rp)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// The least set of further mitigations breaking what remains.
	rep.RecommendationOptimal = true
	if len(remaining) > 0 {
		know := analysis.Knowledge{Mitigates: map[string][]string{inPlace: union(mitigated, accepted)}, Parents: in.Knowledge.Parents}
		for mid, ts := range in.Knowledge.Mitigates {
			var keep []string
			for _, t := range ts {
				if status[t] == StatusResidual {
					keep = append(keep, t)
				}
			}
			know.Mitigates[mid] = keep
		}
		res, err := analysis.MinimalMitigationSet(ctx, remaining, know, analysis.Options{}, analysis.SetRequest{Require: []string{inPlace}})
		if err != nil {
			return nil, fmt.Errorf("recommended mitigations: %w", err)
		}
		rep.RecommendationOptimal = res.Optimal
		isPath := func(id string) bool { return strings.HasPrefix(id, "path-") }
		for _, mem := range res.Best.Members {
			if mem.Mitigation == inPlace {
				continue
			}
			r := Recommendation{ID: mem.Mitigation, Name: mitName[mem.Mitigation], Techniques: nonNil(slices.Clone(know.Mitigates[mem.Mitigation])), Incidents: []string{}, Paths: []string{}}
			for _, c := range mem.Chains {
				if isPath(c) {
					r.Paths = append(r.Paths, c)
				} else {
					r.Incidents = append(r.Incidents, c)
					r.Evidence = append(r.Evidence, Evidence{Release: ver, CaseStudy: c})
				}
			}
			for _, t := range r.Techniques {
				r.Evidence = append(r.Evidence, Evidence{Release: ver, Technique: t})
			}
			rep.RecommendedMitigations = append(rep.RecommendedMitigations, r)
		}
		for _, u := range res.Unbreakable {
			var techs []string
			for _, ch := range remaining {
				if ch.ID != u.ChainID {
					continue
				}
				byStep := map[string]string{}
				for _, s := range ch.Steps {
					byStep[s.ID] = s.Technique
				}
				for _, s := range u.Route {
					techs = append(techs, byStep[s])
				}
			}
			rep.Unbreakable = append(rep.Unbreakable, UnbreakableItem{ID: u.ChainID, Techniques: nonNil(techs)})
		}
		sort.Slice(rep.Unbreakable, func(i, j int) bool { return rep.Unbreakable[i].ID < rep.Unbreakable[j].ID })
	}

	// Exposure per tactic, in matrix order.
	tactics := slices.Clone(rel.Tactics)
	sort.SliceStable(tactics, func(i, j int) bool { return tactics[i].Position < tactics[j].Position })
	for _, ta := range tactics {
		e := TacticExposure{Tactic: ta.ID, Name: ta.Name, Techniques: len(in.TacticTechniques[ta.ID])}
		for _, t := range in.TacticTechniques[ta.ID] {
			switch status[t] {
			case StatusMitigated:
				e.Mitigated++
			case StatusAccepted:
				e.Accepted++
			case StatusResidual:
				e.Residual++
			default:
				continue
			}
			e.Applicable++
		}
		rep.Exposure = append(rep.Exposure, e)
	}

	// Applicable techniques no mitigation of the release covers.
	for _, t := range ids {
		if len(mitigationsOf[t]) > 0 {
			continue
		}
		u := UncoveredTechnique{ID: t, Name: techByID[t].Name, Status: status[t], Maturity: techByID[t].Maturity}
		for _, s := range sites[t] {
			u.Evidence = append(u.Evidence, Evidence{Release: ver, Rule: s.Rule, Component: s.Component})
		}
		rep.UncoveredTechniques = append(rep.UncoveredTechniques, u)
	}

	// Actors named by case studies that use applicable techniques.
	for _, a := range rel.Actors {
		techs, cases := map[string]bool{}, map[string]bool{}
		for _, cid := range a.CaseStudies {
			ch, ok := in.Chain(cid)
			if !ok {
				continue
			}
			for _, s := range ch.Steps {
				if status[s.Technique] != "" {
					techs[s.Technique] = true
					cases[cid] = true
				}
			}
		}
		if len(techs) == 0 {
			continue
		}
		ka := KnownActor{ID: a.ID, Name: a.Name, Source: "atlas", Techniques: sortedKeys(techs), CaseStudies: sortedKeys(cases)}
		for _, c := range ka.CaseStudies {
			ka.Evidence = append(ka.Evidence, Evidence{Release: ver, CaseStudy: c})
		}
		rep.Actors = append(rep.Actors, ka)
	}
	rep.Actors = append(rep.Actors, opt.ExternalActors...)
	sort.SliceStable(rep.Actors, func(i, j int) bool {
		if len(rep.Actors[i].Techniques) != len(rep.Actors[j].Techniques) {
			return len(rep.Actors[i].Techniques) > len(rep.Actors[j].Techniques)
		}
		if rep.Actors[i].Source != rep.Actors[j].Source {
			return rep.Actors[i].Source < rep.Actors[j].Source
		}
		return rep.Actors[i].ID < rep.Actors[j].ID
	})

	// What each control does here.
	for _, c := range m.Controls {
		ce := ControlEffect{ID: c.ID, Mitigation: c.Mitigation, Name: mitName[c.Mitigation], Status: string(c.Status), Scope: nonNil(slices.Clone(c.Scope))}
		techs := map[string]bool{}
		for _, t := range ids {
			if !slices.Contains(mitigationsOf[t], c.Mitigation) {
				continue
			}
			for _, s := range sites[t] {
				if c.Covers(s.Component) {
					techs[t] = true
				}
			}
		}
		ce.Techniques = sortedKeys(techs)
		b := slices.Clone(breaksOf[c.ID])
		slices.Sort(b)
		ce.Breaks = nonNil(slices.Compact(b))
		rep.Controls = append(rep.Controls, ce)
	}
	sort.SliceStable(rep.Controls, func(i, j int) bool { return rep.Controls[i].ID < rep.Controls[j].ID })
	for _, a := range m.AcceptedRisks {
		rep.AcceptedRisks = append(rep.AcceptedRisks, AcceptedRiskStatus{Technique: a.Technique, Owner: a.Owner, Reason: a.Reason, Expires: a.Expires, Active: a.ActiveOn(opt.AsOf), Applicable: status[a.Technique] != ""})
	}
	sort.SliceStable(rep.AcceptedRisks, func(i, j int) bool { return rep.AcceptedRisks[i].Technique < rep.AcceptedRisks[j].Technique })

	rep.normalise()
	return rep, nil
}

// normalise counts the summary and makes every list non-nil, so JSON has []
// for empty lists.
func (r *Report) normalise() {
	s := Summary{Applicable: len(r.ApplicableTechniques), Incidents: len(r.Incidents), ResidualPaths: len(r.ResidualPaths), UncoveredTechniques: len(r.UncoveredTechniques)}
	for _, a := range r.ApplicableTechniques {
		switch a.Status {
		case StatusMitigated:
			s.Mitigated++
		case StatusAccepted:
			s.Accepted++
		default:
			s.Residual++
		}
	}
	for _, i := range r.Incidents {
		if i.Broken {
			s.IncidentsBroken++
		}
	}
	r.Summary = s
	r.ApplicableTechniques = nonNilT(r.ApplicableTechniques)
	for i := range r.ApplicableTechniques {
		r.ApplicableTechniques[i].Evidence = nonNilT(r.ApplicableTechniques[i].Evidence)
	}
	r.Incidents = nonNilT(r.Incidents)
	r.ResidualPaths = nonNilT(r.ResidualPaths)
	for i := range r.ResidualPaths {
		r.ResidualPaths[i].Evidence = nonNilT(r.ResidualPaths[i].Evidence)
	}
	r.RecommendedMitigations = nonNilT(r.RecommendedMitigations)
	for i := range r.RecommendedMitigations {
		r.RecommendedMitigations[i].Evidence = nonNilT(r.RecommendedMitigations[i].Evidence)
	}
	r.Unbreakable = nonNilT(r.Unbreakable)
	r.Exposure = nonNilT(r.Exposure)
	r.UncoveredTechniques = nonNilT(r.UncoveredTechniques)
	for i := range r.UncoveredTechniques {
		r.UncoveredTechniques[i].Evidence = nonNilT(r.UncoveredTechniques[i].Evidence)
	}
	r.Actors = nonNilT(r.Actors)
	for i := range r.Actors {
		r.Actors[i].Evidence = nonNilT(r.Actors[i].Evidence)
	}
	r.Controls = nonNilT(r.Controls)
	r.AcceptedRisks = nonNilT(r.AcceptedRisks)
}

// Failure names why a report fails a CI gate, or "" when it passes.
// Accepted risks that have not expired never fail it.
func (r *Report) Failure(on []string) string {
	var why []string
	for _, what := range on {
		switch what {
		case "residual":
			n := 0
			for _, p := range r.ResidualPaths {
				if !p.Accepted {
					n++
				}
			}
			if n > 0 {
				why = append(why, fmt.Sprintf("%d residual attack path(s)", n))
			}
		case "uncovered":
			n := 0
			for _, u := range r.UncoveredTechniques {
				if u.Status == StatusResidual {
					n++
				}
			}
			if n > 0 {
				why = append(why, fmt.Sprintf("%d applicable technique(s) no mitigation covers", n))
			}
		case "incident":
			n := 0
			for _, i := range r.Incidents {
				if !i.Broken && !i.Accepted {
					n++
				}
			}
			if n > 0 {
				why = append(why, fmt.Sprintf("%d incident(s) the controls do not break", n))
			}
		}
	}
	return strings.Join(why, ", ")
}

// FailOnValues are the accepted values of --fail-on.
var FailOnValues = []string{"residual", "uncovered", "incident"}

func tacticTechs(in *analysis.Input, tactics []string, keep map[string]bool) []string {
	var out []string
	for _, ta := range tactics {
		for _, t := range in.TacticTechniques[ta] {
			if keep[t] {
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func union(a, b map[string]bool) []string {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return sortedKeys(out)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilT[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
