package graph

import (
	"context"
	"slices"

	"github.com/atlasgraph/atlasgraph/readmodel"
	"github.com/atlasgraph/atlasgraph/store"
)

// How relationship fields are answered.
//
// Every relationship field is a gqlgen batch resolver: it is called once
// with all the sibling parents of one list and answers them from the
// complete release held in memory (package readmodel). There is no round
// trip per field and so nothing to batch or wait for: one read mechanism,
// the read model, serves the API, the command line and the web UI alike.

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

// batchOne answers a to-one relationship field; a key with no object (the
// parent of a technique that has none) answers null.
func batchOne[P, T any](ctx context.Context, m *readmodel.Model, parents []*P, keyOf func(*P) key, object func(*readmodel.Release, string) *T) ([]*T, error) {
	rs := releases{m: m}
	out := make([]*T, len(parents))
	for i, p := range parents {
		k := keyOf(p)
		if k.id == "" {
			continue
		}
		rel, err := rs.get(ctx, k.release)
		if err != nil {
			return nil, err
		}
		if v := object(rel, k.id); v != nil {
			c := *v
			out[i] = &c
		}
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
