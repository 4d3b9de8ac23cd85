package view

import (
	"fmt"
	"slices"
	"strings"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// The lists below filter and page in memory exactly as Reader's list
// queries do in Cypher (readmodel_test.go compares the two on every filter).
// Full-text search is not among them: the caller asks Neo4j's index for
// the ids of the hits and passes them as the filter's Only.

// page cuts one page out of a list sorted by id, the way the store's list
// query does: at most First items with an id above After (every item when
// First <= 0), the total over all pages, and whether more follow.
func page[T any](release string, items []T, id func(*T) string, p Page) List[T] {
	out := List[T]{Release: release, Total: len(items)}
	start := 0
	if p.After != "" {
		start = len(items)
		for i := range items {
			if id(&items[i]) > p.After {
				start = i
				break
			}
		}
	}
	rest := items[start:]
	if p.First > 0 && len(rest) > p.First {
		rest = rest[:p.First]
		out.HasNextPage = true
	}
	out.Items = slices.Clone(rest)
	if out.Items == nil {
		out.Items = []T{}
	}
	return out
}

func keep[T any](items []T, ok func(*T) bool) []T {
	out := make([]T, 0, len(items))
	for i := range items {
		if ok(&items[i]) {
			out = append(out, items[i])
		}
	}
	return out
}

// Tactics lists the tactics meeting f: in matrix order for a whole list,
// else by id.
func (r *Release) Tactics(f TacticFilter, p Page) List[Tactic] {
	id := func(t *Tactic) string { return t.ID }
	items := r.tacticsByID
	if p.First <= 0 && p.After == "" {
		items = r.tactics
	}
	if f.Only != nil {
		items = keep(items, func(t *Tactic) bool { return f.Only[t.ID] })
	}
	return page(r.Info.Version, items, id, p)
}

// Techniques lists the techniques meeting f (f.Search is the caller's: see Only), by id.
func (r *Release) Techniques(f TechniqueFilter, p Page) (List[Technique], error) {
	maturity := ""
	if f.Maturity != "" {
		for _, v := range Maturities {
			if strings.EqualFold(v, f.Maturity) {
				maturity = v
			}
		}
		if maturity == "" {
			return List[Technique]{}, fmt.Errorf("%w: maturity %q is not one of %s", atlas.ErrBadInput, f.Maturity, strings.Join(Maturities, ", "))
		}
	}
	items := keep(r.techniques, func(t *Technique) bool {
		if f.Only != nil && !f.Only[t.ID] {
			return false
		}
		if f.Tactic != "" && !slices.ContainsFunc(r.techniqueTactics[t.ID], func(x Tactic) bool { return x.ID == f.Tactic }) {
			return false
		}
		if maturity != "" && (t.Maturity == nil || *t.Maturity != maturity) {
			return false
		}
		if f.Platform != "" && !slices.Contains(t.Platforms, f.Platform) {
			return false
		}
		if f.HasMitigation != nil && (len(r.techniqueMitigations[t.ID]) > 0) != *f.HasMitigation {
			return false
		}
		if f.IsSubtechnique != nil && t.IsSubtechnique() != *f.IsSubtechnique {
			return false
		}
		return true
	})
	return page(r.Info.Version, items, func(t *Technique) string { return t.ID }, p), nil
}

// Mitigations lists the mitigations meeting f (f.Search is the caller's: see Only), by id.
func (r *Release) Mitigations(f MitigationFilter, p Page) List[Mitigation] {
	items := keep(r.mitigations, func(m *Mitigation) bool {
		if f.Only != nil && !f.Only[m.ID] {
			return false
		}
		if f.Technique != "" && !slices.ContainsFunc(r.mitigationTechniques[m.ID], func(x MitigatedTechnique) bool { return x.Technique.ID == f.Technique }) {
			return false
		}
		if f.Category != "" && !slices.Contains(m.Categories, f.Category) {
			return false
		}
		if f.LifecyclePhase != "" && !slices.Contains(m.LifecyclePhases, f.LifecyclePhase) {
			return false
		}
		return true
	})
	return page(r.Info.Version, items, func(m *Mitigation) string { return m.ID }, p)
}

// CaseStudies lists the case studies meeting f (f.Search is the caller's: see Only), by id.
func (r *Release) CaseStudies(f CaseStudyFilter, p Page) List[CaseStudy] {
	// The store compares toLower(type) = toLower($type); a missing type is
	// null there and matches nothing.
	wantType := strings.ToLower(f.Type)
	items := keep(r.caseStudies, func(c *CaseStudy) bool {
		if f.Only != nil && !f.Only[c.ID] {
			return false
		}
		if f.Type != "" && (c.Type == nil || strings.ToLower(*c.Type) != wantType) {
			return false
		}
		if f.Technique != "" && !r.caseStudyTechniques[c.ID][f.Technique] {
			return false
		}
		if f.Actor != "" && !slices.ContainsFunc(r.caseStudyActors[c.ID], func(a Actor) bool { return a.ID == f.Actor }) {
			return false
		}
		return true
	})
	return page(r.Info.Version, items, func(c *CaseStudy) string { return c.ID }, p)
}

// Actors lists the ATLAS case-study actors meeting f (Technique only), by id.
func (r *Release) Actors(f ActorFilter, p Page) List[Actor] {
	items := keep(r.actors, func(a *Actor) bool {
		return f.Technique == "" || slices.ContainsFunc(r.actorTechniques[a.ID], func(x ActorTechnique) bool { return x.Technique.ID == f.Technique })
	})
	return page(r.Info.Version, items, func(a *Actor) string { return a.ID }, p)
}
