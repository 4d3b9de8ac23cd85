package graph

import (
	"context"
	"slices"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/view"
)

// How relationship fields are answered.
//
// The relationships of ATLAS objects (Technique.tactics, Step.technique...)
// are methods of the store's types reading through view.Links, which the
// complete release held in memory (package readmodel) sets on every object
// it hands out: gqlgen binds them as plain fields, with no resolver, no
// goroutine and no round trip. Objects read from Neo4j (search hits, the
// ATT&CK side) are attached to their release (attach) before they are
// returned. The few relationships that merge ATT&CK (Technique.actors,
// Actor.techniques) and the case studies of actor links remain batch
// resolvers, below. One read mechanism, the read model, serves the API, the
// command line and the web UI alike.

// key names one object of one release. Keys of several releases can meet in
// one request (`a: technique(release: "5.6.0") ... b: technique ...`).
type key struct{ release, id string }

// releases hands out the in-memory releases of one batch, looking each
// version up once.
type releases struct {
	m    *app.Service
	last *view.Release
}

func (rs *releases) get(ctx context.Context, version string) (*view.Release, error) {
	if rs.last != nil && rs.last.Version() == version {
		return rs.last, nil
	}
	rel, err := rs.m.Held(ctx, version)
	if err != nil {
		return nil, err
	}
	rs.last = rel
	return rel, nil
}

// batchList answers a list-valued relationship field, one key per parent.
// Each parent gets its own copy of the list: the objects in memory are
// shared by every request.
func batchList[P, T any](ctx context.Context, m *app.Service, parents []*P, keyOf func(*P) key, links func(*view.Release, string) []T) ([][]T, error) {
	rs := releases{m: m}
	out := make([][]T, len(parents))
	for i, p := range parents {
		k := keyOf(p)
		rel, err := rs.get(ctx, k.release)
		if err != nil {
			return nil, err
		}
		out[i] = nonNilList(slices.Clone(links(rel, k.id)))
	}
	return out, nil
}

// caseStudiesOf answers the caseStudies field of the link objects that
// carry case-study ids (actor techniques, technique actors, transitions).
func caseStudiesOf[P any](ctx context.Context, m *app.Service, parents []*P, idsOf func(*P) (string, []string)) ([][]view.CaseStudy, error) {
	rs := releases{m: m}
	out := make([][]view.CaseStudy, len(parents))
	for i, p := range parents {
		version, ids := idsOf(p)
		out[i] = []view.CaseStudy{}
		if len(ids) == 0 {
			continue
		}
		rel, err := rs.get(ctx, version)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if c := rel.CaseStudyOrNil(id); c != nil {
				out[i] = append(out[i], *c)
			}
		}
	}
	return out, nil
}
