package atlas

import (
	"fmt"
	"io"
	"strings"
)

// WriteDiff prints a diff for a person: one line per change, grouped by
// kind, "+" for added, "-" for removed, "~" for renamed or changed.
func WriteDiff(w io.Writer, d Diff) error {
	var b strings.Builder
	fmt.Fprintf(&b, "ATLAS %s -> %s\n", d.From, d.To)
	if d.Empty() {
		b.WriteString("no differences in objects, names or links\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	entities := func(title string, c EntityChanges) {
		if len(c.Added)+len(c.Removed)+len(c.Renamed) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s: %d added, %d removed, %d renamed\n", title, len(c.Added), len(c.Removed), len(c.Renamed))
		for _, e := range c.Added {
			fmt.Fprintf(&b, "  + %s %s\n", e.ID, e.Name)
		}
		for _, e := range c.Removed {
			fmt.Fprintf(&b, "  - %s %s\n", e.ID, e.Name)
		}
		for _, r := range c.Renamed {
			fmt.Fprintf(&b, "  ~ %s %q -> %q\n", r.ID, r.From, r.To)
		}
	}
	links := func(title string, c LinkChanges) {
		if len(c.Added)+len(c.Removed) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s links: %d added, %d removed\n", title, len(c.Added), len(c.Removed))
		for _, l := range c.Added {
			fmt.Fprintf(&b, "  + %s -> %s\n", l.From, l.To)
		}
		for _, l := range c.Removed {
			fmt.Fprintf(&b, "  - %s -> %s\n", l.From, l.To)
		}
	}
	entities("Tactics", d.Tactics)
	entities("Techniques", d.Techniques)
	entities("Mitigations", d.Mitigations)
	entities("Case studies", d.CaseStudies)
	links("Technique -> tactic (ACHIEVES)", d.Achieves)
	links("Sub-technique -> parent (SPECIALIZES)", d.Specializes)
	links("Mitigation -> technique (MITIGATES)", d.Mitigates)
	if len(d.Steps) > 0 {
		fmt.Fprintf(&b, "\nCase-study steps: %d changed\n", len(d.Steps))
		step := func(s *Step) string {
			return fmt.Sprintf("%s in %s, next [%s]", s.Technique, s.Tactic, strings.Join(s.LeadsTo, " "))
		}
		for _, c := range d.Steps {
			switch {
			case c.Before == nil:
				fmt.Fprintf(&b, "  + %s/%s %s\n", c.CaseStudy, c.StepID, step(c.After))
			case c.After == nil:
				fmt.Fprintf(&b, "  - %s/%s %s\n", c.CaseStudy, c.StepID, step(c.Before))
			default:
				fmt.Fprintf(&b, "  ~ %s/%s %s -> %s\n", c.CaseStudy, c.StepID, step(c.Before), step(c.After))
			}
		}
	}
	upgrade(&b, d)
	_, err := io.WriteString(w, b.String())
	return err
}

// upgrade prints the classified changes users re-check mappings for.
func upgrade(b *strings.Builder, d Diff) {
	if len(d.Retired)+len(d.MovedTactic)+len(d.MaturityChanges)+len(d.MitigationLinks)+len(d.CaseStudiesAdded) == 0 {
		return
	}
	b.WriteString("\nFor mappings to re-check:\n")
	for _, r := range d.Retired {
		fmt.Fprintf(b, "  retired %s %s %s\n", r.Kind, r.ID, r.Name)
	}
	for _, m := range d.MovedTactic {
		fmt.Fprintf(b, "  moved tactic %s %s: [%s] -> [%s]\n", m.ID, m.Name, strings.Join(m.From, " "), strings.Join(m.To, " "))
	}
	for _, m := range d.MaturityChanges {
		fmt.Fprintf(b, "  maturity %s %s: %s -> %s\n", m.ID, m.Name, orNone(m.From), orNone(m.To))
	}
	for _, m := range d.MitigationLinks {
		fmt.Fprintf(b, "  mitigations of %s %s:", m.Technique, m.Name)
		for _, a := range m.Added {
			fmt.Fprintf(b, " +%s", a)
		}
		for _, r := range m.Removed {
			fmt.Fprintf(b, " -%s", r)
		}
		b.WriteString("\n")
	}
	for _, c := range d.CaseStudiesAdded {
		fmt.Fprintf(b, "  new case study %s %s\n", c.ID, c.Name)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
