package threatmodel

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Priorities of applicable techniques.
const (
	PriorityHigh   = "high"
	PriorityMedium = "medium"
	PriorityLow    = "low"
)

// exposureFlags are the component properties that make a technique sitting
// on the component more urgent, with how the factor reads.
var exposureFlags = []struct{ prop, text string }{
	{"internetFacing", "internet-facing"},
	{"acceptsUntrustedContent", "takes untrusted input"},
	{"readsExternalContent", "reads external content"},
	{"toolsWithWriteAccess", "tools with write access"},
	{"thirdParty", "third party"},
	{"handlesSensitiveData", "sensitive data"},
}

// rank is phase 5: every applicable technique gets a score, a rank (1 =
// most urgent) and a priority, with the factors behind the score.
// Factors: evidence (case studies using it or its sub-techniques, their
// recency, the technique's maturity), exposure of its components, reach to
// impact, and use by an open incident or residual path. Mitigated
// techniques keep a share of their score (the control could fail), accepted
// ones more.
func (e *eval) rank() {
	usedBy := map[string]map[string]bool{} // technique -> case studies (sub-technique use counts for its parent)
	for _, ch := range e.in.Chains {
		for _, s := range ch.Steps {
			for _, t := range []string{s.Technique, e.links.Parent[s.Technique]} {
				if t == "" {
					continue
				}
				if usedBy[t] == nil {
					usedBy[t] = map[string]bool{}
				}
				usedBy[t][ch.ID] = true
			}
		}
	}
	incidentUse := map[string]float64{}
	incidentIDs := map[string][]string{}
	for r, ic := range e.incChains {
		// Incidents are ranked (coverage, then evidence): the first ones
		// say most about this system, so their steps weigh most; a
		// technique takes the weight of the strongest incident it is a
		// step of (summing let techniques common to many weak incidents
		// outrank the steps of the best one). Broken incidents still show
		// what the system is exposed to, at half weight.
		w := float64(ic.inc.StepsApplicable) / float64(ic.inc.StepsTotal) * 2 / float64(2+r)
		if !ic.open {
			w /= 2
		}
		for _, si := range ic.steps {
			if si.applicable {
				incidentUse[si.technique] = max(incidentUse[si.technique], w)
				if !slices.Contains(incidentIDs[si.technique], ic.inc.CaseStudy) {
					incidentIDs[si.technique] = append(incidentIDs[si.technique], ic.inc.CaseStudy)
				}
			}
		}
	}
	onPaths := map[string]int{}
	for _, rp := range e.rep.ResidualPaths {
		if rp.Accepted {
			continue
		}
		for _, t := range rp.Techniques {
			onPaths[t]++
		}
	}
	goal := map[string]bool{}
	for _, ta := range GoalTactics {
		for _, t := range e.in.TacticTechniques[ta] {
			goal[t] = true
		}
	}
	for i := range e.rep.ApplicableTechniques {
		a := &e.rep.ApplicableTechniques[i]
		var score float64
		var why []string
		cases := usedBy[a.ID]
		if n := len(cases); n > 0 {
			latest := ""
			for c := range cases {
				if d := e.caseDate(c); d > latest {
					latest = d
				}
			}
			score += 1.5 * math.Log2(1+float64(n))
			f := fmt.Sprintf("used in %d case stud%s", n, plural(n, "y", "ies"))
			if len(latest) >= 4 {
				f += " (latest " + latest[:4] + ")"
				if latest[:4] >= recentYear(e.rel.Modified) {
					score += 1
				}
			}
			why = append(why, f)
		}
		switch m := strings.ToLower(e.techByID[a.ID].Maturity); m {
		case "realized":
			score += 1.5
			why = append(why, "maturity realized")
		case "demonstrated":
			score += 1
			why = append(why, "maturity demonstrated")
		case "feasible":
			score += 0.5
			why = append(why, "maturity feasible")
		}
		if len(why) == 0 {
			why = append(why, "applies here; no case study or maturity says more")
		}
		var exposed []string
		for _, f := range exposureFlags {
			for _, c := range a.Components {
				if comp := e.compByID[c]; comp != nil && comp.Flag(f.prop) {
					exposed = append(exposed, f.text+" "+c)
					break
				}
			}
		}
		if len(exposed) > 0 {
			score += min(3, float64(len(exposed)))
			why = append(why, "on "+strings.Join(exposed, ", "))
		}
		if goal[a.ID] {
			score += 1
			why = append(why, "reaches impact or exfiltration")
		}
		if n := onPaths[a.ID]; n > 0 {
			score += 1 + min(2, float64(n)/5)
			why = append(why, fmt.Sprintf("on %d residual path%s", n, plural(n, "", "s")))
		}
		if u := incidentUse[a.ID]; u > 0 {
			score += 14 * min(3, u)
			ids := incidentIDs[a.ID]
			slices.Sort(ids)
			if len(ids) > 3 {
				ids = append(ids[:3:3], fmt.Sprintf("%d more", len(incidentIDs[a.ID])-3))
			}
			why = append(why, "step of incident "+strings.Join(ids, ", "))
		}
		if Side(a.Side) == SideAttacker {
			score *= 0.9
			why = append(why, "happens on the adversary's side: no control on the system cuts it")
		}
		switch a.Status {
		case StatusMitigated:
			score *= 0.6
			why = append(why, "cut by "+strings.Join(a.MitigatedBy, ", "))
		case StatusAccepted:
			score *= 0.8
			why = append(why, "accepted risk")
		}
		a.Score = math.Round(score*100) / 100
		a.Why = nonNil(why)
	}
	sort.SliceStable(e.rep.ApplicableTechniques, func(i, j int) bool {
		a, b := e.rep.ApplicableTechniques[i], e.rep.ApplicableTechniques[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.ID < b.ID
	})
	n := len(e.rep.ApplicableTechniques)
	for i := range e.rep.ApplicableTechniques {
		a := &e.rep.ApplicableTechniques[i]
		a.Rank = i + 1
		switch {
		case a.Status == StatusResidual && a.Rank <= max(5, n/5):
			a.Priority = PriorityHigh
		case a.Status != StatusMitigated && a.Rank <= n/2:
			a.Priority = PriorityMedium
		default:
			a.Priority = PriorityLow
		}
	}
	for i := range e.rep.ApplicableTechniques {
		e.byTech[e.rep.ApplicableTechniques[i].ID] = &e.rep.ApplicableTechniques[i]
	}
}

// recentYear is the year two years before the release's date: case studies
// from then on count as recent.
func recentYear(modified string) string {
	if len(modified) < 4 {
		return "9999"
	}
	var y int
	if _, err := fmt.Sscanf(modified[:4], "%d", &y); err != nil {
		return "9999"
	}
	return fmt.Sprint(y - 2)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
