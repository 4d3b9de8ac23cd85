// Package view holds one complete ATLAS release as every face reads it:
// its objects, each answering its relationships from the release it
// belongs to (so the GraphQL layer binds them as plain fields), the
// release's indexes, and filtered, paged lists. It is built once per
// release from the domain value (atlas.Release) and never changes; it does
// no I/O.
package view

import (
	"github.com/atlasgraph/atlasgraph/atlas"
)

// The types below are what the read side returns: the properties of one
// node, tagged with the release it belongs to, without its relationships.
// Each relationship has its own batched query (query_relations.go), so a
// caller reads exactly the links it needs. The GraphQL layer binds to them.

// Entity holds the properties every ATLAS object carries. In JSON (the
// command line's answers) an object is named by its id and name only, the
// selection { id name } of the same GraphQL answer; GraphQL selects any
// field.
type Entity struct {
	// Release is the version of the release the object belongs to.
	Release     string `json:"-"`
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"-"`
	// UUID is nil when the release gives none.
	UUID       *string           `json:"-"`
	References []atlas.Reference `json:"-"`
	// Created and Modified are "YYYY-MM-DD", or nil when absent.
	Created  *string          `json:"-"`
	Modified *string          `json:"-"`
	Attack   *atlas.AttackRef `json:"-"`
	// Links answers the object's relationships; the read model
	// (readmodel.Release) sets it on every object it hands out. Nil on
	// objects read straight from Neo4j, whose relationships then read as
	// empty.
	Links Links `json:"-"`
}

// Links answers the relationships of the objects of one complete release
// held in memory (readmodel.Release implements it). The relationship
// methods below (Technique.Tactics, Step.Technique...) read through it, so
// that the GraphQL layer binds them as plain fields: no resolver, no
// round trip.
type Links interface {
	TechniqueTactics(id string) []Tactic
	TacticTechniques(id string) []Technique
	Subtechniques(id string) []Technique
	TechniqueMitigations(id string) []TechniqueMitigation
	MitigationTechniques(id string) []MitigatedTechnique
	TechniqueCaseStudies(id string) []CaseStudy
	CaseStudyActors(id string) []Actor
	FollowedBy(id string) []TechniqueTransition
	PrecededBy(id string) []TechniqueTransition
	CaseStudySteps(id string) []Step
	StepsLeadTo(key string) []Step
	StepsLeadFrom(key string) []Step
	TechniqueOrNil(id string) *Technique
	TacticOrNil(id string) *Tactic
	CaseStudyOrNil(id string) *CaseStudy
}

// noLinks answers every relationship as empty.
type noLinks struct{}

func (noLinks) TechniqueTactics(string) []Tactic                  { return nil }
func (noLinks) TacticTechniques(string) []Technique               { return nil }
func (noLinks) Subtechniques(string) []Technique                  { return nil }
func (noLinks) TechniqueMitigations(string) []TechniqueMitigation { return nil }
func (noLinks) MitigationTechniques(string) []MitigatedTechnique  { return nil }
func (noLinks) TechniqueCaseStudies(string) []CaseStudy           { return nil }
func (noLinks) CaseStudyActors(string) []Actor                    { return nil }
func (noLinks) FollowedBy(string) []TechniqueTransition           { return nil }
func (noLinks) PrecededBy(string) []TechniqueTransition           { return nil }
func (noLinks) CaseStudySteps(string) []Step                      { return nil }
func (noLinks) StepsLeadTo(string) []Step                         { return nil }
func (noLinks) StepsLeadFrom(string) []Step                       { return nil }
func (noLinks) TechniqueOrNil(string) *Technique                  { return nil }
func (noLinks) TacticOrNil(string) *Tactic                        { return nil }
func (noLinks) CaseStudyOrNil(string) *CaseStudy                  { return nil }

func linksOf(l Links) Links {
	if l == nil {
		return noLinks{}
	}
	return l
}

// Tactics are the tactics the technique achieves, in matrix order.
func (t Technique) Tactics() []Tactic { return linksOf(t.Links).TechniqueTactics(t.ID) }

// Parent is the technique a sub-technique specialises, nil for a technique.
func (t Technique) Parent() *Technique {
	if t.ParentID == "" {
		return nil
	}
	return linksOf(t.Links).TechniqueOrNil(t.ParentID)
}

// Subtechniques are the technique's sub-techniques, by id.
func (t Technique) Subtechniques() []Technique { return linksOf(t.Links).Subtechniques(t.ID) }

// Mitigations are the mitigations countering the technique, by id.
func (t Technique) Mitigations() []TechniqueMitigation {
	return linksOf(t.Links).TechniqueMitigations(t.ID)
}

// CaseStudies are the case studies with a step using the technique, by id.
func (t Technique) CaseStudies() []CaseStudy { return linksOf(t.Links).TechniqueCaseStudies(t.ID) }

// FollowedBy are the techniques seen right after this one, most frequent first.
func (t Technique) FollowedBy() []TechniqueTransition { return linksOf(t.Links).FollowedBy(t.ID) }

// PrecededBy are the techniques seen right before this one, most frequent first.
func (t Technique) PrecededBy() []TechniqueTransition { return linksOf(t.Links).PrecededBy(t.ID) }

// Techniques are the techniques achieving the tactic, by id.
func (t Tactic) Techniques() []Technique { return linksOf(t.Links).TacticTechniques(t.ID) }

// Techniques are the techniques the mitigation counters, by id.
func (m Mitigation) Techniques() []MitigatedTechnique {
	return linksOf(m.Links).MitigationTechniques(m.ID)
}

// Actors are the ATLAS actors the case study is attributed to, by id.
func (c CaseStudy) Actors() []Actor { return linksOf(c.Links).CaseStudyActors(c.ID) }

// Steps are the case study's steps in order.
func (c CaseStudy) Steps() []Step { return linksOf(c.Links).CaseStudySteps(c.ID) }

// CaseStudies are the case studies showing the transition, in the order given.
func (t TechniqueTransition) CaseStudies() []CaseStudy {
	l := linksOf(t.Technique.Links)
	out := make([]CaseStudy, 0, len(t.CaseStudyIDs))
	for _, id := range t.CaseStudyIDs {
		if c := l.CaseStudyOrNil(id); c != nil {
			out = append(out, *c)
		}
	}
	return out
}

// Tactic is a tactic node.
type Tactic struct {
	Entity
	Position int `json:"-"`
}

// Technique is a technique or sub-technique node.
type Technique struct {
	Entity
	Platforms []string `json:"-"`
	// Maturity is nil when the release does not say.
	Maturity *string `json:"-"`
	// ParentID is the id of the parent of a sub-technique, "" for a
	// technique.
	ParentID string `json:"-"`
}

// IsSubtechnique reports whether the technique specialises a parent.
func (t Technique) IsSubtechnique() bool { return t.ParentID != "" }

// Mitigation is a mitigation node.
type Mitigation struct {
	Entity
	LifecyclePhases []string `json:"-"`
	Categories      []string `json:"-"`
}

// CaseStudy is a case-study node. Absent optional fields are nil.
type CaseStudy struct {
	Entity
	Type            *string `json:"-"`
	ActorText       *string `json:"-"`
	Target          *string `json:"-"`
	Reporter        *string `json:"-"`
	Date            *string `json:"-"`
	DateGranularity *string `json:"-"`
}

// Step is a case-study step with the ids of what it points at.
type Step struct {
	Release string
	// ID is the step's key across the release, "AML.CS0000/S00".
	ID          string
	StepID      string
	CaseStudyID string
	Position    int
	Description string
	TechniqueID string
	TacticID    string
	// Links is as in Entity.
	Links Links `json:"-"`
}

// CaseStudy is the case study the step belongs to.
func (s Step) CaseStudy() *CaseStudy { return linksOf(s.Links).CaseStudyOrNil(s.CaseStudyID) }

// Technique is the technique the step employs.
func (s Step) Technique() *Technique { return linksOf(s.Links).TechniqueOrNil(s.TechniqueID) }

// Tactic is the tactic the step serves.
func (s Step) Tactic() *Tactic { return linksOf(s.Links).TacticOrNil(s.TacticID) }

// LeadsTo are the steps this one leads to, in order.
func (s Step) LeadsTo() []Step { return linksOf(s.Links).StepsLeadTo(s.ID) }

// LeadsFrom are the steps that lead to this one, in order.
func (s Step) LeadsFrom() []Step { return linksOf(s.Links).StepsLeadFrom(s.ID) }

// Actor is a threat actor: an ATLAS case-study actor, an ATT&CK group, or both merged
// (see the actors package). The ATT&CK fields are empty when no ATT&CK is loaded or the
// actor is not an ATT&CK group.
type Actor struct {
	Release string
	ID      string
	Name    string
	Aliases []string
	// AttackGroupID is the ATT&CK group id ("G0007"), "" when ATT&CK does not know the actor.
	AttackGroupID    string
	AttackGroupURL   string
	GroupDescription string
	// AttackVersionUsed is the ATT&CK version the actor was read with, "" when none is loaded.
	AttackVersionUsed string
	// CaseStudyActors are the ids of the ATLAS case-study actors this actor stands for.
	CaseStudyActors []string
	// SharedAlias is set when the actor was found by a name several actors go by.
	SharedAlias bool
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// AttackID is the ATT&CK group id, nil when ATT&CK does not know the actor.
func (a Actor) AttackID() *string { return optString(a.AttackGroupID) }

// AttackURL is the group's ATT&CK page, nil when ATT&CK does not know the actor.
func (a Actor) AttackURL() *string { return optString(a.AttackGroupURL) }

// Description is ATT&CK's description of the group, nil when ATT&CK does not know the actor.
func (a Actor) Description() *string { return optString(a.GroupDescription) }

// AttackVersion is the ATT&CK version the actor was read with, nil when none is loaded.
func (a Actor) AttackVersion() *string { return optString(a.AttackVersionUsed) }

// TechniqueMitigation is a mitigation of a technique with the text of the
// MITIGATES link.
type TechniqueMitigation struct {
	Mitigation  Mitigation
	Description string
}

// MitigatedTechnique is a technique a mitigation counters with the text of
// the MITIGATES link.
type MitigatedTechnique struct {
	Technique   Technique
	Description string
}

// ActorTechnique is a technique an actor used (a USES link) with the ids
// of the case studies showing it.
type ActorTechnique struct {
	Technique    Technique
	CaseStudyIDs []string
	// Via says how the link is known: CASE_STUDY, ATTACK or both.
	Via []atlas.LinkKind
	// Steps are the case-study steps employing the technique ("AML.CS0044/S02").
	Steps []StepRef
	// AttackEvidence are the ATT&CK uses relationships behind an ATTACK link.
	AttackEvidence []AttackEvidence
}

// StepRef names one case-study step.
type StepRef struct {
	CaseStudyID string
	StepID      string
}

// AttackEvidence is one ATT&CK "uses" relationship that links a group to an ATLAS technique:
// the group uses ATT&CK technique TechniqueID, which is, or is a sub-technique of,
// ReferencedID, the technique the ATLAS technique references.
type AttackEvidence struct {
	TechniqueID    string
	TechniqueName  string
	ReferencedID   string
	RelationshipID string
	Description    string
}

// TechniqueActor is an actor seen using a technique (a USES link, read
// backwards) with the ids of the case studies showing it.
type TechniqueActor struct {
	Actor        Actor
	CaseStudyIDs []string
	// Via, Steps and AttackEvidence are as in ActorTechnique.
	Via            []atlas.LinkKind
	Steps          []StepRef
	AttackEvidence []AttackEvidence
}

// TechniqueTransition is a PRECEDES link seen from one of its ends: the
// technique at the other end, and the case studies showing the transition.
type TechniqueTransition struct {
	Technique    Technique
	Count        int
	CaseStudyIDs []string
}

// Kind names a kind of object that full-text search can find.
type Kind string

// The kinds of object in the full-text index.
const (
	KindTactic     Kind = "TACTIC"
	KindTechnique  Kind = "TECHNIQUE"
	KindMitigation Kind = "MITIGATION"
	KindCaseStudy  Kind = "CASE_STUDY"
	KindActor      Kind = "ACTOR"
)

// SearchHit is one object full-text search found. Exactly one of the
// pointers is set, the one Kind names.
type SearchHit struct {
	Kind       Kind
	ID         string
	Name       string
	Score      float64
	Tactic     *Tactic
	Technique  *Technique
	Mitigation *Mitigation
	CaseStudy  *CaseStudy
	Actor      *Actor
}

// Page asks for part of a list sorted by id: at most First items whose id
// is greater than After. First <= 0 means every item.
type Page struct {
	First int
	After string
}

// List is one page of a list and what is needed to page on.
type List[T any] struct {
	// Release is the version the list was read from.
	Release string
	Items   []T
	// Total is the number of items that meet the filter, over all pages.
	Total       int
	HasNextPage bool
}

// TacticFilter narrows a list of tactics. Zero fields are ignored.
type TacticFilter struct {
	Search string
	// Only, when not nil, keeps the objects with these ids: the hits of
	// the full-text search Search names, which the caller runs.
	Only map[string]bool `json:"-"`
}

// TechniqueFilter narrows a list of techniques. Nil or empty fields are
// ignored.
type TechniqueFilter struct {
	Tactic         string
	Maturity       string
	Platform       string
	HasMitigation  *bool
	IsSubtechnique *bool
	Search         string
	// Only, when not nil, keeps the objects with these ids: the hits of
	// the full-text search Search names, which the caller runs.
	Only map[string]bool `json:"-"`
}

// MitigationFilter narrows a list of mitigations. Empty fields are ignored.
type MitigationFilter struct {
	Technique      string
	Category       string
	LifecyclePhase string
	Search         string
	// Only, when not nil, keeps the objects with these ids: the hits of
	// the full-text search Search names, which the caller runs.
	Only map[string]bool `json:"-"`
}

// CaseStudyFilter narrows a list of case studies. Empty fields are ignored.
type CaseStudyFilter struct {
	Type      string
	Technique string
	Actor     string
	Search    string
	// Only, when not nil, keeps the objects with these ids: the hits of
	// the full-text search Search names, which the caller runs.
	Only map[string]bool `json:"-"`
}

// ActorFilter narrows a list of actors. Empty fields are ignored.
type ActorFilter struct {
	Technique string
	Search    string
	// Name keeps the actors going by this name or alias (case, punctuation and spacing
	// ignored); see the actors package.
	Name string
	// Via, with Technique, keeps only links of this kind: "CASE_STUDY" or "ATTACK".
	Via *atlas.LinkKind
}
