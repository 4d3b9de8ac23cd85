package graph

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"github.com/atlasgraph/atlasgraph/store"
)

// How relationship fields avoid N+1 queries.
//
// Every relationship field is a gqlgen batch resolver: it is called once
// with all the sibling parents of one list (all the techniques of
// `techniques`, all the steps of one case study) and answers them with one
// batched query of the store's Reader. Three cases, cheapest first:
//
//  1. The list is the only one at its level (its path from the root crosses
//     no other list: `techniques { tactics }`, `caseStudy { steps }`): it
//     queries at once.
//  2. The list is one of many at its level (`tactics { techniques {
//     mitigations } }` has one techniques list per tactic), and the level
//     above recorded every object of this level (see levels): the first
//     list queries for all of them, the others share the answer. No wait.
//     Objects reached through a link object (`mitigations { mitigation {
//     techniques } }`) are recorded too.
//  3. Anything else (objects under a connection's edges or a search hit):
//     the lists go through a per-request dataloader (vikstrous/dataloadgen),
//     which gathers the keys of all of them for Options.LoaderWait and
//     sends one query.
//
// Each field level thus costs one round trip. Only the third case pays the
// wait, and only it may, on a loaded machine, split a level into a few
// batches.

type loadersKey struct{}

// key names one object of one release. Keys of several releases can meet in
// one request (`a: technique(release: "5.6.0") ... b: technique ...`);
// the fetch splits them by release.
type key struct{ release, id string }

// fetchFunc is a batched store read: objects of one release by id.
type fetchFunc[V any] func(ctx context.Context, release string, ids []string) (map[string]V, error)

// loader is a dataloader over one batched read, plus the read itself for
// the lists that need no waiting.
type loader[V any] struct {
	fetch fetchFunc[V]
	dl    *dataloadgen.Loader[key, V]
}

func newLoader[V any](fetch fetchFunc[V], wait time.Duration) *loader[V] {
	l := &loader[V]{fetch: fetch}
	l.dl = dataloadgen.NewLoader(func(ctx context.Context, keys []key) ([]V, []error) {
		vals, err := l.fetchKeys(ctx, keys)
		if err != nil {
			return nil, []error{err}
		}
		return vals, nil
	}, dataloadgen.WithWait(wait))
	return l
}

// fetchKeys reads the values of keys with one query per release; a key
// without a value gets the zero value (an empty list, a nil object).
func (l *loader[V]) fetchKeys(ctx context.Context, keys []key) ([]V, error) {
	var order []string
	ids := map[string][]string{}
	for _, k := range keys {
		if k.id == "" {
			continue // a null to-one end, such as the parent of a technique
		}
		if _, ok := ids[k.release]; !ok {
			order = append(order, k.release)
		}
		ids[k.release] = append(ids[k.release], k.id)
	}
	found := make(map[key]V, len(keys))
	for _, rel := range order {
		m, err := l.fetch(ctx, rel, dedupe(ids[rel]))
		if err != nil {
			return nil, err
		}
		for id, v := range m {
			found[key{rel, id}] = v
		}
	}
	out := make([]V, len(keys))
	for i, k := range keys {
		out[i] = found[k]
	}
	return out, nil
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// lookup reads the values of the keys of parents (keysOf gives each
// parent's keys). It queries at once when the parents are a whole level:
// either they are the only list at their level, or the level's objects
// were all recorded by the level above (see levels). Otherwise it goes
// through the dataloader. complete says whether the answer covers the
// whole level, so that the caller may record the next one.
func lookup[P, V any](ctx context.Context, l *loader[V], parents []*P, keysOf func(*P) []key) (vals map[key]V, complete bool, err error) {
	flatten := func(ps []*P) []key {
		var out []key
		for _, p := range ps {
			out = append(out, keysOf(p)...)
		}
		return out
	}
	byKey := func(ks []key, vs []V) map[key]V {
		m := make(map[key]V, len(ks))
		for i, k := range ks {
			m[k] = vs[i]
		}
		return m
	}
	if levelIsOneList(ctx) {
		ks := flatten(parents)
		vs, err := l.fetchKeys(ctx, ks)
		if err != nil {
			return nil, false, err
		}
		return byKey(ks, vs), true, nil
	}
	lv, _ := ctx.Value(levelsKey{}).(*levels)
	all, ok := levelObjects[P](lv, parentPattern(ctx))
	if !ok {
		all, ok = levelObjects[P](lv, linkPattern(ctx))
	}
	if ok {
		found, err := lv.fetchOnce(fieldPattern(ctx), func() (any, error) {
			ks := flatten(ptrs(all))
			vs, err := l.fetchKeys(ctx, ks)
			if err != nil {
				return nil, err
			}
			return byKey(ks, vs), nil
		})
		if err != nil {
			return nil, false, err
		}
		return found.(map[key]V), true, nil
	}
	ks := flatten(parents)
	vs, err := l.dl.LoadAll(ctx, ks)
	if err != nil {
		// The fetch failed as a whole: every key carries the same error.
		var es dataloadgen.ErrorSlice
		if errors.As(err, &es) {
			for _, e := range es {
				if e != nil {
					return nil, false, e
				}
			}
		}
		return nil, false, err
	}
	return byKey(ks, vs), false, nil
}

// batchList answers a list-valued relationship field, one key per parent,
// and records the objects of a whole level as the next level.
func batchList[P, T any](ctx context.Context, l *loader[[]T], parents []*P, keyOf func(*P) key) ([][]T, error) {
	m, complete, err := lookup(ctx, l, parents, func(p *P) []key { return []key{keyOf(p)} })
	if err != nil {
		return nil, err
	}
	out := make([][]T, len(parents))
	for i, p := range parents {
		out[i] = m[keyOf(p)]
	}
	if complete {
		var all []T
		for _, v := range m {
			all = append(all, v...)
		}
		recordLevel(ctx, all)
	}
	return out, nil
}

// batchOne answers a to-one relationship field, recording likewise.
func batchOne[P, T any](ctx context.Context, l *loader[*T], parents []*P, keyOf func(*P) key) ([]*T, error) {
	m, complete, err := lookup(ctx, l, parents, func(p *P) []key { return []key{keyOf(p)} })
	if err != nil {
		return nil, err
	}
	out := make([]*T, len(parents))
	for i, p := range parents {
		out[i] = m[keyOf(p)]
	}
	if complete {
		all := make([]T, 0, len(m))
		for _, v := range m {
			if v != nil {
				all = append(all, *v)
			}
		}
		recordLevel(ctx, all)
	}
	return out, nil
}

// caseStudiesOf answers the caseStudies field of the link objects that
// carry case-study ids (actor techniques, technique actors, transitions).
func caseStudiesOf[P any](ctx context.Context, l *loader[*store.CaseStudy], parents []*P, idsOf func(*P) (string, []string)) ([][]store.CaseStudy, error) {
	keysOf := func(p *P) []key {
		rel, ids := idsOf(p)
		ks := make([]key, len(ids))
		for i, id := range ids {
			ks[i] = key{rel, id}
		}
		return ks
	}
	m, complete, err := lookup(ctx, l, parents, keysOf)
	if err != nil {
		return nil, err
	}
	out := make([][]store.CaseStudy, len(parents))
	for i, p := range parents {
		out[i] = []store.CaseStudy{}
		for _, k := range keysOf(p) {
			if v := m[k]; v != nil {
				out[i] = append(out[i], *v)
			}
		}
	}
	if complete {
		all := make([]store.CaseStudy, 0, len(m))
		for _, v := range m {
			if v != nil {
				all = append(all, *v)
			}
		}
		recordLevel(ctx, all)
	}
	return out, nil
}

type levelsKey struct{}

// levels lets a nested list level be read with one query and no waiting.
// When a relationship field has been answered for a whole level, the
// objects it returned are recorded under the field's path pattern (the
// response path without list indexes, e.g. "tactics.techniques"). The
// lists of the next level ("tactics.techniques.mitigations", one list per
// technique) then know every object of their level: the first of them
// queries for all, the others read the answer. The objects that link
// objects point at are recorded under "pattern.*". Levels that cannot be
// known this way (under connection edges, search hits) fall back to the
// dataloader.
type levels struct {
	mu      sync.Mutex
	objects map[string]any          // pattern -> []T, every object of the level
	results map[string]*levelResult // field pattern -> the answer for the level
}

type levelResult struct {
	once sync.Once
	val  any
	err  error
}

func newLevels() *levels {
	return &levels{objects: map[string]any{}, results: map[string]*levelResult{}}
}

// recordLevel records objs as every object at the current field's pattern.
func recordLevel[T any](ctx context.Context, objs []T) {
	lv, _ := ctx.Value(levelsKey{}).(*levels)
	if lv == nil {
		return
	}
	p := fieldPattern(ctx)
	inner, isLink := linkTargets(objs)
	lv.mu.Lock()
	if _, ok := lv.objects[p]; !ok {
		lv.objects[p] = objs
		if isLink {
			lv.objects[p+".*"] = inner
		}
	}
	lv.mu.Unlock()
}

// linkTargets returns the objects that link objects point at: the
// mitigations of TechniqueMitigation links, and so on. Each link type has
// exactly one object field, so the objects under `mitigations {
// mitigation { ... } }` are known whatever alias the query gives
// `mitigation`.
func linkTargets(objs any) (any, bool) {
	switch l := objs.(type) {
	case []store.TechniqueMitigation:
		return mapSlice(l, func(x store.TechniqueMitigation) store.Mitigation { return x.Mitigation }), true
	case []store.MitigatedTechnique:
		return mapSlice(l, func(x store.MitigatedTechnique) store.Technique { return x.Technique }), true
	case []store.ActorTechnique:
		return mapSlice(l, func(x store.ActorTechnique) store.Technique { return x.Technique }), true
	case []store.TechniqueActor:
		return mapSlice(l, func(x store.TechniqueActor) store.Actor { return x.Actor }), true
	case []store.TechniqueTransition:
		return mapSlice(l, func(x store.TechniqueTransition) store.Technique { return x.Technique }), true
	}
	return nil, false
}

func mapSlice[A, B any](in []A, f func(A) B) []B {
	out := make([]B, len(in))
	for i, x := range in {
		out[i] = f(x)
	}
	return out
}

// linkPattern is the pattern under which the objects of the current
// field's parent are recorded when that parent is the object of a link
// ("techniques.mitigations.*" for techniques.mitigations.mitigation).
func linkPattern(ctx context.Context) string {
	path := graphql.GetPath(ctx)
	if len(path) < 3 {
		return ""
	}
	if _, ok := path[len(path)-2].(ast.PathName); !ok {
		return ""
	}
	return pattern(path[:len(path)-2]) + ".*"
}

// levelObjects returns every object of the level at pattern, if recorded
// with that Go type.
func levelObjects[P any](lv *levels, pattern string) ([]P, bool) {
	if lv == nil {
		return nil, false
	}
	lv.mu.Lock()
	defer lv.mu.Unlock()
	all, ok := lv.objects[pattern].([]P)
	return all, ok
}

// fetchOnce runs f once per field pattern and shares its answer.
func (lv *levels) fetchOnce(pattern string, f func() (any, error)) (any, error) {
	lv.mu.Lock()
	r, ok := lv.results[pattern]
	if !ok {
		r = &levelResult{}
		lv.results[pattern] = r
	}
	lv.mu.Unlock()
	r.once.Do(func() { r.val, r.err = f() })
	return r.val, r.err
}

// fieldPattern is the response path of the current field without list
// indexes; parentPattern the same for the object holding it.
func fieldPattern(ctx context.Context) string { return pattern(graphql.GetPath(ctx)) }

func parentPattern(ctx context.Context) string {
	path := graphql.GetPath(ctx)
	if len(path) == 0 {
		return ""
	}
	return pattern(path[:len(path)-1])
}

func pattern(path ast.Path) string {
	var b strings.Builder
	for _, p := range path {
		if name, ok := p.(ast.PathName); ok {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(name))
		}
	}
	return b.String()
}

// levelIsOneList reports whether the parents of the field being resolved
// form the only list at their level: the path from the root to that list
// crosses no list index.
func levelIsOneList(ctx context.Context) bool {
	path := graphql.GetPath(ctx)
	// path ends with [..., parent index, field] for a list of parents, or
	// [..., field] for a single parent.
	end := len(path) - 1
	if end >= 1 {
		if _, ok := path[end-1].(ast.PathIndex); ok {
			end--
		}
	}
	for _, p := range path[:max(end, 0)] {
		if _, ok := p.(ast.PathIndex); ok {
			return false
		}
	}
	return true
}

// ptr turns a map of objects into a map of pointers, for to-one fields
// whose missing end is null.
func ptr[V any](f func(context.Context, string, []string) (map[string]V, error)) fetchFunc[*V] {
	return func(ctx context.Context, release string, ids []string) (map[string]*V, error) {
		m, err := f(ctx, release, ids)
		if err != nil {
			return nil, err
		}
		out := make(map[string]*V, len(m))
		for id, v := range m {
			out[id] = &v
		}
		return out, nil
	}
}

// loaders are the dataloaders of one request, one per relationship.
type loaders struct {
	tacticsByID          *loader[*store.Tactic]
	techniquesByID       *loader[*store.Technique]
	caseStudiesByID      *loader[*store.CaseStudy]
	techniqueTactics     *loader[[]store.Tactic]
	tacticTechniques     *loader[[]store.Technique]
	subtechniques        *loader[[]store.Technique]
	techniqueMitigations *loader[[]store.TechniqueMitigation]
	mitigationTechniques *loader[[]store.MitigatedTechnique]
	techniqueCaseStudies *loader[[]store.CaseStudy]
	techniqueActors      *loader[[]store.TechniqueActor]
	followedBy           *loader[[]store.TechniqueTransition]
	precededBy           *loader[[]store.TechniqueTransition]
	caseStudyActors      *loader[[]store.Actor]
	caseStudySteps       *loader[[]store.Step]
	actorCaseStudies     *loader[[]store.CaseStudy]
	actorTechniques      *loader[[]store.ActorTechnique]
	leadsTo              *loader[[]store.Step]
	leadsFrom            *loader[[]store.Step]
}

func newLoaders(r *store.Reader, wait time.Duration) *loaders {
	return &loaders{
		tacticsByID:          newLoader(ptr(r.TacticsByID), wait),
		techniquesByID:       newLoader(ptr(r.TechniquesByID), wait),
		caseStudiesByID:      newLoader(ptr(r.CaseStudiesByID), wait),
		techniqueTactics:     newLoader(r.TechniqueTactics, wait),
		tacticTechniques:     newLoader(r.TacticTechniques, wait),
		subtechniques:        newLoader(r.Subtechniques, wait),
		techniqueMitigations: newLoader(r.TechniqueMitigations, wait),
		mitigationTechniques: newLoader(r.MitigationTechniques, wait),
		techniqueCaseStudies: newLoader(r.TechniqueCaseStudies, wait),
		techniqueActors:      newLoader(r.TechniqueActors, wait),
		followedBy:           newLoader(r.TechniqueFollowedBy, wait),
		precededBy:           newLoader(r.TechniquePrecededBy, wait),
		caseStudyActors:      newLoader(r.CaseStudyActors, wait),
		caseStudySteps:       newLoader(r.CaseStudySteps, wait),
		actorCaseStudies:     newLoader(r.ActorCaseStudies, wait),
		actorTechniques:      newLoader(r.ActorTechniques, wait),
		leadsTo:              newLoader(r.StepsLeadTo, wait),
		leadsFrom:            newLoader(r.StepsLeadFrom, wait),
	}
}

func ptrs[T any](v []T) []*T {
	out := make([]*T, len(v))
	for i := range v {
		out[i] = &v[i]
	}
	return out
}
