package store

import "github.com/atlasgraph/atlasgraph/atlas"

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

// Actor is a threat-actor node.
type Actor struct {
	Release string
	ID      string
	Name    string
	Aliases []string
}

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
}

// TechniqueActor is an actor seen using a technique (a USES link, read
// backwards) with the ids of the case studies showing it.
type TechniqueActor struct {
	Actor        Actor
	CaseStudyIDs []string
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
}
