package readmodel

import (
	"context"

	"github.com/atlasgraph/atlasgraph/store"
)

// The methods below answer the store.Reader questions with the same
// arguments and answers, from memory: a caller moves from one to the
// other by changing its receiver. release "" means the current release.

// ResolveRelease returns the version of the release asked for.
func (m *Model) ResolveRelease(ctx context.Context, version string) (string, error) {
	info, err := m.Info(ctx, version)
	return info.Version, err
}

func one[T any](ctx context.Context, m *Model, release string, f func(*Release) (T, error)) (T, error) {
	rel, err := m.Release(ctx, release)
	if err != nil {
		var zero T
		return zero, err
	}
	return f(rel)
}

// Tactic returns one tactic of a release.
func (m *Model) Tactic(ctx context.Context, release, id string) (store.Tactic, error) {
	return one(ctx, m, release, func(r *Release) (store.Tactic, error) { return r.Tactic(id) })
}

// Technique returns one technique or sub-technique.
func (m *Model) Technique(ctx context.Context, release, id string) (store.Technique, error) {
	return one(ctx, m, release, func(r *Release) (store.Technique, error) { return r.Technique(id) })
}

// Mitigation returns one mitigation.
func (m *Model) Mitigation(ctx context.Context, release, id string) (store.Mitigation, error) {
	return one(ctx, m, release, func(r *Release) (store.Mitigation, error) { return r.Mitigation(id) })
}

// CaseStudy returns one case study, without its steps.
func (m *Model) CaseStudy(ctx context.Context, release, id string) (store.CaseStudy, error) {
	return one(ctx, m, release, func(r *Release) (store.CaseStudy, error) { return r.CaseStudy(id) })
}

// Tactics lists the tactics meeting f; a search goes to Neo4j's index.
func (m *Model) Tactics(ctx context.Context, release string, f store.TacticFilter, p store.Page) (store.List[store.Tactic], error) {
	rel, err := m.Release(ctx, release)
	if err != nil {
		return store.List[store.Tactic]{}, err
	}
	if f.Search != "" {
		l, err := m.r.Tactics(ctx, rel.Version(), f, p)
		return attached(rel, func(x *store.Tactic) *store.Entity { return &x.Entity }, l, err)
	}
	return rel.Tactics(p), nil
}

// Techniques lists the techniques meeting f; a search goes to Neo4j's index.
func (m *Model) Techniques(ctx context.Context, release string, f store.TechniqueFilter, p store.Page) (store.List[store.Technique], error) {
	rel, err := m.Release(ctx, release)
	if err != nil {
		return store.List[store.Technique]{}, err
	}
	if f.Search != "" {
		l, err := m.r.Techniques(ctx, rel.Version(), f, p)
		return attached(rel, func(x *store.Technique) *store.Entity { return &x.Entity }, l, err)
	}
	return rel.Techniques(f, p)
}

// Mitigations lists the mitigations meeting f; a search goes to Neo4j's index.
func (m *Model) Mitigations(ctx context.Context, release string, f store.MitigationFilter, p store.Page) (store.List[store.Mitigation], error) {
	rel, err := m.Release(ctx, release)
	if err != nil {
		return store.List[store.Mitigation]{}, err
	}
	if f.Search != "" {
		l, err := m.r.Mitigations(ctx, rel.Version(), f, p)
		return attached(rel, func(x *store.Mitigation) *store.Entity { return &x.Entity }, l, err)
	}
	return rel.Mitigations(f, p), nil
}

// CaseStudies lists the case studies meeting f; a search goes to Neo4j's index.
func (m *Model) CaseStudies(ctx context.Context, release string, f store.CaseStudyFilter, p store.Page) (store.List[store.CaseStudy], error) {
	rel, err := m.Release(ctx, release)
	if err != nil {
		return store.List[store.CaseStudy]{}, err
	}
	if f.Search != "" {
		l, err := m.r.CaseStudies(ctx, rel.Version(), f, p)
		return attached(rel, func(x *store.CaseStudy) *store.Entity { return &x.Entity }, l, err)
	}
	return rel.CaseStudies(f, p), nil
}

// attached attaches the items of a list read from Neo4j to rel.
func attached[T any](rel *Release, entity func(*T) *store.Entity, l store.List[T], err error) (store.List[T], error) {
	for i := range l.Items {
		rel.Attach(entity(&l.Items[i]))
	}
	return l, err
}

// Batched relationship reads with the store's signatures: for each id, the
// objects at the other end. Ids not in the release map to nothing.

func batch[T any](ctx context.Context, m *Model, release string, ids []string, f func(*Release, string) (T, bool)) (map[string]T, error) {
	rel, err := m.Release(ctx, release)
	if err != nil {
		return nil, err
	}
	out := make(map[string]T, len(ids))
	for _, id := range ids {
		if v, ok := f(rel, id); ok {
			out[id] = v
		}
	}
	return out, nil
}

func many[T any](get func(*Release, string) []T) func(*Release, string) ([]T, bool) {
	return func(r *Release, id string) ([]T, bool) {
		l := get(r, id)
		return l, len(l) > 0
	}
}

func single[T any](get func(*Release, string) *T) func(*Release, string) (T, bool) {
	return func(r *Release, id string) (T, bool) {
		if p := get(r, id); p != nil {
			return *p, true
		}
		var zero T
		return zero, false
	}
}

// TacticsByID returns the tactics with these ids.
func (m *Model) TacticsByID(ctx context.Context, release string, ids []string) (map[string]store.Tactic, error) {
	return batch(ctx, m, release, ids, single((*Release).TacticOrNil))
}

// TechniquesByID returns the techniques with these ids.
func (m *Model) TechniquesByID(ctx context.Context, release string, ids []string) (map[string]store.Technique, error) {
	return batch(ctx, m, release, ids, single((*Release).TechniqueOrNil))
}

// MitigationsByID returns the mitigations with these ids.
func (m *Model) MitigationsByID(ctx context.Context, release string, ids []string) (map[string]store.Mitigation, error) {
	return batch(ctx, m, release, ids, single((*Release).MitigationOrNil))
}

// CaseStudiesByID returns the case studies with these ids.
func (m *Model) CaseStudiesByID(ctx context.Context, release string, ids []string) (map[string]store.CaseStudy, error) {
	return batch(ctx, m, release, ids, single((*Release).CaseStudyOrNil))
}

// TechniqueTactics: for each technique, its tactics in matrix order.
func (m *Model) TechniqueTactics(ctx context.Context, release string, ids []string) (map[string][]store.Tactic, error) {
	return batch(ctx, m, release, ids, many((*Release).TechniqueTactics))
}

// TacticTechniques: for each tactic, the techniques achieving it.
func (m *Model) TacticTechniques(ctx context.Context, release string, ids []string) (map[string][]store.Technique, error) {
	return batch(ctx, m, release, ids, many((*Release).TacticTechniques))
}

// Subtechniques: for each technique, its sub-techniques.
func (m *Model) Subtechniques(ctx context.Context, release string, ids []string) (map[string][]store.Technique, error) {
	return batch(ctx, m, release, ids, many((*Release).Subtechniques))
}

// TechniqueMitigations: for each technique, its mitigations.
func (m *Model) TechniqueMitigations(ctx context.Context, release string, ids []string) (map[string][]store.TechniqueMitigation, error) {
	return batch(ctx, m, release, ids, many((*Release).TechniqueMitigations))
}

// MitigationTechniques: for each mitigation, the techniques it counters.
func (m *Model) MitigationTechniques(ctx context.Context, release string, ids []string) (map[string][]store.MitigatedTechnique, error) {
	return batch(ctx, m, release, ids, many((*Release).MitigationTechniques))
}

// TechniqueCaseStudies: for each technique, the case studies using it.
func (m *Model) TechniqueCaseStudies(ctx context.Context, release string, ids []string) (map[string][]store.CaseStudy, error) {
	return batch(ctx, m, release, ids, many((*Release).TechniqueCaseStudies))
}

// CaseStudyActors: for each case study, its ATLAS actors.
func (m *Model) CaseStudyActors(ctx context.Context, release string, ids []string) (map[string][]store.Actor, error) {
	return batch(ctx, m, release, ids, many((*Release).CaseStudyActors))
}

// ActorCaseStudies: for each ATLAS actor, its case studies.
func (m *Model) ActorCaseStudies(ctx context.Context, release string, ids []string) (map[string][]store.CaseStudy, error) {
	return batch(ctx, m, release, ids, many((*Release).ActorCaseStudies))
}

// TechniqueFollowedBy: for each technique, those seen right after it.
func (m *Model) TechniqueFollowedBy(ctx context.Context, release string, ids []string) (map[string][]store.TechniqueTransition, error) {
	return batch(ctx, m, release, ids, many((*Release).FollowedBy))
}

// TechniquePrecededBy: for each technique, those seen right before it.
func (m *Model) TechniquePrecededBy(ctx context.Context, release string, ids []string) (map[string][]store.TechniqueTransition, error) {
	return batch(ctx, m, release, ids, many((*Release).PrecededBy))
}

// CaseStudySteps: for each case study, its steps in order.
func (m *Model) CaseStudySteps(ctx context.Context, release string, ids []string) (map[string][]store.Step, error) {
	return batch(ctx, m, release, ids, many((*Release).CaseStudySteps))
}

// StepsLeadTo: for each step key, the steps it leads to.
func (m *Model) StepsLeadTo(ctx context.Context, release string, keys []string) (map[string][]store.Step, error) {
	return batch(ctx, m, release, keys, many((*Release).StepsLeadTo))
}

// StepsLeadFrom: for each step key, the steps leading to it.
func (m *Model) StepsLeadFrom(ctx context.Context, release string, keys []string) (map[string][]store.Step, error) {
	return batch(ctx, m, release, keys, many((*Release).StepsLeadFrom))
}
