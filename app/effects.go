package app

import (
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/threatmodel"
)

// Effects say what each mitigation of a release does, as curated in
// threatmodel's semantics: prevent (the step fails or cannot start), detect
// (you learn it happened), respond (limits the damage after), or
// unclassified (a mitigation or link newer than the curated data: it never
// counts as cutting under the prevent-only rule).
type Effects struct {
	sem   *threatmodel.Semantics
	links *threatmodel.ReleaseLinks
}

func effectsOf(sem *threatmodel.Semantics, rel *atlas.Release) *Effects {
	return &Effects{sem: sem, links: threatmodel.LinksOf(rel)}
}

// Mitigation is a mitigation's own effect, "unclassified" when the
// curated data does not know it.
func (e *Effects) Mitigation(id string) string {
	if e == nil || e.sem == nil {
		return threatmodel.EffectUnclassified
	}
	if ms, ok := e.sem.Mitigations[id]; ok && ms.Effect != "" {
		return ms.Effect
	}
	return threatmodel.EffectUnclassified
}

// Link is the effect of one mitigates link (a link's own entry, or its
// mitigation's), "unclassified" when unknown.
func (e *Effects) Link(mitigation, technique string) string {
	if e == nil || e.sem == nil {
		return threatmodel.EffectUnclassified
	}
	if le, ok := e.sem.Link(e.links, mitigation, technique); ok && le.Effect != "" {
		return le.Effect
	}
	return e.Mitigation(mitigation)
}

// preventOnly is the Mitigates map of the prevent-only rule.
func (e *Effects) preventOnly() map[string][]string { return e.sem.PreventOnly(e.links) }
