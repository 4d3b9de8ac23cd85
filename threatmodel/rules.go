package threatmodel

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed rules/*.yaml
var rulesFS embed.FS

// A Rule maps components that meet a condition to the ATLAS techniques that
// apply to them, with a one-line rationale.
type Rule struct {
	// ID is unique across all rule files.
	ID string `yaml:"id"`
	// File is the rule file's name (the concern), filled when loading.
	File      string    `yaml:"-"`
	Rationale string    `yaml:"rationale"`
	When      Condition `yaml:"when"`
	// Techniques are the technique ids the rule makes applicable. Ids a
	// release does not have are skipped for that release.
	Techniques []string `yaml:"techniques"`
	// Tests are examples the rule must fire on and stay quiet on; the
	// package's tests run them.
	Tests []RuleTest `yaml:"tests"`
	// Organisation makes the techniques the organisation's rather than the
	// component's: when the rule fires on any component, they apply once,
	// to [Organisation] (reconnaissance of the owner, phishing of its
	// staff), not to the LLM or the backend it fired on.
	Organisation bool `yaml:"organisation"`
}

// Organisation is the pseudo-component organisation-level techniques apply
// to. It cannot clash with a component id (ids have no parentheses); only a
// control without a scope covers it.
const Organisation = "(organisation)"

// Condition is what a component must be for a rule to fire. Every part given
// must hold; an empty condition matches every component.
type Condition struct {
	// Kinds: the component is of one of these kinds.
	Kinds []Kind `yaml:"kinds"`
	// All: every one of these boolean properties is true.
	All []string `yaml:"all"`
	// Any: at least one of these boolean properties is true.
	Any []string `yaml:"any"`
	// None: none of these boolean properties is true.
	None []string `yaml:"none"`
	// Equals: these string properties have these values.
	Equals map[string]string `yaml:"equals"`
	// Modalities: the component takes in one of these kinds of data (the
	// values of the modality property), or gives no modality. It says
	// where a technique can work at all (a deepfake needs a model of
	// images, audio or video); a component whose modality is unknown is
	// not spared, as a mitigation link limited to some modalities does
	// not spare it either.
	Modalities []string `yaml:"modalities"`
	// Inbound: some flow into the component matches.
	Inbound *FlowCondition `yaml:"inbound"`
	// Outbound: some flow out of the component matches.
	Outbound *FlowCondition `yaml:"outbound"`
	// Upstream: some component whose data reaches this one through flows
	// (directly or through other components, such as a backend between a
	// public page and a model) matches. Content travels along flows, so
	// what an internet-facing component takes in reaches the components
	// downstream of it.
	Upstream *UpstreamCondition `yaml:"upstream"`
	// Downstream: some component this one's data reaches through flows
	// (directly or through others, such as a pipeline between a model and
	// the backend that acts on its verdict) matches.
	Downstream *UpstreamCondition `yaml:"downstream"`
}

// UpstreamCondition matches a component upstream (or, as Downstream,
// downstream) of the one tested.
type UpstreamCondition struct {
	// Kinds: it is of one of these kinds (empty: any kind).
	Kinds []Kind `yaml:"kinds"`
	// Any: at least one of these boolean properties is true (empty: any).
	Any []string `yaml:"any"`
}

// FlowCondition matches a flow by the kind of the component at its other end
// and by its trust-boundary flag.
type FlowCondition struct {
	// Kinds: the other end is of one of these kinds (empty: any kind).
	Kinds []Kind `yaml:"kinds"`
	// TrustBoundary, when set, must equal the flow's flag.
	TrustBoundary *bool `yaml:"trustBoundary"`
}

// RuleTest is one example of a rule's test: a component, with the flows
// around it, on which the rule fires (Fires true) or stays quiet.
type RuleTest struct {
	Fires      bool              `yaml:"fires"`
	Kind       Kind              `yaml:"kind"`
	Properties map[string]string `yaml:"properties"`
	Inbound    []TestFlow        `yaml:"inbound"`
	Outbound   []TestFlow        `yaml:"outbound"`
}

// TestFlow is a flow in a rule test: the kind at the other end and the flag.
type TestFlow struct {
	Kind          Kind `yaml:"kind"`
	TrustBoundary bool `yaml:"trustBoundary"`
	// Properties are the boolean properties of the component at the other
	// end that are true.
	Properties []string `yaml:"properties"`
}

// Unmapped is a technique no rule maps on purpose, with the reason.
type Unmapped struct {
	Technique string `yaml:"technique"`
	Reason    string `yaml:"reason"`
	File      string `yaml:"-"`
}

// RuleSet is every rule and every deliberately unmapped technique.
type RuleSet struct {
	Rules    []Rule
	Unmapped []Unmapped
	// Semantics say what mitigations do and where steps happen; nil means
	// the embedded ones ([DefaultSemantics]).
	Semantics *Semantics
}

type ruleFile struct {
	Concern  string     `yaml:"concern"`
	Rules    []Rule     `yaml:"rules"`
	Unmapped []Unmapped `yaml:"unmapped"`
}

// DefaultRules loads the rules embedded in the binary (rules/*.yaml),
// with the embedded semantics (semantics/*.yaml).
func DefaultRules() (*RuleSet, error) {
	rs, err := LoadRules(rulesFS, "rules")
	if err != nil {
		return nil, err
	}
	if rs.Semantics, err = DefaultSemantics(); err != nil {
		return nil, err
	}
	return rs, nil
}

// LoadRules reads every *.yaml file of dir in fsys as rule files and checks
// them: unique ids, known kinds and properties, technique id shapes, a
// one-line rationale and at least one firing and one quiet test per rule.
func LoadRules(fsys fs.FS, dir string) (*RuleSet, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	rs := &RuleSet{}
	seen := map[string]string{}
	var probs []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read rules: %w", err)
		}
		var rf ruleFile
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&rf); err != nil {
			return nil, fmt.Errorf("rules/%s: %w", e.Name(), err)
		}
		for _, r := range rf.Rules {
			r.File = e.Name()
			where := fmt.Sprintf("rules/%s: rule %q", e.Name(), r.ID)
			if r.ID == "" {
				probs = append(probs, fmt.Sprintf("rules/%s: a rule has no id", e.Name()))
			}
			if f, dup := seen[r.ID]; dup {
				probs = append(probs, fmt.Sprintf("%s: id also used in %s", where, f))
			}
			seen[r.ID] = e.Name()
			if r.Rationale == "" || strings.Contains(strings.TrimSpace(r.Rationale), "\n") {
				probs = append(probs, where+": give a one-line rationale")
			}
			if len(r.Techniques) == 0 {
				probs = append(probs, where+": maps no technique")
			}
			for _, t := range r.Techniques {
				if !techPattern.MatchString(t) {
					probs = append(probs, fmt.Sprintf("%s: %q is not a technique id", where, t))
				}
			}
			probs = append(probs, r.When.check(where)...)
			var fires, quiet bool
			for _, tc := range r.Tests {
				if tc.Fires {
					fires = true
				} else {
					quiet = true
				}
			}
			if !fires || !quiet {
				probs = append(probs, where+": give at least one test it fires on and one it stays quiet on")
			}
			rs.Rules = append(rs.Rules, r)
		}
		for _, u := range rf.Unmapped {
			u.File = e.Name()
			if !techPattern.MatchString(u.Technique) || u.Reason == "" {
				probs = append(probs, fmt.Sprintf("rules/%s: unmapped %q needs a technique id and a reason", e.Name(), u.Technique))
			}
			rs.Unmapped = append(rs.Unmapped, u)
		}
	}
	if len(probs) > 0 {
		return nil, fmt.Errorf("the applicability rules are broken:\n%s", strings.Join(probs, "\n"))
	}
	sort.SliceStable(rs.Rules, func(i, j int) bool { return rs.Rules[i].ID < rs.Rules[j].ID })
	sort.SliceStable(rs.Unmapped, func(i, j int) bool { return rs.Unmapped[i].Technique < rs.Unmapped[j].Technique })
	return rs, nil
}

func (c Condition) check(where string) []string {
	var probs []string
	kindsOK := func(ks []Kind) {
		for _, k := range ks {
			if _, ok := KindOf(k); !ok {
				probs = append(probs, fmt.Sprintf("%s: unknown kind %q%s", where, k, KindHint(string(k))))
			}
		}
	}
	kindsOK(c.Kinds)
	var bools []string
	for _, pi := range Properties() {
		if pi.Type == TypeBool {
			bools = append(bools, pi.Name)
		}
	}
	for _, list := range [][]string{c.All, c.Any, c.None} {
		for _, p := range list {
			if pi, ok := PropertyOf(p); !ok || pi.Type != TypeBool {
				probs = append(probs, fmt.Sprintf("%s: %q is not a boolean property%s", where, p, didYouMean(p, bools)))
			}
		}
	}
	for p, v := range c.Equals {
		pi, ok := PropertyOf(p)
		if !ok || pi.Type != TypeString || (len(pi.Values) > 0 && !slices.Contains(pi.Values, v)) {
			probs = append(probs, fmt.Sprintf("%s: equals %s=%q names no string property value", where, p, v))
		}
	}
	if len(c.Modalities) > 0 {
		modality, _ := PropertyOf("modality")
		for _, m := range c.Modalities {
			if !slices.Contains(modality.Values, m) {
				probs = append(probs, fmt.Sprintf("%s: modalities: %q is not a modality%s; the modalities are: %s", where, m, didYouMean(m, modality.Values), strings.Join(modality.Values, ", ")))
			}
		}
	}
	if c.Inbound != nil {
		kindsOK(c.Inbound.Kinds)
	}
	if c.Outbound != nil {
		kindsOK(c.Outbound.Kinds)
	}
	for dir, uc := range map[string]*UpstreamCondition{"upstream": c.Upstream, "downstream": c.Downstream} {
		if uc == nil {
			continue
		}
		kindsOK(uc.Kinds)
		for _, p := range uc.Any {
			if pi, ok := PropertyOf(p); !ok || pi.Type != TypeBool {
				probs = append(probs, fmt.Sprintf("%s: %s: %q is not a boolean property", where, dir, p))
			}
		}
	}
	return probs
}

// graph is a model's components with the flows around each, for matching.
type graph struct {
	m   *Model
	in  map[string][]Flow
	out map[string][]Flow
	ids map[string]*Component
}

func newGraph(m *Model) *graph {
	g := &graph{m: m, in: map[string][]Flow{}, out: map[string][]Flow{}, ids: map[string]*Component{}}
	for i := range m.Components {
		g.ids[m.Components[i].ID] = &m.Components[i]
	}
	for _, f := range m.Flows {
		g.in[f.To] = append(g.in[f.To], f)
		g.out[f.From] = append(g.out[f.From], f)
	}
	return g
}

// Matches reports whether the condition holds for component c of g.
func (c Condition) matches(g *graph, comp *Component) bool {
	if len(c.Kinds) > 0 && !slices.Contains(c.Kinds, comp.Kind) {
		return false
	}
	for _, p := range c.All {
		if !comp.Flag(p) {
			return false
		}
	}
	if len(c.Any) > 0 {
		ok := false
		for _, p := range c.Any {
			ok = ok || comp.Flag(p)
		}
		if !ok {
			return false
		}
	}
	for _, p := range c.None {
		if comp.Flag(p) {
			return false
		}
	}
	for p, v := range c.Equals {
		if comp.Properties[p].Text != v {
			return false
		}
	}
	if len(c.Modalities) > 0 {
		if m := comp.Properties["modality"].Text; m != "" && !slices.Contains(c.Modalities, m) {
			return false
		}
	}
	if c.Inbound != nil && !c.Inbound.any(g, g.in[comp.ID], func(f Flow) string { return f.From }) {
		return false
	}
	if c.Outbound != nil && !c.Outbound.any(g, g.out[comp.ID], func(f Flow) string { return f.To }) {
		return false
	}
	if c.Upstream != nil && !c.Upstream.any(g, comp.ID, true) {
		return false
	}
	if c.Downstream != nil && !c.Downstream.any(g, comp.ID, false) {
		return false
	}
	return true
}

// any reports whether a component upstream of id (reaching it through one
// or more flows), or downstream of it when up is false, matches.
func (uc *UpstreamCondition) any(g *graph, id string, up bool) bool {
	seen := map[string]bool{id: true}
	queue := []string{id}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		flows, other := g.in[v], func(f Flow) string { return f.From }
		if !up {
			flows, other = g.out[v], func(f Flow) string { return f.To }
		}
		for _, f := range flows {
			w := other(f)
			if seen[w] {
				continue
			}
			seen[w] = true
			queue = append(queue, w)
			o := g.ids[w]
			if o == nil || len(uc.Kinds) > 0 && !slices.Contains(uc.Kinds, o.Kind) {
				continue
			}
			if len(uc.Any) == 0 || slices.ContainsFunc(uc.Any, o.Flag) {
				return true
			}
		}
	}
	return false
}

func (fc *FlowCondition) any(g *graph, flows []Flow, other func(Flow) string) bool {
	for _, f := range flows {
		if fc.TrustBoundary != nil && f.TrustBoundary != *fc.TrustBoundary {
			continue
		}
		if len(fc.Kinds) > 0 {
			o := g.ids[other(f)]
			if o == nil || !slices.Contains(fc.Kinds, o.Kind) {
				continue
			}
		}
		return true
	}
	return false
}

// TestModel builds the small model a rule test describes: the component
// under test ("subject") and one component per flow at the other end.
func (t RuleTest) TestModel() (*Model, error) {
	subject := Component{ID: "subject", Kind: t.Kind, Properties: map[string]Value{}}
	for name, v := range t.Properties {
		pi, ok := PropertyOf(name)
		if !ok {
			return nil, fmt.Errorf("unknown property %q", name)
		}
		if pi.Type == TypeBool {
			subject.Properties[name] = Value{Type: TypeBool, Bool: v == "true"}
		} else {
			subject.Properties[name] = Value{Type: TypeString, Text: v}
		}
	}
	m := &Model{Components: []Component{subject}}
	flags := func(ps []string) map[string]Value {
		out := map[string]Value{}
		for _, p := range ps {
			out[p] = Value{Type: TypeBool, Bool: true}
		}
		return out
	}
	for i, f := range t.Inbound {
		id := fmt.Sprintf("in%d", i)
		m.Components = append(m.Components, Component{ID: id, Kind: f.Kind, Properties: flags(f.Properties)})
		m.Flows = append(m.Flows, Flow{From: id, To: "subject", TrustBoundary: f.TrustBoundary})
	}
	for i, f := range t.Outbound {
		id := fmt.Sprintf("out%d", i)
		m.Components = append(m.Components, Component{ID: id, Kind: f.Kind, Properties: flags(f.Properties)})
		m.Flows = append(m.Flows, Flow{From: "subject", To: id, TrustBoundary: f.TrustBoundary})
	}
	return m, m.Validate(Limits{})
}

// Fires reports whether rule r fires on component id of m.
func (r *Rule) Fires(m *Model, id string) bool {
	g := newGraph(m)
	c := g.ids[id]
	return c != nil && r.When.matches(g, c)
}

// Site is one reason a technique applies: a rule fired on a component.
type Site struct {
	Rule      string `json:"rule"`
	Component string `json:"component"`
}

// Applicability maps each technique a rule makes applicable to m (and that
// has returns true for) to the sites that make it so, sorted by component
// then rule.
func (rs *RuleSet) Applicability(m *Model, has func(technique string) bool) map[string][]Site {
	g := newGraph(m)
	out := map[string][]Site{}
	for i := range m.Components {
		c := &m.Components[i]
		for ri := range rs.Rules {
			r := &rs.Rules[ri]
			if !r.When.matches(g, c) {
				continue
			}
			site := Site{Rule: r.ID, Component: c.ID}
			if r.Organisation {
				site.Component = Organisation
			}
			for _, t := range r.Techniques {
				if has != nil && !has(t) {
					continue
				}
				out[t] = append(out[t], site)
			}
		}
	}
	for t, s := range out {
		sort.Slice(s, func(i, j int) bool {
			if s[i].Component != s[j].Component {
				return s[i].Component < s[j].Component
			}
			return s[i].Rule < s[j].Rule
		})
		out[t] = slices.CompactFunc(s, func(a, b Site) bool { return a == b })
	}
	return out
}

// Rule returns the rule of that id.
func (rs *RuleSet) Rule(id string) (*Rule, bool) {
	for i := range rs.Rules {
		if rs.Rules[i].ID == id {
			return &rs.Rules[i], true
		}
	}
	return nil, false
}

// Reachable returns, for each technique some rule can make applicable, the
// ids of those rules. A rule counts only through its own firing examples:
// the technique must come out of [RuleSet.Applicability] on the model a
// firing test describes, so a rule whose condition no example meets reaches
// nothing. A technique of a release missing here is one no model can get.
func (rs *RuleSet) Reachable() (map[string][]string, error) {
	out := map[string][]string{}
	for i := range rs.Rules {
		r := &rs.Rules[i]
		for j, tc := range r.Tests {
			if !tc.Fires {
				continue
			}
			m, err := tc.TestModel()
			if err != nil {
				return nil, fmt.Errorf("rule %s, test %d: %w", r.ID, j, err)
			}
			for t, sites := range rs.Applicability(m, nil) {
				if slices.ContainsFunc(sites, func(s Site) bool { return s.Rule == r.ID }) && !slices.Contains(out[t], r.ID) {
					out[t] = append(out[t], r.ID)
				}
			}
		}
	}
	for t := range out {
		slices.Sort(out[t])
	}
	return out, nil
}

// Mapped returns the sorted technique ids some rule maps.
func (rs *RuleSet) Mapped() []string {
	var out []string
	for _, r := range rs.Rules {
		out = append(out, r.Techniques...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
