package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

func fixtures(t *testing.T) (*release, *judge) {
	t.Helper()
	rel, err := readRelease(filepath.Join("testdata", "atlas.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	j, err := readJudge(filepath.Join("testdata", "labels.yaml"), rel)
	if err != nil {
		t.Fatal(err)
	}
	return rel, j
}

func set(ms ...string) map[string]bool {
	s := map[string]bool{}
	for _, m := range ms {
		s[m] = true
	}
	return s
}

func TestReleaseSteps(t *testing.T) {
	rel, _ := fixtures(t)
	cs := rel.caseStudies["AML.CS0001"]
	var got []string
	for _, s := range cs.steps {
		got = append(got, s.id+" "+s.technique)
	}
	// Steps come in step-id order, whatever their order in the file.
	want := []string{"S00 AML.T0001", "S01 AML.T0051.001", "S02 AML.T0053"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if rel.version != "9999.01" {
		t.Errorf("version = %q", rel.version)
	}
}

func TestCut(t *testing.T) {
	rel, j := fixtures(t)
	text := facts{modalities: set("text"), properties: set()}
	image := facts{modalities: set("image"), properties: set()}
	public := facts{modalities: set("text"), properties: set("internetFacing")}
	tests := []struct {
		name      string
		cs        string
		set       map[string]bool
		f         facts
		cut       bool
		cutSteps  []string
		openRoute []string
	}{
		{"detection only sees", "AML.CS0001", set("AML.M0024"), text, false, []string{}, []string{"AML.T0001", "AML.T0051.001", "AML.T0053"}},
		{"training people cuts nothing", "AML.CS0001", set("AML.M0018"), text, false, []string{}, []string{"AML.T0001", "AML.T0051.001", "AML.T0053"}},
		{"an indirect link does not cut", "AML.CS0001", set("AML.M0019"), text, false, []string{}, []string{"AML.T0001", "AML.T0051.001", "AML.T0053"}},
		{"nothing cuts an attacker-side step", "AML.CS0001", set("AML.M0004"), text, false, []string{}, []string{"AML.T0001", "AML.T0051.001", "AML.T0053"}},
		{"a parent's mitigation cuts the sub-technique", "AML.CS0001", set("AML.M0020"), text, true, []string{"S01 AML.T0051.001 by [AML.M0020]"}, []string{}},
		{"an unlabelled mitigation prevents", "AML.CS0001", set("AML.M0029", "AML.M0024"), text, true, []string{"S02 AML.T0053 by [AML.M0029]"}, []string{}},
		{"one of two routes cut is not cut", "AML.CS0002", set("AML.M0020"), text, false, []string{"S01 AML.T0051.001 by [AML.M0020]"}, []string{"AML.T0001", "AML.T0049", "AML.T0053"}},
		{"cutting the join cuts both routes", "AML.CS0002", set("AML.M0029"), text, true, []string{"S03 AML.T0053 by [AML.M0029]"}, []string{}},
		{"a label that does not hold on public systems", "AML.CS0001", set("AML.M0026"), public, false, []string{}, []string{"AML.T0001", "AML.T0051.001", "AML.T0053"}},
		{"a label that does not hold on public systems, on a private one", "AML.CS0001", set("AML.M0026"), text, true, []string{"S02 AML.T0053 by [AML.M0026]"}, []string{}},
		{"a label that holds only for media", "AML.CS0003", set("AML.M0034"), text, false, []string{}, []string{"AML.T0043", "AML.T0015"}},
		{"a label that holds only for media, on media", "AML.CS0003", set("AML.M0034"), image, true, []string{"S01 AML.T0015 by [AML.M0034]"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := j.cut(rel.caseStudies[tt.cs], tt.set, tt.f)
			want := cutResult{Cut: tt.cut, CutSteps: tt.cutSteps, OpenRoute: tt.openRoute}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("cut (-want +got):\n%s", diff)
			}
		})
	}
	if j.cut(rel.caseStudies["AML.CS0003"], j.allMitigations(), text).Cut {
		t.Error("CS0003 on a text model: nothing of the release prevents its defender-side step, yet it is cut")
	}
}

func readReport(t *testing.T, name string) *report {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	r, err := parseReport(data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestScoreTodaysReport(t *testing.T) {
	rel, j := fixtures(t)
	notes := map[string]bool{}
	s := score(j, rel.caseStudies["AML.CS0001"], "cs0001.yaml", facts{}, readReport(t, "report-today.json"), notes)
	if s.Hits != 2 || s.Listed != 5 || s.Top20Hits != 2 {
		t.Errorf("hits %d, listed %d, top-20 hits %d; want 2, 5, 2", s.Hits, s.Listed, s.Top20Hits)
	}
	if diff := cmp.Diff([]string{"AML.T0053"}, s.Missed); diff != "" {
		t.Errorf("missed (-want +got):\n%s", diff)
	}
	// Without a match field every incident is exact; without rank, file order.
	if s.Incident != "exact" || s.IncidentPosition != 2 || !s.FoundTop10 {
		t.Errorf("incident %q at %d (top 10 %v); want exact at 2", s.Incident, s.IncidentPosition, s.FoundTop10)
	}
	// Partial controls do not count; training and logging cut nothing.
	if diff := cmp.Diff([]string{"AML.M0019"}, s.Implemented); diff != "" {
		t.Errorf("implemented (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"AML.M0018", "AML.M0024"}, s.NonPreventing); diff != "" {
		t.Errorf("non-preventing (-want +got):\n%s", diff)
	}
	if s.TrulyCut.Cut || s.CutByControls || !s.Cuttable {
		t.Errorf("truly cut %v, by controls %v, cuttable %v; want false, false, true", s.TrulyCut.Cut, s.CutByControls, s.Cuttable)
	}
	for _, n := range []string{noteNoRank, noteNoMatch, noteNoIncRank, noteNoEffect, noteNoAdds, noteNoDetections} {
		if !notes[n] {
			t.Errorf("fallback not noted: %s", n)
		}
	}
}

func TestScoreNewReport(t *testing.T) {
	rel, j := fixtures(t)
	r := readReport(t, "report-new.json")
	// Twenty more techniques ranked 3 to 22 push AML.T0001, listed first in
	// the file but ranked 30th, out of the first 20.
	for i := 0; i < 20; i++ {
		rank := i + 3
		r.ApplicableTechniques = append(r.ApplicableTechniques, applicable{ID: fmt.Sprintf("AML.T9%03d", i), Rank: &rank})
	}
	notes := map[string]bool{}
	s := score(j, rel.caseStudies["AML.CS0001"], "cs0001.yaml", facts{}, r, notes)
	if s.Recall != 1 || s.Top20Hits != 2 || s.Listed != 23 {
		t.Errorf("recall %.2f, top-20 hits %d, listed %d; want 1, 2, 23", s.Recall, s.Top20Hits, s.Listed)
	}
	// Ranked third among the incidents; partial covering 2 of 3 steps.
	if s.Incident != "partial" || s.IncidentPosition != 3 || s.IncidentCoverage < 0.66 || s.IncidentCoverage > 0.67 {
		t.Errorf("incident %q at %d covering %.2f; want partial at 3 covering 0.67", s.Incident, s.IncidentPosition, s.IncidentCoverage)
	}
	if !s.TrulyCut.Cut || s.CutByControls || s.Detections != 1 {
		t.Errorf("truly cut %v, by controls %v, detections %d; want true, false, 1", s.TrulyCut.Cut, s.CutByControls, s.Detections)
	}
	if len(notes) != 0 {
		t.Errorf("fallbacks noted on a report with every field: %v", notes)
	}
	// A near incident covering half its steps does not count as found.
	s2 := score(j, rel.caseStudies["AML.CS0002"], "cs0002.yaml", facts{}, r, notes)
	if s2.Incident != "" || s2.IncidentPosition != 0 {
		t.Errorf("CS0002 covered at 50%% counted as found: %q at %d", s2.Incident, s2.IncidentPosition)
	}
}

func TestSummarize(t *testing.T) {
	scores := []modelScore{
		{CaseStudy: "A", Steps: 4, Techniques: []string{"1", "2", "3", "4"}, Hits: 4, Recall: 1, Top20Hits: 2, Top20: 0.5, Listed: 10,
			Incident: "exact", FoundTop10: true, Cuttable: true, TrulyCut: cutResult{Cut: true}, Fixpoint: true, Recommended: []string{"x", "y"}, NonPreventing: []string{"y"}},
		{CaseStudy: "B", Steps: 2, Techniques: []string{"1", "2"}, Hits: 1, Recall: 0.5, Listed: 30, Cuttable: true, CutByControls: false},
		{CaseStudy: "C", Steps: 2, Techniques: []string{"1", "2"}, Hits: 1, Recall: 0.5, Listed: 20, Cuttable: false},
		{CaseStudy: "D", Steps: 1, Techniques: []string{"1"}, Hits: 1, Recall: 1, Listed: 20, Cuttable: true, CutByControls: true, TrulyCut: cutResult{Cut: true}, Fixpoint: true},
	}
	o := summarize(scores, map[string]bool{noteNoRank: true})
	if o.RecallPooled != 7.0/9 || o.RecallMean != 0.75 || o.ListedMedian != 20 {
		t.Errorf("recall pooled %.3f, mean %.3f, listed median %.0f; want 0.778, 0.75, 20", o.RecallPooled, o.RecallMean, o.ListedMedian)
	}
	if o.Cuttable != 3 || o.TrulyCut != 2.0/3 || o.OpenByControls != 2 || o.CutByAdvice != 0.5 {
		t.Errorf("cuttable %d, truly cut %.2f, open by controls %d, cut by advice %.2f; want 3, 0.67, 2, 0.5", o.Cuttable, o.TrulyCut, o.OpenByControls, o.CutByAdvice)
	}
	// D has one step: not an incident on its own, left out of "found".
	if diff := cmp.Diff([]string{"D"}, o.OneStep); diff != "" {
		t.Errorf("one-step case studies (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"C"}, o.Uncuttable); diff != "" {
		t.Errorf("uncuttable (-want +got):\n%s", diff)
	}
	if o.NonPreventing != 0.5 || o.Fixpoint != 0.5 || o.FoundTop10 != 1.0/3 {
		t.Errorf("non-preventing %.2f, fixpoint %.2f, found top 10 %.2f", o.NonPreventing, o.Fixpoint, o.FoundTop10)
	}
}

func TestWithImplemented(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "model.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := withImplemented(src, []string{"AML.M0004", "AML.M0020"})
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Name     string
		Controls []map[string]any
	}
	if err := yaml.Unmarshal(out, &m); err != nil {
		t.Fatalf("the modified model is not YAML: %v\n%s", err, out)
	}
	want := []map[string]any{
		{"mitigation": "AML.M0004", "status": "implemented", "note": "Rate limits, per session."},
		{"mitigation": "AML.M0019", "status": "implemented", "scope": []any{"cam"}},
		{"mitigation": "AML.M0020", "status": "implemented", "note": "Recommended by the report; implemented on the whole system by bench/advice."},
	}
	if diff := cmp.Diff(want, m.Controls); diff != "" {
		t.Errorf("controls (-want +got):\n%s", diff)
	}
	if m.Name != "Test model" {
		t.Errorf("name lost: %q", m.Name)
	}
	f, err := modelFacts(out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(facts{modalities: set("text", "image"), properties: set("thirdParty", "physicalInput")}, f, cmp.AllowUnexported(facts{})); diff != "" {
		t.Errorf("facts (-want +got):\n%s", diff)
	}
}

func TestLabelsRejected(t *testing.T) {
	rel, _ := fixtures(t)
	bad := `mitigations:
  - {id: AML.M9999, effect: detect, reason: "No such mitigation."}
  - {id: AML.M0020, effect: blocks, reason: "Not an effect."}
links:
  - {mitigation: AML.M0020, technique: AML.T0015, effect: detect, reason: "Not a link of the release."}
`
	_, err := parseJudge("labels.yaml", []byte(bad), rel)
	if err == nil {
		t.Fatal("bad labels accepted")
	}
	for _, want := range []string{"AML.M9999", `"blocks"`, "AML.M0020 -> AML.T0015", "3 problems"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if _, err := parseJudge("labels.yaml", []byte("mitigation: []\n"), rel); err == nil {
		t.Error("an unknown key was accepted")
	}
}

func TestCaseStudyOf(t *testing.T) {
	if id, err := caseStudyOf("models/cs0016-math.yaml", nil); err != nil || id != "AML.CS0016" {
		t.Errorf("caseStudyOf = %q, %v", id, err)
	}
	if id, err := caseStudyOf("models/math.yaml", []byte("name: x\n# Case study AML.CS0021 (ChatGPT).\n")); err != nil || id != "AML.CS0021" {
		t.Errorf("caseStudyOf from a comment = %q, %v", id, err)
	}
	if _, err := caseStudyOf("models/math.yaml", []byte("name: AML.CS0021\n")); err == nil || !strings.Contains(err.Error(), "cs0016-name.yaml") {
		t.Errorf("a file naming no case study in a comment: %v", err)
	}
}

// TestRealLabels checks the judge's labels against the release the
// evaluation runs on, so a typo cannot silently change a judgment.
func TestRealLabels(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "data", "atlas", "v6", "ATLAS-2026.05.yaml")
	rel, err := readRelease(path)
	if err != nil {
		t.Fatalf("%v (the tests read ../shared beside the repository)", err)
	}
	j, err := readJudge("labels.yaml", rel)
	if err != nil {
		t.Fatal(err)
	}
	models, err := filepath.Glob(filepath.Join("models", "*.yaml"))
	if err != nil || len(models) < 20 {
		t.Fatalf("%d models, want at least 20", len(models))
	}
	// The other authors' sets: at least 24 models each (the held-out set
	// is ours, written later).
	for _, dir := range []string{"heldout", "third", "fourth"} {
		more, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil || (dir != "heldout" && len(more) < 24) {
			t.Fatalf("%s: %d models (%v); another author's set has at least 24", dir, len(more), err)
		}
		models = append(models, more...)
	}
	for _, m := range models {
		src, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		id, err := caseStudyOf(m, src)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(src), "Written from the case study's summary and target only") {
			t.Errorf("%s: its header does not say it was written from the summary and target only", m)
		}
		if rel.caseStudies[id] == nil || len(rel.caseStudies[id].steps) == 0 {
			t.Errorf("%s: case study %s has no procedure in ATLAS %s", m, id, rel.version)
		}
	}
	if !j.nonPreventing("AML.M0024") || j.nonPreventing("AML.M0020") {
		t.Error("logging should never prevent and guardrails should")
	}
}

// TestSummaries: -summaries prints a case study's summary-level fields and
// nothing of its procedure; an id the release does not have is an error.
func TestSummaries(t *testing.T) {
	path := filepath.Join("testdata", "atlas.yaml")
	rel, err := readRelease(path)
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for k := range rel.caseStudies {
		id = k
		break
	}
	var out strings.Builder
	if err := writeSummaries(&out, path, []string{id}); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), "== ") != 1 || !strings.Contains(out.String(), "== "+id+" "+rel.caseStudies[id].name) {
		t.Errorf("-summaries %s printed:\n%s", id, out.String())
	}
	for _, tech := range rel.caseStudies[id].techniques() {
		if strings.Contains(out.String(), tech) {
			t.Errorf("-summaries %s shows %s, a technique of its procedure:\n%s", id, tech, out.String())
		}
	}
	if err := writeSummaries(&out, path, []string{"AML.CS9999"}); err == nil || !strings.Contains(err.Error(), "AML.CS9999") {
		t.Errorf("-summaries AML.CS9999: %v, want an error naming it", err)
	}
}
