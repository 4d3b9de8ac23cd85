package threatmodel

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/yamlpos"
	"go.yaml.in/yaml/v3"
)

//go:embed semantics/*.yaml
var semanticsFS embed.FS

// Effect is what a mitigation does to a technique it mitigates. The values
// follow NIST CSF 2.0's functions (Protect, Detect, Respond/Recover) and
// D3FEND's tactics (Harden and Isolate, Detect, Evict and Restore); see
// docs/threatmodel.md.
type Effect = string

// Effects of a mitigates link.
const (
	// EffectPrevent: the step fails or cannot start (CSF Protect; D3FEND
	// Harden, Isolate).
	EffectPrevent Effect = "prevent"
	// EffectDetect: you learn that the step happened (CSF Detect; D3FEND
	// Detect).
	EffectDetect Effect = "detect"
	// EffectRespond: the damage is limited after the step (CSF Respond and
	// Recover; D3FEND Evict, Restore).
	EffectRespond Effect = "respond"
	// EffectUnclassified: the curated data has no entry for the link or the
	// mitigation (a newer release); it never cuts.
	EffectUnclassified Effect = "unclassified"
)

// Acts is where a mitigation acts.
type Acts = string

// Where a mitigation acts.
const (
	// ActsSystem: on the defended system (its software, models, data, access).
	ActsSystem Acts = "system"
	// ActsPeople: on the people who run or use it (training, awareness).
	ActsPeople Acts = "people"
	// ActsPublication: on what the organisation publishes.
	ActsPublication Acts = "publication"
)

// Side is where a technique's step happens.
type Side = string

// Sides of a step.
const (
	// SideDefender: against the defended system.
	SideDefender Side = "defender"
	// SideAttacker: on the adversary's side (public sources, their own
	// machines, their own copy of a model).
	SideAttacker Side = "attacker"
	// SideEither: on either side, depending on the attack.
	SideEither Side = "either"
)

// MitigationSemantics is the curated entry of one mitigation.
type MitigationSemantics struct {
	ID     string
	Name   string
	Effect Effect
	Acts   Acts
	Why    string
	// Terms are what people call the control ("input filtering" for
	// Generative AI Guardrails), for search.
	Terms []string
	// OutsidersOnly marks access controls: they stop those who are not
	// admitted, so on a component the public uses (internet-facing, or
	// taking outsiders' content) they do not stop a step an admitted user
	// takes.
	OutsidersOnly bool
	// OutsidersDownstream (`outsidersOnly: downstream` in the data) marks
	// access controls on using a component: outsiders who use a public
	// component use what it feeds as well (a model behind a public chat
	// is prompted by the public through it), so they do not stop a step on
	// a component downstream of a public one either.
	OutsidersDownstream bool
	// Links holds the curated entry of each mitigates link, by technique id.
	Links map[string]LinkSemantics
	Pos   Pos
}

// LinkSemantics is the curated entry of one (mitigation, technique) link.
type LinkSemantics struct {
	Effect Effect
	Why    string
	// Modalities, when given, are the input modalities of the components
	// on which the link acts (deepfake detection acts on images, audio and
	// video, not on text); elsewhere it cuts nothing.
	Modalities []string
	Pos        Pos
}

// SideEntry is where a tactic's or a technique's steps happen, and why.
type SideEntry struct {
	Side Side
	Why  string
	Pos  Pos
}

// StepKey names one case-study step.
type StepKey struct{ CaseStudy, Step string }

// StepSide is a case-study step's own side, valid while the step uses Technique.
type StepSide struct {
	Technique string
	SideEntry
}

// Semantics is the curated meaning of a release's links and steps: what each
// mitigation does ([Effect], [Acts]) and where each technique happens
// ([Side]). It is read from embedded YAML ([DefaultSemantics]) and never
// changes after loading.
type Semantics struct {
	Mitigations map[string]*MitigationSemantics
	Tactics     map[string]SideEntry
	Techniques  map[string]SideEntry
	Steps       map[StepKey]StepSide
}

// DefaultSemantics loads the curated files embedded in the binary
// (semantics/*.yaml).
func DefaultSemantics() (*Semantics, error) { return LoadSemantics(semanticsFS, "semantics") }

// LoadSemantics reads effects.yaml, placement.yaml and steps.yaml of dir in
// fsys. Every problem is reported as FILE:LINE:COL with what to fix.
func LoadSemantics(fsys fs.FS, dir string) (*Semantics, error) {
	s := &Semantics{Mitigations: map[string]*MitigationSemantics{}, Tactics: map[string]SideEntry{}, Techniques: map[string]SideEntry{}, Steps: map[StepKey]StepSide{}}
	var probs []string
	for _, f := range []struct {
		name string
		read func(*semParser, *yaml.Node)
	}{{"effects.yaml", s.readEffects}, {"placement.yaml", s.readPlacement}, {"steps.yaml", s.readSteps}} {
		data, err := fs.ReadFile(fsys, path.Join(dir, f.name))
		if err != nil {
			return nil, fmt.Errorf("read threat-model semantics: %w", err)
		}
		p := &semParser{file: path.Join(dir, f.name)}
		root, err := p.document(data)
		if err != nil {
			probs = append(probs, err.Error())
			continue
		}
		f.read(p, root)
		probs = append(probs, p.probs...)
	}
	if len(probs) > 0 {
		return nil, fmt.Errorf("the threat-model semantics are broken:\n%s", strings.Join(probs, "\n"))
	}
	return s, nil
}

// semParser reads one semantics file, keeping every problem with its place.
type semParser struct {
	file  string
	probs []string
}

func (p *semParser) fail(n *yaml.Node, format string, args ...any) {
	p.probs = append(p.probs, fmt.Sprintf("%s:%d:%d: %s", p.file, n.Line, n.Column, fmt.Sprintf(format, args...)))
}

func (p *semParser) document(data []byte) (*yaml.Node, error) {
	root, probs := yamlpos.Read(data, yamlpos.Rules{
		Plural:       "semantics files",
		MaxNodes:     maxNodes,
		TooManyNodes: "split the file",
		Empty:        "give the file's top-level list",
		Several:      "keep one document per file",
	})
	if root == nil {
		msgs := make([]string, len(probs))
		for i, yp := range probs {
			msgs[i] = fmt.Sprintf("%s:%d:%d: %s", p.file, yp.Line, yp.Column, yp.Msg)
		}
		return nil, errors.New(strings.Join(msgs, "\n"))
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d:%d: expected a mapping at the top", p.file, root.Line, root.Column)
	}
	return root, nil
}

// fields returns the scalar values and nodes of a mapping, reporting keys not
// in allowed and required keys missing.
func (p *semParser) fields(n *yaml.Node, what string, allowed []string, required ...string) (map[string]string, map[string]*yaml.Node, bool) {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "%s: expected a mapping", what)
		return nil, nil, false
	}
	vals, nodes := map[string]string{}, map[string]*yaml.Node{}
	ok := true
	pairs, probs := yamlpos.Entries(n)
	for _, yp := range probs {
		p.probs = append(p.probs, fmt.Sprintf("%s:%d:%d: %s: %s", p.file, yp.Line, yp.Column, what, yp.Msg))
		ok = false
	}
	for _, kv := range pairs {
		k, v := kv.K, kv.V
		if !slices.Contains(allowed, k.Value) {
			p.fail(k, "%s: unknown field %q; use %s", what, k.Value, strings.Join(allowed, ", "))
			ok = false
			continue
		}
		nodes[k.Value] = v
		if v.Kind == yaml.ScalarNode {
			vals[k.Value] = v.Value
		}
	}
	for _, r := range required {
		if nd := nodes[r]; nd == nil || nd.Kind == yaml.ScalarNode && strings.TrimSpace(nd.Value) == "" {
			p.fail(n, "%s: give %s", what, r)
			ok = false
		}
	}
	if w, has := vals["why"]; has && strings.Contains(strings.TrimSpace(w), "\n") {
		p.fail(nodes["why"], "%s: keep why to one line", what)
		ok = false
	}
	return vals, nodes, ok
}

func (p *semParser) list(top *yaml.Node, key string) []*yaml.Node {
	_, nodes, _ := p.fields(top, "top level", []string{key}, key)
	if nodes[key] == nil {
		return nil
	}
	if nodes[key].Kind != yaml.SequenceNode {
		p.fail(nodes[key], "%s: expected a list", key)
		return nil
	}
	return nodes[key].Content
}

func (p *semParser) side(n *yaml.Node, what, v string) (Side, bool) {
	switch s := Side(v); s {
	case SideDefender, SideAttacker, SideEither:
		return s, true
	}
	p.fail(n, "%s: side %q; use defender, attacker or either", what, v)
	return "", false
}

func (s *Semantics) readEffects(p *semParser, top *yaml.Node) {
	for _, n := range p.list(top, "mitigations") {
		v, nodes, ok := p.fields(n, "mitigation", []string{"id", "name", "effect", "acts", "why", "terms", "outsidersOnly", "links"}, "id", "effect", "acts", "why")
		if !ok {
			continue
		}
		what := "mitigation " + v["id"]
		if !mitPattern.MatchString(v["id"]) {
			p.fail(nodes["id"], "%s: not a mitigation id (AML.M0000)", what)
		}
		if s.Mitigations[v["id"]] != nil {
			p.fail(nodes["id"], "%s: listed twice; keep one entry", what)
		}
		ms := &MitigationSemantics{ID: v["id"], Name: v["name"], Effect: Effect(v["effect"]), Acts: Acts(v["acts"]), Why: v["why"], Links: map[string]LinkSemantics{}, Pos: posOf(n)}
		if tn := nodes["terms"]; tn != nil {
			if tn.Kind != yaml.SequenceNode {
				p.fail(tn, "%s: terms: expected a list", what)
			}
			for _, x := range tn.Content {
				ms.Terms = append(ms.Terms, x.Value)
			}
		}
		switch v["outsidersOnly"] {
		case "", "false":
		case "true":
			ms.OutsidersOnly = true
		case "downstream":
			ms.OutsidersOnly, ms.OutsidersDownstream = true, true
		default:
			p.fail(nodes["outsidersOnly"], "%s: outsidersOnly is true, downstream or false", what)
		}
		p.effect(nodes["effect"], what, ms.Effect)
		switch ms.Acts {
		case ActsSystem, ActsPeople, ActsPublication:
		default:
			p.fail(nodes["acts"], "%s: acts %q; use system, people or publication", what, ms.Acts)
		}
		if ln := nodes["links"]; ln != nil {
			if ln.Kind != yaml.SequenceNode {
				p.fail(ln, "%s: links: expected a list", what)
			} else {
				for _, l := range ln.Content {
					lv, lnodes, ok := p.fields(l, what+" link", []string{"technique", "effect", "why", "modalities"}, "technique", "effect", "why")
					if !ok {
						continue
					}
					lwhat := what + " link " + lv["technique"]
					if !techPattern.MatchString(lv["technique"]) {
						p.fail(lnodes["technique"], "%s: not a technique id (AML.T0000 or AML.T0000.000)", lwhat)
					}
					if _, dup := ms.Links[lv["technique"]]; dup {
						p.fail(lnodes["technique"], "%s: listed twice; keep one entry", lwhat)
					}
					p.effect(lnodes["effect"], lwhat, Effect(lv["effect"]))
					ls := LinkSemantics{Effect: Effect(lv["effect"]), Why: lv["why"], Pos: posOf(l)}
					if mn := lnodes["modalities"]; mn != nil {
						if mn.Kind != yaml.SequenceNode {
							p.fail(mn, "%s: modalities: expected a list", lwhat)
						}
						modality, _ := PropertyOf("modality")
						for _, x := range mn.Content {
							if !slices.Contains(modality.Values, x.Value) {
								p.fail(x, "%s: modality %q; use %s", lwhat, x.Value, strings.Join(modality.Values, ", "))
							}
							ls.Modalities = append(ls.Modalities, x.Value)
						}
					}
					ms.Links[lv["technique"]] = ls
				}
			}
		}
		s.Mitigations[ms.ID] = ms
	}
}

func (p *semParser) effect(n *yaml.Node, what string, e Effect) {
	switch e {
	case EffectPrevent, EffectDetect, EffectRespond:
		return
	}
	p.fail(n, "%s: effect %q; use prevent, detect or respond", what, e)
}

func (s *Semantics) readPlacement(p *semParser, top *yaml.Node) {
	_, nodes, _ := p.fields(top, "top level", []string{"tactics", "techniques"}, "tactics", "techniques")
	for _, key := range []string{"tactics", "techniques"} {
		ln := nodes[key]
		if ln == nil {
			continue
		}
		if ln.Kind != yaml.SequenceNode {
			p.fail(ln, "%s: expected a list", key)
			continue
		}
		idKey := strings.TrimSuffix(key, "s")
		for _, n := range ln.Content {
			v, fn, ok := p.fields(n, idKey, []string{idKey, "side", "why"}, idKey, "side", "why")
			if !ok {
				continue
			}
			what := idKey + " " + v[idKey]
			side, ok := p.side(fn["side"], what, v["side"])
			if !ok {
				continue
			}
			target, pattern := s.Techniques, techPattern
			if key == "tactics" {
				target, pattern = s.Tactics, tacticPattern
			}
			if !pattern.MatchString(v[idKey]) {
				p.fail(fn[idKey], "%s: not a %s id", what, idKey)
			}
			if _, dup := target[v[idKey]]; dup {
				p.fail(fn[idKey], "%s: listed twice; keep one entry", what)
			}
			target[v[idKey]] = SideEntry{Side: side, Why: v["why"], Pos: posOf(n)}
		}
	}
}

func (s *Semantics) readSteps(p *semParser, top *yaml.Node) {
	for _, n := range p.list(top, "steps") {
		v, fn, ok := p.fields(n, "step", []string{"caseStudy", "step", "technique", "side", "why"}, "caseStudy", "step", "technique", "side", "why")
		if !ok {
			continue
		}
		what := "step " + v["caseStudy"] + "/" + v["step"]
		side, ok := p.side(fn["side"], what, v["side"])
		if !ok {
			continue
		}
		if !techPattern.MatchString(v["technique"]) {
			p.fail(fn["technique"], "%s: not a technique id", what)
		}
		k := StepKey{v["caseStudy"], v["step"]}
		if _, dup := s.Steps[k]; dup {
			p.fail(fn["step"], "%s: listed twice; keep one entry", what)
		}
		s.Steps[k] = StepSide{Technique: v["technique"], SideEntry: SideEntry{Side: side, Why: v["why"], Pos: posOf(n)}}
	}
}

// linkActsOn reports whether the link acts on component c at all. An
// access control does not stop what an admitted user does on a component
// the public uses; one on using a component (OutsidersDownstream) neither
// on a component outsiders reach through others (reached: a public
// component or an external party feeds it, directly or through others;
// see [Model.reachedByOutsiders]). A link limited to some modalities does not
// act on a component of another (a component that gives no modality is
// taken as text). A nil component is the organisation: only links without
// a modality act on it.
func linkActsOn(l LinkEffect, c *Component, reached bool) bool {
	if c == nil { // the organisation
		return len(l.Modalities) == 0
	}
	if l.OutsidersOnly && (public(c) || l.OutsidersDownstream && reached) {
		return false
	}
	if len(l.Modalities) > 0 {
		m := c.Properties["modality"].Text
		if m == "" {
			m = "text"
		}
		return slices.Contains(l.Modalities, m)
	}
	return true
}

// public reports whether outsiders use c directly: it is internet-facing,
// takes outsiders' content or needs no account (an external party is all
// of these).
func public(c *Component) bool {
	return c.Flag("internetFacing") || c.Flag("acceptsUntrustedContent") || c.Flag("unauthenticated")
}

// reachedByOutsiders returns the components outsiders reach: the public
// ones and every component downstream of one through flows (content a
// public chat takes in reaches the backend, the retriever and the model
// behind it; a channel anyone may post in reaches the index built from it).
// Access controls on using such a component admit them; see [linkActsOn].
func (m *Model) reachedByOutsiders() map[string]bool {
	out := map[string][]string{}
	for _, f := range m.Flows {
		out[f.From] = append(out[f.From], f.To)
	}
	reached := map[string]bool{}
	var queue []string
	for i := range m.Components {
		if c := &m.Components[i]; public(c) {
			reached[c.ID] = true
			queue = append(queue, c.ID)
		}
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range out[v] {
			if !reached[w] {
				reached[w] = true
				queue = append(queue, w)
			}
		}
	}
	return reached
}

// Cuts reports whether the link cuts a step on side: a prevent link (or,
// with countDetection, a detect link) of a mitigation acting on the system,
// at a step on the defender's side or either.
func linkCuts(l LinkEffect, side Side, countDetection bool) bool {
	if l.Acts != ActsSystem || side == SideAttacker {
		return false
	}
	return l.Effect == EffectPrevent || (countDetection && l.Effect == EffectDetect)
}

// Link returns the effect of the release's link from mitigation m to
// technique t: the direct link's entry, or else the parent technique's link
// (ViaParent set). ok is false when the release maps m to neither. A link or
// mitigation without a curated entry has effect unclassified.
func (s *Semantics) Link(rel *ReleaseLinks, m, t string) (LinkEffect, bool) {
	via := ""
	text, ok := rel.text(m, t)
	if !ok {
		p := rel.Parent[t]
		if p == "" {
			return LinkEffect{}, false
		}
		if text, ok = rel.text(m, p); !ok {
			return LinkEffect{}, false
		}
		via = p
	}
	le := LinkEffect{Mitigation: m, Technique: t, ViaParent: via, Effect: EffectUnclassified, Why: firstLine(text)}
	ms := s.Mitigations[m]
	if ms == nil {
		return le, true
	}
	le.Acts, le.OutsidersOnly, le.OutsidersDownstream = ms.Acts, ms.OutsidersOnly, ms.OutsidersDownstream
	key := t
	if via != "" {
		key = via
	}
	if ls, ok := ms.Links[key]; ok {
		le.Effect, le.Why, le.Modalities = ls.Effect, ls.Why, ls.Modalities
	}
	return le, true
}

// Side returns where a technique's steps happen, with why: its own entry,
// its parent's, or its tactics (attacker when every tactic is an attacker
// one).
func (s *Semantics) Side(rel *ReleaseLinks, t string) SideEntry {
	if e, ok := s.Techniques[t]; ok {
		return e
	}
	if p := rel.Parent[t]; p != "" {
		if e, ok := s.Techniques[p]; ok {
			return e
		}
	}
	tactics := rel.Tactics[t]
	if len(tactics) == 0 {
		return SideEntry{Side: SideDefender, Why: "No tactic places it on the adversary's side."}
	}
	var why []string
	for _, ta := range tactics {
		e, ok := s.Tactics[ta]
		if !ok || e.Side != SideAttacker {
			return SideEntry{Side: SideDefender, Why: "It achieves a tactic played out on the defended system."}
		}
		why = append(why, e.Why)
	}
	return SideEntry{Side: SideAttacker, Why: why[0]}
}

// StepSide returns where a case-study step happens: the step's own entry
// while it still uses the technique named there, else its technique's side.
func (s *Semantics) StepSide(rel *ReleaseLinks, caseStudy, step, technique string) SideEntry {
	if e, ok := s.Steps[StepKey{caseStudy, step}]; ok && e.Technique == technique {
		return e.SideEntry
	}
	return s.Side(rel, technique)
}

// Unclassified lists, sorted, the mitigations ("AML.M0000") and links
// ("AML.M0000 -> AML.T0000") of a release that the curated data has no entry
// for: they never cut, and reports warn about them.
func (s *Semantics) Unclassified(rel *ReleaseLinks) []string {
	var out []string
	for _, m := range rel.Mitigations {
		ms := s.Mitigations[m]
		if ms == nil {
			out = append(out, m)
			continue
		}
		for _, t := range sortedKeys(rel.Links[m]) {
			if _, ok := ms.Links[t]; !ok {
				out = append(out, m+" -> "+t)
			}
		}
	}
	slices.Sort(out)
	return out
}

// PreventOnly returns, for every mitigation of the release, the techniques
// it cuts under the threat-model rule: prevent links (direct, or through a
// parent technique) of mitigations acting on the system, at techniques not
// on the adversary's side. It is the Mitigates map an analysis with
// preventOnly uses in place of the release's literal links. It does not
// look at case-study steps' own sides, and, having no system to look at,
// keeps links that act only on some components (access controls,
// modality-limited links).
func (s *Semantics) PreventOnly(rel *ReleaseLinks) map[string][]string {
	out := make(map[string][]string, len(rel.Mitigations))
	for _, m := range rel.Mitigations {
		out[m] = []string{}
	}
	for _, t := range rel.TechniqueIDs {
		side := s.Side(rel, t).Side
		for _, m := range rel.Mitigations {
			if le, ok := s.Link(rel, m, t); ok && linkCuts(le, side, false) {
				out[m] = append(out[m], t)
			}
		}
	}
	return out
}

// ReleaseLinks is what the semantics need from a release: its mitigations'
// links with their text, techniques' parents and tactics.
type ReleaseLinks struct {
	Version      string
	Mitigations  []string                     // sorted
	TechniqueIDs []string                     // sorted
	Links        map[string]map[string]string // mitigation -> technique -> text
	Parent       map[string]string
	Tactics      map[string][]string
	Names        map[string]string // mitigation -> name
}

// LinksOf indexes a release's links for [Semantics].
func LinksOf(rel *atlas.Release) *ReleaseLinks {
	r := &ReleaseLinks{Version: rel.Version, Links: map[string]map[string]string{}, Parent: map[string]string{}, Tactics: map[string][]string{}, Names: map[string]string{}}
	for _, m := range rel.Mitigations {
		r.Mitigations = append(r.Mitigations, m.ID)
		r.Names[m.ID] = m.Name
		r.Links[m.ID] = map[string]string{}
		for _, l := range m.Mitigates {
			r.Links[m.ID][l.Technique] = l.Description
		}
	}
	for _, t := range rel.Techniques {
		r.TechniqueIDs = append(r.TechniqueIDs, t.ID)
		if t.Parent != "" {
			r.Parent[t.ID] = t.Parent
		}
		r.Tactics[t.ID] = t.Tactics
	}
	slices.Sort(r.Mitigations)
	slices.Sort(r.TechniqueIDs)
	return r
}

func (r *ReleaseLinks) text(m, t string) (string, bool) {
	s, ok := r.Links[m][t]
	return s, ok
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// FindMitigations returns the ids of the mitigations whose curated terms,
// name or rationale contain every word of query (case-insensitive), sorted:
// "input filtering" finds Generative AI Guardrails. It is what a search by
// what a mitigation does reads; the mitigation's effect is in
// Mitigations[id].Effect.
func (s *Semantics) FindMitigations(query string) []string {
	words := strings.Fields(strings.ToLower(query))
	if len(words) == 0 {
		return nil
	}
	var out []string
	for id, ms := range s.Mitigations {
		text := strings.ToLower(strings.Join(append([]string{ms.Name, ms.Why}, ms.Terms...), " | "))
		all := true
		for _, w := range words {
			all = all && strings.Contains(text, w)
		}
		if all {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
