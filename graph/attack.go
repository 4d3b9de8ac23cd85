package graph

import (
	"context"
	"slices"
	"sort"

	"github.com/atlasgraph/atlasgraph/actors"
	"github.com/atlasgraph/atlasgraph/graph/model"
	"github.com/atlasgraph/atlasgraph/store"
)

// Actor fields go through the actors service, which merges ATLAS case-study actors with
// ATT&CK groups (see docs/attack.md); these helpers map GraphQL arguments onto it.

func actorFilter(f *store.ActorFilter) actors.Filter {
	if f == nil {
		return actors.Filter{}
	}
	out := actors.Filter{Name: f.Name, Search: f.Search, Technique: f.Technique}
	if f.Via != nil {
		out.Via = *f.Via
	}
	return out
}

type viewKey struct{ release, attack string }

// actorTechniques answers Actor.techniques for a batch of actors, one service call per
// release and ATT&CK version among them.
func (r *Resolver) actorTechniques(ctx context.Context, svc *actors.Service, objs []*store.Actor) ([][]store.ActorTechnique, error) {
	groups := map[viewKey][]string{}
	for _, a := range objs {
		k := viewKey{a.Release, a.AttackVersionUsed}
		groups[k] = append(groups[k], a.ID)
	}
	res := map[viewKey]map[string][]store.ActorTechnique{}
	for k, ids := range groups {
		m, err := svc.Techniques(ctx, k.release, k.attack, ids)
		if err != nil {
			return nil, err
		}
		res[k] = m
	}
	out := make([][]store.ActorTechnique, len(objs))
	for i, a := range objs {
		// A copy: the service's answers may be shared with other requests.
		out[i] = nonNilList(slices.Clone(res[viewKey{a.Release, a.AttackVersionUsed}][a.ID]))
		for j := range out[i] {
			if err := r.attach(ctx, &out[i][j].Technique.Entity); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// techniqueActors answers Technique.actors for a batch of techniques.
func techniqueActors(ctx context.Context, svc *actors.Service, objs []*store.Technique) ([][]store.TechniqueActor, error) {
	groups := map[string][]string{}
	for _, t := range objs {
		groups[t.Release] = append(groups[t.Release], t.ID)
	}
	res := map[string]map[string][]store.TechniqueActor{}
	for rel, ids := range groups {
		m, err := svc.TechniqueActors(ctx, rel, "", ids)
		if err != nil {
			return nil, err
		}
		res[rel] = m
	}
	out := make([][]store.TechniqueActor, len(objs))
	for i, t := range objs {
		out[i] = nonNilList(res[t.Release][t.ID])
	}
	return out, nil
}

// actorsPage pages a sorted actor list in memory: the list of one release is small (ATLAS
// actors plus ATT&CK groups, a few hundred).
func actorsPage(l []store.Actor, first *int, after *string) (*model.ActorConnection, error) {
	p, err := page(first, after)
	if err != nil {
		return nil, err
	}
	start := 0
	if p.After != "" {
		start = sort.Search(len(l), func(i int) bool { return l[i].ID > p.After })
	}
	end := len(l)
	if p.First > 0 && start+p.First < end {
		end = start + p.First
	}
	items := l[start:end]
	c := &model.ActorConnection{Nodes: items, TotalCount: len(l),
		PageInfo: pageInfo(store.List[store.Actor]{Items: items, HasNextPage: end < len(l)}, func(a store.Actor) string { return a.ID })}
	for i := range items {
		c.Edges = append(c.Edges, model.ActorEdge{Cursor: encodeCursor(items[i].ID), Node: &items[i]})
	}
	return c, nil
}

// navigatorLayer maps the navigatorLayer arguments onto the service (the generated
// resolver's argument named actors hides the package there).
func (r *Resolver) navigatorLayer(ctx context.Context, names []string, caseStudy *string, techniques []string, release, attack *string) (*actors.Layer, error) {
	return r.actorSvc.Layer(ctx, actors.LayerRequest{Release: versionOf(release), AttackVersion: versionOf(attack),
		Actors: names, CaseStudy: versionOf(caseStudy), Techniques: techniques})
}
