package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/view"
)

// Kinds of object Show and Search return, spelled as GraphQL's EntityKind
// on every face.
const (
	KindTactic     = string(view.KindTactic)
	KindTechnique  = string(view.KindTechnique)
	KindMitigation = string(view.KindMitigation)
	KindCaseStudy  = string(view.KindCaseStudy)
	KindActor      = string(view.KindActor)
)

// Object is one ATLAS object with its links, the answer to "show me X".
type Object struct {
	Kind        string `json:"kind"`
	Release     string `json:"release"`
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Facts are the object's own properties worth showing, in order.
	Facts []Fact `json:"facts"`
	// Links are the objects it is linked to, one group per relationship.
	Links []LinkGroup `json:"links"`
	// Alternatives are the other objects the name given stands for, when
	// several actors share it (an alias two ATT&CK groups go by).
	Alternatives []Link `json:"alternatives,omitempty"`
}

// Fact is one labelled property of an object.
type Fact struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// LinkGroup is the objects at the other end of one relationship.
type LinkGroup struct {
	// Relation says how they are linked, e.g. "tactics", "mitigated by".
	Relation string `json:"relation"`
	Items    []Link `json:"items"`
}

// Link is one linked object; Note is the evidence or text of the link (a
// mitigation's description of how it counters a technique, the case
// studies showing a transition, ...).
type Link struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Name string `json:"name"`
	Note string `json:"note,omitempty"`
}

var (
	reTactic     = regexp.MustCompile(`^AML\.TA\d{4}$`)
	reTechnique  = regexp.MustCompile(`^AML\.T\d{4}(\.\d{3})?$`)
	reMitigation = regexp.MustCompile(`^AML\.M\d{4}$`)
	reCaseStudy  = regexp.MustCompile(`^AML\.CS\d{4}$`)
)

// KindOfID says which kind of object an id names ("" when it has no ATLAS
// id shape, which makes it an actor's id or name).
func KindOfID(id string) string {
	switch up := strings.ToUpper(id); {
	case reTactic.MatchString(up):
		return KindTactic
	case reTechnique.MatchString(up):
		return KindTechnique
	case reMitigation.MatchString(up):
		return KindMitigation
	case reCaseStudy.MatchString(up):
		return KindCaseStudy
	}
	return ""
}

// Show looks up any tactic, technique, mitigation, case study (by id, any
// case) or actor (by id or name) in a release ("" for the current one) and
// returns it with its links.
func (s *Service) Show(ctx context.Context, release, id string) (_ *Object, err error) {
	defer wrap(&err)
	id = strings.TrimSpace(id)
	if id == "" {
		return nil, fmt.Errorf("%w: give an id such as AML.T0051, AML.TA0002, AML.M0015, AML.CS0000, or an actor's name", atlas.ErrBadInput)
	}
	rel, err := s.ResolveRelease(ctx, release)
	if err != nil {
		return nil, err
	}
	switch kind := KindOfID(id); kind {
	case KindTactic:
		return s.showTactic(ctx, rel, strings.ToUpper(id))
	case KindTechnique:
		return s.showTechnique(ctx, rel, strings.ToUpper(id))
	case KindMitigation:
		return s.showMitigation(ctx, rel, strings.ToUpper(id))
	case KindCaseStudy:
		return s.showCaseStudy(ctx, rel, strings.ToUpper(id))
	}
	return s.showActor(ctx, rel, id)
}

func ref(kind string, e view.Entity) Link { return Link{Kind: kind, ID: e.ID, Name: e.Name} }

func group(rel string, items []Link) LinkGroup {
	if items == nil {
		items = []Link{}
	}
	return LinkGroup{Relation: rel, Items: items}
}

func fact(out *[]Fact, label, value string) {
	if value != "" {
		*out = append(*out, Fact{label, value})
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Service) showTactic(ctx context.Context, rel, id string) (*Object, error) {
	t, err := s.Tactic(ctx, rel, id)
	if err != nil {
		return nil, err
	}
	techs, err := s.tacticTechniques(ctx, rel, []string{id})
	if err != nil {
		return nil, err
	}
	o := &Object{Kind: KindTactic, Release: rel, ID: t.ID, Name: t.Name, Description: t.Description}
	fact(&o.Facts, "matrix column", strconv.Itoa(t.Position))
	var items []Link
	for _, x := range techs[id] {
		items = append(items, ref(KindTechnique, x.Entity))
	}
	o.Links = []LinkGroup{group("techniques", items)}
	return o, nil
}

func (s *Service) showTechnique(ctx context.Context, rel, id string) (*Object, error) {
	t, err := s.Technique(ctx, rel, id)
	if err != nil {
		return nil, err
	}
	ids := []string{id}
	o := &Object{Kind: KindTechnique, Release: rel, ID: t.ID, Name: t.Name, Description: t.Description}
	fact(&o.Facts, "maturity", deref(t.Maturity))
	fact(&o.Facts, "platforms", strings.Join(t.Platforms, ", "))
	fact(&o.Facts, "parent", t.ParentID)
	if t.Attack != nil {
		fact(&o.Facts, "ATT&CK", t.Attack.ID)
	}
	var errs []error
	keep := func(err error) { errs = append(errs, err) }
	tactics, err := s.techniqueTactics(ctx, rel, ids)
	keep(err)
	subs, err := s.subtechniques(ctx, rel, ids)
	keep(err)
	mits, err := s.techniqueMitigations(ctx, rel, ids)
	keep(err)
	cases, err := s.techniqueCaseStudies(ctx, rel, ids)
	keep(err)
	var actors map[string][]view.TechniqueActor
	if s.actors != nil {
		actors, err = s.actors.TechniqueActors(ctx, rel, "", ids)
		keep(err)
	}
	before, err := s.techniquePrecededBy(ctx, rel, ids)
	keep(err)
	after, err := s.techniqueFollowedBy(ctx, rel, ids)
	keep(err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var g []Link
	for _, x := range tactics[id] {
		g = append(g, ref(KindTactic, x.Entity))
	}
	o.Links = append(o.Links, group("tactics", g))
	g = nil
	for _, x := range subs[id] {
		g = append(g, ref(KindTechnique, x.Entity))
	}
	o.Links = append(o.Links, group("sub-techniques", g))
	g = nil
	for _, x := range mits[id] {
		l := ref(KindMitigation, x.Mitigation.Entity)
		l.Note = x.Description
		g = append(g, l)
	}
	o.Links = append(o.Links, group("mitigated by", g))
	g = nil
	for _, x := range cases[id] {
		g = append(g, ref(KindCaseStudy, x.Entity))
	}
	o.Links = append(o.Links, group("case studies", g))
	g = nil
	for _, x := range actors[id] {
		g = append(g, Link{Kind: KindActor, ID: x.Actor.ID, Name: x.Actor.Name,
			Note: techniqueEvidence(view.ActorTechnique{CaseStudyIDs: x.CaseStudyIDs, Steps: x.Steps, AttackEvidence: x.AttackEvidence})})
	}
	o.Links = append(o.Links, group("used by actors", g))
	transitions := func(rel string, list []view.TechniqueTransition) {
		var g []Link
		for _, x := range list {
			l := ref(KindTechnique, x.Technique.Entity)
			l.Note = fmt.Sprintf("%d case %s: %s", x.Count, plural(x.Count, "study", "studies"), strings.Join(x.CaseStudyIDs, ", "))
			g = append(g, l)
		}
		o.Links = append(o.Links, group(rel, g))
	}
	transitions("preceded by", before[id])
	transitions("followed by", after[id])
	return o, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (s *Service) showMitigation(ctx context.Context, rel, id string) (*Object, error) {
	m, err := s.Mitigation(ctx, rel, id)
	if err != nil {
		return nil, err
	}
	techs, err := s.mitigationTechniques(ctx, rel, []string{id})
	if err != nil {
		return nil, err
	}
	o := &Object{Kind: KindMitigation, Release: rel, ID: m.ID, Name: m.Name, Description: m.Description}
	fact(&o.Facts, "categories", strings.Join(m.Categories, ", "))
	fact(&o.Facts, "lifecycle phases", strings.Join(m.LifecyclePhases, ", "))
	var g []Link
	for _, x := range techs[id] {
		l := ref(KindTechnique, x.Technique.Entity)
		l.Note = x.Description
		g = append(g, l)
	}
	o.Links = []LinkGroup{group("mitigates", g)}
	return o, nil
}

func (s *Service) showCaseStudy(ctx context.Context, rel, id string) (*Object, error) {
	c, err := s.CaseStudy(ctx, rel, id)
	if err != nil {
		return nil, err
	}
	ids := []string{id}
	steps, err := s.caseStudySteps(ctx, rel, ids)
	if err != nil {
		return nil, err
	}
	actors, err := s.caseStudyActors(ctx, rel, ids)
	if err != nil {
		return nil, err
	}
	var techIDs []string
	for _, st := range steps[id] {
		techIDs = append(techIDs, st.TechniqueID)
	}
	slices.Sort(techIDs)
	techs, err := s.techniquesByID(ctx, rel, slices.Compact(techIDs))
	if err != nil {
		return nil, err
	}
	o := &Object{Kind: KindCaseStudy, Release: rel, ID: c.ID, Name: c.Name, Description: c.Description}
	fact(&o.Facts, "type", deref(c.Type))
	fact(&o.Facts, "date", deref(c.Date))
	fact(&o.Facts, "actor", deref(c.ActorText))
	fact(&o.Facts, "target", deref(c.Target))
	fact(&o.Facts, "reporter", deref(c.Reporter))
	var g []Link
	for _, st := range steps[id] {
		g = append(g, Link{Kind: KindTechnique, ID: st.TechniqueID, Name: techs[st.TechniqueID].Name,
			Note: fmt.Sprintf("step %s (%s): %s", st.StepID, st.TacticID, oneLine(st.Description, 160))})
	}
	o.Links = append(o.Links, group("steps", g))
	g = nil
	for _, a := range actors[id] {
		g = append(g, Link{Kind: KindActor, ID: a.ID, Name: a.Name})
	}
	o.Links = append(o.Links, group("actors", g))
	return o, nil
}

func (s *Service) showActor(ctx context.Context, rel, name string) (*Object, error) {
	if s.actors == nil {
		return nil, &atlas.NotFoundError{Kind: "tactic, technique, mitigation or case study", ID: name, Release: rel}
	}
	found, err := s.actors.Actor(ctx, rel, "", name)
	if err != nil {
		if errors.Is(err, atlas.ErrNotFound) {
			return nil, &atlas.NotFoundError{Kind: "actor, tactic, technique, mitigation or case study", ID: name, Release: rel}
		}
		return nil, err
	}
	a := found[0]
	o := &Object{Kind: KindActor, Release: rel, ID: a.ID, Name: a.Name, Description: a.GroupDescription}
	fact(&o.Facts, "ATT&CK group", a.AttackGroupID)
	fact(&o.Facts, "also known as", strings.Join(a.Aliases, ", "))
	fact(&o.Facts, "ATT&CK version", a.AttackVersionUsed)
	if len(found) > 1 {
		// A name several groups go by: say so and name the others.
		fact(&o.Facts, "shared name", fmt.Sprintf("%q names %d actors; see the alternatives", name, len(found)))
		for _, x := range found[1:] {
			o.Alternatives = append(o.Alternatives, Link{Kind: KindActor, ID: x.ID, Name: x.Name, Note: x.AttackGroupID})
		}
	}
	var g []Link
	if len(a.CaseStudyActors) > 0 {
		cases, err := s.actorCaseStudies(ctx, rel, a.CaseStudyActors)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, id := range a.CaseStudyActors {
			for _, c := range cases[id] {
				if !seen[c.ID] {
					seen[c.ID] = true
					g = append(g, ref(KindCaseStudy, c.Entity))
				}
			}
		}
	}
	o.Links = append(o.Links, group("case studies", g))
	techs, err := s.actors.Techniques(ctx, rel, "", []string{a.ID})
	if err != nil {
		return nil, err
	}
	g = nil
	for _, t := range techs[a.ID] {
		l := ref(KindTechnique, t.Technique.Entity)
		l.Note = techniqueEvidence(t)
		g = append(g, l)
	}
	o.Links = append(o.Links, group("uses techniques", g))
	return o, nil
}

// techniqueEvidence says how an actor is known to use a technique: the
// case-study steps, and the ATT&CK technique the group uses.
func techniqueEvidence(t view.ActorTechnique) string {
	var parts []string
	if len(t.Steps) > 0 {
		var steps []string
		for _, st := range t.Steps {
			steps = append(steps, st.CaseStudyID+"/"+st.StepID)
		}
		parts = append(parts, "case study steps "+strings.Join(steps, ", "))
	} else if len(t.CaseStudyIDs) > 0 {
		parts = append(parts, "in "+strings.Join(t.CaseStudyIDs, ", "))
	}
	if len(t.AttackEvidence) > 0 {
		var uses []string
		for _, e := range t.AttackEvidence {
			u := e.TechniqueID
			if e.ReferencedID != "" && e.ReferencedID != e.TechniqueID {
				u += " (sub-technique of " + e.ReferencedID + ")"
			}
			uses = append(uses, u)
		}
		parts = append(parts, "ATT&CK: uses "+strings.Join(uses, ", "))
	}
	return strings.Join(parts, "; ")
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
