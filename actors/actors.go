// Package actors answers the questions about threat actors across both sources: ATLAS case
// studies and ATT&CK Enterprise groups. It finds an actor by any of its names, tells which
// ATLAS techniques it uses and on what evidence (case-study steps, ATT&CK relationships),
// compares actors, and draws Navigator layers of actors, case studies and technique lists.
//
// It is the application layer for actors: the GraphQL resolvers and the command line call
// it and present its answers; it reads through store.Reader and computes with the attack
// and navigator packages. Every answer names the ATLAS release and the ATT&CK version it
// was computed from. It keeps no state between calls.
package actors

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/attack"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/view"
)

// Service answers actor questions over one store. It caches the actor directories of a few
// (release, ATT&CK version) pairs with their digests: a lookup costs one small query that
// also tells whether the cached directory is still the right one (a replaced release has
// another digest and is read afresh). Within one request (see WithRequestCache) a directory
// is read once.
type Service struct {
	r        *store.Reader
	releases Releases

	mu    sync.Mutex
	views map[viewArgs]*View
}

// viewArgs are the release and ATT&CK version as asked ("" for current).
type viewArgs struct{ release, attack string }

// maxViews bounds the cached directories (each a few hundred actors, well under 1 MB).
const maxViews = 8

// Releases gives the complete releases held in memory, whose objects the
// links name (readmodel.Model has it).
type Releases interface {
	Release(ctx context.Context, version string) (*view.Release, error)
}

// New returns a Service reading the ATT&CK side and the actor directory
// through r, and the ATLAS objects from releases.
func New(r *store.Reader, releases Releases) *Service {
	return &Service{r: r, releases: releases, views: map[viewArgs]*View{}}
}

// View is the actor directory of one ATLAS release and one ATT&CK version. It is not
// modified once built, and is shared between callers.
type View struct {
	// Release is the ATLAS release version.
	Release string
	// Attack is the ATT&CK version used, "" when no ATT&CK is loaded.
	Attack string
	Dir    *attack.Directory
	// References maps an ATT&CK technique id to the ATLAS techniques referencing it.
	References map[string][]string
	key        store.ActorViewKey
}

// AttackVersion is the ATT&CK version of the view, "" when none is loaded.
func (v *View) AttackVersion() string { return v.Attack }

type requestKey struct{}

// requestViews are the directories one request has read, by the arguments asked and by
// the versions they resolved to.
type requestViews struct {
	mu    sync.Mutex
	views map[viewArgs]*View
}

// WithRequestCache returns a context under which the directories read are kept for the
// rest of the request, so nested fields (an actor's techniques) reuse the directory the list
// was read from without asking Neo4j again. Install it once per request (GraphQL operation).
func WithRequestCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestKey{}, &requestViews{views: map[viewArgs]*View{}})
}

// View returns the directory of an ATLAS release ("" for the current one) and an ATT&CK
// version ("" for the current one, if any): one query, none when the request already read it.
func (s *Service) View(ctx context.Context, release, attackVersion string) (*View, error) {
	args := viewArgs{release, attackVersion}
	rv, _ := ctx.Value(requestKey{}).(*requestViews)
	if rv != nil {
		rv.mu.Lock()
		v := rv.views[args]
		rv.mu.Unlock()
		if v != nil {
			return v, nil
		}
	}
	s.mu.Lock()
	cached := s.views[args]
	s.mu.Unlock()
	var known store.ActorViewKey
	if cached != nil {
		known = cached.key
	}
	k, src, err := s.r.ActorDirectory(ctx, release, attackVersion, known)
	if err != nil {
		return nil, err
	}
	v := cached
	if src != nil || cached == nil {
		if src == nil {
			return nil, fmt.Errorf("read the actor directory of %s: no data", k.Release)
		}
		v = &View{Release: src.Release, Attack: k.Attack, References: src.References, Dir: attack.Merge(src.CaseStudyActors, src.Groups), key: k}
		s.mu.Lock()
		if len(s.views) >= maxViews {
			for old := range s.views {
				delete(s.views, old)
				break
			}
		}
		s.views[args] = v
		s.mu.Unlock()
	}
	if rv != nil {
		rv.mu.Lock()
		rv.views[args] = v
		// Nested fields ask with the versions the answer named.
		rv.views[viewArgs{v.Release, v.Attack}] = v
		rv.mu.Unlock()
	}
	return v, nil
}

// Actor maps a directory actor to the store's Actor type the API binds to.
func (v *View) Actor(a attack.Actor, shared bool) view.Actor {
	out := view.Actor{Release: v.Release, ID: a.ID, Name: a.Name, Aliases: a.Aliases, AttackVersionUsed: v.AttackVersion(),
		CaseStudyActors: a.CaseStudyActors, SharedAlias: shared}
	if out.CaseStudyActors == nil {
		out.CaseStudyActors = []string{}
	}
	if a.Group != nil {
		out.AttackGroupID, out.AttackGroupURL, out.GroupDescription = a.Group.ID, a.Group.URL, a.Group.Description
	}
	return out
}

// Filter narrows a list of actors; zero fields are ignored.
type Filter struct {
	// Name keeps the actors going by this name: id, name, alias or ATT&CK id, with case,
	// punctuation and spacing ignored.
	Name string
	// Search keeps the actors whose name or an alias contains every word (case ignored).
	Search string
	// Technique keeps the actors linked to this ATLAS technique, Via (when set) only by
	// links of that kind.
	Technique string
	Via       atlas.LinkKind
}

// Actors lists the actors of a release that meet f, sorted by id. When f.Name is an alias
// several actors share, all are returned with SharedAlias set.
func (s *Service) Actors(ctx context.Context, release, attackVersion string, f Filter) ([]view.Actor, *View, error) {
	v, err := s.View(ctx, release, attackVersion)
	if err != nil {
		return nil, nil, err
	}
	cands := v.Dir.Actors
	shared := false
	if f.Name != "" {
		cands = v.Dir.Find(f.Name)
		shared = len(cands) > 1
	}
	words := strings.Fields(strings.ToLower(f.Search))
	var keep map[string]bool
	if f.Technique != "" {
		links, err := s.allLinks(ctx, v)
		if err != nil {
			return nil, nil, err
		}
		keep = map[string]bool{}
		for id, ls := range links {
			for _, l := range ls {
				if l.Technique == f.Technique && (f.Via == "" || hasKind(l.Via, f.Via)) {
					keep[id] = true
				}
			}
		}
	}
	out := []view.Actor{}
	for _, a := range cands {
		if keep != nil && !keep[a.ID] {
			continue
		}
		if len(words) > 0 {
			text := strings.ToLower(a.Name + " " + strings.Join(a.Aliases, " ") + " " + a.AttackID())
			ok := true
			for _, w := range words {
				if !strings.Contains(text, w) {
					ok = false
				}
			}
			if !ok {
				continue
			}
		}
		out = append(out, v.Actor(a, shared))
	}
	return out, v, nil
}

// Find returns the actors a name stands for (none, one, or several for a shared alias),
// never an error for an unknown name. It is what the search and the CLI show call to find
// actors by alias.
func (s *Service) Find(ctx context.Context, release, name string) ([]view.Actor, error) {
	out, _, err := s.Actors(ctx, release, "", Filter{Name: name})
	return out, err
}

// Actor returns the actors a name stands for: one, or several when the name is an alias
// they share (each with SharedAlias set). An unknown name is a *atlas.NotFoundError.
func (s *Service) Actor(ctx context.Context, release, attackVersion, name string) ([]view.Actor, error) {
	out, v, err := s.Actors(ctx, release, attackVersion, Filter{Name: name})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, &atlas.NotFoundError{Kind: "actor", ID: name, Release: v.Release}
	}
	return out, nil
}

func hasKind(ks []atlas.LinkKind, k atlas.LinkKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// links computes the technique links of some directory actors: one query for their
// case-study steps, one for their ATT&CK uses.
func (s *Service) links(ctx context.Context, v *View, acts []attack.Actor) (map[string][]attack.TechniqueLink, map[string]view.Technique, error) {
	return s.linksOf(ctx, v, acts, nil)
}

func (s *Service) linksOf(ctx context.Context, v *View, acts []attack.Actor, onlyTechniques map[string]bool) (map[string][]attack.TechniqueLink, map[string]view.Technique, error) {
	var csIDs, groups []string
	csOwner := map[string][]string{} // case-study actor id -> directory actor ids
	for _, a := range acts {
		for _, c := range a.CaseStudyActors {
			csIDs = append(csIDs, c)
			csOwner[c] = append(csOwner[c], a.ID)
		}
		if a.Group != nil {
			groups = append(groups, a.Group.ID)
		}
	}
	return s.linksFor(ctx, v, csIDs, groups, csOwner, acts, onlyTechniques)
}

// allLinks computes the links of every actor of the view.
func (s *Service) allLinks(ctx context.Context, v *View) (map[string][]attack.TechniqueLink, error) {
	l, _, err := s.links(ctx, v, v.Dir.Actors)
	return l, err
}

// linksFor reads the evidence of some actors. onlyTechniques, when set, limits the ATT&CK
// side to the ATT&CK techniques those ATLAS techniques reference (the rows read are then
// few); the case-study side is small either way.
func (s *Service) linksFor(ctx context.Context, v *View, csIDs, groups []string, csOwner map[string][]string, acts []attack.Actor, onlyTechniques map[string]bool) (map[string][]attack.TechniqueLink, map[string]view.Technique, error) {
	held, err := s.releases.Release(ctx, v.Release)
	if err != nil {
		return nil, nil, err
	}
	nodes := map[string]view.Technique{}
	keep := func(id string) {
		if t := held.TechniqueOrNil(id); t != nil {
			nodes[id] = *t
		}
	}
	steps := map[string][]attack.StepEvidence{}
	stepTech := map[string][]string{}
	if len(csIDs) > 0 {
		var techs []string
		if onlyTechniques != nil {
			techs = []string{}
			for x := range onlyTechniques {
				techs = append(techs, x)
			}
			sort.Strings(techs)
		}
		rows, err := s.r.ActorSteps(ctx, v.Release, nilIfAll(csIDs, len(acts) == len(v.Dir.Actors)), techs)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range rows {
			keep(r.Technique)
			for _, owner := range csOwner[r.Actor] {
				steps[owner] = append(steps[owner], attack.StepEvidence{CaseStudy: r.CaseStudy, Step: r.Step})
				stepTech[owner] = append(stepTech[owner], r.Technique)
			}
		}
	}
	byGroup := map[string]map[string][]attack.AttackEvidence{}
	if len(groups) > 0 && v.Attack != "" && len(v.References) > 0 {
		refs := make([]string, 0, len(v.References))
		for r, xs := range v.References {
			keep := onlyTechniques == nil
			for _, x := range xs {
				keep = keep || onlyTechniques[x]
			}
			if keep {
				refs = append(refs, r)
			}
		}
		sort.Strings(refs)
		rows, err := s.r.AttackUses(ctx, v.Release, v.Attack, nilIfAll(groups, len(acts) == len(v.Dir.Actors)), refs)
		if err != nil {
			return nil, nil, err
		}
		for _, ids := range v.References {
			for _, id := range ids {
				keep(id)
			}
		}
		byGroup = attack.AttackLinks(rows, v.References)
	}
	out := map[string][]attack.TechniqueLink{}
	for _, a := range acts {
		ev := map[string][]attack.AttackEvidence{}
		if a.Group != nil {
			ev = byGroup[a.Group.ID]
		}
		out[a.ID] = attack.Combine(steps[a.ID], stepTech[a.ID], ev)
	}
	return out, nodes, nil
}

// nilIfAll returns nil (no filter: every row) when all is set, else ids.
func nilIfAll(ids []string, all bool) []string {
	if all {
		return nil
	}
	return ids
}

// Techniques returns, for each actor id of the release, the ATLAS techniques it uses with
// the kind of link and the evidence, sorted by technique id.
func (s *Service) Techniques(ctx context.Context, release, attackVersion string, ids []string) (map[string][]view.ActorTechnique, error) {
	v, err := s.View(ctx, release, attackVersion)
	if err != nil {
		return nil, err
	}
	var acts []attack.Actor
	seen := map[string]bool{}
	for _, id := range ids {
		for _, a := range v.Dir.Find(id) {
			if a.ID == id && !seen[id] {
				seen[id] = true
				acts = append(acts, a)
			}
		}
	}
	links, techs, err := s.links(ctx, v, acts)
	if err != nil {
		return nil, err
	}
	out := map[string][]view.ActorTechnique{}
	for id, ls := range links {
		list := []view.ActorTechnique{}
		for _, l := range ls {
			t, ok := techs[l.Technique]
			if !ok {
				continue
			}
			list = append(list, actorTechnique(t, l))
		}
		out[id] = list
	}
	return out, nil
}

func actorTechnique(t view.Technique, l attack.TechniqueLink) view.ActorTechnique {
	at := view.ActorTechnique{Technique: t, CaseStudyIDs: l.CaseStudies, Via: l.Via, Steps: []view.StepRef{}, AttackEvidence: []view.AttackEvidence{}}
	for _, s := range l.Steps {
		at.Steps = append(at.Steps, view.StepRef{CaseStudyID: s.CaseStudy, StepID: s.Step})
	}
	for _, e := range l.Attack {
		at.AttackEvidence = append(at.AttackEvidence, view.AttackEvidence{TechniqueID: e.Technique, TechniqueName: e.TechniqueName,
			ReferencedID: e.Referenced, RelationshipID: e.Relationship, Description: e.Description})
	}
	return at
}

// TechniqueActors returns, for each ATLAS technique id, the actors linked to it with the
// kind of link and the evidence, sorted by actor id.
func (s *Service) TechniqueActors(ctx context.Context, release, attackVersion string, ids []string) (map[string][]view.TechniqueActor, error) {
	v, err := s.View(ctx, release, attackVersion)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	links, _, err := s.linksOf(ctx, v, v.Dir.Actors, want)
	if err != nil {
		return nil, err
	}
	out := map[string][]view.TechniqueActor{}
	for _, a := range v.Dir.Actors {
		for _, l := range links[a.ID] {
			if !want[l.Technique] {
				continue
			}
			at := actorTechnique(view.Technique{}, l)
			out[l.Technique] = append(out[l.Technique], view.TechniqueActor{Actor: v.Actor(a, false), CaseStudyIDs: at.CaseStudyIDs,
				Via: at.Via, Steps: at.Steps, AttackEvidence: at.AttackEvidence})
		}
	}
	return out, nil
}

// ErrBadInput is wrapped by errors about the caller's arguments.
var ErrBadInput = atlas.ErrBadInput

// MaxActors bounds how many actors one comparison or layer takes.
const MaxActors = 20

// view.Overlap resolves every name (an alias shared by several actors brings them all) and
// compares the actors.
func (s *Service) Overlap(ctx context.Context, release, attackVersion string, names []string) (*view.Overlap, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: name at least one actor", ErrBadInput)
	}
	if len(names) > MaxActors {
		return nil, fmt.Errorf("%w: %d actors asked; the limit is %d", ErrBadInput, len(names), MaxActors)
	}
	v, err := s.View(ctx, release, attackVersion)
	if err != nil {
		return nil, err
	}
	var acts []attack.Actor
	shared := map[string]bool{}
	seen := map[string]bool{}
	for _, n := range names {
		found := v.Dir.Find(n)
		if len(found) == 0 {
			return nil, &atlas.NotFoundError{Kind: "actor", ID: n, Release: v.Release}
		}
		for _, a := range found {
			if len(found) > 1 {
				shared[a.ID] = true
			}
			if !seen[a.ID] {
				seen[a.ID] = true
				acts = append(acts, a)
			}
		}
	}
	links, techs, err := s.links(ctx, v, acts)
	if err != nil {
		return nil, err
	}
	o := &view.Overlap{Release: v.Release, AttackVersion: optString(v.AttackVersion()), Techniques: map[string][]view.ActorTechnique{}, Shared: []view.SharedTechnique{}}
	users := map[string][]string{}
	for _, a := range acts {
		o.Actors = append(o.Actors, v.Actor(a, shared[a.ID]))
		list := []view.ActorTechnique{}
		for _, l := range links[a.ID] {
			if t, ok := techs[l.Technique]; ok {
				list = append(list, actorTechnique(t, l))
				users[l.Technique] = append(users[l.Technique], a.ID)
			}
		}
		o.Techniques[a.ID] = list
	}
	for id, us := range users {
		if len(us) < 2 {
			continue
		}
		sort.Strings(us)
		o.Shared = append(o.Shared, view.SharedTechnique{Technique: techs[id], ActorIDs: us, All: len(us) == len(acts)})
	}
	sort.Slice(o.Shared, func(i, j int) bool { return o.Shared[i].Technique.ID < o.Shared[j].Technique.ID })
	return o, nil
}

// IsNotFound reports whether err says something asked for is not loaded.
func IsNotFound(err error) bool { return errors.Is(err, atlas.ErrNotFound) }

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// AttackTechnique reads one ATT&CK technique of a version ("" for the current one).
func (s *Service) AttackTechnique(ctx context.Context, attackVersion, id string) (view.AttackTechnique, error) {
	av, err := s.r.AttackVersion(ctx, attackVersion)
	if err != nil {
		return view.AttackTechnique{}, err
	}
	if av == nil {
		return view.AttackTechnique{}, ErrNoAttack
	}
	return s.r.AttackTechnique(ctx, av.Version, id)
}

// ErrNoAttack says that no ATT&CK version is loaded. It wraps atlas.ErrNotFound.
var ErrNoAttack = fmt.Errorf("%w: no ATT&CK version is loaded; load one with atlasgraph load --attack 18.1 (or a file or URL)", atlas.ErrNotFound)

// Merged replaces ATLAS case-study actors (as the store reads them from a release) by the
// actors they belong to in the directory, with their ATT&CK group when merged. An actor the
// directory does not know is kept as it is.
func (s *Service) Merged(ctx context.Context, release string, in []view.Actor) ([]view.Actor, error) {
	if len(in) == 0 {
		return in, nil
	}
	v, err := s.View(ctx, release, "")
	if err != nil {
		return nil, err
	}
	out := make([]view.Actor, 0, len(in))
	for _, a := range in {
		repl := a
		for _, d := range v.Dir.Find(a.ID) {
			if hasString(d.CaseStudyActors, a.ID) {
				repl = v.Actor(d, false)
			}
		}
		out = append(out, repl)
	}
	return out, nil
}

func hasString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// SearchHits returns the actors a search text names exactly (an id, a name, an alias or an
// ATT&CK id, case, punctuation and spacing aside) as search hits, for the search of every
// face to put first: full-text search over names and descriptions does not know ATT&CK
// aliases. score is the score to give them (use one above the best full-text hit). No
// match is no hit, not an error.
func (s *Service) SearchHits(ctx context.Context, release, text string, score float64) ([]view.SearchHit, error) {
	found, err := s.Find(ctx, release, text)
	if err != nil {
		return nil, err
	}
	out := make([]view.SearchHit, 0, len(found))
	for i := range found {
		a := found[i]
		out = append(out, view.SearchHit{Kind: view.KindActor, ID: a.ID, Name: a.Name, Score: score, Actor: &a})
	}
	return out, nil
}

// RankSearch puts first the actors the search text names exactly (an ATT&CK alias such as
// "Forest Blizzard" is in no name or description the full-text index sees), then the
// full-text hits without those actors, at most limit in all. Every face's search calls it,
// so they rank alike.
func (svc *Service) RankSearch(ctx context.Context, release, text string, hits []view.SearchHit, limit int) ([]view.SearchHit, error) {
	best := 0.0
	for _, h := range hits {
		best = max(best, h.Score)
	}
	exact, err := svc.SearchHits(ctx, release, text, best+1)
	if err != nil || len(exact) == 0 {
		return hits, err
	}
	seen := map[string]bool{}
	for _, h := range exact {
		seen[h.ID] = true
	}
	for _, h := range hits {
		if h.Kind == view.KindActor && seen[h.ID] {
			continue
		}
		exact = append(exact, h)
	}
	if len(exact) > limit {
		exact = exact[:limit]
	}
	return exact, nil
}

// WarmRelease reads the actor directory of a release (with the current
// ATT&CK version) into the cache, so that the first question about actors
// after a start or a switch does not wait for it. Servers call it once the
// release itself is held.
func (s *Service) WarmRelease(ctx context.Context, release string) {
	_, _ = s.View(ctx, release, "")
	_, _ = s.View(ctx, "", "")
}

// Warm reports whether the directory of a release is cached.
func (s *Service) Warm(release string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.views {
		if v.Release == release {
			return true
		}
	}
	return false
}
