// Package actorsource lets threat-model reports name the ATT&CK groups that
// use their applicable techniques, through the actors service (package
// actors) over the loaded ATT&CK data. It adds only actors ATT&CK knows;
// actors named by ATLAS case studies alone come from the report itself.
package actorsource

import (
	"context"
	"slices"
	"sort"

	"github.com/atlasgraph/atlasgraph/actors"
	"github.com/atlasgraph/atlasgraph/threatmodel"
)

// Source implements threatmodel.ActorSource over an actors service.
type Source struct {
	Actors *actors.Service
}

// ActorsUsing returns the ATT&CK groups linked to any of the techniques on
// the release, with the techniques and case studies behind each.
func (s Source) ActorsUsing(ctx context.Context, release string, techniques []string) ([]threatmodel.KnownActor, error) {
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
