package threatmodel

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Pos is a place in a model file: 1-based line and column. The zero Pos
// means the item did not come from a file (it came through the API).
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"column"`
}

// Value is a typed property value.
type Value struct {
	Type PropertyType
	Bool bool
	Text string
}

// String renders the value as a model file would write it.
func (v Value) String() string {
	if v.Type == TypeBool {
		return fmt.Sprint(v.Bool)
	}
	return v.Text
}

// Component is one part of the AI system.
type Component struct {
	// ID is unique within the model; flows and control scopes name it.
	ID          string
	Name        string
	Kind        Kind
	Description string
	// Properties holds the properties given, by name; a boolean property not
	// given is false.
	Properties map[string]Value
	Pos        Pos
	// FieldPos holds the place of each field given in a file, by field
	// name (properties as "properties.NAME", scope entries as "scope[I]").
	FieldPos map[string]Pos `json:"-"`
}

// Flag returns a boolean property, false when not given.
// An external party is internet-facing and sends untrusted content by
// definition, whatever its properties say.
func (c *Component) Flag(name string) bool {
	if c.Kind == KindExternalParty && (name == "internetFacing" || name == "acceptsUntrustedContent") {
		return true
	}
	v, ok := c.Properties[name]
	return ok && v.Type == TypeBool && v.Bool
}

// Flow is data moving from one component to another.
type Flow struct {
	// ID is unique within the model; it defaults to "FROM->TO".
	ID   string
	From string
	To   string
	// TrustBoundary is true when the flow crosses a trust boundary (from the
	// internet, another tenant, a third party, a less trusted zone).
	TrustBoundary bool
	Data          string
	Pos           Pos
	// FieldPos holds the place of each field given in a file, by field
	// name (properties as "properties.NAME", scope entries as "scope[I]").
	FieldPos map[string]Pos `json:"-"`
}

// Status is how far a control is in place.
type Status string

// Control statuses. Only implemented controls count as mitigating.
const (
	StatusImplemented Status = "implemented"
	StatusPartial     Status = "partial"
	StatusPlanned     Status = "planned"
)

// Control is an ATLAS mitigation put in place (or planned) on some components.
type Control struct {
	// ID is unique within the model; it defaults to the mitigation id.
	ID         string
	Mitigation string
	Status     Status
	// Scope lists the component ids the control covers; empty means every
	// component.
	Scope []string
	Note  string
	Pos   Pos
	// FieldPos holds the place of each field given in a file, by field
	// name (properties as "properties.NAME", scope entries as "scope[I]").
	FieldPos map[string]Pos `json:"-"`
}

// Covers reports whether the control applies to a component.
func (c *Control) Covers(component string) bool {
	if len(c.Scope) == 0 {
		return true
	}
	for _, s := range c.Scope {
		if s == component {
			return true
		}
	}
	return false
}

// AcceptedRisk is a technique the owner decided to live with until Expires.
type AcceptedRisk struct {
	Technique string
	Owner     string
	Reason    string
	// Expires is a civil date YYYY-MM-DD; the acceptance holds through that day.
	Expires string
	Pos     Pos
	// FieldPos holds the place of each field given in a file, by field
	// name (properties as "properties.NAME", scope entries as "scope[I]").
	FieldPos map[string]Pos `json:"-"`
}

// ActiveOn reports whether the acceptance holds on the civil date day
// (YYYY-MM-DD).
func (a *AcceptedRisk) ActiveOn(day string) bool { return a.Expires >= day }

// Model is one AI system's threat model, checked for internal consistency
// (kinds, properties, ids, flows, scopes) but not against an ATLAS release:
// see [Model.CheckRelease].
type Model struct {
	Name        string
	Description string
	// Release is the ATLAS release the model is pinned to; "" means the
	// current release.
	Release       string
	Components    []Component
	Flows         []Flow
	Controls      []Control
	AcceptedRisks []AcceptedRisk
	// Preferences tune how the report judges and recommends.
	Preferences Preferences
	// Source names where the model came from (a file path), for messages.
	Source string
}

// Preferences tune a model's report: whether detection counts as a cut, and
// what recommending may cost and use.
type Preferences struct {
	// CountDetection makes detect links of implemented controls cut steps,
	// as prevent links do (never respond links).
	CountDetection bool
	// Costs give mitigations' costs for recommendations (default 1 each);
	// every value is above 0 and at most 1e9.
	Costs map[string]float64
	// Exclude lists mitigations never to recommend.
	Exclude []string
	// FieldPos holds the place of each entry given in a file
	// ("costs.AML.M0000", "exclude[I]").
	FieldPos map[string]Pos `json:"-"`
}

// Component returns the component of that id.
func (m *Model) Component(id string) (*Component, bool) {
	for i := range m.Components {
		if m.Components[i].ID == id {
			return &m.Components[i], true
		}
	}
	return nil, false
}

// Limits bound the size of a model, so one request or file cannot hold a
// core or memory for long.
type Limits struct {
	MaxBytes      int
	MaxComponents int
	MaxFlows      int
	MaxControls   int
	MaxAccepted   int
}

// DefaultLimits allow models well beyond any real system (a 1,000-component
// synthetic model fits) while refusing runaway input.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 4 << 20, MaxComponents: 2000, MaxFlows: 20000, MaxControls: 2000, MaxAccepted: 2000}
}

// Problem is one thing wrong with a model, with its place.
type Problem struct {
	File string
	Pos  Pos
	Msg  string
	// Field names the value at fault as a path in the model's input, for
	// forms that show the message beside it: "name", "components[0].kind",
	// "components[0].properties.modality", "flows[2].from",
	// "controls[1].scope[0]", "acceptedRisks[0].expires",
	// "preferences.costs.AML.M0015", "preferences.exclude[0]"; empty when
	// the problem is the whole model's (its size).
	Field string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteString(":")
	}
	if p.Pos.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", p.Pos.Line, p.Pos.Col)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// ValidationError lists every problem found in a model. Nothing was stored
// or evaluated.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	lines := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		lines = append(lines, p.String())
	}
	return strings.Join(lines, "\n")
}

var (
	idPattern     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	flowPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.>-]{0,160}$`)
	datePattern   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	techPattern   = regexp.MustCompile(`^AML\.T\d{4,}(\.\d{3})?$`)
	tacticPattern = regexp.MustCompile(`^AML\.TA\d{4,}$`)
	mitPattern    = regexp.MustCompile(`^AML\.M\d{4,}$`)
	relPattern    = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$`)
)

// Validate checks a model built through the API (positions zero) or by
// [Parse] with the same rules, and fills defaults (flow and control ids). It
// returns a *ValidationError listing every problem.
func (m *Model) Validate(lim Limits) error {
	if lim == (Limits{}) {
		lim = DefaultLimits()
	}
	var ps []Problem
	add := func(field string, p Pos, format string, args ...any) {
		ps = append(ps, Problem{File: m.Source, Pos: p, Msg: fmt.Sprintf(format, args...), Field: field})
	}
	if len(m.Components) > lim.MaxComponents {
		add("components", Pos{}, "the model has %d components, more than the limit of %d; split the system into several models", len(m.Components), lim.MaxComponents)
	}
	if len(m.Flows) > lim.MaxFlows {
		add("flows", Pos{}, "the model has %d flows, more than the limit of %d; split the system into several models", len(m.Flows), lim.MaxFlows)
	}
	if len(m.Controls) > lim.MaxControls {
		add("controls", Pos{}, "the model has %d controls, more than the limit of %d", len(m.Controls), lim.MaxControls)
	}
	if len(m.AcceptedRisks) > lim.MaxAccepted {
		add("acceptedRisks", Pos{}, "the model has %d accepted risks, more than the limit of %d", len(m.AcceptedRisks), lim.MaxAccepted)
	}
	if len(ps) > 0 {
		return &ValidationError{ps}
	}
	if m.Release != "" && m.Release != "current" && !relPattern.MatchString(m.Release) {
		add("atlasRelease", Pos{}, "atlasRelease %q is not a release version; write one like 2026.05, or current", m.Release)
	}
	if m.Release == "current" {
		m.Release = ""
	}
	if len(m.Name) > 200 {
		add("name", Pos{}, "name is longer than 200 characters")
	}
	comps := map[string]Pos{}
	for i := range m.Components {
		c := &m.Components[i]
		switch {
		case c.ID == "":
			add(fmt.Sprintf("components[%d].id", i), c.Pos, "component %d has no id; give it a short id like chat-ui", i+1)
		case !idPattern.MatchString(c.ID):
			add(fmt.Sprintf("components[%d].id", i), at(c.FieldPos, "id", c.Pos), "component id %q: use letters, digits, '.', '_' or '-', at most 64 characters", c.ID)
		default:
			if first, dup := comps[c.ID]; dup {
				add(fmt.Sprintf("components[%d].id", i), at(c.FieldPos, "id", c.Pos), "component %q is declared twice (first at line %d); give each component its own id", c.ID, first.Line)
			} else {
				comps[c.ID] = c.Pos
			}
		}
		if c.Kind == "" {
			add(fmt.Sprintf("components[%d].kind", i), c.Pos, "component %q has no kind; give one of: %s", c.ID, kindList())
		} else if _, ok := KindOf(c.Kind); !ok {
			add(fmt.Sprintf("components[%d].kind", i), at(c.FieldPos, "kind", c.Pos), "component %q: unknown kind %q%s; use one of: %s", c.ID, c.Kind, KindHint(string(c.Kind)), kindList())
		}
		if c.Name == "" {
			c.Name = c.ID
		}
		for name, v := range c.Properties {
			pi, ok := PropertyOf(name)
			if !ok {
				add(fmt.Sprintf("components[%d].properties.%s", i, name), at(c.FieldPos, "properties."+name, c.Pos), "component %q: %s", c.ID, UnknownProperty(name))
				continue
			}
			if v.Type != pi.Type {
				add(fmt.Sprintf("components[%d].properties.%s", i, name), at(c.FieldPos, "properties."+name, c.Pos), "component %q: property %s takes a %s", c.ID, name, pi.Type)
				continue
			}
			if len(pi.Values) > 0 && !contains(pi.Values, v.Text) {
				add(fmt.Sprintf("components[%d].properties.%s", i, name), at(c.FieldPos, "properties."+name, c.Pos), "component %q: property %s is %q%s; use one of %s", c.ID, name, v.Text, valueHint(name, v.Text), strings.Join(pi.Values, ", "))
			}
		}
	}
	flows := map[string]bool{}
	for i := range m.Flows {
		f := &m.Flows[i]
		if f.From == "" || f.To == "" {
			add(fmt.Sprintf("flows[%d].from", i), f.Pos, "flow %d needs both from and to component ids", i+1)
			continue
		}
		if _, ok := comps[f.From]; !ok {
			add(fmt.Sprintf("flows[%d].from", i), at(f.FieldPos, "from", f.Pos), "flow from %q: no component has that id; declare it under components or fix the id", f.From)
		}
		if _, ok := comps[f.To]; !ok {
			add(fmt.Sprintf("flows[%d].to", i), at(f.FieldPos, "to", f.Pos), "flow to %q: no component has that id; declare it under components or fix the id", f.To)
		}
		if f.ID == "" {
			f.ID = f.From + "->" + f.To
		} else if !flowPattern.MatchString(f.ID) {
			add(fmt.Sprintf("flows[%d].id", i), f.Pos, "flow id %q: use letters, digits, '.', '_', '-' or '>', at most 160 characters", f.ID)
		}
		if flows[f.ID] {
			add(fmt.Sprintf("flows[%d].id", i), f.Pos, "flow %q is declared twice; give the second one its own id", f.ID)
		}
		flows[f.ID] = true
	}
	ctrls := map[string]bool{}
	for i := range m.Controls {
		c := &m.Controls[i]
		// A control is named by its mitigation in the messages, or by its
		// place when the mitigation is not an id (its own message says so).
		name := c.Mitigation
		if !mitPattern.MatchString(c.Mitigation) {
			add(fmt.Sprintf("controls[%d].mitigation", i), at(c.FieldPos, "mitigation", c.Pos), "control %d: mitigation %q is not an ATLAS mitigation id (AML.M0000)%s", i+1, c.Mitigation, mitigationHint(c.Mitigation))
			name = fmt.Sprintf("%d", i+1)
		}
		switch c.Status {
		case StatusImplemented, StatusPartial, StatusPlanned:
		case "":
			add(fmt.Sprintf("controls[%d].status", i), c.Pos, "control %s has no status; write implemented, partial or planned", name)
		default:
			add(fmt.Sprintf("controls[%d].status", i), at(c.FieldPos, "status", c.Pos), "control %s: unknown status %q; write implemented, partial or planned", name, c.Status)
		}
		for j, s := range c.Scope {
			if _, ok := comps[s]; !ok {
				add(fmt.Sprintf("controls[%d].scope[%d]", i, j), at(c.FieldPos, fmt.Sprintf("scope[%d]", j), c.Pos), "control %s: scope names %q, which is not a component of the model", name, s)
			}
		}
		if c.ID == "" {
			c.ID = c.Mitigation
		} else if !idPattern.MatchString(c.ID) {
			add(fmt.Sprintf("controls[%d].id", i), c.Pos, "control id %q: use letters, digits, '.', '_' or '-', at most 64 characters", c.ID)
		}
		if ctrls[c.ID] {
			add(fmt.Sprintf("controls[%d].id", i), c.Pos, "control %q is declared twice; give each control of the same mitigation its own id", c.ID)
		}
		ctrls[c.ID] = true
	}
	for _, mid := range sortedKeys(m.Preferences.Costs) {
		c := m.Preferences.Costs[mid]
		where := at(m.Preferences.FieldPos, "costs."+mid, Pos{})
		if !mitPattern.MatchString(mid) {
			add("preferences.costs."+mid, where, "preferences: costs names %q, which is not an ATLAS mitigation id (AML.M0000)", mid)
		}
		if !(c > 0 && c <= 1e9) {
			add("preferences.costs."+mid, where, "preferences: the cost of %s is %v; give a number above 0 and at most 1e9", mid, c)
		}
	}
	for i, mid := range m.Preferences.Exclude {
		if !mitPattern.MatchString(mid) {
			add(fmt.Sprintf("preferences.exclude[%d]", i), at(m.Preferences.FieldPos, fmt.Sprintf("exclude[%d]", i), Pos{}), "preferences: exclude names %q, which is not an ATLAS mitigation id (AML.M0000)", mid)
		}
	}
	risks := map[string]bool{}
	for i := range m.AcceptedRisks {
		a := &m.AcceptedRisks[i]
		if !techPattern.MatchString(a.Technique) {
			add(fmt.Sprintf("acceptedRisks[%d].technique", i), at(a.FieldPos, "technique", a.Pos), "accepted risk %d: technique %q is not an ATLAS technique id (AML.T0000 or AML.T0000.000)", i+1, a.Technique)
		}
		if a.Owner == "" {
			add(fmt.Sprintf("acceptedRisks[%d].owner", i), a.Pos, "accepted risk %s has no owner; name who accepted it", a.Technique)
		}
		if a.Reason == "" {
			add(fmt.Sprintf("acceptedRisks[%d].reason", i), a.Pos, "accepted risk %s has no reason; say why it is accepted", a.Technique)
		}
		if !datePattern.MatchString(a.Expires) {
			add(fmt.Sprintf("acceptedRisks[%d].expires", i), at(a.FieldPos, "expires", a.Pos), "accepted risk %s: expires %q is not a date; write YYYY-MM-DD", a.Technique, a.Expires)
		}
		if risks[a.Technique] {
			add(fmt.Sprintf("acceptedRisks[%d].technique", i), a.Pos, "technique %s is accepted twice; keep one entry", a.Technique)
		}
		risks[a.Technique] = true
	}
	if len(ps) > 0 {
		return &ValidationError{ps}
	}
	return nil
}

// ReleaseIDs is what [Model.CheckRelease] needs from a release.
type ReleaseIDs interface {
	HasTechnique(id string) bool
	HasMitigation(id string) bool
}

// CheckRelease reports controls naming mitigations and accepted risks naming
// techniques that the release does not have.
func (m *Model) CheckRelease(version string, rel ReleaseIDs) error {
	var ps []Problem
	for i, c := range m.Controls {
		if !rel.HasMitigation(c.Mitigation) {
			ps = append(ps, Problem{File: m.Source, Field: fmt.Sprintf("controls[%d].mitigation", i), Pos: at(c.FieldPos, "mitigation", c.Pos), Msg: fmt.Sprintf("control %s: ATLAS %s has no such mitigation; fix the id or pin the model to another release", c.Mitigation, version)})
		}
	}
	for _, mid := range sortedKeys(m.Preferences.Costs) {
		if !rel.HasMitigation(mid) {
			ps = append(ps, Problem{File: m.Source, Field: "preferences.costs." + mid, Pos: at(m.Preferences.FieldPos, "costs."+mid, Pos{}), Msg: fmt.Sprintf("preferences: costs: ATLAS %s has no mitigation %s; fix the id or remove it", version, mid)})
		}
	}
	for i, mid := range m.Preferences.Exclude {
		if !rel.HasMitigation(mid) {
			ps = append(ps, Problem{File: m.Source, Field: fmt.Sprintf("preferences.exclude[%d]", i), Pos: at(m.Preferences.FieldPos, fmt.Sprintf("exclude[%d]", i), Pos{}), Msg: fmt.Sprintf("preferences: exclude: ATLAS %s has no mitigation %s; fix the id or remove it", version, mid)})
		}
	}
	for i, a := range m.AcceptedRisks {
		if !rel.HasTechnique(a.Technique) {
			ps = append(ps, Problem{File: m.Source, Field: fmt.Sprintf("acceptedRisks[%d].technique", i), Pos: at(a.FieldPos, "technique", a.Pos), Msg: fmt.Sprintf("accepted risk %s: ATLAS %s has no such technique; fix the id or pin the model to another release", a.Technique, version)})
		}
	}
	if len(ps) > 0 {
		return &ValidationError{ps}
	}
	return nil
}

// at returns the place of a field, or of its item when the field has none.
func at(fp map[string]Pos, field string, item Pos) Pos {
	if p, ok := fp[field]; ok {
		return p
	}
	return item
}

func kindList() string {
	var s []string
	for _, k := range Kinds() {
		s = append(s, string(k.Kind))
	}
	return strings.Join(s, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Sentinel errors of stored models, checked with errors.Is.
var (
	// ErrNotFound: no stored model has that id.
	ErrNotFound = errors.New("threat model not found")
	// ErrStale: the write named a version that is no longer the stored one.
	ErrStale = errors.New("stale threat-model version")
	// ErrExists: a model of that id is already stored.
	ErrExists = errors.New("threat model exists")
	// ErrInvalid: the model or change is not valid; *ValidationError matches it.
	ErrInvalid = errors.New("invalid threat model")
)

// Is makes a *ValidationError match [ErrInvalid].
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }
