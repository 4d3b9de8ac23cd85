package graph

import (
	"context"
	"slices"

	"github.com/atlasgraph/atlasgraph/readmodel"
	"github.com/atlasgraph/atlasgraph/store"
)

// How relationship fields are answered.
//
// The relationships of ATLAS objects (Technique.tactics, Step.technique...)
// are methods of the store's types reading through store.Links, which the
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
	m    *readmodel.Model
	last *readmodel.Release
}

func (rs *releases) get(ctx context.Context, version string) (*readmodel.Release, error) {
	if rs.last != nil && rs.last.Version() == version {
		return rs.last, nil
	}
	rel, err := rs.m.Release(ctx, version)
	if err != nil {
		return nil, err
	}
	rs.last = rel
	return rel, nil
}

// batchList answers a list-valued relationship field, one key per parent.
// Each parent gets its own copy of the list: the objects in memory are
// shared by every request.
func batchList[P, T any](ctx context.Context, m *readmodel.Model, parents []*P, keyOf func(*P) key, links func(*readmodel.Release, string) []T) ([][]T, error) {
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
func caseStudiesOf[P any](ctx context.Context, m *readmodel.Model, parents []*P, idsOf func(*P) (string, []string)) ([][]store.CaseStudy, error) {
	rs := releases{m: m}
	out := make([][]store.CaseStudy, len(parents))
	for i, p := range parents {
		version, ids := idsOf(p)
		out[i] = []store.CaseStudy{}
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

// attach makes objects read from Neo4j answer their relationships from the
// in-memory release they belong to.
func (r *Resolver) attach(ctx context.Context, entities ...*store.Entity) error {
	rs := releases{m: r.model}
	for _, e := range entities {
		if e == nil || e.Release == "" || e.Links != nil {
			continue
		}
		rel, err := rs.get(ctx, e.Release)
		if err != nil {
			return err
		}
		rel.Attach(e)
	}
	return nil
}
