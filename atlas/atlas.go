// Package atlas holds the domain model of one MITRE ATLAS release: tactics,
// techniques, mitigations, case studies with their ordered steps, and the
// threat actors named by case studies.
//
// The types here are plain values with no I/O. The loader package builds them
// from a release file (either layout), the store package writes them to Neo4j
// and reads them back, and both layouts of the same content produce equal
// values. Field names follow the v6 layout; legacy values are normalised to
// the v6 vocabulary (maturity "Demonstrated", case-study type "Exercise",
// date granularity "Day").
package atlas

import (
	"strings"
	"unicode"
)

// Format names the layout a release file was written in.
type Format string

// The two ATLAS layouts the loader understands.
const (
	FormatV6     Format = "v6"
	FormatLegacy Format = "legacy"
)

// Release is the whole content of one ATLAS release.
type Release struct {
	// Version is the content version the file gives: collection.version in
	// v6 ("2026.05"), version in legacy ("5.6.0").
	Version string
	Format  Format
	// SHA256 is the hex digest of the file bytes the release was parsed from.
	SHA256 string
	// Source says where the bytes came from (a path or a URL); it is
	// informational and not part of the release's identity.
	Source string
	// Name, Description and Modified describe the release as a whole (v6:
	// the collection; legacy: the top level, which has no dates).
	Name        string
	Description string
	Modified    string
	// FormatVersion is the v6 format-version the file declares ("6.0.0");
	// "" for the legacy layout.
	FormatVersion string
	// Extra keeps, as JSON text, the fields of the collection and matrix
	// this version of atlasgraph does not model ({"collection": {...},
	// "matrix": {...}}); "" when there are none.
	Extra string
	// ExtraSections keeps, as a JSON object, the top-level sections this
	// version of atlasgraph does not know (a newer 6.x release may add
	// some), so nothing in the file is lost; "" when there are none.
	ExtraSections string
	// ExtraRelationships keeps, as a JSON list, the relationship entries
	// this version does not model: unknown relationship kinds, and entries
	// of known kinds that carry unknown fields (kept whole); "" when none.
	ExtraRelationships string

	Tactics     []Tactic
	Techniques  []Technique
	Mitigations []Mitigation
	CaseStudies []CaseStudy
	Actors      []Actor
}

// Reference is one entry of an object's references list.
type Reference struct {
	ID    string `json:"id,omitempty"`
	Title string `json:"title,omitempty"`
	URL   string `json:"url,omitempty"`
}

// AttackRef points at the MITRE ATT&CK object an ATLAS object adapts.
type AttackRef struct {
	ID  string `json:"id"`
	URL string `json:"url,omitempty"`
}

// Object holds the fields every ATLAS object carries.
type Object struct {
	ID          string
	Name        string
	Description string
	UUID        string
	References  []Reference
	// Created and Modified are civil dates "YYYY-MM-DD", or "" when absent.
	Created  string
	Modified string
	Attack   *AttackRef
	// Extra keeps fields of the source this version of atlasgraph does not
	// model, as JSON text, so that nothing in the file is lost. Empty when
	// there are none.
	Extra string
}

// Tactic is a column of the ATLAS matrix.
type Tactic struct {
	Object
	// Position is the 1-based column of the tactic in the matrix.
	Position int
}

// Technique is a technique or, when Parent is set, a sub-technique.
type Technique struct {
	Object
	Platforms []string
	// Maturity is Feasible, Demonstrated or Realized; "" when the release
	// does not say (legacy releases before 5.0).
	Maturity string
	// Tactics lists the ids of the tactics the technique achieves, sorted.
	// A legacy sub-technique inherits its parent's tactics.
	Tactics []string
	// Parent is the id of the parent technique of a sub-technique.
	Parent string
}

// IsSubTechnique reports whether t specialises a parent technique.
func (t Technique) IsSubTechnique() bool { return t.Parent != "" }

// Mitigation is a control that counters techniques.
type Mitigation struct {
	Object
	LifecyclePhases []string
	Categories      []string
	// Mitigates lists the techniques the mitigation counters, sorted by
	// technique id, each with the text describing how.
	Mitigates []Mitigates
}

// Mitigates is one mitigation-to-technique link.
type Mitigates struct {
	Technique   string
	Description string
}

// CaseStudy is a real incident or exercise, told as ordered steps.
type CaseStudy struct {
	Object
	// Type is Incident or Exercise.
	Type string
	// ActorText is the actor field exactly as the release gives it.
	ActorText string
	// Actors lists the ids of the actors ActorText names, sorted; empty when
	// the actor is unknown or anonymous.
	Actors   []string
	Target   string
	Reporter string
	// Date is "YYYY-MM-DD" read with DateGranularity (Day, Month or Year).
	Date            string
	DateGranularity string
	// Steps are in step-id order (S00, S01, ...).
	Steps []Step
}

// Step is one step of a case study's procedure.
type Step struct {
	// ID is the step id within its case study: S00, S01, ...
	ID          string
	Technique   string
	Tactic      string
	Description string
	// LeadsTo lists the ids of the steps that follow this one, sorted; empty
	// on a last step. A step may lead to several steps.
	LeadsTo []string
}

// Actor is one threat actor (a person, team, company or group) that at
// least one case study names.
type Actor struct {
	// ID is a stable slug of the canonical name, e.g. "embrace-the-red".
	ID   string
	Name string
	// Aliases are the other spellings seen in the release, sorted.
	Aliases []string
	// CaseStudies lists the ids of the case studies attributed to the actor.
	CaseStudies []string
}

// ActorID makes an actor id from a name: lower-case letters and digits
// joined by single hyphens ("Aquatic Panda" -> "aquatic-panda",
// "Jamieson O'Reilly" -> "jamieson-o-reilly"). ATLAS case-study actors and
// ATT&CK groups get their ids this one way, so that the same name gives the
// same actor on both sides.
func ActorID(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}
