package attack

import (
	"sort"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// AttackEvidence is why an ATT&CK link holds: the group uses Technique (relationship
// Relationship, described by Description), and the ATLAS technique references Referenced,
// which is Technique itself or its parent.
type AttackEvidence struct {
	Technique     string
	TechniqueName string
	Referenced    string
	Relationship  string
	Description   string
}

// StepEvidence is a case-study step that employs the technique.
type StepEvidence struct {
	CaseStudy string
	Step      string
}

// TechniqueLink is one ATLAS technique an actor uses, with every piece of evidence.
type TechniqueLink struct {
	Technique string           // ATLAS technique id
	Via       []atlas.LinkKind // CASE_STUDY, ATTACK or both, in that order
	// CaseStudies are the ids of the case studies showing it, sorted; Steps their steps.
	CaseStudies []string
	Steps       []StepEvidence
	Attack      []AttackEvidence
}

// UseRow is a "uses" relationship with what the rule needs of its technique.
type UseRow struct {
	Use
	TechniqueName string
	// Parent is the technique's parent's ATT&CK id, "" for a technique.
	Parent string
}

// AttackLinks applies the rule: group G uses ATLAS technique X through ATT&CK when G uses
// ATT&CK technique U, X references ATT&CK technique R, and U = R or U is a sub-technique of R.
// references maps an ATT&CK id R to the ATLAS techniques that reference it. The answer maps
// group id to ATLAS technique id to the evidence, sorted by technique then relationship.
func AttackLinks(uses []UseRow, references map[string][]string) map[string]map[string][]AttackEvidence {
	out := map[string]map[string][]AttackEvidence{}
	add := func(u UseRow, r string) {
		for _, x := range references[r] {
			m := out[u.Group]
			if m == nil {
				m = map[string][]AttackEvidence{}
				out[u.Group] = m
			}
			m[x] = append(m[x], AttackEvidence{Technique: u.Technique, TechniqueName: u.TechniqueName, Referenced: r,
				Relationship: u.Relationship, Description: u.Description})
		}
	}
	for _, u := range uses {
		add(u, u.Technique)
		if u.Parent != "" && u.Parent != u.Technique {
			add(u, u.Parent)
		}
	}
	for _, m := range out {
		for x, ev := range m {
			sort.Slice(ev, func(i, j int) bool {
				if ev[i].Technique != ev[j].Technique {
					return ev[i].Technique < ev[j].Technique
				}
				return ev[i].Relationship < ev[j].Relationship
			})
			m[x] = ev
		}
	}
	return out
}

// Combine joins the case-study steps and the ATT&CK evidence of one actor into one link per
// ATLAS technique, sorted by technique id.
func Combine(steps []StepEvidence, stepTechnique []string, attack map[string][]AttackEvidence) []TechniqueLink {
	by := map[string]*TechniqueLink{}
	get := func(x string) *TechniqueLink {
		l := by[x]
		if l == nil {
			l = &TechniqueLink{Technique: x, CaseStudies: []string{}, Steps: []StepEvidence{}, Attack: []AttackEvidence{}}
			by[x] = l
		}
		return l
	}
	for i, s := range steps {
		l := get(stepTechnique[i])
		l.Steps = append(l.Steps, s)
	}
	for x, ev := range attack {
		l := get(x)
		l.Attack = append(l.Attack, ev...)
	}
	out := make([]TechniqueLink, 0, len(by))
	for _, l := range by {
		cs := map[string]bool{}
		for _, s := range l.Steps {
			cs[s.CaseStudy] = true
		}
		for c := range cs {
			l.CaseStudies = append(l.CaseStudies, c)
		}
		sort.Strings(l.CaseStudies)
		sort.Slice(l.Steps, func(i, j int) bool {
			if l.Steps[i].CaseStudy != l.Steps[j].CaseStudy {
				return l.Steps[i].CaseStudy < l.Steps[j].CaseStudy
			}
			return l.Steps[i].Step < l.Steps[j].Step
		})
		if len(l.Steps) > 0 {
			l.Via = append(l.Via, atlas.ViaCaseStudy)
		}
		if len(l.Attack) > 0 {
			l.Via = append(l.Via, atlas.ViaAttack)
		}
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Technique < out[j].Technique })
	return out
}
