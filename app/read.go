package app

import (
	"context"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/navigator"
	"github.com/atlasgraph/atlasgraph/view"
)

// The reading questions: objects by id, filtered and paged lists, and the
// relationships of many objects at once, answered from the release held in
// memory (package view), release "" meaning the current one. A list filter
// with a search text asks Neo4j's full-text index for the ids of its hits,
// then filters and pages the held objects like any other list.

// ResolveRelease returns the version of the release asked for.
func (s *Service) ResolveRelease(ctx context.Context, version string) (_ string, err error) {
	defer wrap(&err)
	info, err := s.model.Info(ctx, version)
	return info.Version, err
}

func one[T any](ctx context.Context, s *Service, release string, f func(*view.Release) (T, error)) (T, error) {
	rel, err := s.model.Release(ctx, release)
	if err != nil {
		var zero T
		return zero, err
	}
	return f(rel)
}

// Tactic returns one tactic of a release.
func (s *Service) Tactic(ctx context.Context, release, id string) (_ view.Tactic, err error) {
	defer wrap(&err)
	return one(ctx, s, release, func(r *view.Release) (view.Tactic, error) { return r.Tactic(id) })
}

// Technique returns one technique or sub-technique.
func (s *Service) Technique(ctx context.Context, release, id string) (_ view.Technique, err error) {
	defer wrap(&err)
	return one(ctx, s, release, func(r *view.Release) (view.Technique, error) { return r.Technique(id) })
}

// Mitigation returns one mitigation.
func (s *Service) Mitigation(ctx context.Context, release, id string) (_ view.Mitigation, err error) {
	defer wrap(&err)
	return one(ctx, s, release, func(r *view.Release) (view.Mitigation, error) { return r.Mitigation(id) })
}

// CaseStudy returns one case study, without its steps.
func (s *Service) CaseStudy(ctx context.Context, release, id string) (_ view.CaseStudy, err error) {
	defer wrap(&err)
	return one(ctx, s, release, func(r *view.Release) (view.CaseStudy, error) { return r.CaseStudy(id) })
}

// Tactics lists the tactics meeting f; a search goes to Neo4j's index.
func (s *Service) Tactics(ctx context.Context, release string, f view.TacticFilter, p view.Page) (_ view.List[view.Tactic], err error) {
	defer wrap(&err)
	rel, err := s.model.Release(ctx, release)
	if err != nil {
		return view.List[view.Tactic]{}, err
	}
	if f.Search != "" {
		if f.Only, err = s.searchIDs(ctx, rel, f.Search, view.KindTactic); err != nil {
			return view.List[view.Tactic]{}, err
		}
	}
	return rel.Tactics(f, p), nil
}

// Techniques lists the techniques meeting f; a search goes to Neo4j's index.
func (s *Service) Techniques(ctx context.Context, release string, f view.TechniqueFilter, p view.Page) (_ view.List[view.Technique], err error) {
	defer wrap(&err)
	rel, err := s.model.Release(ctx, release)
	if err != nil {
		return view.List[view.Technique]{}, err
	}
	if f.Search != "" {
		if f.Only, err = s.searchIDs(ctx, rel, f.Search, view.KindTechnique); err != nil {
			return view.List[view.Technique]{}, err
		}
	}
	return rel.Techniques(f, p)
}

// Mitigations lists the mitigations meeting f; a search goes to Neo4j's index.
func (s *Service) Mitigations(ctx context.Context, release string, f view.MitigationFilter, p view.Page) (_ view.List[view.Mitigation], err error) {
	defer wrap(&err)
	rel, err := s.model.Release(ctx, release)
	if err != nil {
		return view.List[view.Mitigation]{}, err
	}
	if f.Search != "" {
		if f.Only, err = s.searchIDs(ctx, rel, f.Search, view.KindMitigation); err != nil {
			return view.List[view.Mitigation]{}, err
		}
	}
	return rel.Mitigations(f, p), nil
}

// CaseStudies lists the case studies meeting f; a search goes to Neo4j's index.
func (s *Service) CaseStudies(ctx context.Context, release string, f view.CaseStudyFilter, p view.Page) (_ view.List[view.CaseStudy], err error) {
	defer wrap(&err)
	rel, err := s.model.Release(ctx, release)
	if err != nil {
		return view.List[view.CaseStudy]{}, err
	}
	if f.Search != "" {
		if f.Only, err = s.searchIDs(ctx, rel, f.Search, view.KindCaseStudy); err != nil {
			return view.List[view.CaseStudy]{}, err
		}
	}
	return rel.CaseStudies(f, p), nil
}

// searchIDs asks the full-text index which objects of one kind in rel
// match text: every hit, for a list filter to keep.
func (s *Service) searchIDs(ctx context.Context, rel *view.Release, text string, kind view.Kind) (map[string]bool, error) {
	if err := s.db("search"); err != nil {
		return nil, err
	}
	_, hits, err := s.reader.Search(ctx, rel.Version(), text, maxListSearchHits)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, h := range hits {
		if h.Kind == kind {
			ids[h.ID] = true
		}
	}
	return ids, nil
}

// maxListSearchHits bounds the hits a list filter's search reads; more
// than any release has objects.
const maxListSearchHits = 100_000

// Batched relationship reads with the store's signatures: for each id, the
// objects at the other end. Ids not in the release map to nothing.

func batch[T any](ctx context.Context, s *Service, release string, ids []string, f func(*view.Release, string) (T, bool)) (map[string]T, error) {
	rel, err := s.model.Release(ctx, release)
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

func many[T any](get func(*view.Release, string) []T) func(*view.Release, string) ([]T, bool) {
	return func(r *view.Release, id string) ([]T, bool) {
		l := get(r, id)
		return l, len(l) > 0
	}
}

func single[T any](get func(*view.Release, string) *T) func(*view.Release, string) (T, bool) {
	return func(r *view.Release, id string) (T, bool) {
		if p := get(r, id); p != nil {
			return *p, true
		}
		var zero T
		return zero, false
	}
}

// techniquesByID returns the techniques with these ids.
func (s *Service) techniquesByID(ctx context.Context, release string, ids []string) (map[string]view.Technique, error) {
	return batch(ctx, s, release, ids, single((*view.Release).TechniqueOrNil))
}

// techniqueTactics: for each technique, its tactics in matrix order.
func (s *Service) techniqueTactics(ctx context.Context, release string, ids []string) (map[string][]view.Tactic, error) {
	return batch(ctx, s, release, ids, many((*view.Release).TechniqueTactics))
}

// tacticTechniques: for each tactic, the techniques achieving it.
func (s *Service) tacticTechniques(ctx context.Context, release string, ids []string) (map[string][]view.Technique, error) {
	return batch(ctx, s, release, ids, many((*view.Release).TacticTechniques))
}

// subtechniques: for each technique, its sub-techniques.
func (s *Service) subtechniques(ctx context.Context, release string, ids []string) (map[string][]view.Technique, error) {
	return batch(ctx, s, release, ids, many((*view.Release).Subtechniques))
}

// techniqueMitigations: for each technique, its mitigations.
func (s *Service) techniqueMitigations(ctx context.Context, release string, ids []string) (map[string][]view.TechniqueMitigation, error) {
	return batch(ctx, s, release, ids, many((*view.Release).TechniqueMitigations))
}

// mitigationTechniques: for each mitigation, the techniques it counters.
func (s *Service) mitigationTechniques(ctx context.Context, release string, ids []string) (map[string][]view.MitigatedTechnique, error) {
	return batch(ctx, s, release, ids, many((*view.Release).MitigationTechniques))
}

// techniqueCaseStudies: for each technique, the case studies using it.
func (s *Service) techniqueCaseStudies(ctx context.Context, release string, ids []string) (map[string][]view.CaseStudy, error) {
	return batch(ctx, s, release, ids, many((*view.Release).TechniqueCaseStudies))
}

// caseStudyActors: for each case study, its ATLAS actors.
func (s *Service) caseStudyActors(ctx context.Context, release string, ids []string) (map[string][]view.Actor, error) {
	return batch(ctx, s, release, ids, many((*view.Release).CaseStudyActors))
}

// actorCaseStudies: for each ATLAS actor, its case studies.
func (s *Service) actorCaseStudies(ctx context.Context, release string, ids []string) (map[string][]view.CaseStudy, error) {
	return batch(ctx, s, release, ids, many((*view.Release).ActorCaseStudies))
}

// techniqueFollowedBy: for each technique, those seen right after it.
func (s *Service) techniqueFollowedBy(ctx context.Context, release string, ids []string) (map[string][]view.TechniqueTransition, error) {
	return batch(ctx, s, release, ids, many((*view.Release).FollowedBy))
}

// techniquePrecededBy: for each technique, those seen right before it.
func (s *Service) techniquePrecededBy(ctx context.Context, release string, ids []string) (map[string][]view.TechniqueTransition, error) {
	return batch(ctx, s, release, ids, many((*view.Release).PrecededBy))
}

// caseStudySteps: for each case study, its steps in order.
func (s *Service) caseStudySteps(ctx context.Context, release string, ids []string) (map[string][]view.Step, error) {
	return batch(ctx, s, release, ids, many((*view.Release).CaseStudySteps))
}

// Held returns the complete release asked for ("" for the current one) as
// held in memory, read from Neo4j the first time: the value every answer
// about it comes from.
func (s *Service) Held(ctx context.Context, release string) (_ *view.Release, err error) {
	defer wrap(&err)
	rel, err := s.model.Release(ctx, release)
	return rel, fail(err)
}

// CompleteReleases lists the complete releases, newest version first, as
// the catalogue the server follows lists them.
func (s *Service) CompleteReleases(ctx context.Context) (_ []Release, err error) {
	defer wrap(&err)
	list, err := s.model.Infos(ctx)
	if err != nil {
		return nil, fail(err)
	}
	out := make([]Release, 0, len(list))
	for _, r := range list {
		out = append(out, ReleaseFrom(r))
	}
	return out, nil
}

// CompleteRelease describes one complete release ("" for the current one).
func (s *Service) CompleteRelease(ctx context.Context, version string) (_ Release, err error) {
	defer wrap(&err)
	info, err := s.model.Info(ctx, version)
	if err != nil {
		return Release{}, fail(err)
	}
	return ReleaseFrom(info), nil
}

// ReleaseDiff is what changed between two releases (atlas.Diff), which
// also draws itself as a Navigator layer.
type ReleaseDiff struct {
	atlas.Diff
}

// NavigatorLayer is the diff as a Navigator layer of the newer release.
func (d *ReleaseDiff) NavigatorLayer() (string, error) { return navigator.DiffLayerJSON(d.Diff) }

// Diff compares two loaded releases (see atlas.Compare), from the values
// held in memory.
func (s *Service) Diff(ctx context.Context, from, to string) (_ *ReleaseDiff, err error) {
	defer wrap(&err)
	if from == "" || to == "" {
		return nil, errorf(BadInput, "a diff needs two release versions")
	}
	a, err := s.model.Release(ctx, from)
	if err != nil {
		return nil, fail(err)
	}
	b, err := s.model.Release(ctx, to)
	if err != nil {
		return nil, fail(err)
	}
	return &ReleaseDiff{Diff: atlas.Compare(a.Atlas, b.Atlas)}, nil
}

// TechniquesReferencing lists the techniques of a release whose ATT&CK
// reference names attackID, by id.
func (s *Service) TechniquesReferencing(ctx context.Context, release, attackID string) (_ []view.Technique, err error) {
	defer wrap(&err)
	rel, err := s.model.Release(ctx, release)
	if err != nil {
		return nil, fail(err)
	}
	out := []view.Technique{}
	for _, t := range rel.AllTechniques() {
		if t.Attack != nil && t.Attack.ID == attackID {
			out = append(out, t)
		}
	}
	return out, nil
}

// AttackVersion describes a loaded ATT&CK version ("" for the current one).
func (s *Service) AttackVersion(ctx context.Context, version string) (_ *view.AttackVersion, err error) {
	defer wrap(&err)
	if err := s.db("ATT&CK"); err != nil {
		return nil, err
	}
	v, err := s.reader.AttackVersion(ctx, version)
	return v, fail(err)
}

// AttackVersions lists the loaded ATT&CK versions.
func (s *Service) AttackVersions(ctx context.Context) (_ []view.AttackVersion, err error) {
	defer wrap(&err)
	if err := s.db("ATT&CK"); err != nil {
		return nil, err
	}
	v, err := s.reader.AttackVersions(ctx)
	return v, fail(err)
}

// AttackTechnique reads one ATT&CK technique of a loaded ATT&CK version.
func (s *Service) AttackTechnique(ctx context.Context, attackVersion, id string) (_ view.AttackTechnique, err error) {
	defer wrap(&err)
	if err := s.db("ATT&CK"); err != nil {
		return view.AttackTechnique{}, err
	}
	return s.actors.AttackTechnique(ctx, attackVersion, id)
}
