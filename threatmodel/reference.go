package threatmodel

import (
	"fmt"
	"sort"
	"strings"
)

// Reference writes the taxonomy, the properties and the rules as Markdown
// tables: the reference part of docs/threatmodel.md, which a test keeps
// equal to this output.
func Reference(rs *RuleSet) string {
	var b strings.Builder
	b.WriteString("### Component kinds\n\n| kind | name | MAESTRO layer | CoSAI Risk Map components | what belongs here |\n|---|---|---|---|---|\n")
	for _, k := range Kinds() {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", k.Kind, k.Name, k.Layer, strings.Join(k.CoSAI, ", "), k.Description)
	}
	b.WriteString("\n### Properties\n\nA boolean property not given is false.\n\n| property | type | values | meaning |\n|---|---|---|---|\n")
	for _, p := range Properties() {
		vals := "true, false"
		if p.Type == TypeString {
			vals = "any text"
			if len(p.Values) > 0 {
				vals = strings.Join(p.Values, ", ")
			}
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", p.Name, p.Type, vals, p.Description)
	}
	b.WriteString("\n### Rules\n\nOne file per concern under `threatmodel/rules/`. A rule fires on a component when every part of its condition holds.\n")
	byFile := map[string][]Rule{}
	for _, r := range rs.Rules {
		byFile[r.File] = append(byFile[r.File], r)
	}
	files := make([]string, 0, len(byFile))
	for f := range byFile {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		fmt.Fprintf(&b, "\n#### `%s`\n\n| rule | fires on | techniques | rationale |\n|---|---|---|---|\n", f)
		for _, r := range byFile[f] {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.ID, r.When.describe(), strings.Join(r.Techniques, ", "), r.Rationale)
		}
	}
	if len(rs.Unmapped) > 0 {
		b.WriteString("\n#### Deliberately unmapped\n\n| technique | reason |\n|---|---|\n")
		for _, u := range rs.Unmapped {
			fmt.Fprintf(&b, "| %s | %s |\n", u.Technique, u.Reason)
		}
	} else {
		b.WriteString("\nNo technique of the release is deliberately unmapped: every one is reached by a rule.\n")
	}
	return b.String()
}

// describe renders a condition in words for the reference tables.
func (c Condition) describe() string {
	var parts []string
	if len(c.Kinds) > 0 {
		var ks []string
		for _, k := range c.Kinds {
			ks = append(ks, string(k))
		}
		parts = append(parts, "kind "+strings.Join(ks, " or "))
	}
	if len(c.All) > 0 {
		parts = append(parts, strings.Join(c.All, " and "))
	}
	if len(c.Any) > 0 {
		parts = append(parts, "any of "+strings.Join(c.Any, ", "))
	}
	if len(c.None) > 0 {
		parts = append(parts, "not "+strings.Join(c.None, ", not "))
	}
	for _, k := range sortedKeys(c.Equals) {
		parts = append(parts, k+"="+c.Equals[k])
	}
	if len(c.Modalities) > 0 {
		parts = append(parts, "modality "+strings.Join(c.Modalities, " or ")+" (or none given)")
	}
	flow := func(dir string, fc *FlowCondition) {
		if fc == nil {
			return
		}
		s := "a flow " + dir
		if len(fc.Kinds) > 0 {
			var ks []string
			for _, k := range fc.Kinds {
				ks = append(ks, string(k))
			}
			s += " " + strings.Join(ks, "/")
		}
		if fc.TrustBoundary != nil {
			if *fc.TrustBoundary {
				s += " across a trust boundary"
			} else {
				s += " inside a trust boundary"
			}
		}
		parts = append(parts, s)
	}
	flow("from", c.Inbound)
	flow("to", c.Outbound)
	along := func(dir string, uc *UpstreamCondition) {
		if uc == nil {
			return
		}
		s := "data flows " + dir + " a component"
		if len(uc.Kinds) > 0 {
			var ks []string
			for _, k := range uc.Kinds {
				ks = append(ks, string(k))
			}
			s += " of kind " + strings.Join(ks, "/")
		}
		if len(uc.Any) > 0 {
			s += " with any of " + strings.Join(uc.Any, ", ")
		}
		parts = append(parts, s)
	}
	along("from", c.Upstream)
	along("on to", c.Downstream)
	if len(parts) == 0 {
		return "every component"
	}
	return strings.Join(parts, "; ")
}
