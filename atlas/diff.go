package atlas

import (
	"sort"
	"strings"
)

// Diff is what changed from one release to another: entities added, removed
// or renamed, and links between them added or removed. Descriptions,
// references and dates are not compared.
type Diff struct {
	From string `json:"from"`
	To   string `json:"to"`

	Tactics     EntityChanges `json:"tactics"`
	Techniques  EntityChanges `json:"techniques"`
	Mitigations EntityChanges `json:"mitigations"`
	CaseStudies EntityChanges `json:"caseStudies"`

	// Achieves are technique-to-tactic links, Specializes
	// sub-technique-to-parent links, Mitigates mitigation-to-technique links.
	Achieves    LinkChanges `json:"achieves"`
	Specializes LinkChanges `json:"specializes"`
	Mitigates   LinkChanges `json:"mitigates"`
	// Steps are the case-study steps whose technique, tactic or next steps
	// changed, or that were added or removed.
	Steps []StepChange `json:"steps"`

	// The changes users re-check their mappings for, classified.
	//
	// Retired lists the tactics, techniques and mitigations the older
	// release has and the newer does not (ATLAS does not reuse ids), by kind
	// then id.
	Retired []Retired `json:"retired"`
	// MovedTactic lists techniques in both releases whose tactics differ.
	MovedTactic []TacticMove `json:"movedTactic"`
	// MaturityChanges lists techniques in both releases whose maturity
	// differs.
	MaturityChanges []MaturityChange `json:"maturityChanges"`
	// MitigationLinks lists, per technique in the newer release, the
	// mitigations linked to it that are new or no longer linked.
	MitigationLinks []TechniqueMitigations `json:"mitigationLinks"`
	// CaseStudiesAdded are the case studies only the newer release has
	// (the same as CaseStudies.Added, named for upgrade reports).
	CaseStudiesAdded []Entity `json:"caseStudiesAdded"`
}

// Retired is an id the newer release no longer has.
type Retired struct {
	// Kind is tactic, technique or mitigation.
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

// TacticMove is a technique whose tactics changed.
type TacticMove struct {
	ID   string   `json:"id"`
	Name string   `json:"name"`
	From []string `json:"from"`
	To   []string `json:"to"`
}

// MaturityChange is a technique whose maturity changed; "" means none
// given.
type MaturityChange struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

// TechniqueMitigations are the mitigation links of one technique added
// and removed, by mitigation id, sorted.
type TechniqueMitigations struct {
	Technique string   `json:"technique"`
	Name      string   `json:"name"`
	Added     []string `json:"added"`
	Removed   []string `json:"removed"`
}

// Entity names one object of a release.
type Entity struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Rename is an object whose id stayed and whose name changed.
type Rename struct {
	ID   string `json:"id"`
	From string `json:"from"`
	To   string `json:"to"`
}

// EntityChanges lists objects added, removed and renamed, each sorted by id.
type EntityChanges struct {
	Added   []Entity `json:"added"`
	Removed []Entity `json:"removed"`
	Renamed []Rename `json:"renamed"`
}

// Link is a directed link between two objects, by id.
type Link struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// LinkChanges lists links added and removed, sorted.
type LinkChanges struct {
	Added   []Link `json:"added"`
	Removed []Link `json:"removed"`
}

// StepChange is one step that differs between two releases. Before is nil
// for an added step and After for a removed one.
type StepChange struct {
	CaseStudy string `json:"caseStudy"`
	StepID    string `json:"stepId"`
	Before    *Step  `json:"before"`
	After     *Step  `json:"after"`
}

// Empty reports whether the two releases had no difference Diff looks at.
func (d Diff) Empty() bool {
	for _, e := range []EntityChanges{d.Tactics, d.Techniques, d.Mitigations, d.CaseStudies} {
		if len(e.Added)+len(e.Removed)+len(e.Renamed) > 0 {
			return false
		}
	}
	for _, l := range []LinkChanges{d.Achieves, d.Specializes, d.Mitigates} {
		if len(l.Added)+len(l.Removed) > 0 {
			return false
		}
	}
	return len(d.Steps)+len(d.MaturityChanges) == 0
}

// Compare returns what changed from release a to release b.
func Compare(a, b *Release) Diff {
	d := Diff{From: a.Version, To: b.Version}
	d.Tactics = compareEntities(tacticNames(a), tacticNames(b))
	d.Techniques = compareEntities(techniqueNames(a), techniqueNames(b))
	d.Mitigations = compareEntities(mitigationNames(a), mitigationNames(b))
	d.CaseStudies = compareEntities(caseStudyNames(a), caseStudyNames(b))
	d.Achieves = compareLinks(achieves(a), achieves(b))
	d.Specializes = compareLinks(specializes(a), specializes(b))
	d.Mitigates = compareLinks(mitigates(a), mitigates(b))
	d.Steps = compareSteps(a, b)
	classify(&d, a, b)
	return d
}

// classify fills the upgrade view of a diff from the two releases.
func classify(d *Diff, a, b *Release) {
	for _, e := range d.Tactics.Removed {
		d.Retired = append(d.Retired, Retired{Kind: "tactic", ID: e.ID, Name: e.Name})
	}
	for _, e := range d.Techniques.Removed {
		d.Retired = append(d.Retired, Retired{Kind: "technique", ID: e.ID, Name: e.Name})
	}
	for _, e := range d.Mitigations.Removed {
		d.Retired = append(d.Retired, Retired{Kind: "mitigation", ID: e.ID, Name: e.Name})
	}
	before := map[string]Technique{}
	for _, t := range a.Techniques {
		before[t.ID] = t
	}
	for _, t := range b.Techniques {
		old, ok := before[t.ID]
		if !ok {
			continue
		}
		if strings.Join(old.Tactics, ",") != strings.Join(t.Tactics, ",") {
			d.MovedTactic = append(d.MovedTactic, TacticMove{ID: t.ID, Name: t.Name, From: nonNil(old.Tactics), To: nonNil(t.Tactics)})
		}
		if old.Maturity != t.Maturity {
			d.MaturityChanges = append(d.MaturityChanges, MaturityChange{ID: t.ID, Name: t.Name, From: old.Maturity, To: t.Maturity})
		}
	}
	names := techniqueNames(b)
	byTech := map[string]*TechniqueMitigations{}
	at := func(tech string) *TechniqueMitigations {
		if byTech[tech] == nil {
			name, ok := names[tech]
			if !ok {
				name = before[tech].Name
			}
			byTech[tech] = &TechniqueMitigations{Technique: tech, Name: name, Added: []string{}, Removed: []string{}}
		}
		return byTech[tech]
	}
	for _, l := range d.Mitigates.Added {
		m := at(l.To)
		m.Added = append(m.Added, l.From)
	}
	for _, l := range d.Mitigates.Removed {
		if _, retired := names[l.To]; !retired {
			continue // the technique went: Retired says so
		}
		m := at(l.To)
		m.Removed = append(m.Removed, l.From)
	}
	for _, m := range byTech {
		sort.Strings(m.Added)
		sort.Strings(m.Removed)
		d.MitigationLinks = append(d.MitigationLinks, *m)
	}
	sort.Slice(d.MovedTactic, func(i, j int) bool { return d.MovedTactic[i].ID < d.MovedTactic[j].ID })
	sort.Slice(d.MaturityChanges, func(i, j int) bool { return d.MaturityChanges[i].ID < d.MaturityChanges[j].ID })
	sort.Slice(d.MitigationLinks, func(i, j int) bool { return d.MitigationLinks[i].Technique < d.MitigationLinks[j].Technique })
	d.CaseStudiesAdded = d.CaseStudies.Added
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func tacticNames(r *Release) map[string]string {
	m := map[string]string{}
	for _, t := range r.Tactics {
		m[t.ID] = t.Name
	}
	return m
}

func techniqueNames(r *Release) map[string]string {
	m := map[string]string{}
	for _, t := range r.Techniques {
		m[t.ID] = t.Name
	}
	return m
}

func mitigationNames(r *Release) map[string]string {
	m := map[string]string{}
	for _, t := range r.Mitigations {
		m[t.ID] = t.Name
	}
	return m
}

func caseStudyNames(r *Release) map[string]string {
	m := map[string]string{}
	for _, t := range r.CaseStudies {
		m[t.ID] = t.Name
	}
	return m
}

func compareEntities(a, b map[string]string) EntityChanges {
	var c EntityChanges
	for id, name := range b {
		old, ok := a[id]
		switch {
		case !ok:
			c.Added = append(c.Added, Entity{ID: id, Name: name})
		case old != name:
			c.Renamed = append(c.Renamed, Rename{ID: id, From: old, To: name})
		}
	}
	for id, name := range a {
		if _, ok := b[id]; !ok {
			c.Removed = append(c.Removed, Entity{ID: id, Name: name})
		}
	}
	sort.Slice(c.Added, func(i, j int) bool { return c.Added[i].ID < c.Added[j].ID })
	sort.Slice(c.Removed, func(i, j int) bool { return c.Removed[i].ID < c.Removed[j].ID })
	sort.Slice(c.Renamed, func(i, j int) bool { return c.Renamed[i].ID < c.Renamed[j].ID })
	return c
}

func achieves(r *Release) map[Link]bool {
	m := map[Link]bool{}
	for _, t := range r.Techniques {
		for _, ta := range t.Tactics {
			m[Link{t.ID, ta}] = true
		}
	}
	return m
}

func specializes(r *Release) map[Link]bool {
	m := map[Link]bool{}
	for _, t := range r.Techniques {
		if t.Parent != "" {
			m[Link{t.ID, t.Parent}] = true
		}
	}
	return m
}

func mitigates(r *Release) map[Link]bool {
	m := map[Link]bool{}
	for _, mi := range r.Mitigations {
		for _, l := range mi.Mitigates {
			m[Link{mi.ID, l.Technique}] = true
		}
	}
	return m
}

func compareLinks(a, b map[Link]bool) LinkChanges {
	var c LinkChanges
	for l := range b {
		if !a[l] {
			c.Added = append(c.Added, l)
		}
	}
	for l := range a {
		if !b[l] {
			c.Removed = append(c.Removed, l)
		}
	}
	sortLinks(c.Added)
	sortLinks(c.Removed)
	return c
}

func sortLinks(ls []Link) {
	sort.Slice(ls, func(i, j int) bool {
		if ls[i].From != ls[j].From {
			return ls[i].From < ls[j].From
		}
		return ls[i].To < ls[j].To
	})
}

func compareSteps(a, b *Release) []StepChange {
	type key struct{ cs, step string }
	index := func(r *Release) map[key]Step {
		m := map[key]Step{}
		for _, cs := range r.CaseStudies {
			for _, s := range cs.Steps {
				m[key{cs.ID, s.ID}] = s
			}
		}
		return m
	}
	ia, ib := index(a), index(b)
	var out []StepChange
	for k, sb := range ib {
		sa, ok := ia[k]
		switch {
		case !ok:
			sb := sb
			out = append(out, StepChange{CaseStudy: k.cs, StepID: k.step, After: &sb})
		case sa.Technique != sb.Technique || sa.Tactic != sb.Tactic ||
			strings.Join(sa.LeadsTo, ",") != strings.Join(sb.LeadsTo, ","):
			sa, sb := sa, sb
			out = append(out, StepChange{CaseStudy: k.cs, StepID: k.step, Before: &sa, After: &sb})
		}
	}
	for k, sa := range ia {
		if _, ok := ib[k]; !ok {
			sa := sa
			out = append(out, StepChange{CaseStudy: k.cs, StepID: k.step, Before: &sa})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].CaseStudy != out[j].CaseStudy {
			return out[i].CaseStudy < out[j].CaseStudy
		}
		return out[i].StepID < out[j].StepID
	})
	return out
}
