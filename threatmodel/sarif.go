package threatmodel

import (
	"fmt"
	"slices"
	"strings"
)

// The SARIF 2.1.0 objects atlasgraph writes (a subset of the format).
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool      `json:"tool"`
		Results []sarifResult  `json:"results"`
		Props   map[string]any `json:"properties,omitempty"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID               string       `json:"id"`
		Name             string       `json:"name,omitempty"`
		ShortDescription sarifMessage `json:"shortDescription"`
		HelpURI          string       `json:"helpUri,omitempty"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID       string             `json:"ruleId"`
		Level        string             `json:"level"`
		Message      sarifMessage       `json:"message"`
		Locations    []sarifLocation    `json:"locations"`
		Suppressions []sarifSuppression `json:"suppressions,omitempty"`
		Props        map[string]any     `json:"properties,omitempty"`
	}
	sarifLocation struct {
		Physical sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		Artifact sarifArtifact `json:"artifactLocation"`
		Region   *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	sarifSuppression struct {
		Kind          string `json:"kind"`
		Justification string `json:"justification,omitempty"`
	}
)

// SARIF turns a report into a SARIF 2.1.0 log for code-scanning tools: one
// result per residual or accepted technique on each component where no
// implemented control covers it (accepted ones carry a suppression), one per
// incident the controls do not break, each pointing at the component's line
// in the model file.
func SARIF(r *Report) any {
	m := r.model
	uri := m.Source
	if uri == "" {
		uri = "threatmodel.yaml"
	}
	loc := func(p Pos) []sarifLocation {
		l := sarifLocation{Physical: sarifPhysical{Artifact: sarifArtifact{URI: uri}}}
		if p.Line > 0 {
			l.Physical.Region = &sarifRegion{StartLine: p.Line, StartColumn: p.Col}
		}
		return []sarifLocation{l}
	}
	compPos := map[string]Pos{Organisation: {Line: 1, Col: 1}} // organisation-level: the model as a whole
	for _, c := range m.Components {
		compPos[c.ID] = c.Pos
	}
	accepted := map[string]AcceptedRiskStatus{}
	for _, a := range r.AcceptedRisks {
		accepted[a.Technique] = a
	}
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "atlasgraph", InformationURI: "https://atlas.mitre.org"}}, Results: []sarifResult{}}
	rules := map[string]bool{}
	addRule := func(id, name, help string) {
		if rules[id] {
			return
		}
		rules[id] = true
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{ID: id, Name: sarifName(name), ShortDescription: sarifMessage{Text: name}, HelpURI: help})
	}
	for _, a := range r.ApplicableTechniques {
		if a.Status == StatusMitigated {
			continue
		}
		addRule(a.ID, a.Name, "https://atlas.mitre.org/techniques/"+a.ID)
		for _, c := range a.Uncontrolled {
			var why []string
			for _, e := range a.Evidence {
				if e.Component == c {
					why = append(why, e.Rule)
				}
			}
			res := sarifResult{
				RuleID: a.ID, Level: "warning",
				Message:   sarifMessage{Text: fmt.Sprintf("%s %s applies to component %s (rules %s) and no implemented control covers it there; mitigations: %s", a.ID, a.Name, c, strings.Join(why, ", "), list(a.Mitigations))},
				Locations: loc(compPos[c]),
				Props:     map[string]any{"release": r.Release, "component": c, "rules": why},
			}
			if a.Status == StatusAccepted {
				ar := accepted[a.ID]
				res.Suppressions = []sarifSuppression{{Kind: "external", Justification: fmt.Sprintf("accepted by %s until %s: %s", ar.Owner, ar.Expires, ar.Reason)}}
			}
			run.Results = append(run.Results, res)
		}
	}
	for _, i := range r.Incidents {
		if i.Broken {
			continue
		}
		addRule(i.CaseStudy, i.Name, "https://atlas.mitre.org/studies/"+i.CaseStudy)
		// The place is the first open step that applies here.
		var p Pos
		byID := map[string]*ApplicableTechnique{}
		for k := range r.ApplicableTechniques {
			byID[r.ApplicableTechniques[k].ID] = &r.ApplicableTechniques[k]
		}
		for _, t := range append(slices.Clone(i.OpenRoute), i.Techniques...) {
			if a := byID[t]; a != nil && len(a.Uncontrolled) > 0 {
				p = compPos[a.Uncontrolled[0]]
				break
			}
		}
		level, text := "error", fmt.Sprintf("incident %s (%s) could happen here: no implemented control breaks the route %s", i.CaseStudy, i.Name, strings.Join(i.OpenRoute, " -> "))
		if i.Match == MatchPartial {
			level = "note"
			text = fmt.Sprintf("near incident %s (%s): %d of its %d steps apply here and no implemented control breaks the route %s; steps that do not apply: %s", i.CaseStudy, i.Name, i.StepsApplicable, i.StepsTotal, strings.Join(i.OpenRoute, " -> "), list(i.Missing))
		}
		res := sarifResult{
			RuleID: i.CaseStudy, Level: level,
			Message:   sarifMessage{Text: text},
			Locations: loc(p),
			Props:     map[string]any{"release": r.Release, "caseStudy": i.CaseStudy, "match": i.Match},
		}
		if i.Accepted {
			res.Suppressions = []sarifSuppression{{Kind: "external", Justification: "accepted risks cut every open route"}}
		}
		run.Results = append(run.Results, res)
	}
	if run.Tool.Driver.Rules == nil {
		run.Tool.Driver.Rules = []sarifRule{}
	}
	run.Props = map[string]any{"release": r.Release, "asOf": r.AsOf}
	return sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
}

// sarifName makes a PascalCase rule name from a technique name.
func sarifName(s string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}
