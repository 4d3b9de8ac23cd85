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
	_, err := io.WriteString(w, b.String())
	return err
}
