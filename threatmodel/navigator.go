package threatmodel

import (
	"fmt"
	"strings"

	"github.com/atlasgraph/atlasgraph/navigator"
)

// Layer colours: one per technique status.
const (
	colourResidual  = "#e74c3c"
	colourAccepted  = "#f1c40f"
	colourMitigated = "#2ecc71"
	colourPartial   = "#e67e22"
)

// Navigator turns a report into an ATLAS Navigator layer (format 4.3 by default, built
// with package navigator): each applicable technique coloured by status
// (residual red, residual with a partial or planned control orange,
// accepted yellow, mitigated green), with its components, controls and the
// rules behind it as metadata.
func Navigator(r *Report) *navigator.Layer {
	l := navigator.New("Threat model: "+r.Model.Name,
		fmt.Sprintf("Techniques of ATLAS %s applicable to %s, by status as of %s (atlasgraph model report).", r.Release, r.Model.Name, r.AsOf), r.Release)
	l.AddMetadata("asOf", r.AsOf)
	l.Legend("residual", colourResidual)
	l.Legend("residual, control pending", colourPartial)
	l.Legend("accepted risk", colourAccepted)
	l.Legend("mitigated", colourMitigated)
	l.SetGradient([]string{"#ffffff", colourResidual}, 0, 3)
	on := true
	for _, a := range r.ApplicableTechniques {
		t := navigator.Technique{ID: a.ID, Enabled: &on}
		switch a.Status {
		case StatusMitigated:
			t.Color, t.Score = colourMitigated, navigator.Score(1)
		case StatusAccepted:
			t.Color, t.Score = colourAccepted, navigator.Score(2)
		default:
			t.Color, t.Score = colourResidual, navigator.Score(3)
			if len(a.Pending) > 0 {
				t.Color = colourPartial
			}
		}
		t.Comment = fmt.Sprintf("%s on %s", a.Status, strings.Join(a.Components, ", "))
		var rules []string
		for _, e := range a.Evidence {
			rules = append(rules, e.Rule+"@"+e.Component)
		}
		t.Metadata = []navigator.Metadata{{Name: "status", Value: a.Status}, {Name: "components", Value: strings.Join(a.Components, ", ")},
			{Name: "controls", Value: list(a.MitigatedBy)}, {Name: "evidence", Value: strings.Join(rules, ", ")}}
		l.Add(t)
	}
	return l
}
