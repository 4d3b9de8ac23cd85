package readmodel

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/atlasgraph/atlasgraph/store"
)

// Release is one complete release held in memory: every object and every
// relationship the read side answers, in the order the store's queries
// give them. It is built once from Neo4j (see read) and never changes; it
// is safe for concurrent use. Methods return slices the caller may keep
// but must not change.
type Release struct {
	Info store.ReleaseInfo

	tactics     []store.Tactic // matrix order
	tacticsByID []store.Tactic // id order
	techniques  []store.Technique
	mitigations []store.Mitigation
	caseStudies []store.CaseStudy
	actors      []store.Actor

	tactic     map[string]*store.Tactic
	technique  map[string]*store.Technique
	mitigation map[string]*store.Mitigation
	caseStudy  map[string]*store.CaseStudy
	actor      map[string]*store.Actor

	techniqueTactics     map[string][]store.Tactic
	tacticTechniques     map[string][]store.Technique
	subtechniques        map[string][]store.Technique
	techniqueMitigations map[string][]store.TechniqueMitigation
	mitigationTechniques map[string][]store.MitigatedTechnique
	techniqueCaseStudies map[string][]store.CaseStudy
	caseStudyActors      map[string][]store.Actor
	actorCaseStudies     map[string][]store.CaseStudy
	actorTechniques      map[string][]store.ActorTechnique
	techniqueActors      map[string][]store.TechniqueActor
	followedBy           map[string][]store.TechniqueTransition
	precededBy           map[string][]store.TechniqueTransition
	caseStudySteps       map[string][]store.Step
	leadsTo              map[string][]store.Step
	leadsFrom            map[string][]store.Step

	// Filter indexes: technique ids per case study (through its steps).
	caseStudyTechniques map[string]map[string]bool
}

// read builds the release info names from the store, with the store's
// own queries run once over every id, so that each answer is the one the
// store would give by construction. It is about twenty queries.
func read(ctx context.Context, r *store.Reader, info store.ReleaseInfo) (*Release, error) {
	v := info.Version
	rel := &Release{Info: info}
	var err error
	fail := func(what string, err error) error {
		return fmt.Errorf("read release %s into memory (%s): %w", v, what, err)
	}
	tl, err := r.Tactics(ctx, v, store.TacticFilter{}, store.Page{})
	if err != nil {
		return nil, fail("tactics", err)
	}
	rel.tactics = tl.Items
	rel.tacticsByID = slices.Clone(tl.Items)
	slices.SortFunc(rel.tacticsByID, func(a, b store.Tactic) int { return cmp.Compare(a.ID, b.ID) })
	tech, err := r.Techniques(ctx, v, store.TechniqueFilter{}, store.Page{})
	if err != nil {
		return nil, fail("techniques", err)
	}
	rel.techniques = tech.Items
	mits, err := r.Mitigations(ctx, v, store.MitigationFilter{}, store.Page{})
	if err != nil {
		return nil, fail("mitigations", err)
	}
	rel.mitigations = mits.Items
	cases, err := r.CaseStudies(ctx, v, store.CaseStudyFilter{}, store.Page{})
	if err != nil {
		return nil, fail("case studies", err)
	}
	rel.caseStudies = cases.Items
	acts, err := r.Actors(ctx, v, store.ActorFilter{}, store.Page{})
	if err != nil {
		return nil, fail("actors", err)
	}
	rel.actors = acts.Items

	rel.tactic = index(rel.tactics, func(t *store.Tactic) string { return t.ID })
	rel.technique = index(rel.techniques, func(t *store.Technique) string { return t.ID })
	rel.mitigation = index(rel.mitigations, func(m *store.Mitigation) string { return m.ID })
	rel.caseStudy = index(rel.caseStudies, func(c *store.CaseStudy) string { return c.ID })
	rel.actor = index(rel.actors, func(a *store.Actor) string { return a.ID })

	tacticIDs := ids(rel.tactics, func(t store.Tactic) string { return t.ID })
	techIDs := ids(rel.techniques, func(t store.Technique) string { return t.ID })
	mitIDs := ids(rel.mitigations, func(m store.Mitigation) string { return m.ID })
	caseIDs := ids(rel.caseStudies, func(c store.CaseStudy) string { return c.ID })
	actorIDs := ids(rel.actors, func(a store.Actor) string { return a.ID })

	steps := []struct {
		what string
		run  func() error
	}{
		{"technique tactics", func() (err error) { rel.techniqueTactics, err = r.TechniqueTactics(ctx, v, techIDs); return }},
		{"tactic techniques", func() (err error) { rel.tacticTechniques, err = r.TacticTechniques(ctx, v, tacticIDs); return }},
		{"sub-techniques", func() (err error) { rel.subtechniques, err = r.Subtechniques(ctx, v, techIDs); return }},
		{"technique mitigations", func() (err error) {
			rel.techniqueMitigations, err = r.TechniqueMitigations(ctx, v, techIDs)
			return
		}},
		{"mitigated techniques", func() (err error) {
			rel.mitigationTechniques, err = r.MitigationTechniques(ctx, v, mitIDs)
			return
		}},
		{"technique case studies", func() (err error) {
			rel.techniqueCaseStudies, err = r.TechniqueCaseStudies(ctx, v, techIDs)
			return
		}},
		{"case-study actors", func() (err error) { rel.caseStudyActors, err = r.CaseStudyActors(ctx, v, caseIDs); return }},
		{"actor case studies", func() (err error) { rel.actorCaseStudies, err = r.ActorCaseStudies(ctx, v, actorIDs); return }},
		{"actor techniques", func() (err error) { rel.actorTechniques, err = r.ActorTechniques(ctx, v, actorIDs); return }},
		{"technique actors", func() (err error) { rel.techniqueActors, err = r.TechniqueActors(ctx, v, techIDs); return }},
		{"followed by", func() (err error) { rel.followedBy, err = r.TechniqueFollowedBy(ctx, v, techIDs); return }},
		{"preceded by", func() (err error) { rel.precededBy, err = r.TechniquePrecededBy(ctx, v, techIDs); return }},
		{"steps", func() (err error) { rel.caseStudySteps, err = r.CaseStudySteps(ctx, v, caseIDs); return }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			return nil, fail(s.what, err)
		}
	}
	var stepIDs []string
	rel.caseStudyTechniques = make(map[string]map[string]bool, len(rel.caseStudySteps))
	for _, id := range caseIDs {
		set := map[string]bool{}
		for _, s := range rel.caseStudySteps[id] {
			stepIDs = append(stepIDs, s.ID)
			set[s.TechniqueID] = true
		}
		rel.caseStudyTechniques[id] = set
	}
	if rel.leadsTo, err = r.StepsLeadTo(ctx, v, stepIDs); err != nil {
		return nil, fail("next steps", err)
	}
	if rel.leadsFrom, err = r.StepsLeadFrom(ctx, v, stepIDs); err != nil {
		return nil, fail("previous steps", err)
	}
	rel.attachAll()
	return rel, nil
}

// attachAll makes every object the release holds answer its relationships
// from the release (store.Links), so that the GraphQL layer reads them as
// plain fields.
func (r *Release) attachAll() {
	each := func(n int, f func(int)) {
		for i := range n {
			f(i)
		}
	}
	tactics := func(l []store.Tactic) { each(len(l), func(i int) { l[i].Links = r }) }
	techniques := func(l []store.Technique) { each(len(l), func(i int) { l[i].Links = r }) }
	cases := func(l []store.CaseStudy) { each(len(l), func(i int) { l[i].Links = r }) }
	steps := func(l []store.Step) { each(len(l), func(i int) { l[i].Links = r }) }
	transitions := func(l []store.TechniqueTransition) { each(len(l), func(i int) { l[i].Technique.Links = r }) }
	tactics(r.tactics)
	tactics(r.tacticsByID)
	techniques(r.techniques)
	each(len(r.mitigations), func(i int) { r.mitigations[i].Links = r })
	cases(r.caseStudies)
	for _, l := range r.techniqueTactics {
		tactics(l)
	}
	for _, m := range []map[string][]store.Technique{r.tacticTechniques, r.subtechniques} {
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
	for _, m := range []map[string][]store.CaseStudy{r.techniqueCaseStudies, r.actorCaseStudies} {
		for _, l := range m {
			cases(l)
		}
	}
	for _, l := range r.actorTechniques {
		each(len(l), func(i int) { l[i].Technique.Links = r })
	}
	for _, m := range []map[string][]store.TechniqueTransition{r.followedBy, r.precededBy} {
		for _, l := range m {
			transitions(l)
		}
	}
	for _, m := range []map[string][]store.Step{r.caseStudySteps, r.leadsTo, r.leadsFrom} {
		for _, l := range m {
			steps(l)
		}
	}
}

// Attach makes objects read from Neo4j (a full-text search's hits, say)
// answer their relationships from this release.
func (r *Release) Attach(e *store.Entity) { e.Links = r }

func index[T any](items []T, id func(*T) string) map[string]*T {
	m := make(map[string]*T, len(items))
	for i := range items {
		m[id(&items[i])] = &items[i]
	}
	return m
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = id(x)
	}
	return out
}

// Version is the release's version.
func (r *Release) Version() string { return r.Info.Version }

// notFound is the store's error for a missing object.
func (r *Release) notFound(kind, id string) error {
	return &store.NotFoundError{Kind: kind, ID: id, Release: r.Info.Version}
}

func byID[T any](r *Release, m map[string]*T, kind, id string) (T, error) {
	if p, ok := m[id]; ok {
		return *p, nil
	}
	var zero T
	return zero, r.notFound(kind, id)
}

// Tactic returns one tactic, or a *store.NotFoundError.
func (r *Release) Tactic(id string) (store.Tactic, error) { return byID(r, r.tactic, "tactic", id) }

// Technique returns one technique or sub-technique.
func (r *Release) Technique(id string) (store.Technique, error) {
	return byID(r, r.technique, "technique", id)
}

// Mitigation returns one mitigation.
func (r *Release) Mitigation(id string) (store.Mitigation, error) {
	return byID(r, r.mitigation, "mitigation", id)
}

// CaseStudy returns one case study.
func (r *Release) CaseStudy(id string) (store.CaseStudy, error) {
	return byID(r, r.caseStudy, "case study", id)
}

// Actor returns one ATLAS case-study actor.
func (r *Release) Actor(id string) (store.Actor, error) { return byID(r, r.actor, "actor", id) }

// Objects by id, for to-one links: nil when the id is not in the release.

// TacticOrNil returns the tactic with this id, or nil.
func (r *Release) TacticOrNil(id string) *store.Tactic { return r.tactic[id] }

// TechniqueOrNil returns the technique with this id, or nil.
func (r *Release) TechniqueOrNil(id string) *store.Technique { return r.technique[id] }

// MitigationOrNil returns the mitigation with this id, or nil.
func (r *Release) MitigationOrNil(id string) *store.Mitigation { return r.mitigation[id] }

// CaseStudyOrNil returns the case study with this id, or nil.
func (r *Release) CaseStudyOrNil(id string) *store.CaseStudy { return r.caseStudy[id] }

// Relationships, one object's links at a time, in the store's order.

// TechniqueTactics are the tactics a technique achieves, in matrix order.
func (r *Release) TechniqueTactics(id string) []store.Tactic { return r.techniqueTactics[id] }

// TacticTechniques are the techniques achieving a tactic, by id.
func (r *Release) TacticTechniques(id string) []store.Technique { return r.tacticTechniques[id] }

// Subtechniques are a technique's sub-techniques, by id.
func (r *Release) Subtechniques(id string) []store.Technique { return r.subtechniques[id] }

// TechniqueMitigations are the mitigations of a technique with each link's text.
func (r *Release) TechniqueMitigations(id string) []store.TechniqueMitigation {
	return r.techniqueMitigations[id]
}

// MitigationTechniques are the techniques a mitigation counters.
func (r *Release) MitigationTechniques(id string) []store.MitigatedTechnique {
	return r.mitigationTechniques[id]
}

// TechniqueCaseStudies are the case studies with a step using the technique.
func (r *Release) TechniqueCaseStudies(id string) []store.CaseStudy {
	return r.techniqueCaseStudies[id]
}

// CaseStudyActors are the ATLAS actors a case study is attributed to.
func (r *Release) CaseStudyActors(id string) []store.Actor { return r.caseStudyActors[id] }

// ActorCaseStudies are the case studies attributed to an ATLAS actor.
func (r *Release) ActorCaseStudies(id string) []store.CaseStudy { return r.actorCaseStudies[id] }

// ActorTechniques are the techniques an ATLAS actor used (USES links).
func (r *Release) ActorTechniques(id string) []store.ActorTechnique { return r.actorTechniques[id] }

// TechniqueActors are the ATLAS actors seen using a technique.
func (r *Release) TechniqueActors(id string) []store.TechniqueActor { return r.techniqueActors[id] }

// FollowedBy are the techniques seen right after a technique, most frequent first.
func (r *Release) FollowedBy(id string) []store.TechniqueTransition { return r.followedBy[id] }

// PrecededBy are the techniques seen right before a technique, most frequent first.
func (r *Release) PrecededBy(id string) []store.TechniqueTransition { return r.precededBy[id] }

// CaseStudySteps are a case study's steps in order.
func (r *Release) CaseStudySteps(id string) []store.Step { return r.caseStudySteps[id] }

// StepsLeadTo are the steps a step ("AML.CS0000/S00") leads to.
func (r *Release) StepsLeadTo(key string) []store.Step { return r.leadsTo[key] }

// StepsLeadFrom are the steps that lead to a step.
func (r *Release) StepsLeadFrom(key string) []store.Step { return r.leadsFrom[key] }

// AllTechniques are every technique of the release, by id.
func (r *Release) AllTechniques() []store.Technique { return r.techniques }
