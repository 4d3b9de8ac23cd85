package navigator

import (
	"fmt"
	"sort"
	"strings"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// Colours of a diff layer, with their legend labels.
const (
	DiffAddedColor   = "#31a354" // green
	DiffChangedColor = "#fdae6b" // orange
	DiffRetiredColor = "#de2d26" // red
)

// DiffLayer draws a diff as a Navigator layer of the newer release:
// techniques added (green), changed (orange: renamed, moved tactic,
// maturity, mitigation links) and retired (red), each with a comment
// saying what changed. Retired techniques are not in the newer matrix, so
// the Navigator shows them only if the layer is opened on the older
// release; they are also listed in the layer's description.
func DiffLayer(d atlas.Diff) *Layer {
	var retired []string
	for _, r := range d.Retired {
		if r.Kind == "technique" {
			retired = append(retired, r.ID)
		}
	}
	desc := fmt.Sprintf("What changed in the ATLAS techniques from %s to %s: added (green), changed (orange), retired (red).", d.From, d.To)
	if len(retired) > 0 {
		desc += " Retired: " + strings.Join(retired, ", ") + "."
	}
	l := New(fmt.Sprintf("ATLAS %s -> %s", d.From, d.To), desc, d.To)
	l.AddMetadata("atlas_diff_from", d.From)
	l.Legend("added", DiffAddedColor)
	l.Legend("changed", DiffChangedColor)
	l.Legend("retired", DiffRetiredColor)

	changes := map[string][]string{}
	note := func(id, s string) { changes[id] = append(changes[id], s) }
	for _, r := range d.Techniques.Renamed {
		note(r.ID, fmt.Sprintf("renamed from %q", r.From))
	}
	for _, m := range d.MovedTactic {
		note(m.ID, fmt.Sprintf("tactics %s -> %s", strings.Join(m.From, ", "), strings.Join(m.To, ", ")))
	}
	for _, m := range d.MaturityChanges {
		note(m.ID, fmt.Sprintf("maturity %s -> %s", orNone(m.From), orNone(m.To)))
	}
	added := map[string]bool{}
	for _, e := range d.Techniques.Added {
		added[e.ID] = true
	}
	for _, m := range d.MitigationLinks {
		if added[m.Technique] {
			continue
		}
		var parts []string
		if len(m.Added) > 0 {
			parts = append(parts, "new mitigations "+strings.Join(m.Added, ", "))
		}
		if len(m.Removed) > 0 {
			parts = append(parts, "no longer mitigated by "+strings.Join(m.Removed, ", "))
		}
		note(m.Technique, strings.Join(parts, "; "))
	}
	for _, e := range d.Techniques.Added {
		l.Add(Technique{ID: e.ID, Color: DiffAddedColor, Comment: "added in " + d.To,
			Metadata: []Metadata{{Name: "change", Value: "added"}}})
	}
	ids := make([]string, 0, len(changes))
	for id := range changes {
		if !added[id] {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		l.Add(Technique{ID: id, Color: DiffChangedColor, Comment: strings.Join(changes[id], "; "),
			Metadata: []Metadata{{Name: "change", Value: "changed"}}})
	}
	for _, r := range d.Retired {
		if r.Kind != "technique" {
			continue
		}
		l.Add(Technique{ID: r.ID, Color: DiffRetiredColor, Comment: fmt.Sprintf("%s, retired after %s", r.Name, d.From),
			Metadata: []Metadata{{Name: "change", Value: "retired"}}})
	}
	return l
}

// DiffLayerJSON returns DiffLayer(d) as layer-file JSON.
func DiffLayerJSON(d atlas.Diff) (string, error) {
	b, err := DiffLayer(d).JSON()
	if err != nil {
		return "", fmt.Errorf("diff layer %s -> %s: %w", d.From, d.To, err)
	}
	return string(b), nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
