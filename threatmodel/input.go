package threatmodel

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/atlasgraph/atlasgraph/yamlpos"
	"go.yaml.in/yaml/v3"
)

// The input types mirror the file: every value keeps the node it came from,
// so a problem found later still has its line and column. They are not the
// model; [Parse] converts them.
type (
	inputFile struct {
		name, description, release string
		components                 []inputComponent
		flows                      []inputFlow
		controls                   []inputControl
		accepted                   []inputAccepted
		prefs                      Preferences
	}
	inputComponent struct {
		pos                         Pos
		fieldPos                    map[string]Pos
		id, kind, name, description string
		props                       map[string]Value
	}
	inputFlow struct {
		pos                Pos
		fieldPos           map[string]Pos
		id, from, to, data string
		trustBoundary      bool
	}
	inputControl struct {
		pos                          Pos
		fieldPos                     map[string]Pos
		id, mitigation, status, note string
		scope                        []string
	}
	inputAccepted struct {
		pos                               Pos
		fieldPos                          map[string]Pos
		technique, owner, reason, expires string
	}
)

// parser walks the YAML tree, recording every problem with its place.
type parser struct {
	file  string
	probs []Problem
	// item is the place of the component, flow, control or accepted risk
	// being read; tainted holds the items a problem was found in, so that
	// Validate's "has no id" of an item whose id was not text is not
	// reported twice.
	item    Pos
	tainted map[Pos]bool
	// shapeless is set when the file or one of its sections is not the
	// mapping or list it must be: the model read is then too partial to
	// check further.
	shapeless bool
}

const maxNodes = 1_000_000

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// failKey reports an unknown key. In a flow-style mapping ({a: 1, b: 2})
// an unknown key without a value is most often the rest of a value that
// held a comma ({data: questions, answers}), so the message says to quote it.
// Otherwise a key near one of keys (a different case, a letter off) is
// named as the one likely meant.
func (p *parser) failKey(mapping, k, v *yaml.Node, what string, keys ...string) {
	msg := fmt.Sprintf("%s has no key %q", what, k.Value)
	if mapping.Style&yaml.FlowStyle != 0 && v.Tag == "!!null" && v.Value == "" {
		msg += fmt.Sprintf("; use %s; if %q is the rest of the value before it, quote that value, which holds a comma: key: \"..., %s\"", strings.Join(keys, ", "), k.Value, k.Value)
	} else {
		msg += didYouMean(k.Value, keys) + "; use " + strings.Join(keys, ", ")
	}
	p.fail(k, "%s", msg)
}

func (p *parser) fail(n *yaml.Node, format string, args ...any) {
	if p.item != (Pos{}) {
		if p.tainted == nil {
			p.tainted = map[Pos]bool{}
		}
		p.tainted[p.item] = true
	}
	pr := Problem{File: p.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		pr.Pos = posOf(n)
	}
	p.probs = append(p.probs, pr)
}

// Parse reads a model file, checks it (structure, kinds, properties,
// references between components, flows and controls, sizes) and returns the
// model. On any problem it returns a *ValidationError listing all of them as
// FILE:LINE:COL: message, and no model. It does not check ids against an
// ATLAS release (see [Model.CheckRelease]). It never panics.
func Parse(name string, data []byte, lim Limits) (m *Model, err error) {
	if lim == (Limits{}) {
		lim = DefaultLimits()
	}
	p := &parser{file: name}
	defer func() {
		if v := recover(); v != nil {
			m, err = nil, &ValidationError{[]Problem{{File: name, Msg: fmt.Sprintf("cannot read this file as YAML (%v)", v)}}}
		}
	}()
	if len(data) > lim.MaxBytes {
		return nil, &ValidationError{[]Problem{{File: name, Msg: fmt.Sprintf("the file is %d bytes, more than the limit of %d; split the system into several models", len(data), lim.MaxBytes)}}}
	}
	root, probs := yamlpos.Read(data, yamlpos.Rules{
		Plural:       "model files",
		MaxNodes:     maxNodes,
		TooManyNodes: "split the system into several models",
		Empty:        "start from `atlasgraph model init --template rag-chatbot`",
		Several:      "keep one model per file (remove the extra '---')",
	})
	if root == nil {
		for _, yp := range probs {
			p.probs = append(p.probs, Problem{File: name, Pos: Pos{Line: yp.Line, Col: yp.Column}, Msg: yp.Msg})
		}
		return nil, &ValidationError{p.probs}
	}
	in := p.file0(root)
	if len(p.probs) > 0 {
		return nil, &ValidationError{p.withValidation(in.toModel(name), lim)}
	}
	m = in.toModel(name)
	if err := m.Validate(lim); err != nil {
		return nil, err
	}
	return m, nil
}

// withValidation adds to the problems found reading the file those Validate
// finds in what could be read (unknown kinds and properties, flows to missing
// components, bad statuses ...), so that every problem is reported at once
// rather than in two rounds. It leaves out what only repeats a problem
// already reported: one at the same place, and an item's missing field when
// that field was there but not text. When the file or a section is not the
// mapping or list it must be, what was read is too partial to check.
func (p *parser) withValidation(m *Model, lim Limits) []Problem {
	if p.shapeless {
		return p.probs
	}
	var ve *ValidationError
	if err := m.Validate(lim); !errors.As(err, &ve) {
		return p.probs
	}
	seen := map[Pos]bool{}
	for _, pr := range p.probs {
		seen[pr.Pos] = true
	}
	out := slices.Clone(p.probs)
	for _, pr := range ve.Problems {
		if pr.Pos != (Pos{}) && (seen[pr.Pos] || p.tainted[pr.Pos]) {
			continue
		}
		out = append(out, pr)
	}
	slices.SortStableFunc(out, func(a, b Problem) int {
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Col - b.Pos.Col
	})
	return out
}

// mapping iterates over the key/value pairs of a mapping node, refusing
// anything else and the keys [yamlpos.Entries] refuses.
func (p *parser) mapping(n *yaml.Node, what string, f func(key string, k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "%s must be a mapping, got %s", what, yamlpos.Got(n))
		if p.item == (Pos{}) {
			p.shapeless = true // the file, or preferences
		}
		return
	}
	pairs, probs := yamlpos.Entries(n)
	for _, yp := range probs {
		p.probs = append(p.probs, Problem{File: p.file, Pos: Pos{Line: yp.Line, Col: yp.Column}, Msg: what + ": " + yp.Msg})
	}
	for _, kv := range pairs {
		f(kv.Key, kv.K, kv.V)
	}
}

func (p *parser) list(n *yaml.Node, what string, f func(i int, v *yaml.Node)) {
	if yamlpos.Null(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "%s must be a list, got %s", what, yamlpos.Got(n))
		if p.item == (Pos{}) {
			p.shapeless = true // components, flows, controls ...
		}
		return
	}
	for i, v := range n.Content {
		f(i, v)
	}
}

func (p *parser) str(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.fail(n, "%s must be text, got %s", what, yamlpos.Got(n))
		return ""
	}
	return n.Value
}

func (p *parser) boolean(n *yaml.Node, what string) bool {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		p.fail(n, "%s must be true or false, got %s", what, yamlpos.Got(n))
		return false
	}
	b, _ := strconv.ParseBool(n.Value)
	return b
}

func (p *parser) file0(n *yaml.Node) inputFile {
	var in inputFile
	p.mapping(n, "the model", func(key string, k, v *yaml.Node) {
		switch key {
		case "name":
			in.name = p.str(v, "name")
		case "description":
			in.description = p.str(v, "description")
		case "atlasRelease":
			in.release = p.str(v, "atlasRelease")
		case "components":
			p.list(v, "components", func(i int, c *yaml.Node) { in.components = append(in.components, p.component(c)) })
		case "flows":
			p.list(v, "flows", func(i int, f *yaml.Node) { in.flows = append(in.flows, p.flow(f)) })
		case "controls":
			p.list(v, "controls", func(i int, c *yaml.Node) { in.controls = append(in.controls, p.control(c)) })
		case "acceptedRisks":
			p.list(v, "acceptedRisks", func(i int, a *yaml.Node) { in.accepted = append(in.accepted, p.accepted(a)) })
		case "preferences":
			in.prefs = p.preferences(v)
		default:
			p.fail(k, "unknown top-level key %q%s; a model has name, description, atlasRelease, components, flows, controls, acceptedRisks and preferences", key, didYouMean(key, []string{"name", "description", "atlasRelease", "components", "flows", "controls", "acceptedRisks", "preferences"}))
		}
	})
	return in
}

func (p *parser) component(n *yaml.Node) inputComponent {
	c := inputComponent{pos: posOf(n), fieldPos: map[string]Pos{}}
	p.item = c.pos
	defer func() { p.item = Pos{} }()
	p.mapping(n, "a component", func(key string, k, v *yaml.Node) {
		c.fieldPos[key] = posOf(v)
		switch key {
		case "id":
			c.id = p.str(v, "id")
		case "kind":
			c.kind = p.str(v, "kind")
		case "name":
			c.name = p.str(v, "name")
		case "description":
			c.description = p.str(v, "description")
		case "properties":
			c.props = map[string]Value{}
			p.mapping(v, "properties", func(name string, pk, pv *yaml.Node) {
				c.fieldPos["properties."+name] = posOf(pk)
				pi, ok := PropertyOf(name)
				if !ok {
					// Validate reports it, at the key's place.
					c.props[name] = Value{Type: "unknown"}
					return
				}
				switch pi.Type {
				case TypeBool:
					c.props[name] = Value{Type: TypeBool, Bool: p.boolean(pv, "property "+name)}
				default:
					c.props[name] = Value{Type: TypeString, Text: p.str(pv, "property "+name)}
				}
			})
		default:
			p.failKey(n, k, v, "a component", "id", "kind", "name", "description", "properties")
		}
	})
	return c
}

func (p *parser) flow(n *yaml.Node) inputFlow {
	f := inputFlow{pos: posOf(n), fieldPos: map[string]Pos{}}
	p.item = f.pos
	defer func() { p.item = Pos{} }()
	p.mapping(n, "a flow", func(key string, k, v *yaml.Node) {
		f.fieldPos[key] = posOf(v)
		switch key {
		case "id":
			f.id = p.str(v, "id")
		case "from":
			f.from = p.str(v, "from")
		case "to":
			f.to = p.str(v, "to")
		case "data":
			f.data = p.str(v, "data")
		case "trustBoundary":
			f.trustBoundary = p.boolean(v, "trustBoundary")
		default:
			p.failKey(n, k, v, "a flow", "id", "from", "to", "data", "trustBoundary")
		}
	})
	return f
}

func (p *parser) control(n *yaml.Node) inputControl {
	c := inputControl{pos: posOf(n), fieldPos: map[string]Pos{}}
	p.item = c.pos
	defer func() { p.item = Pos{} }()
	p.mapping(n, "a control", func(key string, k, v *yaml.Node) {
		c.fieldPos[key] = posOf(v)
		switch key {
		case "id":
			c.id = p.str(v, "id")
		case "mitigation":
			c.mitigation = p.str(v, "mitigation")
		case "status":
			c.status = p.str(v, "status")
		case "note":
			c.note = p.str(v, "note")
		case "scope":
			p.list(v, "scope", func(i int, s *yaml.Node) {
				c.fieldPos[fmt.Sprintf("scope[%d]", len(c.scope))] = posOf(s)
				c.scope = append(c.scope, p.str(s, "a scope entry"))
			})
		default:
			p.failKey(n, k, v, "a control", "id", "mitigation", "status", "scope", "note")
		}
	})
	return c
}

func (p *parser) accepted(n *yaml.Node) inputAccepted {
	a := inputAccepted{pos: posOf(n), fieldPos: map[string]Pos{}}
	p.item = a.pos
	defer func() { p.item = Pos{} }()
	p.mapping(n, "an accepted risk", func(key string, k, v *yaml.Node) {
		a.fieldPos[key] = posOf(v)
		switch key {
		case "technique":
			a.technique = p.str(v, "technique")
		case "owner":
			a.owner = p.str(v, "owner")
		case "reason":
			a.reason = p.str(v, "reason")
		case "expires":
			a.expires = p.str(v, "expires")
		default:
			p.failKey(n, k, v, "an accepted risk", "technique", "owner", "reason", "expires")
		}
	})
	return a
}

func (p *parser) preferences(n *yaml.Node) Preferences {
	pr := Preferences{FieldPos: map[string]Pos{}}
	p.mapping(n, "preferences", func(key string, k, v *yaml.Node) {
		switch key {
		case "countDetection":
			pr.CountDetection = p.boolean(v, "countDetection")
		case "costs":
			pr.Costs = map[string]float64{}
			p.mapping(v, "costs", func(mid string, mk, mv *yaml.Node) {
				pr.FieldPos["costs."+mid] = posOf(mk)
				c, err := strconv.ParseFloat(mv.Value, 64)
				if mv.Kind != yaml.ScalarNode || (mv.Tag != "!!int" && mv.Tag != "!!float") || err != nil {
					p.fail(mv, "preferences: the cost of %s must be a number, got %s", mid, yamlpos.Got(mv))
					return
				}
				pr.Costs[mid] = c
			})
		case "exclude":
			p.list(v, "exclude", func(i int, s *yaml.Node) {
				pr.FieldPos[fmt.Sprintf("exclude[%d]", len(pr.Exclude))] = posOf(s)
				pr.Exclude = append(pr.Exclude, p.str(s, "an exclude entry"))
			})
		default:
			p.fail(k, "preferences have no key %q%s; use countDetection, costs, exclude", key, didYouMean(key, []string{"countDetection", "costs", "exclude"}))
		}
	})
	return pr
}

// toModel converts checked input into the model; Validate then checks the
// rules that span items.
func (in inputFile) toModel(source string) *Model {
	m := &Model{Name: in.name, Description: in.description, Release: in.release, Source: source, Preferences: in.prefs}
	for _, c := range in.components {
		m.Components = append(m.Components, Component{ID: c.id, Kind: Kind(c.kind), Name: c.name, Description: c.description, Properties: c.props, Pos: c.pos, FieldPos: c.fieldPos})
	}
	for _, f := range in.flows {
		m.Flows = append(m.Flows, Flow{ID: f.id, From: f.from, To: f.to, Data: f.data, TrustBoundary: f.trustBoundary, Pos: f.pos, FieldPos: f.fieldPos})
	}
	for _, c := range in.controls {
		m.Controls = append(m.Controls, Control{ID: c.id, Mitigation: c.mitigation, Status: Status(c.status), Scope: c.scope, Note: c.note, Pos: c.pos, FieldPos: c.fieldPos})
	}
	for _, a := range in.accepted {
		m.AcceptedRisks = append(m.AcceptedRisks, AcceptedRisk{Technique: a.technique, Owner: a.owner, Reason: a.reason, Expires: a.expires, Pos: a.pos, FieldPos: a.fieldPos})
	}
	return m
}
