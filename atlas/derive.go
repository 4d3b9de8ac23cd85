package atlas

import "sort"

// Transition says that technique From was seen immediately before technique
// To in at least one case study: some step using From leads to a step using
// To. It is the PRECEDES relationship of the graph.
type Transition struct {
	From, To string
	// CaseStudies are the ids of the case studies showing the transition,
	// sorted and distinct. Count is their number.
	CaseStudies []string
	Count       int
}

// Transitions derives the technique-to-technique transitions of a release
// from the LEADS_TO links of its case studies, sorted by From then To. A step
// that leads to a step using the same technique adds no transition: a
// technique does not precede itself.
func (r *Release) Transitions() []Transition {
	seen := map[[2]string]map[string]bool{}
	for _, cs := range r.CaseStudies {
		byID := make(map[string]Step, len(cs.Steps))
		for _, s := range cs.Steps {
			byID[s.ID] = s
		}
		for _, s := range cs.Steps {
			for _, next := range s.LeadsTo {
				n, ok := byID[next]
				if !ok || n.Technique == s.Technique {
					continue
				}
				k := [2]string{s.Technique, n.Technique}
				if seen[k] == nil {
					seen[k] = map[string]bool{}
				}
				seen[k][cs.ID] = true
			}
		}
	}
	out := make([]Transition, 0, len(seen))
	for k, set := range seen {
		out = append(out, Transition{From: k[0], To: k[1], CaseStudies: sortedKeys(set), Count: len(set)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].From != out[j].From {
			return out[i].From < out[j].From
		}
		return out[i].To < out[j].To
	})
	return out
}

// Use says that an actor used a technique, with the case studies that show
// it. It is the USES relationship of the graph.
type Use struct {
	Actor, Technique string
	CaseStudies      []string
}

// Uses derives which actors used which techniques from the steps of the case
// studies attributed to them, sorted by actor then technique.
func (r *Release) Uses() []Use {
	seen := map[[2]string]map[string]bool{}
	for _, cs := range r.CaseStudies {
		for _, a := range cs.Actors {
			for _, s := range cs.Steps {
				k := [2]string{a, s.Technique}
				if seen[k] == nil {
					seen[k] = map[string]bool{}
				}
				seen[k][cs.ID] = true
			}
		}
	}
	out := make([]Use, 0, len(seen))
	for k, set := range seen {
		out = append(out, Use{Actor: k[0], Technique: k[1], CaseStudies: sortedKeys(set)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Actor != out[j].Actor {
			return out[i].Actor < out[j].Actor
		}
		return out[i].Technique < out[j].Technique
	})
	return out
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
