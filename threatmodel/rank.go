package threatmodel

import (
	"fmt"
	"math"
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
	// Evidence: the case studies using a technique. A parent also stands
	// for those of its sub-techniques that do not apply here, so their use
	// counts for it; a sub-technique that applies carries its own evidence,
	// which is not counted twice on the parent (that let External Harms,
	// "used in 28 case studies", outrank each of its harms).
	applicable := map[string]bool{}
	for _, a := range e.rep.ApplicableTechniques {
		applicable[a.ID] = true
	}
	usedBy := map[string]map[string]bool{}
	for _, ch := range e.in.Chains {
		for _, s := range ch.Steps {
			for _, t := range []string{s.Technique, e.links.Parent[s.Technique]} {
				if t == "" || (t != s.Technique && applicable[s.Technique]) {
					continue
				}
				if usedBy[t] == nil {
					usedBy[t] = map[string]bool{}
				}
				usedBy[t][ch.ID] = true
			}
		}
	}
	// Evidence is weighed by the share of those case studies that attacked
	// a system like this one (that are incidents here, exact or near): a
	// technique many case studies use, none of them on systems like this,
	// says less about this system than one fewer case studies use, all of
	// them on systems like it ([evidenceWeight]).
	incident := map[string]bool{}
	for _, ic := range e.incChains {
		incident[ic.inc.CaseStudy] = true
	}
	// Incidents are ranked by coverage: the first ones are the case
	// studies most like this system. The closestIncidents of them vote on
	// each technique, each with the square of its coverage (a near
	// incident is weaker evidence than an exact one): the share of that
	// vote a technique takes is how likely an attack on this system uses
	// it, judged by what attacks on systems like it did. A broken incident
	// votes as much as an open one: it shows what the system is exposed
	// to, and what the controls cut is weighed by the technique's status.
	var votes float64
	incidentVote := map[string]float64{}
	closestIDs := map[string][]string{}
	furtherIDs := map[string][]string{}
	openUse := map[string]bool{}
	for r, ic := range e.incChains {
		cov := float64(ic.inc.StepsApplicable) / float64(ic.inc.StepsTotal)
		w := cov * cov
		if r < closestIncidents {
			votes += w
		}
		counted := map[string]bool{}
		for _, si := range ic.steps {
			if !si.applicable || counted[si.technique] {
				continue
			}
			counted[si.technique] = true
			if r < closestIncidents {
				incidentVote[si.technique] += w
				closestIDs[si.technique] = append(closestIDs[si.technique], ic.inc.CaseStudy)
				if ic.open {
					openUse[si.technique] = true
				}
			} else {
				furtherIDs[si.technique] = append(furtherIDs[si.technique], ic.inc.CaseStudy)
			}
		}
	}
	nClosest := min(closestIncidents, len(e.incChains))
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
			near := 0
			for c := range cases {
				if incident[c] {
					near++
				}
			}
			score += evidenceWeight * math.Log2(1+float64(n)) * float64(1+near) / float64(1+n)
			f := fmt.Sprintf("used in %d case stud%s", n, plural(n, "y", "ies"))
			if len(latest) >= 4 {
				f += " (latest " + latest[:4] + ")"
				if latest[:4] >= recentYear(e.rel.Modified) {
					score += 1
				}
			}
			why = append(why, f, fmt.Sprintf("%d of them on systems like this one (incidents here)", near))
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
		if p := e.umbrella[a.ID]; p != "" {
			why = append(why, "stands for its parent "+p+" ("+e.techByID[p].Name+"), which case studies record only through its sub-techniques")
		}
		if g := e.grouped[a.ID]; len(g) > 0 {
			var names []string
			for _, t := range g {
				names = append(names, t+" ("+e.techByID[t].Name+")")
			}
			why = append(why, "also stands for its sub-technique"+plural(len(g), " ", "s ")+strings.Join(names, ", ")+", which no case study records")
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
		if v := incidentVote[a.ID]; v > 0 && votes > 0 {
			score += incidentVoteWeight * v / votes
			ids := closestIDs[a.ID]
			why = append(why, fmt.Sprintf("step of %d of the %d incidents most like this system (%s)", len(ids), nClosest, strings.Join(ids, ", ")))
			if openUse[a.ID] {
				score += 1
				why = append(why, "step of an open incident")
			}
		}
		if n := len(furtherIDs[a.ID]); n > 0 {
			why = append(why, fmt.Sprintf("step of %d further incident%s", n, plural(n, "", "s")))
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
	byScore := func() {
		sort.SliceStable(e.rep.ApplicableTechniques, func(i, j int) bool {
			a, b := e.rep.ApplicableTechniques[i], e.rep.ApplicableTechniques[j]
			if a.Score != b.Score {
				return a.Score > b.Score
			}
			return a.ID < b.ID
		})
	}
	byScore()
	e.spreadFamilies()
	byScore()
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

// closestIncidents is how many of the first-ranked incidents vote on the
// techniques an attack on this system is likely to use, and incidentVoteWeight
// what a technique used by all of them adds to its score (the other
// factors together add at most about 15).
const (
	closestIncidents   = 5
	incidentVoteWeight = 50
)

// evidenceWeight scales the evidence of the case studies using a
// technique: evidenceWeight·log2(1+n)·(1+m)/(1+n) for n case studies of
// which m are incidents here. Counting all n alike (1.5·log2(1+n), the
// weight before) ranked techniques of attacks on other kinds of systems
// into the first 20 (bench/advice, docs/threatmodel.md).
const evidenceWeight = 2

// familyShare is what a technique keeps of its score for each member of
// its family (a parent and its sub-techniques) ranked above it.
const familyShare = 0.8

// spreadFamilies keeps a parent and its sub-techniques from crowding the top
// of the ranking: they are variants of one step, and an attacker takes one
// of them. In score order, each member of a family keeps familyShare of its
// score for every member ranked above it, and says which; a parent ranked
// below one of its sub-techniques is the general case of a step already
// listed. The techniques must be sorted by score.
func (e *eval) spreadFamilies() {
	seen := map[string][]string{} // family -> members met so far, in score order
	for i := range e.rep.ApplicableTechniques {
		a := &e.rep.ApplicableTechniques[i]
		fam := a.ID
		if p := e.links.Parent[a.ID]; p != "" {
			fam = p
		}
		above := seen[fam]
		seen[fam] = append(above, a.ID)
		if len(above) == 0 {
			continue
		}
		a.Score = math.Round(a.Score*math.Pow(familyShare, float64(len(above)))*100) / 100
		a.Why = append(a.Why, "variant of "+strings.Join(above, ", ")+" ranked above it")
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
