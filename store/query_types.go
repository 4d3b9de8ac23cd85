package store

import (
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/attack"
)

// The types below are what the read side returns: the properties of one
// node, tagged with the release it belongs to, without its relationships.
// Each relationship has its own batched query (query_relations.go), so a
// caller reads exactly the links it needs. The GraphQL layer binds to them.

// Entity holds the properties every ATLAS object node carries.
type Entity struct {
	// Release is the version of the release the object belongs to.
	Release     string
	ID          string
	Name        string
	Description string
	// UUID is nil when the release gives none.
	UUID       *string
	References []atlas.Reference
	// Created and Modified are "YYYY-MM-DD", or nil when absent.
	Created  *string
	Modified *string
	Attack   *atlas.AttackRef
}

// Tactic is a tactic node.
type Tactic struct {
	Entity
	Position int
}

// Technique is a technique or sub-technique node.
type Technique struct {
	Entity
	Platforms []string
	// Maturity is nil when the release does not say.
	Maturity *string
	// ParentID is the id of the parent of a sub-technique, "" for a
	// technique.
	ParentID string
}

// IsSubtechnique reports whether the technique specialises a parent.
func (t Technique) IsSubtechnique() bool { return t.ParentID != "" }

// Mitigation is a mitigation node.
type Mitigation struct {
	Entity
	LifecyclePhases []string
	Categories      []string
}

// CaseStudy is a case-study node. Absent optional fields are nil.
type CaseStudy struct {
	Entity
	Type            *string
	ActorText       *string
	Target          *string
	Reporter        *string
	Date            *string
	DateGranularity *string
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
}

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
	Via []attack.LinkKind
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
	Via            []attack.LinkKind
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
}

// MitigationFilter narrows a list of mitigations. Empty fields are ignored.
type MitigationFilter struct {
	Technique      string
	Category       string
	LifecyclePhase string
	Search         string
}

// CaseStudyFilter narrows a list of case studies. Empty fields are ignored.
type CaseStudyFilter struct {
	Type      string
	Technique string
	Actor     string
	Search    string
}

// ActorFilter narrows a list of actors. Empty fields are ignored.
type ActorFilter struct {
	Technique string
	Search    string
	// Name keeps the actors going by this name or alias (case, punctuation and spacing
	// ignored); see the actors package.
	Name string
	// Via, with Technique, keeps only links of this kind: "CASE_STUDY" or "ATTACK".
	Via *attack.LinkKind
}
