package threatmodel

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/atlasgraph/atlasgraph/codescan"
)

// SARIFOptions say where the model file is for code scanning.
type SARIFOptions struct {
	// Version is atlasgraph's version, made one line.
	Version string
	// Root is the source root the model's URI is relative to; nil writes
	// the model's path as given, without a base id.
	Root *codescan.Root
	// URI is the model file's URI relative to Root.
	URI string
}

// SARIF turns a report into a SARIF 2.1.0 log with no source root: the
// model's URI is its path as given. The command line uses SARIFWith.
func SARIF(m *Model, r *Report) any {
	return SARIFWith(m, r, SARIFOptions{})
}

// SARIFWith turns a report into a SARIF 2.1.0 log for code-scanning tools:
// one result per residual or accepted technique on each component where no
// implemented control covers it (accepted ones carry a suppression), one per
// incident the controls do not break, each pointing at the component's line
// in the model file. Every rule carries help (the technique, why it applies
// here, the mitigations that stop it) and every result a fingerprint made
// of the rule, the model file and the component or case study.
func SARIFWith(m *Model, r *Report, o SARIFOptions) *codescan.Log {
	uri := o.URI
	if uri == "" {
		uri = m.Source
	}
	if uri == "" {
		uri = "threatmodel.yaml"
	}
	baseID := ""
	if o.Root != nil {
		baseID = codescan.RootID
	}
	loc := func(p Pos) []codescan.Location {
		l := codescan.Location{PhysicalLocation: codescan.PhysicalLocation{ArtifactLocation: codescan.ArtifactLocation{URI: uri, URIBaseID: baseID}}}
		l.PhysicalLocation.Region = &codescan.Region{StartLine: max(p.Line, 1), StartColumn: p.Col}
		return []codescan.Location{l}
	}
	compPos := map[string]Pos{Organisation: {Line: 1, Col: 1}} // organisation-level: the model as a whole
	compName := map[string]string{Organisation: "the organisation"}
	for _, c := range m.Components {
		compPos[c.ID] = c.Pos
		compName[c.ID] = c.Name
	}
	accepted := map[string]AcceptedRiskStatus{}
	for _, a := range r.AcceptedRisks {
		accepted[a.Technique] = a
	}
	mitName := map[string]string{}
	for _, rec := range r.RecommendedMitigations {
		mitName[rec.ID] = rec.Name
	}
	log := codescan.NewLog(o.Version, o.Root)
	for _, a := range r.ApplicableTechniques {
		if a.Status == StatusMitigated {
			continue
		}
		log.AddRule(techniqueRule(a, compName, mitName))
		for _, c := range a.Uncontrolled {
			var why []string
			for _, e := range a.Evidence {
				if e.Component == c {
					why = append(why, e.Rule)
				}
			}
			res := codescan.Result{
				RuleID: a.ID, Level: "warning",
				Message:             codescan.Message{Text: fmt.Sprintf("%s %s applies to component %s (rules %s) and no implemented control covers it there; mitigations: %s", a.ID, a.Name, c, strings.Join(why, ", "), list(a.Mitigations))},
				Locations:           loc(compPos[c]),
				PartialFingerprints: map[string]string{codescan.FingerprintKey: codescan.Fingerprint(a.ID, uri, "component", c)},
				Properties:          map[string]any{"release": r.Release, "component": c, "rules": why},
			}
			if a.Status == StatusAccepted {
				ar := accepted[a.ID]
				res.Suppressions = []codescan.Suppression{{Kind: "external", Justification: fmt.Sprintf("accepted by %s until %s: %s", ar.Owner, ar.Expires, ar.Reason)}}
			}
			log.Add(res)
		}
	}
	for _, i := range r.Incidents {
		if i.Broken {
			continue
		}
		log.AddRule(incidentRule(i, r, mitName))
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
		res := codescan.Result{
			RuleID: i.CaseStudy, Level: level,
			Message:             codescan.Message{Text: text},
			Locations:           loc(p),
			PartialFingerprints: map[string]string{codescan.FingerprintKey: codescan.Fingerprint(i.CaseStudy, uri, "incident")},
			Properties:          map[string]any{"release": r.Release, "caseStudy": i.CaseStudy, "match": i.Match},
		}
		if i.Accepted {
			res.Suppressions = []codescan.Suppression{{Kind: "external", Justification: "accepted risks cut every open route"}}
		}
		log.Add(res)
	}
	log.Runs[0].Properties = map[string]any{"release": r.Release, "asOf": r.AsOf}
	return log
}

// mitigationList names mitigations as "AML.M0015 Adversarial Input
// Detection" where the report knows the name, as Markdown links when md.
func mitigationList(ids []string, names map[string]string, md bool) string {
	if len(ids) == 0 {
		return "none in this ATLAS release"
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		text := strings.TrimSpace(id + " " + names[id])
		if md {
			text = fmt.Sprintf("[%s](https://atlas.mitre.org/mitigations/%s)", text, id)
		}
		out[i] = text
	}
	return strings.Join(out, ", ")
}

// techniqueRule is the rule of a technique: what it is, why it applies to
// this model (the rules and rationale per component), and the mitigations
// that stop it.
func techniqueRule(a ApplicableTechnique, compName, mitName map[string]string) codescan.Rule {
	title := a.ID + " " + a.Name
	var why, whyMD []string
	for _, e := range a.Evidence {
		if e.Component == "" {
			continue
		}
		line := fmt.Sprintf("component %s (%s): rule %s", e.Component, compName[e.Component], e.Rule)
		if e.Rationale != "" {
			line += ": " + e.Rationale
		}
		why = append(why, line)
		whyMD = append(whyMD, "- "+line)
	}
	sort.Strings(why)
	sort.Strings(whyMD)
	tactics := list(a.Tactics)
	full := fmt.Sprintf("MITRE ATLAS technique %s (tactics %s) applies to this system: %s. Mitigations that stop it: %s.",
		title, tactics, strings.Join(why, "; "), mitigationList(a.Mitigations, mitName, false))
	md := fmt.Sprintf("**[%s](https://atlas.mitre.org/techniques/%s)**, MITRE ATLAS technique of tactics %s.\n\n"+
		"**Why it applies here**\n\n%s\n\n**Mitigations that stop it**\n\n%s: implement one of them as a control on each component listed above "+
		"(in the model's `controls`, status `implemented`, scoped to the component), or record an accepted risk with an owner and an expiry date.\n",
		title, a.ID, tactics, strings.Join(whyMD, "\n"), mitigationList(a.Mitigations, mitName, true))
	return codescan.Rule{
		ID: a.ID, Name: sarifName(a.Name),
		ShortDescription:     codescan.Message{Text: title},
		FullDescription:      codescan.Message{Text: full},
		Help:                 codescan.Help{Text: full, Markdown: md},
		HelpURI:              "https://atlas.mitre.org/techniques/" + a.ID,
		DefaultConfiguration: &codescan.Configuration{Level: "warning"},
		Properties:           map[string]any{"tags": append([]string{"security", "mitre-atlas"}, a.Tactics...), "precision": "medium"},
	}
}

// incidentRule is the rule of a case study that could happen here.
func incidentRule(i Incident, r *Report, mitName map[string]string) codescan.Rule {
	title := i.CaseStudy + " " + i.Name
	var mits []string
	seen := map[string]bool{}
	for _, a := range r.ApplicableTechniques {
		for _, t := range i.OpenRoute {
			if a.ID == t {
				for _, m := range a.Mitigations {
					if !seen[m] {
						seen[m] = true
						mits = append(mits, m)
					}
				}
			}
		}
	}
	sort.Strings(mits)
	full := fmt.Sprintf("MITRE ATLAS case study %s: every step of this real attack uses a technique that applies to this system, and no implemented control breaks the route %s. Mitigations of the route's techniques that would break it: %s.",
		title, strings.Join(i.OpenRoute, " -> "), mitigationList(mits, mitName, false))
	md := fmt.Sprintf("**[%s](https://atlas.mitre.org/studies/%s)**, a MITRE ATLAS case study.\n\n**Why it applies here**\n\nEvery step of this attack uses a technique that applies to this system; "+
		"no implemented control breaks the route %s.\n\n**Mitigations that stop it**\n\n%s: one implemented control on a step of the route breaks it.\n",
		title, i.CaseStudy, strings.Join(i.OpenRoute, " → "), mitigationList(mits, mitName, true))
	return codescan.Rule{
		ID: i.CaseStudy, Name: sarifName(i.Name),
		ShortDescription:     codescan.Message{Text: title},
		FullDescription:      codescan.Message{Text: full},
		Help:                 codescan.Help{Text: full, Markdown: md},
		HelpURI:              "https://atlas.mitre.org/studies/" + i.CaseStudy,
		DefaultConfiguration: &codescan.Configuration{Level: "error"},
		Properties:           map[string]any{"tags": []string{"security", "mitre-atlas", "incident"}, "precision": "medium"},
	}
}

// sarifName makes a PascalCase rule name from a technique name.
func sarifName(s string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// RenderSARIF writes SARIFWith's log as indented JSON.
func RenderSARIF(m *Model, r *Report, o SARIFOptions) ([]byte, error) {
	return marshal(SARIFWith(m, r, o))
}
