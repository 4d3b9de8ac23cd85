package analysis

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestChokePoints(t *testing.T) {
	chains := []Chain{
		chainOf(t, "C1", "a:T1>b,c b:T2>d c:T3>d d:T4"),
		linear("C2", "T1", "T4"),
		linear("C3", "T5"),
	}
	paths := []Path{
		{ID: "p1", Techniques: []string{"T1", "T3"}},
		{Techniques: []string{"T5"}},
	}
	know := Knowledge{Mitigates: map[string][]string{
		"M1": {"T1"}, "M2": {"T2"}, "M3": {"T2", "T3"}, "M4": {"T4", "T5"}, "M5": {"T9"},
	}}
	full := ChokePointReport{
		Techniques: []TechniqueChoke{
			{Technique: "T1", Chains: []string{"C1", "C2"}, Cuts: []string{"C1", "C2"}, Paths: []string{"p1"}},
			{Technique: "T4", Chains: []string{"C1", "C2"}, Cuts: []string{"C1", "C2"}},
			{Technique: "T5", Chains: []string{"C3"}, Cuts: []string{"C3"}, Paths: []string{"path-2"}},
			{Technique: "T3", Chains: []string{"C1"}, Paths: []string{"p1"}},
			{Technique: "T2", Chains: []string{"C1"}},
		},
		Mitigations: []MitigationChoke{
			{Mitigation: "M4", BreaksChains: []string{"C1", "C2", "C3"}, BreaksPaths: []string{"path-2"}, HitsChains: []string{"C1", "C2", "C3"}},
			{Mitigation: "M1", BreaksChains: []string{"C1", "C2"}, BreaksPaths: []string{"p1"}, HitsChains: []string{"C1", "C2"}},
			{Mitigation: "M3", BreaksChains: []string{"C1"}, BreaksPaths: []string{"p1"}, HitsChains: []string{"C1"}},
			{Mitigation: "M2", HitsChains: []string{"C1"}},
		},
	}
	tests := []struct {
		name  string
		limit int
		want  ChokePointReport
	}{
		{"no limit", 0, full},
		{"limit two", 2, ChokePointReport{Techniques: full.Techniques[:2], Mitigations: full.Mitigations[:2]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ChokePoints(context.Background(), chains, paths, know, Options{}, tt.limit)
			if err != nil {
				t.Fatalf("ChokePoints: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ChokePoints mismatch (-want +got):\n%s", diff)
			}
		})
	}

	errTests := []struct {
		name    string
		chains  []Chain
		paths   []Path
		limit   int
		mention string
	}{
		{"negative limit", chains, nil, -1, "limit is -1"},
		{"duplicate chain", []Chain{linear("A", "T1"), linear("A", "T2")}, nil, 0, `"A" appears twice`},
		{"duplicate path", nil, []Path{{ID: "path-2"}, {}}, 0, `"path-2" appears twice`},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ChokePoints(context.Background(), tt.chains, tt.paths, know, Options{}, tt.limit)
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error = %v, want ErrInvalidInput mentioning %q", err, tt.mention)
			}
		})
	}
}

func TestCoverageGaps(t *testing.T) {
	know := Knowledge{
		Mitigates: map[string][]string{"M1": {"T1"}, "M2": {"T2"}},
		Parents:   map[string]string{"T1.001": "T1"},
	}
	techs := []TechniqueInfo{
		{ID: "T1", Maturity: "Realized", CaseStudyCount: 3},
		{ID: "T6", Maturity: "realized", CaseStudyCount: 1},
		{ID: "T7", Maturity: "Demonstrated", CaseStudyCount: 5},
		{ID: "T8", Maturity: "Feasible", CaseStudyCount: 9},
		{ID: "T9", CaseStudyCount: 20},
		{ID: "T10", Maturity: "Demonstrated", CaseStudyCount: 5},
		{ID: "T11", Maturity: "Realized", CaseStudyCount: 1},
		{ID: "T1.001", Maturity: "Feasible", CaseStudyCount: 2},
		{ID: "T2", Maturity: "Feasible"},
		{ID: "T12", Maturity: "Proposed", CaseStudyCount: 30},
	}
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"direct links only", Options{}, []string{"T11", "T6", "T10", "T7", "T8", "T1.001", "T12", "T9"}},
		{"sub-techniques inherit", Options{InheritFromParent: true}, []string{"T11", "T6", "T10", "T7", "T8", "T12", "T9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CoverageGaps(context.Background(), techs, know, tt.opts)
			if err != nil {
				t.Fatalf("CoverageGaps: %v", err)
			}
			var ids []string
			for _, g := range got {
				ids = append(ids, g.ID)
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("CoverageGaps mismatch (-want +got):\n%s", diff)
			}
		})
	}

	errTests := []struct {
		name    string
		techs   []TechniqueInfo
		mention string
	}{
		{"empty id", []TechniqueInfo{{}}, "empty id"},
		{"duplicate", []TechniqueInfo{{ID: "T1"}, {ID: "T1"}}, `"T1" appears twice`},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CoverageGaps(context.Background(), tt.techs, know, Options{})
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error = %v, want ErrInvalidInput mentioning %q", err, tt.mention)
			}
		})
	}
}
