package atlas

// LinkKind says how an actor is known to use an ATLAS technique.
type LinkKind string

// The two kinds of actor-to-technique link.
const (
	// ViaCaseStudy: a case study attributed to the actor has a step employing the technique.
	ViaCaseStudy LinkKind = "CASE_STUDY"
	// ViaAttack: the actor's ATT&CK group uses an ATT&CK technique the ATLAS technique
	// references, or a sub-technique of it.
	ViaAttack LinkKind = "ATTACK"
)
