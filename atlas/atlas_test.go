package atlas

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func release(version string) *Release {
	return &Release{
		Version: version,
		Tactics: []Tactic{{Object: Object{ID: "TA1", Name: "Recon"}, Position: 1}, {Object: Object{ID: "TA2", Name: "Impact"}, Position: 2}},
		Techniques: []Technique{
			{Object: Object{ID: "T1", Name: "Search"}, Tactics: []string{"TA1"}},
			{Object: Object{ID: "T1.001", Name: "Papers"}, Tactics: []string{"TA1"}, Parent: "T1"},
			{Object: Object{ID: "T2", Name: "Harm"}, Tactics: []string{"TA2"}},
		},
		Mitigations: []Mitigation{{Object: Object{ID: "M1", Name: "Say less"}, Mitigates: []Mitigates{{Technique: "T1"}}}},
		CaseStudies: []CaseStudy{
			{Object: Object{ID: "CS1", Name: "One"}, Actors: []string{"a"}, Steps: []Step{
				{ID: "S00", Technique: "T1", Tactic: "TA1", LeadsTo: []string{"S01", "S02"}},
				{ID: "S01", Technique: "T1", Tactic: "TA1", LeadsTo: []string{"S02"}},
				{ID: "S02", Technique: "T2", Tactic: "TA2"},
			}},
			{Object: Object{ID: "CS2", Name: "Two"}, Actors: []string{"a", "b"}, Steps: []Step{
				{ID: "S00", Technique: "T1.001", Tactic: "TA1", LeadsTo: []string{"S01"}},
				{ID: "S01", Technique: "T2", Tactic: "TA2"},
			}},
		},
	}
}

func TestTransitions(t *testing.T) {
	want := []Transition{
		{From: "T1", To: "T2", CaseStudies: []string{"CS1"}, Count: 1},
		{From: "T1.001", To: "T2", CaseStudies: []string{"CS2"}, Count: 1},
	}
	// S00 -> S01 uses T1 twice: no self-transition; S00 -> S02 and S01 -> S02 count once for CS1.
	if diff := cmp.Diff(want, release("1").Transitions()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestUses(t *testing.T) {
	want := []Use{
		{Actor: "a", Technique: "T1", CaseStudies: []string{"CS1"}},
		{Actor: "a", Technique: "T1.001", CaseStudies: []string{"CS2"}},
		{Actor: "a", Technique: "T2", CaseStudies: []string{"CS1", "CS2"}},
		{Actor: "b", Technique: "T1.001", CaseStudies: []string{"CS2"}},
		{Actor: "b", Technique: "T2", CaseStudies: []string{"CS2"}},
	}
	if diff := cmp.Diff(want, release("1").Uses()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCompare(t *testing.T) {
	a, b := release("1"), release("2")
	if d := Compare(a, b); !d.Empty() {
		t.Errorf("equal releases differ: %+v", d)
	}
	b.Techniques[2].Name = "External Harm"
	b.Techniques = append(b.Techniques, Technique{Object: Object{ID: "T3", Name: "New"}, Tactics: []string{"TA2"}})
	b.Techniques[0].Tactics = []string{"TA1", "TA2"}
	b.Mitigations[0].Mitigates = []Mitigates{{Technique: "T3"}}
	b.CaseStudies = b.CaseStudies[:1]
	b.CaseStudies[0].Steps = append([]Step(nil), b.CaseStudies[0].Steps...)
	b.CaseStudies[0].Steps[2].Technique = "T3"
	d := Compare(a, b)
	want := Diff{From: "1", To: "2",
		Techniques:  EntityChanges{Added: []Entity{{"T3", "New"}}, Renamed: []Rename{{"T2", "Harm", "External Harm"}}},
		CaseStudies: EntityChanges{Removed: []Entity{{"CS2", "Two"}}},
		Achieves:    LinkChanges{Added: []Link{{"T1", "TA2"}, {"T3", "TA2"}}},
		Mitigates:   LinkChanges{Added: []Link{{"M1", "T3"}}, Removed: []Link{{"M1", "T1"}}},
		Steps: []StepChange{
			{CaseStudy: "CS1", StepID: "S02", Before: &a.CaseStudies[0].Steps[2], After: &b.CaseStudies[0].Steps[2]},
			{CaseStudy: "CS2", StepID: "S00", Before: &a.CaseStudies[1].Steps[0]},
			{CaseStudy: "CS2", StepID: "S01", Before: &a.CaseStudies[1].Steps[1]},
		},
		MovedTactic: []TacticMove{{ID: "T1", Name: "Search", From: []string{"TA1"}, To: []string{"TA1", "TA2"}}},
		MitigationLinks: []TechniqueMitigations{
			{Technique: "T1", Name: "Search", Added: []string{}, Removed: []string{"M1"}},
			{Technique: "T3", Name: "New", Added: []string{"M1"}, Removed: []string{}},
		},
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var out strings.Builder
	if err := WriteDiff(&out, d); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"Techniques: 1 added, 0 removed, 1 renamed",
		`  ~ T2 "Harm" -> "External Harm"`,
		"  - CS2 Two",
		"  + M1 -> T3",
		"  ~ CS1/S02 T2 in TA2, next [] -> T3 in TA2, next []",
		"  - CS2/S01 T2 in TA2, next []",
		"  moved tactic T1 Search: [TA1] -> [TA1 TA2]",
		"  mitigations of T1 Search: -M1",
		"  mitigations of T3 New: +M1",
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("diff text lacks %q:\n%s", line, out.String())
		}
	}
}

// Retired ids, maturity changes and new case studies are classified; the
// links of a retired technique are not listed again per technique.
func TestCompareUpgradeView(t *testing.T) {
	a, b := release("1"), release("2")
	b.Techniques = b.Techniques[1:] // retire the first
	retired := a.Techniques[0]
	for i := range b.Mitigations {
		b.Mitigations[i].Mitigates = nil
	}
	b.Techniques[0].Maturity = "Realized"
	b.CaseStudies = nil
	b.CaseStudies = append(b.CaseStudies, CaseStudy{Object: Object{ID: "CS9", Name: "Nine"}})
	d := Compare(a, b)
	if len(d.Retired) != 1 || d.Retired[0] != (Retired{Kind: "technique", ID: retired.ID, Name: retired.Name}) {
		t.Errorf("retired = %+v", d.Retired)
	}
	if len(d.MaturityChanges) != 1 || d.MaturityChanges[0].ID != a.Techniques[1].ID || d.MaturityChanges[0].To != "Realized" {
		t.Errorf("maturity = %+v", d.MaturityChanges)
	}
	for _, m := range d.MitigationLinks {
		if m.Technique == retired.ID {
			t.Errorf("links of the retired technique listed: %+v", m)
		}
	}
	if len(d.CaseStudiesAdded) != 1 || d.CaseStudiesAdded[0].ID != "CS9" {
		t.Errorf("case studies added = %+v", d.CaseStudiesAdded)
	}
	if d.Empty() {
		t.Error("a diff with changes is empty")
	}
}

func TestActorID(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"Aquatic Panda", "aquatic-panda"},
		{"Jamieson O'Reilly", "jamieson-o-reilly"},
		{"  APT28  ", "apt28"},
		{"Team—Ÿ Red!", "team-ÿ-red"},
		{"---", ""},
	} {
		if got := ActorID(c.name); got != c.want {
			t.Errorf("ActorID(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}
