// Package actorsource lets threat-model reports name the ATT&CK groups that
// use their applicable techniques, through the actors service (package
// actors) over the loaded ATT&CK data. It adds only actors ATT&CK knows;
// actors named by ATLAS case studies alone come from the report itself.
package actorsource

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/atlasgraph/atlasgraph/actors"
	"github.com/atlasgraph/atlasgraph/threatmodel"
)

// Source implements threatmodel.ActorSource over an actors service. It
// remembers its last answers (by actor directory and technique list), so
// reporting on the same model again costs one query (the directory
// lookup, which notices a newly loaded ATT&CK version) instead of three.
type Source struct {
	Actors *actors.Service

	mu    sync.Mutex
	cache map[string][]threatmodel.KnownActor
	order []string
}

// cacheSize is how many answers a Source keeps.
const cacheSize = 64

// New returns a Source over an actors service.
func New(a *actors.Service) *Source {
	return &Source{Actors: a, cache: map[string][]threatmodel.KnownActor{}}
}

// ActorsUsing returns the ATT&CK groups linked to any of the techniques on
// the release, with the techniques and case studies behind each.
func (s *Source) ActorsUsing(ctx context.Context, release string, techniques []string) ([]threatmodel.KnownActor, error) {
	v, err := s.Actors.View(ctx, release, "")
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%p|%s|%s", v, release, strings.Join(techniques, ","))
	s.mu.Lock()
	hit, ok := s.cache[key]
	s.mu.Unlock()
	if ok {
		return slices.Clone(hit), nil
	}
	out, err := s.compute(ctx, release, techniques)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.cache == nil {
		s.cache = map[string][]threatmodel.KnownActor{}
	}
	if _, ok := s.cache[key]; !ok {
		s.cache[key] = out
		s.order = append(s.order, key)
		if len(s.order) > cacheSize {
			delete(s.cache, s.order[0])
			s.order = s.order[1:]
		}
	}
	s.mu.Unlock()
	return slices.Clone(out), nil
}

func (s *Source) compute(ctx context.Context, release string, techniques []string) ([]threatmodel.KnownActor, error) {
	byTech, err := s.Actors.TechniqueActors(ctx, release, "", techniques)
	if err != nil {
		return nil, err
	}
	found := map[string]*threatmodel.KnownActor{}
	for _, tech := range techniques {
		for _, ta := range byTech[tech] {
			a := ta.Actor
			if a.AttackGroupID == "" {
				continue
			}
			ka := found[a.AttackGroupID]
			if ka == nil {
				ka = &threatmodel.KnownActor{ID: a.AttackGroupID, Name: a.Name, Source: "attack", CaseStudies: []string{}}
				found[a.AttackGroupID] = ka
			}
			if !slices.Contains(ka.Techniques, tech) {
				ka.Techniques = append(ka.Techniques, tech)
				ka.Evidence = append(ka.Evidence, threatmodel.Evidence{Release: release, Technique: tech, Source: "ATT&CK " + a.AttackVersionUsed})
			}
			for _, cs := range ta.CaseStudyIDs {
				if !slices.Contains(ka.CaseStudies, cs) {
					ka.CaseStudies = append(ka.CaseStudies, cs)
				}
			}
		}
	}
	out := make([]threatmodel.KnownActor, 0, len(found))
	for _, ka := range found {
		sort.Strings(ka.Techniques)
		sort.Strings(ka.CaseStudies)
		sort.Slice(ka.Evidence, func(i, j int) bool { return ka.Evidence[i].Technique < ka.Evidence[j].Technique })
		out = append(out, *ka)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
