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

// inPlace is the pseudo-mitigation standing for the controls in place when
// the solver looks for what to add.
const inPlace = "(in place)"

// Incident matches.
const (
	MatchExact   = "exact"
	MatchPartial = "partial"
)

// nearIncidentCoverage is the least share of a case study's steps that must
// be applicable for it to be a partial incident.
const nearIncidentCoverage = 0.6

// eval is one evaluation's state, filled phase by phase. Each phase reads
// what earlier phases set and sets its own fields; none does I/O.
type eval struct {
	m     *Model
	rel   *atlas.Release
	in    *analysis.Input
	rs    *RuleSet
	sem   *Semantics
	links *ReleaseLinks
	opt   Options
	ver   string

	techByID   map[string]*atlas.Technique
	mitName    map[string]string
	rules      map[string]*Rule
	cases      map[string]*atlas.CaseStudy
	controlsOf map[string][]*Control // mitigation -> controls, in model order
	compByID   map[string]*Component // nil for the organisation
	reached    map[string]bool       // components outsiders reach (Model.reachedByOutsiders)
	mitsOf     map[string][]string   // technique -> mitigations the release links to it, sorted
	common     map[string]float64    // technique -> how common it is among reference systems (prior.go)

	// applicability
	sites     map[string][]Site
	umbrella  map[string]string   // applicable sub-technique -> the parent it stands for (foldUmbrellas)
	grouped   map[string][]string // listed parent -> its unrecorded sub-techniques folded into it (foldUmbrellas)
	groupedIn map[string]string   // the reverse: grouped sub-technique -> its parent
	ids       []string            // applicable technique ids, sorted
	accepted  map[string]bool
	status    map[string]string
	byTech    map[string]*ApplicableTechnique

	// incidents: each considered case study as a chain of step pseudo
	// techniques ("CS/STEP"), with what cuts each step
	incChains []incChain

	rep *Report
}

// incChain is an incident as the solver sees it: one pseudo technique per
// step, so a step's own side and applicability are honoured.
type incChain struct {
	inc   *Incident
	chain analysis.Chain
	steps []stepInfo
	open  bool // not broken and not accepted
	// likeness is how much the match says about this system being like
	// the case study's victim (prior.go): the evidence of the steps that
	// apply ([stepEvidence]) less missingStepCost for each that does not.
	likeness float64
}

type stepInfo struct {
	id, technique, pseudo string
	applicable            bool
	side                  Side
}

// Evaluate applies the rules to the model on one release and computes every
// output of a report, phase by phase: applicability and status, incidents,
// detections, residual paths, recommendations, ranking, exposure and the
// rest. The model must be valid and checked against the release. It stops
// with ctx's error when ctx is done between phases; each solver it calls is
// bounded by its own budget.
func Evaluate(ctx context.Context, m *Model, rel *atlas.Release, in *analysis.Input, rs *RuleSet, opt Options) (*Report, error) {
	e, err := newEval(m, rel, in, rs, opt)
	if err != nil {
		return nil, err
	}
	phases := []func(context.Context) error{
		e.applicability,
		e.incidents,
		e.residualPaths,
		e.recommend,
		func(context.Context) error { e.rank(); return nil },
		func(context.Context) error {
			e.detections()
			e.exposure()
			e.uncovered()
			e.actors()
			e.controls()
			e.warnings()
			return nil
		},
	}
	for _, ph := range phases {
		if err := ph(ctx); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	normalise(e.rep)
	return e.rep, nil
}

func newEval(m *Model, rel *atlas.Release, in *analysis.Input, rs *RuleSet, opt Options) (*eval, error) {
	if opt.MaxPathHops <= 0 {
		opt.MaxPathHops = 6
	}
	if opt.PathLimit <= 0 {
		opt.PathLimit = 20
	}
	sem := rs.Semantics
	if sem == nil {
		var err error
		if sem, err = DefaultSemantics(); err != nil {
			return nil, err
		}
	}
	e := &eval{m: m, rel: rel, in: in, rs: rs, sem: sem, links: LinksOf(rel), opt: opt, ver: rel.Version,
		techByID: map[string]*atlas.Technique{}, mitName: map[string]string{}, rules: map[string]*Rule{},
		cases: map[string]*atlas.CaseStudy{}, controlsOf: map[string][]*Control{}, compByID: map[string]*Component{}}
	for i := range m.Components {
		e.compByID[m.Components[i].ID] = &m.Components[i]
	}
	e.reached = m.reachedByOutsiders()
	common, err := commonness(rs)
	if err != nil {
		return nil, err
	}
	e.common = common
	e.mitsOf = map[string][]string{}
	for _, mid := range e.links.Mitigations { // sorted, so each list is
		for t := range e.links.Links[mid] {
			e.mitsOf[t] = append(e.mitsOf[t], mid)
		}
	}
	for i := range rel.Techniques {
		e.techByID[rel.Techniques[i].ID] = &rel.Techniques[i]
	}
	for _, mi := range rel.Mitigations {
		e.mitName[mi.ID] = mi.Name
	}
	for i := range rs.Rules {
		e.rules[rs.Rules[i].ID] = &rs.Rules[i]
	}
	for i := range rel.CaseStudies {
		e.cases[rel.CaseStudies[i].ID] = &rel.CaseStudies[i]
	}
	for i := range m.Controls {
		e.controlsOf[m.Controls[i].Mitigation] = append(e.controlsOf[m.Controls[i].Mitigation], &m.Controls[i])
	}
	e.rep = &Report{
		Model:   ModelSummary{Name: m.Name, Source: m.Source, Components: len(m.Components), Flows: len(m.Flows), Controls: len(m.Controls)},
		Release: e.ver, AsOf: opt.AsOf,
	}
	return e, nil
}

// linksTo returns the effect of every mitigation of the release on t,
// direct links and links through t's parent, sorted by mitigation.
func (e *eval) linksTo(t string) []LinkEffect {
	cand := slices.Clone(e.mitsOf[t])
	if p := e.links.Parent[t]; p != "" {
		cand = append(cand, e.mitsOf[p]...)
		slices.Sort(cand)
		cand = slices.Compact(cand)
	}
	var out []LinkEffect
	for _, mid := range cand {
		if le, ok := e.sem.Link(e.links, mid, t); ok {
			out = append(out, le)
		}
	}
	return out
}

// judged is what the implemented controls do to one technique at one side.
type judged struct {
	cutBy, detectedBy, reducedBy, pending map[string]bool
	uncontrolled                          []string
}

// judge applies the cut rule to technique t, on the components it applies
// to, with its steps on side: a component is covered when an implemented
// control on it has a link that cuts (see [LinkEffect.Cuts]).
func (e *eval) judge(t string, side Side, comps []string) judged {
	j := judged{cutBy: map[string]bool{}, detectedBy: map[string]bool{}, reducedBy: map[string]bool{}, pending: map[string]bool{}}
	links := e.linksTo(t)
	for _, c := range comps {
		covered := false
		comp := e.compByID[c]
		for _, le := range links {
			for _, ctl := range e.controlsOf[le.Mitigation] {
				if !ctl.Covers(c) {
					continue
				}
				if ctl.Status != StatusImplemented {
					j.pending[ctl.ID] = true
					continue
				}
				switch {
				case !linkActsOn(le, comp, e.reached[c]):
					j.reducedBy[ctl.ID] = true
				case linkCuts(le, side, e.m.Preferences.CountDetection):
					covered = true
					j.cutBy[ctl.ID] = true
				case le.Effect == EffectDetect && le.Acts == ActsSystem && side != SideAttacker:
					j.detectedBy[ctl.ID] = true
				case le.Effect != EffectUnclassified:
					j.reducedBy[ctl.ID] = true
				}
			}
		}
		if !covered {
			j.uncontrolled = append(j.uncontrolled, c)
		}
	}
	return j
}

// applicability is phase 1: which techniques apply where, and their status
// under the cut rule.
func (e *eval) applicability(context.Context) error {
	e.sites = e.rs.Applicability(e.m, e.in.HasTechnique)
	e.accepted = map[string]bool{}
	for _, a := range e.m.AcceptedRisks {
		if a.ActiveOn(e.opt.AsOf) {
			e.accepted[a.Technique] = true
		}
	}
	e.foldUmbrellas()
	e.status = map[string]string{}
	e.ids = sortedKeys(e.sites)
	for _, t := range e.ids {
		tech := e.techByID[t]
		side := e.sem.Side(e.links, t)
		at := ApplicableTechnique{ID: t, Name: tech.Name, Tactics: nonNil(slices.Clone(tech.Tactics)), Side: string(side.Side), SideWhy: side.Why,
			Mitigations: nonNil(e.directMitigations(t)), Effects: nonNilT(e.linksTo(t))}
		comps := map[string]bool{}
		for _, s := range e.sites[t] {
			comps[s.Component] = true
			at.Evidence = append(at.Evidence, Evidence{Release: e.ver, Rule: s.Rule, Rationale: e.rules[s.Rule].Rationale, Component: s.Component})
		}
		at.Components = sortedKeys(comps)
		j := e.judge(t, side.Side, at.Components)
		at.MitigatedBy, at.DetectedBy, at.ReducedBy, at.Pending = sortedKeys(j.cutBy), sortedKeys(j.detectedBy), sortedKeys(j.reducedBy), sortedKeys(j.pending)
		at.Uncontrolled = nonNil(j.uncontrolled)
		for _, le := range at.Effects {
			for _, ctl := range e.controlsOf[le.Mitigation] {
				if ctl.Status == StatusImplemented {
					at.Evidence = append(at.Evidence, Evidence{Release: e.ver, Control: ctl.ID, Technique: t, Effect: string(le.Effect), ViaParent: le.ViaParent, Rationale: le.Why})
				}
			}
		}
		switch {
		case len(at.Uncontrolled) == 0:
			at.Status = StatusMitigated
		case e.accepted[t]:
			at.Status = StatusAccepted
		default:
			at.Status = StatusResidual
		}
		e.status[t] = at.Status
		e.rep.ApplicableTechniques = append(e.rep.ApplicableTechniques, at)
	}
	e.byTech = make(map[string]*ApplicableTechnique, len(e.rep.ApplicableTechniques))
	for i := range e.rep.ApplicableTechniques {
		e.byTech[e.rep.ApplicableTechniques[i].ID] = &e.rep.ApplicableTechniques[i]
	}
	return nil
}

// foldUmbrellas drops from the applicable techniques each parent that is
// an umbrella here: some of its sub-techniques apply, and no case study of
// the release records the parent itself as a step (ATLAS's case studies
// name, say, Exfiltration via AI Inference API only as membership
// inference, inversion or extraction). The sub-techniques that apply say
// all the parent would, each with its own mitigations (the parent's reach
// them through viaParent), so listing the parent too only repeats them. A
// parent named by an accepted risk stays listed. A case study cannot use
// a dropped parent, so incidents and residual paths are unchanged.
func (e *eval) foldUmbrellas() {
	e.umbrella = map[string]string{}
	used := map[string]bool{}
	for _, ch := range e.in.Chains {
		for _, st := range ch.Steps {
			used[st.Technique] = true
		}
	}
	named := map[string]bool{}
	for _, a := range e.m.AcceptedRisks {
		named[a.Technique] = true
	}
	subs := map[string][]string{}
	for t := range e.sites {
		if p := e.links.Parent[t]; p != "" {
			subs[p] = append(subs[p], t)
		}
	}
	for p, ss := range subs {
		if _, ok := e.sites[p]; !ok || used[p] || named[p] || !slices.ContainsFunc(ss, func(t string) bool { return used[t] }) {
			continue
		}
		delete(e.sites, p)
		for _, t := range ss {
			e.umbrella[t] = p
		}
	}
	// The other way round: a sub-technique no case study records, whose
	// parent is listed, is grouped under the parent (Deepfake-Assisted
	// Phishing under Phishing; the sub-techniques of Cost Harvesting,
	// which no case study records at all, under Cost Harvesting): the
	// parent's entry names it, and listing it apart adds a line no
	// evidence, incident or path can rank. A sub-technique a control of
	// the model is linked to stays listed, so its status shows.
	e.grouped, e.groupedIn = map[string][]string{}, map[string]string{}
	for p, ss := range subs {
		if _, ok := e.sites[p]; !ok {
			continue
		}
		for _, t := range ss {
			if used[t] || named[t] || e.controlled(t) {
				continue
			}
			delete(e.sites, t)
			e.grouped[p] = append(e.grouped[p], t)
			e.groupedIn[t] = p
		}
		slices.Sort(e.grouped[p])
	}
}

// controlled says whether a control of the model names a mitigation the
// release links to t itself.
func (e *eval) controlled(t string) bool {
	for _, mid := range e.mitsOf[t] {
		if len(e.controlsOf[mid]) > 0 {
			return true
		}
	}
	return false
}

func (e *eval) directMitigations(t string) []string { return slices.Clone(e.mitsOf[t]) }

// stepCut returns the implemented controls cutting a step of technique t on
// side, and whether they cut it on every component t applies to.
func (e *eval) stepCut(t string, side Side) ([]string, bool) {
	a := e.byTech[t]
	if a == nil {
		return nil, false
	}
	if side == a.Side {
		return a.MitigatedBy, a.Status == StatusMitigated
	}
	j := e.judge(t, side, a.Components)
	return sortedKeys(j.cutBy), len(j.uncontrolled) == 0
}

// incidents is phase 2: case studies of at least two steps whose applicable
// steps cover at least 60% of them, and whether the controls break them.
func (e *eval) incidents(ctx context.Context) error {
	for _, ch := range e.in.Chains {
		if len(ch.Steps) < 2 {
			continue
		}
		ic := incChain{chain: analysis.Chain{ID: ch.ID}}
		applicable := 0
		for _, s := range ch.Steps {
			si := stepInfo{id: s.ID, technique: s.Technique, pseudo: ch.ID + "/" + s.ID, applicable: s.Technique != "" && e.status[s.Technique] != ""}
			side := e.sem.StepSide(e.links, ch.ID, s.ID, s.Technique).Side
			if si.applicable {
				applicable++
				si.side = side
				ic.likeness += stepEvidence(side, e.commonnessOf(s.Technique))
			} else {
				ic.likeness -= missingStepCost
			}
			ic.steps = append(ic.steps, si)
			tech := si.pseudo
			if !si.applicable {
				tech = "" // a step not on this system: nothing here cuts it
			}
			ic.chain.Steps = append(ic.chain.Steps, analysis.Step{ID: s.ID, Technique: tech, Tactic: s.Tactic, Next: s.Next})
		}
		total := len(ch.Steps)
		if float64(applicable) < nearIncidentCoverage*float64(total) {
			continue
		}
		inc := &Incident{CaseStudy: ch.ID, Match: MatchExact, StepsApplicable: applicable, StepsTotal: total,
			Missing: []string{}, OpenRoute: []string{}, CoveredSteps: []BreakPoint{}, Actors: []string{}}
		if applicable < total {
			inc.Match = MatchPartial
		}
		if cs := e.cases[ch.ID]; cs != nil {
			inc.Name = cs.Name
			inc.Actors = nonNil(slices.Clone(cs.Actors))
		}
		cut, accepted := []string{}, []string{}
		stepTech := map[string]string{}
		controlsAt := map[string][]string{}
		for _, si := range ic.steps {
			stepTech[si.id] = si.technique
			if !si.applicable {
				continue
			}
			ctls, ok := e.stepCut(si.technique, si.side)
			if ok {
				cut = append(cut, si.pseudo)
				controlsAt[si.id] = ctls
			}
			if ok || e.accepted[si.technique] {
				accepted = append(accepted, si.pseudo)
			}
		}
		cr, err := analysis.ChainMitigations(ctx, ic.chain, analysis.Knowledge{Mitigates: map[string][]string{inPlace: cut}}, analysis.Options{})
		if err != nil {
			return fmt.Errorf("case study %s: %w", ch.ID, err)
		}
		inc.Broken = cr.Breakable
		for _, sid := range cr.Order {
			inc.Techniques = append(inc.Techniques, stepTech[sid])
			if ctls, ok := controlsAt[sid]; ok {
				inc.CoveredSteps = append(inc.CoveredSteps, BreakPoint{Step: sid, Technique: stepTech[sid], Controls: ctls})
			}
		}
		for _, si := range ic.steps {
			if !si.applicable {
				inc.Missing = append(inc.Missing, si.technique)
			}
		}
		if inc.Broken {
			for _, b := range cr.Breakers {
				if b.Mitigation == inPlace {
					bp := BreakPoint{Step: b.BreaksAt, Technique: stepTech[b.BreaksAt], Controls: controlsAt[b.BreaksAt]}
					inc.BreaksAt = &bp
				}
			}
		} else {
			for _, sid := range cr.OpenRoute {
				inc.OpenRoute = append(inc.OpenRoute, stepTech[sid])
			}
			ar, err := analysis.ChainMitigations(ctx, ic.chain, analysis.Knowledge{Mitigates: map[string][]string{inPlace: accepted}}, analysis.Options{})
			if err != nil {
				return fmt.Errorf("case study %s: %w", ch.ID, err)
			}
			inc.Accepted = ar.Breakable
			ic.open = !inc.Accepted
		}
		inc.Evidence = []Evidence{{Release: e.ver, CaseStudy: ch.ID}}
		ic.inc = inc
		e.incChains = append(e.incChains, ic)
	}
	e.rankIncidents()
	return nil
}

// rankIncidents orders incidents exact first, then by likeness (how much
// the match says about this system being like the victim, prior.go), then
// by the number of steps that apply and the case study's date. Among exact
// matches, size used to decide: the biggest exact matches came first
// whatever they were made of (on a classifier, deepfake-KYC and
// supply-chain case studies of reconnaissance, phishing and model access
// ahead of the evasion case studies), and the case study a model was
// written from was among the first five incidents in 60% of the models of
// bench/advice.
func (e *eval) rankIncidents() {
	sort.SliceStable(e.incChains, func(i, j int) bool {
		a, b := e.incChains[i].inc, e.incChains[j].inc
		if ea, eb := a.Match == MatchExact, b.Match == MatchExact; ea != eb {
			return ea
		}
		if la, lb := e.incChains[i].likeness, e.incChains[j].likeness; la != lb {
			return la > lb
		}
		if a.StepsApplicable != b.StepsApplicable {
			return a.StepsApplicable > b.StepsApplicable
		}
		da, db := e.caseDate(a.CaseStudy), e.caseDate(b.CaseStudy)
		if da != db {
			return da > db
		}
		return a.CaseStudy < b.CaseStudy
	})
	e.rep.Incidents = make([]Incident, 0, len(e.incChains))
	for i := range e.incChains {
		e.incChains[i].inc.Rank = i + 1
		e.rep.Incidents = append(e.rep.Incidents, *e.incChains[i].inc)
		e.incChains[i].inc = &e.rep.Incidents[i]
	}
}

func (e *eval) caseDate(id string) string {
	if cs := e.cases[id]; cs != nil {
		return cs.Date
	}
	return ""
}

// detections lists, per incident step, the implemented controls that see
// it without cutting it.
func (e *eval) detections() {
	for _, ic := range e.incChains {
		for _, si := range ic.steps {
			if !si.applicable {
				continue
			}
			a := e.byTech[si.technique]
			if a == nil || len(a.DetectedBy) == 0 {
				continue
			}
			e.rep.Detections = append(e.rep.Detections, Detection{Incident: ic.inc.CaseStudy, Step: si.id, Technique: si.technique, Controls: a.DetectedBy})
		}
	}
}

// residualPaths is phase 3: attack paths over applicable techniques the
// controls do not cut, from initial or model access to impact or
// exfiltration (the first PathLimit of them are listed).
func (e *eval) residualPaths(ctx context.Context) error {
	open := e.openTechniques(nil)
	var trans []analysis.Transition
	for _, tr := range e.in.Transitions {
		if open[tr.From] && open[tr.To] {
			trans = append(trans, tr)
		}
	}
	from, to := tacticTechs(e.in, EntryTactics, open), tacticTechs(e.in, GoalTactics, open)
	if len(trans) == 0 || len(from) == 0 || len(to) == 0 {
		return nil
	}
	pr, err := analysis.AttackPaths(ctx, trans, analysis.PathQuery{From: from, To: to, MaxHops: e.opt.MaxPathHops, Limit: e.opt.PathLimit, MinSupport: 1}, e.in.Knowledge, analysis.Options{})
	if err != nil {
		return fmt.Errorf("residual paths: %w", err)
	}
	e.rep.PathsTruncated = pr.Truncated
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
			if e.accepted[t] {
				rp.Accepted = true
			}
		}
		for _, c := range rp.CaseStudies {
			rp.Evidence = append(rp.Evidence, Evidence{Release: e.ver, CaseStudy: c})
		}
		e.rep.ResidualPaths = append(e.rep.ResidualPaths, rp)
	}
	return nil
}

// openTechniques returns the applicable techniques not cut everywhere, less
// those the extra mitigations (implemented on every component) would cut.
func (e *eval) openTechniques(extra map[string]bool) map[string]bool {
	open := map[string]bool{}
	for t, s := range e.status {
		if s == StatusMitigated {
			continue
		}
		if len(extra) > 0 && e.cutByAny(t, extra) {
			continue
		}
		open[t] = true
	}
	return open
}

// cutByAny reports whether one of the mitigations, implemented on every
// component, would cut technique t.
func (e *eval) cutByAny(t string, mits map[string]bool) bool {
	side := e.byTech[t].Side
	for _, le := range e.byTech[t].Effects {
		if mits[le.Mitigation] && e.cutsEverywhere(le, t, side) {
			return true
		}
	}
	return false
}

// cutsEverywhere reports whether the link, implemented on every component,
// cuts technique t at side on every component t applies to.
func (e *eval) cutsEverywhere(le LinkEffect, t string, side Side) bool {
	if !linkCuts(le, side, e.m.Preferences.CountDetection) {
		return false
	}
	for _, c := range e.byTech[t].Components {
		comp := e.compByID[c] // nil: the organisation
		if !linkActsOn(le, comp, e.reached[c]) {
			return false
		}
	}
	return true
}

// exposure counts, per tactic in matrix order, the techniques by status.
func (e *eval) exposure() {
	tactics := slices.Clone(e.rel.Tactics)
	sort.SliceStable(tactics, func(i, j int) bool { return tactics[i].Position < tactics[j].Position })
	for _, ta := range tactics {
		x := TacticExposure{Tactic: ta.ID, Name: ta.Name, Techniques: len(e.in.TacticTechniques[ta.ID])}
		for _, t := range e.in.TacticTechniques[ta.ID] {
			switch e.status[t] {
			case StatusMitigated:
				x.Mitigated++
			case StatusAccepted:
				x.Accepted++
			case StatusResidual:
				x.Residual++
			default:
				continue
			}
			x.Applicable++
		}
		e.rep.Exposure = append(e.rep.Exposure, x)
	}
}

// uncovered lists applicable techniques no mitigation of the release covers.
func (e *eval) uncovered() {
	for _, t := range e.ids {
		if len(e.byTech[t].Effects) > 0 {
			continue
		}
		u := UncoveredTechnique{ID: t, Name: e.techByID[t].Name, Status: e.status[t], Maturity: e.techByID[t].Maturity}
		for _, s := range e.sites[t] {
			u.Evidence = append(u.Evidence, Evidence{Release: e.ver, Rule: s.Rule, Component: s.Component})
		}
		e.rep.UncoveredTechniques = append(e.rep.UncoveredTechniques, u)
	}
}

// Roles of actors.
const (
	RoleAdversary  = "adversary"
	RoleResearcher = "researcher"
)

// actors lists the actors named by case studies that use applicable
// techniques, and the external ones given.
func (e *eval) actors() {
	for _, a := range e.rel.Actors {
		techs, cases := map[string]bool{}, map[string]bool{}
		for _, cid := range a.CaseStudies {
			ch, ok := e.in.Chain(cid)
			if !ok {
				continue
			}
			for _, s := range ch.Steps {
				if e.status[s.Technique] != "" {
					techs[s.Technique] = true
					cases[cid] = true
				}
			}
		}
		if len(techs) == 0 {
			continue
		}
		ka := KnownActor{ID: a.ID, Name: a.Name, Source: "atlas", Role: RoleResearcher, Techniques: sortedKeys(techs), CaseStudies: sortedKeys(cases)}
		for c := range cases {
			if cs := e.cases[c]; cs != nil && strings.EqualFold(cs.Type, "incident") {
				ka.Role = RoleAdversary
			}
		}
		for _, c := range ka.CaseStudies {
			ka.Evidence = append(ka.Evidence, Evidence{Release: e.ver, CaseStudy: c})
		}
		e.rep.Actors = append(e.rep.Actors, ka)
	}
	for _, a := range e.opt.ExternalActors {
		// The caller looked them up by the rules' techniques, before
		// umbrella parents were folded into their sub-techniques: keep
		// only what is listed.
		// A sub-technique grouped under its parent counts as the parent.
		a.Techniques = slices.Clone(a.Techniques)
		for i, t := range a.Techniques {
			if p := e.groupedIn[t]; p != "" {
				a.Techniques[i] = p
			}
		}
		a.Techniques = slices.Compact(slices.Sorted(slices.Values(a.Techniques)))
		a.Evidence = slices.Clone(a.Evidence)
		for i, ev := range a.Evidence {
			if p := e.groupedIn[ev.Technique]; p != "" {
				a.Evidence[i].Technique = p
			}
		}
		a.Techniques = slices.DeleteFunc(a.Techniques, func(t string) bool { return e.status[t] == "" })
		a.Evidence = slices.DeleteFunc(a.Evidence, func(ev Evidence) bool { return ev.Technique != "" && e.status[ev.Technique] == "" })
		if len(a.Techniques) == 0 {
			continue // no evidence on the applicable techniques
		}
		if a.Role == "" {
			a.Role = RoleAdversary
		}
		e.rep.Actors = append(e.rep.Actors, a)
	}
	// Adversaries first, then those who demonstrated the techniques; each
	// by how urgent the applicable techniques they used are here (the sum
	// of their scores, so an actor of the top risks outranks one of many
	// preparatory steps every system shares), then by how many, then by
	// evidence.
	weight := func(a KnownActor) float64 {
		var w float64
		for _, t := range a.Techniques {
			if at := e.byTech[t]; at != nil {
				w += at.Score
			}
		}
		return w
	}
	sort.SliceStable(e.rep.Actors, func(i, j int) bool {
		a, b := e.rep.Actors[i], e.rep.Actors[j]
		if a.Role != b.Role {
			return a.Role == RoleAdversary
		}
		if wa, wb := weight(a), weight(b); wa != wb {
			return wa > wb
		}
		if len(a.Techniques) != len(b.Techniques) {
			return len(a.Techniques) > len(b.Techniques)
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.ID < b.ID
	})
}

// controls says what each control does here, and lists accepted risks.
func (e *eval) controls() {
	breaks := map[string]map[string]bool{}
	for _, inc := range e.rep.Incidents {
		if !inc.Broken {
			continue
		}
		for _, bp := range inc.CoveredSteps {
			for _, c := range bp.Controls {
				if breaks[c] == nil {
					breaks[c] = map[string]bool{}
				}
				breaks[c][inc.CaseStudy] = true
			}
		}
	}
	for _, c := range e.m.Controls {
		ce := ControlEffect{ID: c.ID, Mitigation: c.Mitigation, Name: e.mitName[c.Mitigation], Status: string(c.Status), Scope: nonNil(slices.Clone(c.Scope))}
		techs := map[string]bool{}
		for _, t := range e.ids {
			if !slices.ContainsFunc(e.byTech[t].Effects, func(le LinkEffect) bool { return le.Mitigation == c.Mitigation }) {
				continue
			}
			for _, s := range e.sites[t] {
				if c.Covers(s.Component) {
					techs[t] = true
				}
			}
		}
		ce.Techniques = sortedKeys(techs)
		ce.Effect, ce.Acts = EffectUnclassified, ""
		if ms := e.sem.Mitigations[c.Mitigation]; ms != nil {
			ce.Effect, ce.Acts = ms.Effect, ms.Acts
		}
		ce.Cuts, ce.Sees, ce.Reduces = []string{}, []string{}, []string{}
		for _, t := range ce.Techniques {
			a := e.byTech[t]
			switch {
			case slices.Contains(a.MitigatedBy, c.ID):
				ce.Cuts = append(ce.Cuts, t)
			case slices.Contains(a.DetectedBy, c.ID):
				ce.Sees = append(ce.Sees, t)
			case slices.Contains(a.ReducedBy, c.ID):
				ce.Reduces = append(ce.Reduces, t)
			}
		}
		ce.Breaks = sortedKeys(breaks[c.ID])
		e.rep.Controls = append(e.rep.Controls, ce)
	}
	sort.SliceStable(e.rep.Controls, func(i, j int) bool { return e.rep.Controls[i].ID < e.rep.Controls[j].ID })
	for _, a := range e.m.AcceptedRisks {
		e.rep.AcceptedRisks = append(e.rep.AcceptedRisks, AcceptedRiskStatus{Technique: a.Technique, Owner: a.Owner, Reason: a.Reason, Expires: a.Expires, Active: a.ActiveOn(e.opt.AsOf), Applicable: e.status[a.Technique] != ""})
	}
	sort.SliceStable(e.rep.AcceptedRisks, func(i, j int) bool { return e.rep.AcceptedRisks[i].Technique < e.rep.AcceptedRisks[j].Technique })
}

// warnings names the mitigations and links that matter here but have no
// curated effect: they never cut.
func (e *eval) warnings() {
	seen := map[string]bool{}
	for _, t := range e.ids {
		for _, le := range e.byTech[t].Effects {
			if le.Effect != EffectUnclassified {
				continue
			}
			key := le.Mitigation + " -> " + t
			if le.ViaParent != "" {
				key = le.Mitigation + " -> " + le.ViaParent
			}
			if !seen[key] {
				seen[key] = true
				e.rep.Warnings = append(e.rep.Warnings, fmt.Sprintf("ATLAS %s: the effect of %s on %s is not classified yet, so it never counts as cutting; see docs/threatmodel.md", e.ver, strings.Split(key, " -> ")[0], strings.Split(key, " -> ")[1]))
			}
		}
	}
	slices.Sort(e.rep.Warnings)
}

// normalise counts the summary and makes every list non-nil, so JSON has []
// for empty lists.
func normalise(r *Report) {
	s := Summary{Applicable: len(r.ApplicableTechniques), ResidualPaths: len(r.ResidualPaths), UncoveredTechniques: len(r.UncoveredTechniques), Detections: len(r.Detections)}
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
		if i.Match != MatchExact {
			s.NearIncidents++
			continue
		}
		s.Incidents++
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
	r.Detections = nonNilT(r.Detections)
	r.Warnings = nonNil(r.Warnings)
	for i := range r.ApplicableTechniques {
		a := &r.ApplicableTechniques[i]
		a.DetectedBy, a.ReducedBy, a.Why, a.Effects = nonNil(a.DetectedBy), nonNil(a.ReducedBy), nonNil(a.Why), nonNilT(a.Effects)
	}
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
func Failure(r *Report, on []string) string {
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
				if i.Match == MatchExact && !i.Broken && !i.Accepted {
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
