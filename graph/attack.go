package graph

import (
	"context"
	"slices"
	"sort"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/graph/model"
	"github.com/atlasgraph/atlasgraph/view"
)

// Actor fields go through the actors service, which merges ATLAS case-study actors with
// ATT&CK groups (see docs/attack.md); these helpers map GraphQL arguments onto it.

type viewKey struct{ release, attack string }

// actorTechniques answers Actor.techniques for a batch of actors, one service call per
// release and ATT&CK version among them.
func (r *Resolver) actorTechniques(ctx context.Context, objs []*view.Actor) ([][]view.ActorTechnique, error) {
	groups := map[viewKey][]string{}
	for _, a := range objs {
		k := viewKey{a.Release, a.AttackVersionUsed}
		groups[k] = append(groups[k], a.ID)
	}
	res := map[viewKey]map[string][]view.ActorTechnique{}
	for k, ids := range groups {
		m, err := r.app.ActorTechniques(ctx, k.release, k.attack, ids)
		if err != nil {
			return nil, err
		}
		res[k] = m
	}
	out := make([][]view.ActorTechnique, len(objs))
	for i, a := range objs {
		// A copy: the service's answers may be shared with other requests.
		out[i] = nonNilList(slices.Clone(res[viewKey{a.Release, a.AttackVersionUsed}][a.ID]))
	}
	return out, nil
}

// techniqueActors answers Technique.actors for a batch of techniques.
func (r *Resolver) techniqueActors(ctx context.Context, objs []*view.Technique) ([][]view.TechniqueActor, error) {
	groups := map[string][]string{}
	for _, t := range objs {
		groups[t.Release] = append(groups[t.Release], t.ID)
	}
	res := map[string]map[string][]view.TechniqueActor{}
	for rel, ids := range groups {
		m, err := r.app.TechniqueActors(ctx, rel, "", ids)
		if err != nil {
			return nil, err
		}
		res[rel] = m
	}
	out := make([][]view.TechniqueActor, len(objs))
	for i, t := range objs {
		out[i] = nonNilList(res[t.Release][t.ID])
	}
	return out, nil
}

// actorsPage pages a sorted actor list in memory: the list of one release is small (ATLAS
// actors plus ATT&CK groups, a few hundred).
func actorsPage(l []view.Actor, first *int, after *string) (*model.ActorConnection, error) {
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
		PageInfo: pageInfo(view.List[view.Actor]{Items: items, HasNextPage: end < len(l)}, func(a view.Actor) string { return a.ID })}
	for i := range items {
		c.Edges = append(c.Edges, model.ActorEdge{Cursor: encodeCursor(items[i].ID), Node: &items[i]})
	}
	return c, nil
}

// navigatorLayer maps the navigatorLayer arguments onto the service (the generated
// resolver's argument named actors hides the package there).
func (r *Resolver) navigatorLayer(ctx context.Context, names []string, caseStudy *string, techniques []string, release, attack *string) (*view.Layer, error) {
	return r.app.Layer(ctx, app.LayerRequest{Release: versionOf(release), AttackVersion: versionOf(attack),
		Actors: names, CaseStudy: versionOf(caseStudy), Techniques: techniques})
}
