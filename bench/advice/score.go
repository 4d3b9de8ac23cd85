package main

import (
	"encoding/json"
	"fmt"
	"sort"
)

// report is the part of `atlasgraph model report --format json` the scorer
// reads. Fields of issue 19's contract (rank, match, effect, detections ...)
// are pointers or raw values, so that the scorer reads today's report,
// which lacks them, and says how it fell back.
type report struct {
	ApplicableTechniques []applicable `json:"applicableTechniques"`
	Incidents            []struct {
		CaseStudy       string   `json:"caseStudy"`
		Broken          bool     `json:"broken"`
		Match           string   `json:"match"`
		StepsApplicable *int     `json:"stepsApplicable"`
		StepsTotal      *int     `json:"stepsTotal"`
		Missing         []string `json:"missing"`
		Rank            *int     `json:"rank"`
	} `json:"incidents"`
	RecommendedMitigations []struct {
		ID     string          `json:"id"`
		Effect string          `json:"effect"`
		Adds   json.RawMessage `json:"adds"`
	} `json:"recommendedMitigations"`
	Detections json.RawMessage `json:"detections"`
	Controls   []struct {
		Mitigation string `json:"mitigation"`
		Status     string `json:"status"`
	} `json:"controls"`
}

// applicable is one applicable technique of a report.
type applicable struct {
	ID       string   `json:"id"`
	Status   string   `json:"status"`
	Rank     *int     `json:"rank"`
	Score    *float64 `json:"score"`
	Priority string   `json:"priority"`
}

func parseReport(data []byte) (*report, error) {
	var r report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("not a threat-model report in JSON: %w", err)
	}
	return &r, nil
}

// Fallbacks the scorer took because the report lacks a field of the contract.
const (
	noteNoRank       = "applicableTechniques has no rank: the first 20 are taken in file order"
	noteNoMatch      = "incidents have no match: every incident counts as exact, near incidents are not reported"
	noteNoIncRank    = "incidents have no rank: the first 10 are taken in file order"
	noteNoEffect     = "recommendedMitigations have no effect"
	noteNoAdds       = "recommendedMitigations have no adds"
	noteNoDetections = "the report has no detections[]"
)

// partialThreshold is the share of a case study's steps a near incident
// must cover to count as finding it (issue 19).
const partialThreshold = 0.6

// modelScore is the evaluation of one model's report against its case study.
type modelScore struct {
	File      string `json:"file"`
	CaseStudy string `json:"caseStudy"`
	Name      string `json:"name"`
	// Techniques are the distinct techniques of the procedure.
	Techniques []string `json:"techniques"`
	// Steps counts the procedure's steps; a case study of one step is not
	// an incident on its own (issue 19) and is left out of "found".
	Steps     int      `json:"steps"`
	Listed    int      `json:"listed"`
	Hits      int      `json:"hits"`
	Recall    float64  `json:"recall"`
	Missed    []string `json:"missed"`
	Top20Hits int      `json:"top20Hits"`
	Top20     float64  `json:"top20Recall"`
	// Incident is "exact", "partial" (covering at least 60%) or "" when
	// the case study is not among the incidents.
	Incident         string  `json:"incident"`
	IncidentCoverage float64 `json:"incidentCoverage"`
	// IncidentPosition is 1-based in rank order; 0 when not found.
	IncidentPosition int  `json:"incidentPosition"`
	Incidents        int  `json:"incidents"`
	FoundTop10       bool `json:"foundTop10"`
	// Recommended are the recommended mitigations in the report's order.
	Recommended []string `json:"recommended"`
	// NonPreventing are those the judge labels as never preventing.
	NonPreventing []string `json:"nonPreventing"`
	// Implemented are the model's implemented controls' mitigations.
	Implemented []string `json:"implemented"`
	// Cuttable is false when no mitigation of the release can cut every
	// route of the procedure under the judge's rule.
	Cuttable bool `json:"cuttable"`
	// CutByControls is true when the implemented controls alone already cut
	// every route; TrulyCut judges them together with the recommendations.
	CutByControls bool      `json:"cutByControls"`
	TrulyCut      cutResult `json:"trulyCut"`
	// Fixpoint is true when the report on the model with every recommended
	// mitigation implemented on the whole system recommends nothing.
	Fixpoint      bool     `json:"fixpoint"`
	FixpointExtra []string `json:"fixpointExtra"`
	Detections    int      `json:"detections"`
}

// score compares a report with the procedure of cs. notes collects the
// fallbacks taken.
func score(j *judge, cs *caseStudy, file string, f facts, r *report, notes map[string]bool) modelScore {
	s := modelScore{File: file, CaseStudy: cs.id, Name: cs.name, Techniques: cs.techniques(), Steps: len(cs.steps),
		Missed: []string{}, Recommended: []string{}, NonPreventing: []string{}, Implemented: []string{}, FixpointExtra: []string{}}

	// Applicable techniques in rank order, or file order without ranks.
	type ranked struct {
		id   string
		rank int
	}
	apps := make([]ranked, 0, len(r.ApplicableTechniques))
	haveRank := len(r.ApplicableTechniques) > 0
	for i, t := range r.ApplicableTechniques {
		rk := i + 1
		if t.Rank != nil {
			rk = *t.Rank
		} else {
			haveRank = false
		}
		apps = append(apps, ranked{t.ID, rk})
	}
	if haveRank {
		sort.SliceStable(apps, func(a, b int) bool { return apps[a].rank < apps[b].rank })
	} else if len(apps) > 0 {
		notes[noteNoRank] = true
		for i := range apps {
			apps[i].rank = i + 1
		}
	}
	s.Listed = len(apps)
	pos := map[string]int{}
	for i, a := range apps {
		if _, ok := pos[a.id]; !ok {
			pos[a.id] = i + 1
		}
	}
	for _, t := range s.Techniques {
		p, ok := pos[t]
		if !ok {
			s.Missed = append(s.Missed, t)
			continue
		}
		s.Hits++
		if p <= 20 {
			s.Top20Hits++
		}
	}
	if n := len(s.Techniques); n > 0 {
		s.Recall = float64(s.Hits) / float64(n)
		s.Top20 = float64(s.Top20Hits) / float64(n)
	}

	// Incidents in rank order, or file order without ranks.
	type inc struct {
		i, rank int
	}
	incs := make([]inc, len(r.Incidents))
	haveIncRank := len(r.Incidents) > 0
	haveMatch := false
	for i, x := range r.Incidents {
		incs[i] = inc{i, i + 1}
		if x.Rank != nil {
			incs[i].rank = *x.Rank
		} else {
			haveIncRank = false
		}
		haveMatch = haveMatch || x.Match != ""
	}
	if haveIncRank {
		sort.SliceStable(incs, func(a, b int) bool { return incs[a].rank < incs[b].rank })
	} else if len(incs) > 0 {
		notes[noteNoIncRank] = true
	}
	if len(incs) > 0 && !haveMatch {
		notes[noteNoMatch] = true
	}
	s.Incidents = len(incs)
	for p, x := range incs {
		in := r.Incidents[x.i]
		if in.CaseStudy != cs.id {
			continue
		}
		match := in.Match
		if match == "" {
			match = "exact"
		}
		cov := 1.0
		if match != "exact" {
			cov = coverage(cs, pos, in.StepsApplicable, in.StepsTotal)
			if cov < partialThreshold {
				continue
			}
		}
		s.Incident, s.IncidentCoverage, s.IncidentPosition = match, cov, p+1
		s.FoundTop10 = p < 10
		break
	}

	// Recommendations, judged together with the implemented controls.
	set := map[string]bool{}
	for _, c := range r.Controls {
		if c.Status == "implemented" && !set[c.Mitigation] {
			set[c.Mitigation] = true
			s.Implemented = append(s.Implemented, c.Mitigation)
		}
	}
	sort.Strings(s.Implemented)
	s.CutByControls = j.cut(cs, set, f).Cut
	haveEffect, haveAdds := len(r.RecommendedMitigations) > 0, len(r.RecommendedMitigations) > 0
	for _, m := range r.RecommendedMitigations {
		s.Recommended = append(s.Recommended, m.ID)
		set[m.ID] = true
		if j.nonPreventing(m.ID) {
			s.NonPreventing = append(s.NonPreventing, m.ID)
		}
		haveEffect = haveEffect && m.Effect != ""
		haveAdds = haveAdds && len(m.Adds) > 0 && string(m.Adds) != "null"
	}
	if len(r.RecommendedMitigations) > 0 && !haveEffect {
		notes[noteNoEffect] = true
	}
	if len(r.RecommendedMitigations) > 0 && !haveAdds {
		notes[noteNoAdds] = true
	}
	s.TrulyCut = j.cut(cs, set, f)
	s.Cuttable = j.cut(cs, j.allMitigations(), f).Cut

	if len(r.Detections) == 0 || string(r.Detections) == "null" {
		notes[noteNoDetections] = true
	} else {
		var d []json.RawMessage
		if json.Unmarshal(r.Detections, &d) == nil {
			s.Detections = len(d)
		}
	}
	return s
}

// coverage is a near incident's share of applicable steps: the report's
// stepsApplicable/stepsTotal, or, without them, the share of the
// procedure's steps whose technique the report lists.
func coverage(cs *caseStudy, listed map[string]int, applicable, total *int) float64 {
	if applicable != nil && total != nil && *total > 0 {
		return float64(*applicable) / float64(*total)
	}
	if len(cs.steps) == 0 {
		return 0
	}
	n := 0
	for _, st := range cs.steps {
		if _, ok := listed[st.technique]; ok {
			n++
		}
	}
	return float64(n) / float64(len(cs.steps))
}

// overall are the figures over all models.
type overall struct {
	Models int `json:"models"`
	// RecallPooled is hits over techniques summed over models; RecallMean
	// is the mean of the models' recalls.
	RecallPooled float64 `json:"recallPooled"`
	RecallMean   float64 `json:"recallMean"`
	Top20Pooled  float64 `json:"top20RecallPooled"`
	Top20Mean    float64 `json:"top20RecallMean"`
	ListedMean   float64 `json:"listedMean"`
	ListedMedian float64 `json:"listedMedian"`
	// Found, FoundExact and FoundTop10 are over the case studies of more
	// than one step; OneStep names the others.
	OneStep    []string `json:"oneStep"`
	Found      float64  `json:"found"`
	FoundExact float64  `json:"foundExact"`
	FoundTop10 float64  `json:"foundTop10"`
	Cuttable   int      `json:"cuttable"`
	TrulyCut   float64  `json:"trulyCut"` // over cuttable case studies
	// OpenByControls counts cuttable case studies the implemented controls
	// alone leave open; CutByAdvice is the share of those the
	// recommendations cut.
	OpenByControls  int      `json:"openByControls"`
	CutByAdvice     float64  `json:"cutByAdvice"`
	Uncuttable      []string `json:"uncuttable"`
	Fixpoint        float64  `json:"fixpoint"`
	RecommendedMean float64  `json:"recommendedMean"`
	NonPreventing   float64  `json:"nonPreventingShare"` // of all recommendations
	Notes           []string `json:"notes"`
}

func summarize(scores []modelScore, notes map[string]bool) overall {
	o := overall{Models: len(scores), Uncuttable: []string{}, OneStep: []string{}, Notes: []string{}}
	if len(scores) == 0 {
		return o
	}
	var hits, top, techs, recs, nonPrev, found, exact, top10, cut, advice, fix int
	var listed []float64
	for _, s := range scores {
		hits += s.Hits
		top += s.Top20Hits
		techs += len(s.Techniques)
		o.RecallMean += s.Recall
		o.Top20Mean += s.Top20
		o.ListedMean += float64(s.Listed)
		listed = append(listed, float64(s.Listed))
		recs += len(s.Recommended)
		nonPrev += len(s.NonPreventing)
		if s.Steps < 2 {
			o.OneStep = append(o.OneStep, s.CaseStudy)
		}
		if s.Incident != "" && s.Steps >= 2 {
			found++
		}
		if s.Incident == "exact" && s.Steps >= 2 {
			exact++
		}
		if s.FoundTop10 && s.Steps >= 2 {
			top10++
		}
		if s.Cuttable {
			o.Cuttable++
			if s.TrulyCut.Cut {
				cut++
			}
			if !s.CutByControls {
				o.OpenByControls++
				if s.TrulyCut.Cut {
					advice++
				}
			}
		} else {
			o.Uncuttable = append(o.Uncuttable, s.CaseStudy)
		}
		if s.Fixpoint {
			fix++
		}
	}
	n := float64(len(scores))
	if techs > 0 {
		o.RecallPooled = float64(hits) / float64(techs)
		o.Top20Pooled = float64(top) / float64(techs)
	}
	o.RecallMean /= n
	o.Top20Mean /= n
	o.ListedMean /= n
	sort.Float64s(listed)
	if len(listed)%2 == 1 {
		o.ListedMedian = listed[len(listed)/2]
	} else {
		o.ListedMedian = (listed[len(listed)/2-1] + listed[len(listed)/2]) / 2
	}
	if m := float64(len(scores) - len(o.OneStep)); m > 0 {
		o.Found = float64(found) / m
		o.FoundExact = float64(exact) / m
		o.FoundTop10 = float64(top10) / m
	}
	if o.Cuttable > 0 {
		o.TrulyCut = float64(cut) / float64(o.Cuttable)
	}
	if o.OpenByControls > 0 {
		o.CutByAdvice = float64(advice) / float64(o.OpenByControls)
	}
	o.Fixpoint = float64(fix) / n
	o.RecommendedMean = float64(recs) / n
	if recs > 0 {
		o.NonPreventing = float64(nonPrev) / float64(recs)
	}
	for k := range notes {
		o.Notes = append(o.Notes, k)
	}
	sort.Strings(o.Notes)
	return o
}
