package main

import (
	"bytes"
	"fmt"
	"os"
	"sort"

	"go.yaml.in/yaml/v3"
)

// Effects and sides of labels.yaml.
const (
	effectPrevent     = "prevent"
	effectDetect      = "detect"
	effectRespond     = "respond"
	effectPeople      = "people"
	effectPublication = "publication"
	effectIndirect    = "indirect"

	sideAttacker = "attacker"
	sideDefender = "defender"
	sideEither   = "either"
)

type labelsFile struct {
	Mitigations []struct {
		ID     string `yaml:"id"`
		Effect string `yaml:"effect"`
		Reason string `yaml:"reason"`
	} `yaml:"mitigations"`
	Links []struct {
		Mitigation string `yaml:"mitigation"`
		Technique  string `yaml:"technique"`
		Effect     string `yaml:"effect"`
		Reason     string `yaml:"reason"`
		OnlyIf     *when  `yaml:"onlyIf"`
		Unless     *when  `yaml:"unless"`
	} `yaml:"links"`
	Tactics []struct {
		ID     string `yaml:"id"`
		Side   string `yaml:"side"`
		Reason string `yaml:"reason"`
	} `yaml:"tactics"`
	Techniques []struct {
		ID     string `yaml:"id"`
		Side   string `yaml:"side"`
		Reason string `yaml:"reason"`
	} `yaml:"techniques"`
}

// when names modalities and boolean properties of a model's components. A
// link label's onlyIf holds its effect to systems having one of them, its
// unless to systems having none; elsewhere the link is indirect.
type when struct {
	Modalities []string `yaml:"modalities"`
	Properties []string `yaml:"properties"`
}

func (w *when) holds(f facts) bool {
	if w == nil {
		return true
	}
	for _, m := range w.Modalities {
		if f.modalities[m] {
			return true
		}
	}
	for _, p := range w.Properties {
		if f.properties[p] {
			return true
		}
	}
	return false
}

// linkLabel is the judge's effect for one (mitigation, technique) link.
type linkLabel struct {
	effect         string
	onlyIf, unless *when
}

// applies reports whether the label's effect holds on a system with facts f.
func (l linkLabel) applies(f facts) bool {
	return l.onlyIf.holds(f) && (l.unless == nil || !l.unless.holds(f))
}

// judge decides, with its own labels, whether a set of mitigations truly
// cuts a case study's procedure.
type judge struct {
	rel              *release
	mitigationEffect map[string]string
	linkEffect       map[[2]string]linkLabel
	tacticSide       map[string]string
	techniqueSide    map[string]string
}

func readJudge(path string, rel *release) (*judge, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the judge's labels: %w", err)
	}
	return parseJudge(path, data, rel)
}

// parseJudge reads labels and checks every id against the release and every
// effect and side against the vocabulary, so a label cannot silently miss.
func parseJudge(path string, data []byte, rel *release) (*judge, error) {
	var f labelsFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	j := &judge{rel: rel, mitigationEffect: map[string]string{}, linkEffect: map[[2]string]linkLabel{},
		tacticSide: map[string]string{}, techniqueSide: map[string]string{}}
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	effects := map[string]bool{effectPrevent: true, effectDetect: true, effectRespond: true, effectPeople: true, effectPublication: true, effectIndirect: true}
	sides := map[string]bool{sideAttacker: true, sideDefender: true, sideEither: true}
	for _, m := range f.Mitigations {
		switch {
		case rel.mitigations[m.ID] == "":
			bad("mitigation %q is not in ATLAS %s", m.ID, rel.version)
		case !effects[m.Effect]:
			bad("mitigation %s: effect %q is not one of prevent, detect, respond, people, publication", m.ID, m.Effect)
		case m.Reason == "":
			bad("mitigation %s has no reason", m.ID)
		}
		j.mitigationEffect[m.ID] = m.Effect
	}
	for _, l := range f.Links {
		switch {
		case !rel.mitigates[l.Mitigation][l.Technique] && !rel.mitigates[l.Mitigation][parent(l.Technique)]:
			bad("link %s -> %s is not a mitigates link of ATLAS %s, neither to the technique nor to its parent", l.Mitigation, l.Technique, rel.version)
		case !effects[l.Effect]:
			bad("link %s -> %s: effect %q is not one of prevent, detect, respond, people, publication", l.Mitigation, l.Technique, l.Effect)
		case l.Reason == "":
			bad("link %s -> %s has no reason", l.Mitigation, l.Technique)
		}
		j.linkEffect[[2]string{l.Mitigation, l.Technique}] = linkLabel{l.Effect, l.OnlyIf, l.Unless}
	}
	for _, t := range f.Tactics {
		if !sides[t.Side] || t.Reason == "" {
			bad("tactic %s: side %q must be attacker, defender or either, with a reason", t.ID, t.Side)
		}
		j.tacticSide[t.ID] = t.Side
	}
	for _, t := range f.Techniques {
		switch {
		case rel.techniques[t.ID] == "":
			bad("technique %q is not in ATLAS %s", t.ID, rel.version)
		case !sides[t.Side] || t.Reason == "":
			bad("technique %s: side %q must be attacker, defender or either, with a reason", t.ID, t.Side)
		}
		j.techniqueSide[t.ID] = t.Side
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: %d problems: %v; fix the labels", path, len(problems), problems)
	}
	return j, nil
}

// side says where a step happens: the technique's label, else its tactic's,
// else the defender's side.
func (j *judge) side(s step) string {
	if v, ok := j.techniqueSide[s.technique]; ok {
		return v
	}
	if v, ok := j.techniqueSide[parent(s.technique)]; ok {
		return v
	}
	if v, ok := j.tacticSide[s.tactic]; ok {
		return v
	}
	return sideDefender
}

// effect returns what mitigation m does to technique t on a system with
// facts f, and false when the release links m neither to t nor to t's
// parent. A label on the sub-technique itself wins over its parent's.
func (j *judge) effect(m, t string, f facts) (string, bool) {
	if !j.rel.mitigates[m][t] && (parent(t) == "" || !j.rel.mitigates[m][parent(t)]) {
		return "", false
	}
	for _, tt := range []string{t, parent(t)} {
		if tt == "" {
			continue
		}
		if l, ok := j.linkEffect[[2]string{m, tt}]; ok {
			if !l.applies(f) {
				return effectIndirect, true
			}
			return l.effect, true
		}
	}
	if e, ok := j.mitigationEffect[m]; ok {
		return e, true
	}
	return effectPrevent, true
}

// nonPreventing reports whether the judge labels mitigation m as never
// preventing (detect, respond, people or publication for all its links).
func (j *judge) nonPreventing(m string) bool {
	e, ok := j.mitigationEffect[m]
	return ok && e != effectPrevent
}

// cutters returns the mitigations of set that cut step s, sorted.
func (j *judge) cutters(s step, set map[string]bool, f facts) []string {
	if j.side(s) == sideAttacker {
		return nil
	}
	var out []string
	for m := range set {
		if e, ok := j.effect(m, s.technique, f); ok && e == effectPrevent {
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}

// cutResult says whether a set of mitigations cuts every route of a
// procedure, and at which steps.
type cutResult struct {
	Cut bool `json:"cut"`
	// CutSteps lists the cut steps as "S03 AML.T0051.000 by AML.M0020".
	CutSteps []string `json:"cutSteps"`
	// OpenRoute, when not cut, is one route of uncut steps (technique ids).
	OpenRoute []string `json:"openRoute"`
}

// cut judges a set of mitigations against a case study. A route is a path
// from a step nothing leads to to a step that leads nowhere; every route
// must hold a cut step.
func (j *judge) cut(cs *caseStudy, set map[string]bool, f facts) cutResult {
	res := cutResult{CutSteps: []string{}, OpenRoute: []string{}}
	if len(cs.steps) == 0 {
		return res
	}
	isCut := map[string]bool{}
	byID := map[string]step{}
	incoming := map[string]bool{}
	for _, s := range cs.steps {
		byID[s.id] = s
		for _, n := range s.next {
			incoming[n] = true
		}
		if c := j.cutters(s, set, f); len(c) > 0 {
			isCut[s.id] = true
			res.CutSteps = append(res.CutSteps, fmt.Sprintf("%s %s by %v", s.id, s.technique, c))
		}
	}
	var route []string
	visiting := map[string]bool{}
	var open func(id string) bool
	open = func(id string) bool {
		s, ok := byID[id]
		if !ok || isCut[id] || visiting[id] {
			return false
		}
		visiting[id] = true
		defer delete(visiting, id)
		route = append(route, s.technique)
		sink := true
		for _, n := range s.next {
			if _, known := byID[n]; known {
				sink = false
			}
			if open(n) {
				return true
			}
		}
		if sink {
			return true
		}
		route = route[:len(route)-1]
		return false
	}
	for _, s := range cs.steps {
		if !incoming[s.id] && open(s.id) {
			res.OpenRoute = route
			return res
		}
	}
	res.Cut = true
	return res
}

// allMitigations is every mitigation of the release, to tell which case
// studies nothing can cut.
func (j *judge) allMitigations() map[string]bool {
	all := map[string]bool{}
	for m := range j.rel.mitigations {
		all[m] = true
	}
	return all
}
