package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// release is what the judge needs of an ATLAS release file, read on its own
// (not through the engine's loader) so that the judge does not share the
// engine's reading of the data.
type release struct {
	version     string
	techniques  map[string]string // id -> name
	mitigations map[string]string // id -> name
	// mitigates holds every (mitigation, technique) link of the release.
	mitigates   map[string]map[string]bool
	caseStudies map[string]*caseStudy
}

// caseStudy is one case study's procedure: its steps and the links between
// them, in step-id order.
type caseStudy struct {
	id, name string
	steps    []step
}

// step is one step of a procedure.
type step struct {
	id        string // S00 ...
	technique string
	tactic    string
	next      []string // step ids this step leads to
}

// techniques returns the distinct techniques of the procedure, sorted.
func (cs *caseStudy) techniques() []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range cs.steps {
		if !seen[s.technique] {
			seen[s.technique] = true
			out = append(out, s.technique)
		}
	}
	sort.Strings(out)
	return out
}

type rawRelation struct {
	Source  string   `yaml:"source"`
	Target  string   `yaml:"target"`
	Tactic  string   `yaml:"tactic"`
	StepID  string   `yaml:"step-id"`
	LeadsTo []string `yaml:"leads-to"`
}

type rawRelease struct {
	Collection struct {
		Version string `yaml:"version"`
	} `yaml:"collection"`
	Techniques map[string]struct {
		Name string `yaml:"name"`
	} `yaml:"techniques"`
	Mitigations map[string]struct {
		Name string `yaml:"name"`
	} `yaml:"mitigations"`
	CaseStudies map[string]struct {
		Name string `yaml:"name"`
	} `yaml:"case-studies"`
	Relationships map[string]map[string][]rawRelation `yaml:"relationships"`
}

// readRelease reads an ATLAS release file of format 6 (techniques,
// mitigations and case studies keyed by id, relationships keyed by source).
func readRelease(path string) (*release, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the ATLAS release: %w", err)
	}
	return parseRelease(path, data)
}

func parseRelease(path string, data []byte) (*release, error) {
	var raw rawRelease
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: not an ATLAS release of format 6: %w", path, err)
	}
	if len(raw.Techniques) == 0 || len(raw.CaseStudies) == 0 {
		return nil, fmt.Errorf("%s: no techniques or no case studies: is this an ATLAS release of format 6?", path)
	}
	r := &release{
		version:     raw.Collection.Version,
		techniques:  map[string]string{},
		mitigations: map[string]string{},
		mitigates:   map[string]map[string]bool{},
		caseStudies: map[string]*caseStudy{},
	}
	for id, t := range raw.Techniques {
		r.techniques[id] = t.Name
	}
	for id, m := range raw.Mitigations {
		r.mitigations[id] = m.Name
	}
	for id, c := range raw.CaseStudies {
		r.caseStudies[id] = &caseStudy{id: id, name: c.Name}
	}
	for source, kinds := range raw.Relationships {
		for _, l := range kinds["mitigates"] {
			if r.mitigates[source] == nil {
				r.mitigates[source] = map[string]bool{}
			}
			r.mitigates[source][l.Target] = true
		}
		cs := r.caseStudies[source]
		if cs == nil {
			continue
		}
		for i, l := range kinds["employs"] {
			id := l.StepID
			if id == "" {
				id = fmt.Sprintf("S%02d", i)
			}
			cs.steps = append(cs.steps, step{id: id, technique: l.Target, tactic: l.Tactic, next: l.LeadsTo})
		}
	}
	for _, cs := range r.caseStudies {
		sort.SliceStable(cs.steps, func(i, j int) bool { return cs.steps[i].id < cs.steps[j].id })
		linked := false
		for _, s := range cs.steps {
			linked = linked || len(s.next) > 0
		}
		if !linked { // no leads-to at all: the steps form one chain in step order
			for i := 0; i+1 < len(cs.steps); i++ {
				cs.steps[i].next = []string{cs.steps[i+1].id}
			}
		}
	}
	return r, nil
}

// parent returns the parent of a sub-technique id (AML.T0051.001 ->
// AML.T0051), or "" for a technique that is not a sub-technique.
func parent(technique string) string {
	if i := strings.LastIndexByte(technique, '.'); i > len("AML.T") && strings.Count(technique, ".") == 2 {
		return technique[:i]
	}
	return ""
}
