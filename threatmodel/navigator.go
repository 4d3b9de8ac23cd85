package threatmodel

import (
	"fmt"
	"strings"
)

// Layer colours: one per technique status.
const (
	colourResidual  = "#e74c3c"
	colourAccepted  = "#f1c40f"
	colourMitigated = "#2ecc71"
	colourPartial   = "#e67e22"
)

// The Navigator layer (format 4.5) objects written. The attack helper's
// navigator package is meant to replace these once it lands on main.
type (
	navLayer struct {
		Name        string          `json:"name"`
		Versions    navVersions     `json:"versions"`
		Domain      string          `json:"domain"`
		Description string          `json:"description"`
		Techniques  []navTechnique  `json:"techniques"`
		Gradient    navGradient     `json:"gradient"`
		LegendItems []navLegendItem `json:"legendItems"`
		Metadata    []navMetadata   `json:"metadata"`
		HideDisable bool            `json:"hideDisabled"`
	}
	navVersions struct {
		Layer     string `json:"layer"`
		Navigator string `json:"navigator"`
		Attack    string `json:"attack,omitempty"`
	}
	navTechnique struct {
		TechniqueID       string        `json:"techniqueID"`
		Color             string        `json:"color"`
		Comment           string        `json:"comment"`
		Score             int           `json:"score"`
		Enabled           bool          `json:"enabled"`
		Metadata          []navMetadata `json:"metadata"`
		ShowSubtechniques bool          `json:"showSubtechniques"`
	}
	navGradient struct {
		Colors   []string `json:"colors"`
		MinValue int      `json:"minValue"`
		MaxValue int      `json:"maxValue"`
	}
	navLegendItem struct {
		Label string `json:"label"`
		Color string `json:"color"`
	}
	navMetadata struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
)

// Navigator turns a report into an ATLAS Navigator layer (format 4.5): each
// applicable technique coloured by status (residual red, accepted yellow,
// mitigated green; residual with a partial or planned control orange), with
// its components, controls and rules as metadata.
func Navigator(r *Report) any {
	l := navLayer{
		Name:        "Threat model: " + r.Model.Name,
		Versions:    navVersions{Layer: "4.5", Navigator: "5.1.0", Attack: r.Release},
		Domain:      "atlas-atlas",
		Description: fmt.Sprintf("Techniques of ATLAS %s applicable to %s, by status as of %s (atlasgraph model report).", r.Release, r.Model.Name, r.AsOf),
		Techniques:  []navTechnique{},
		Gradient:    navGradient{Colors: []string{"#ffffff", colourResidual}, MinValue: 0, MaxValue: 3},
		LegendItems: []navLegendItem{{"residual", colourResidual}, {"residual, control pending", colourPartial}, {"accepted risk", colourAccepted}, {"mitigated", colourMitigated}},
		Metadata:    []navMetadata{{"release", r.Release}, {"asOf", r.AsOf}},
	}
	for _, a := range r.ApplicableTechniques {
		t := navTechnique{TechniqueID: a.ID, Enabled: true, ShowSubtechniques: true}
		switch a.Status {
		case StatusMitigated:
			t.Color, t.Score = colourMitigated, 1
		case StatusAccepted:
			t.Color, t.Score = colourAccepted, 2
		default:
			t.Color, t.Score = colourResidual, 3
			if len(a.Pending) > 0 {
				t.Color = colourPartial
			}
		}
		t.Comment = fmt.Sprintf("%s on %s", a.Status, strings.Join(a.Components, ", "))
		t.Metadata = []navMetadata{{"status", a.Status}, {"components", strings.Join(a.Components, ", ")}, {"controls", list(a.MitigatedBy)}}
		var rules []string
		for _, e := range a.Evidence {
			rules = append(rules, e.Rule+"@"+e.Component)
		}
		t.Metadata = append(t.Metadata, navMetadata{"evidence", strings.Join(rules, ", ")})
		l.Techniques = append(l.Techniques, t)
	}
	return l
}
