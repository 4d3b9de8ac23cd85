package view

import (
	"cmp"
	"slices"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// Release is one complete release as every face reads it: every object
// and every relationship, indexed, built once from the domain value and
// never changed afterwards; it is safe for concurrent use. Methods return
// slices the caller may keep but must not change.
type Release struct {
	// Info describes the release as the catalogue lists it.
	Info ReleaseInfo
	// Atlas is the domain value the release was built from: what the
	// analyses and the diff compute on. Read it, never modify it.
	Atlas *atlas.Release

	tactics     []Tactic // matrix order
	tacticsByID []Tactic // id order
	techniques  []Technique
	mitigations []Mitigation
	caseStudies []CaseStudy
	actors      []Actor

	tactic     map[string]*Tactic
	technique  map[string]*Technique
	mitigation map[string]*Mitigation
	caseStudy  map[string]*CaseStudy
	actor      map[string]*Actor

	techniqueTactics     map[string][]Tactic
	tacticTechniques     map[string][]Technique
	subtechniques        map[string][]Technique
	techniqueMitigations map[string][]TechniqueMitigation
	mitigationTechniques map[string][]MitigatedTechnique
	techniqueCaseStudies map[string][]CaseStudy
	caseStudyActors      map[string][]Actor
	actorCaseStudies     map[string][]CaseStudy
	actorTechniques      map[string][]ActorTechnique
	techniqueActors      map[string][]TechniqueActor
	followedBy           map[string][]TechniqueTransition
	precededBy           map[string][]TechniqueTransition
	caseStudySteps       map[string][]Step
	leadsTo              map[string][]Step
	leadsFrom            map[string][]Step

	// Filter indexes: technique ids per case study (through its steps).
	caseStudyTechniques map[string]map[string]bool
}

// New builds the view of one complete release from its domain value and
// its catalogue entry. It indexes every relationship the faces read, in
// the order the graph's queries give them (by id; tactics in matrix order;
// steps in procedure order; transitions most frequent first).
func New(info ReleaseInfo, rel *atlas.Release) *Release {
	v := rel.Version
	r := &Release{Info: info, Atlas: rel}
	for _, t := range rel.Tactics {
		r.tactics = append(r.tactics, Tactic{Entity: entityOf(t.Object, v), Position: t.Position})
	}
	slices.SortStableFunc(r.tactics, func(a, b Tactic) int { return cmp.Compare(a.Position, b.Position) })
	r.tacticsByID = slices.Clone(r.tactics)
	slices.SortFunc(r.tacticsByID, func(a, b Tactic) int { return cmp.Compare(a.ID, b.ID) })
	for _, t := range rel.Techniques {
		r.techniques = append(r.techniques, Technique{Entity: entityOf(t.Object, v), Platforms: nonNil(t.Platforms),
			Maturity: optString(t.Maturity), ParentID: t.Parent})
	}
	for _, m := range rel.Mitigations {
		r.mitigations = append(r.mitigations, Mitigation{Entity: entityOf(m.Object, v),
			LifecyclePhases: nonNil(m.LifecyclePhases), Categories: nonNil(m.Categories)})
	}
	for _, c := range rel.CaseStudies {
		r.caseStudies = append(r.caseStudies, CaseStudy{Entity: entityOf(c.Object, v), Type: optString(c.Type),
			ActorText: optString(c.ActorText), Target: optString(c.Target), Reporter: optString(c.Reporter),
			Date: optString(c.Date), DateGranularity: optString(c.DateGranularity)})
	}
	for _, a := range rel.Actors {
		r.actors = append(r.actors, Actor{Release: v, ID: a.ID, Name: a.Name, Aliases: nonNil(a.Aliases)})
	}
	byEntityID := func(a, b string) int { return cmp.Compare(a, b) }
	slices.SortFunc(r.techniques, func(a, b Technique) int { return byEntityID(a.ID, b.ID) })
	slices.SortFunc(r.mitigations, func(a, b Mitigation) int { return byEntityID(a.ID, b.ID) })
	slices.SortFunc(r.caseStudies, func(a, b CaseStudy) int { return byEntityID(a.ID, b.ID) })
	slices.SortFunc(r.actors, func(a, b Actor) int { return byEntityID(a.ID, b.ID) })

	r.tactic = index(r.tactics, func(t *Tactic) string { return t.ID })
	r.technique = index(r.techniques, func(t *Technique) string { return t.ID })
	r.mitigation = index(r.mitigations, func(m *Mitigation) string { return m.ID })
	r.caseStudy = index(r.caseStudies, func(c *CaseStudy) string { return c.ID })
	r.actor = index(r.actors, func(a *Actor) string { return a.ID })

	r.techniqueTactics = map[string][]Tactic{}
	r.tacticTechniques = map[string][]Technique{}
	r.subtechniques = map[string][]Technique{}
	for _, t := range r.techniques { // by id, so every list below is too
		src := rel.Techniques[slices.IndexFunc(rel.Techniques, func(x atlas.Technique) bool { return x.ID == t.ID })]
		for _, ta := range src.Tactics {
			if p := r.tactic[ta]; p != nil {
				r.techniqueTactics[t.ID] = append(r.techniqueTactics[t.ID], *p)
				r.tacticTechniques[ta] = append(r.tacticTechniques[ta], t)
			}
		}
		slices.SortStableFunc(r.techniqueTactics[t.ID], func(a, b Tactic) int { return cmp.Compare(a.Position, b.Position) })
		if t.ParentID != "" && r.technique[t.ParentID] != nil {
			r.subtechniques[t.ParentID] = append(r.subtechniques[t.ParentID], t)
		}
	}

	r.techniqueMitigations = map[string][]TechniqueMitigation{}
	r.mitigationTechniques = map[string][]MitigatedTechnique{}
	for _, m := range r.mitigations { // by id
		src := rel.Mitigations[slices.IndexFunc(rel.Mitigations, func(x atlas.Mitigation) bool { return x.ID == m.ID })]
		links := slices.Clone(src.Mitigates)
		slices.SortStableFunc(links, func(a, b atlas.Mitigates) int { return cmp.Compare(a.Technique, b.Technique) })
		for _, l := range links {
			t := r.technique[l.Technique]
			if t == nil {
				continue
			}
			r.techniqueMitigations[l.Technique] = append(r.techniqueMitigations[l.Technique], TechniqueMitigation{Mitigation: m, Description: l.Description})
			r.mitigationTechniques[m.ID] = append(r.mitigationTechniques[m.ID], MitigatedTechnique{Technique: *t, Description: l.Description})
		}
	}

	r.techniqueCaseStudies = map[string][]CaseStudy{}
	r.caseStudyActors = map[string][]Actor{}
	r.actorCaseStudies = map[string][]CaseStudy{}
	r.caseStudySteps = map[string][]Step{}
	r.leadsTo = map[string][]Step{}
	r.leadsFrom = map[string][]Step{}
	r.caseStudyTechniques = map[string]map[string]bool{}
	for _, c := range r.caseStudies { // by id
		src := rel.CaseStudies[slices.IndexFunc(rel.CaseStudies, func(x atlas.CaseStudy) bool { return x.ID == c.ID })]
		set := map[string]bool{}
		steps := make([]Step, len(src.Steps))
		for i, s := range src.Steps {
			steps[i] = Step{Release: v, ID: StepKey(c.ID, s.ID), StepID: s.ID, CaseStudyID: c.ID, Position: i,
				Description: s.Description, TechniqueID: s.Technique, TacticID: s.Tactic}
			set[s.Technique] = true
		}
		r.caseStudySteps[c.ID] = steps
		r.caseStudyTechniques[c.ID] = set
		for t := range set {
			r.techniqueCaseStudies[t] = append(r.techniqueCaseStudies[t], c)
		}
		byStep := make(map[string]Step, len(steps))
		for _, s := range steps {
			byStep[s.StepID] = s
		}
		for i, s := range src.Steps {
			for _, next := range s.LeadsTo {
				if n, ok := byStep[next]; ok {
					r.leadsTo[steps[i].ID] = append(r.leadsTo[steps[i].ID], n)
					r.leadsFrom[n.ID] = append(r.leadsFrom[n.ID], steps[i])
				}
			}
		}
		for _, a := range src.Actors {
			if p := r.actor[a]; p != nil {
				r.caseStudyActors[c.ID] = append(r.caseStudyActors[c.ID], *p)
				r.actorCaseStudies[a] = append(r.actorCaseStudies[a], c)
			}
		}
		slices.SortFunc(r.caseStudyActors[c.ID], func(a, b Actor) int { return cmp.Compare(a.ID, b.ID) })
	}
	byPosition := func(a, b Step) int { return cmp.Compare(a.Position, b.Position) }
	for _, m := range []map[string][]Step{r.leadsTo, r.leadsFrom} {
		for _, l := range m {
			slices.SortStableFunc(l, byPosition)
		}
	}

	r.actorTechniques = map[string][]ActorTechnique{}
	r.techniqueActors = map[string][]TechniqueActor{}
	for _, u := range rel.Uses() { // by actor, then technique
		a, t := r.actor[u.Actor], r.technique[u.Technique]
		if a == nil || t == nil {
			continue
		}
		r.actorTechniques[u.Actor] = append(r.actorTechniques[u.Actor], ActorTechnique{Technique: *t, CaseStudyIDs: u.CaseStudies})
		r.techniqueActors[u.Technique] = append(r.techniqueActors[u.Technique], TechniqueActor{Actor: *a, CaseStudyIDs: u.CaseStudies})
	}

	r.followedBy = map[string][]TechniqueTransition{}
	r.precededBy = map[string][]TechniqueTransition{}
	for _, tr := range rel.Transitions() {
		from, to := r.technique[tr.From], r.technique[tr.To]
		if from == nil || to == nil {
			continue
		}
		r.followedBy[tr.From] = append(r.followedBy[tr.From], TechniqueTransition{Technique: *to, Count: tr.Count, CaseStudyIDs: tr.CaseStudies})
		r.precededBy[tr.To] = append(r.precededBy[tr.To], TechniqueTransition{Technique: *from, Count: tr.Count, CaseStudyIDs: tr.CaseStudies})
	}
	frequentFirst := func(a, b TechniqueTransition) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Technique.ID, b.Technique.ID)
	}
	for _, m := range []map[string][]TechniqueTransition{r.followedBy, r.precededBy} {
		for _, l := range m {
			slices.SortFunc(l, frequentFirst)
		}
	}
	r.attachAll()
	return r
}

// StepKey is the id of a step across its release: the case study id and
// the step id, "AML.CS0000/S00".
func StepKey(caseStudy, stepID string) string { return caseStudy + "/" + stepID }

func entityOf(o atlas.Object, release string) Entity {
	return Entity{Release: release, ID: o.ID, Name: o.Name, Description: o.Description, UUID: optString(o.UUID),
		References: nonNilRefs(o.References), Created: optString(o.Created), Modified: optString(o.Modified), Attack: o.Attack}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilRefs(r []atlas.Reference) []atlas.Reference {
	if r == nil {
		return []atlas.Reference{}
	}
	return r
}

// attachAll makes every object the release holds answer its relationships
// from the release (Links), so that the GraphQL layer reads them as plain
// fields.
func (r *Release) attachAll() {
	each := func(n int, f func(int)) {
		for i := range n {
			f(i)
		}
	}
	tactics := func(l []Tactic) { each(len(l), func(i int) { l[i].Links = r }) }
	techniques := func(l []Technique) { each(len(l), func(i int) { l[i].Links = r }) }
	cases := func(l []CaseStudy) { each(len(l), func(i int) { l[i].Links = r }) }
	steps := func(l []Step) { each(len(l), func(i int) { l[i].Links = r }) }
	transitions := func(l []TechniqueTransition) { each(len(l), func(i int) { l[i].Technique.Links = r }) }
	tactics(r.tactics)
	tactics(r.tacticsByID)
	techniques(r.techniques)
	each(len(r.mitigations), func(i int) { r.mitigations[i].Links = r })
	cases(r.caseStudies)
	for _, l := range r.techniqueTactics {
		tactics(l)
	}
	for _, m := range []map[string][]Technique{r.tacticTechniques, r.subtechniques} {
		for _, l := range m {
			techniques(l)
		}
	}
	for _, l := range r.techniqueMitigations {
		each(len(l), func(i int) { l[i].Mitigation.Links = r })
	}
	for _, l := range r.mitigationTechniques {
		each(len(l), func(i int) { l[i].Technique.Links = r })
	}
	for _, m := range []map[string][]CaseStudy{r.techniqueCaseStudies, r.actorCaseStudies} {
		for _, l := range m {
			cases(l)
		}
	}
	for _, l := range r.actorTechniques {
		each(len(l), func(i int) { l[i].Technique.Links = r })
	}
	for _, m := range []map[string][]TechniqueTransition{r.followedBy, r.precededBy} {
		for _, l := range m {
			transitions(l)
		}
	}
	for _, m := range []map[string][]Step{r.caseStudySteps, r.leadsTo, r.leadsFrom} {
		for _, l := range m {
			steps(l)
		}
	}
}

func index[T any](items []T, id func(*T) string) map[string]*T {
	m := make(map[string]*T, len(items))
	for i := range items {
		m[id(&items[i])] = &items[i]
	}
	return m
}

// Version is the release's version.
func (r *Release) Version() string { return r.Info.Version }

// notFound is the store's error for a missing object.
func (r *Release) notFound(kind, id string) error {
	return &atlas.NotFoundError{Kind: kind, ID: id, Release: r.Info.Version}
}

func byID[T any](r *Release, m map[string]*T, kind, id string) (T, error) {
	if p, ok := m[id]; ok {
		return *p, nil
	}
	var zero T
	return zero, r.notFound(kind, id)
}

// Tactic returns one tactic, or a *atlas.NotFoundError.
func (r *Release) Tactic(id string) (Tactic, error) { return byID(r, r.tactic, "tactic", id) }

// Technique returns one technique or sub-technique.
func (r *Release) Technique(id string) (Technique, error) {
	return byID(r, r.technique, "technique", id)
}

// Mitigation returns one mitigation.
func (r *Release) Mitigation(id string) (Mitigation, error) {
	return byID(r, r.mitigation, "mitigation", id)
}

// CaseStudy returns one case study.
func (r *Release) CaseStudy(id string) (CaseStudy, error) {
	return byID(r, r.caseStudy, "case study", id)
}

// Actor returns one ATLAS case-study actor.
func (r *Release) Actor(id string) (Actor, error) { return byID(r, r.actor, "actor", id) }

// Objects by id, for to-one links: nil when the id is not in the release.

// TacticOrNil returns the tactic with this id, or nil.
func (r *Release) TacticOrNil(id string) *Tactic { return r.tactic[id] }

// TechniqueOrNil returns the technique with this id, or nil.
func (r *Release) TechniqueOrNil(id string) *Technique { return r.technique[id] }

// MitigationOrNil returns the mitigation with this id, or nil.
func (r *Release) MitigationOrNil(id string) *Mitigation { return r.mitigation[id] }

// CaseStudyOrNil returns the case study with this id, or nil.
func (r *Release) CaseStudyOrNil(id string) *CaseStudy { return r.caseStudy[id] }

// Relationships, one object's links at a time, in the store's order.

// TechniqueTactics are the tactics a technique achieves, in matrix order.
func (r *Release) TechniqueTactics(id string) []Tactic { return r.techniqueTactics[id] }

// TacticTechniques are the techniques achieving a tactic, by id.
func (r *Release) TacticTechniques(id string) []Technique { return r.tacticTechniques[id] }

// Subtechniques are a technique's sub-techniques, by id.
func (r *Release) Subtechniques(id string) []Technique { return r.subtechniques[id] }

// TechniqueMitigations are the mitigations of a technique with each link's text.
func (r *Release) TechniqueMitigations(id string) []TechniqueMitigation {
	return r.techniqueMitigations[id]
}

// MitigationTechniques are the techniques a mitigation counters.
func (r *Release) MitigationTechniques(id string) []MitigatedTechnique {
	return r.mitigationTechniques[id]
}

// TechniqueCaseStudies are the case studies with a step using the technique.
func (r *Release) TechniqueCaseStudies(id string) []CaseStudy {
	return r.techniqueCaseStudies[id]
}

// CaseStudyActors are the ATLAS actors a case study is attributed to.
func (r *Release) CaseStudyActors(id string) []Actor { return r.caseStudyActors[id] }

// ActorCaseStudies are the case studies attributed to an ATLAS actor.
func (r *Release) ActorCaseStudies(id string) []CaseStudy { return r.actorCaseStudies[id] }

// ActorTechniques are the techniques an ATLAS actor used (USES links).
func (r *Release) ActorTechniques(id string) []ActorTechnique { return r.actorTechniques[id] }

// TechniqueActors are the ATLAS actors seen using a technique.
func (r *Release) TechniqueActors(id string) []TechniqueActor { return r.techniqueActors[id] }

// FollowedBy are the techniques seen right after a technique, most frequent first.
func (r *Release) FollowedBy(id string) []TechniqueTransition { return r.followedBy[id] }

// PrecededBy are the techniques seen right before a technique, most frequent first.
func (r *Release) PrecededBy(id string) []TechniqueTransition { return r.precededBy[id] }

// CaseStudySteps are a case study's steps in order.
func (r *Release) CaseStudySteps(id string) []Step { return r.caseStudySteps[id] }

// StepsLeadTo are the steps a step ("AML.CS0000/S00") leads to.
func (r *Release) StepsLeadTo(key string) []Step { return r.leadsTo[key] }

// StepsLeadFrom are the steps that lead to a step.
func (r *Release) StepsLeadFrom(key string) []Step { return r.leadsFrom[key] }

// AllTechniques are every technique of the release, by id.
func (r *Release) AllTechniques() []Technique { return r.techniques }
