package analysis

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func pathTechniques(ps []Path) [][]string {
	var out [][]string
	for _, p := range ps {
		out = append(out, p.Techniques)
	}
	return out
}

func TestAttackPaths(t *testing.T) {
	ts := []Transition{
		{From: "A", To: "B", Count: 3, CaseStudies: []string{"CS3", "CS1", "CS2"}},
		{From: "B", To: "C", Count: 2, CaseStudies: []string{"CS1", "CS2"}},
		{From: "A", To: "C", Count: 1, CaseStudies: []string{"CS4"}},
		{From: "C", To: "D", Count: 2, CaseStudies: []string{"CS5", "CS1"}},
		{From: "B", To: "D", Count: 1, CaseStudies: []string{"CS3"}},
		{From: "A", To: "B", Count: 1, CaseStudies: []string{"CS9", "CS1"}}, // merged with the first
		{From: "D", To: "A", Count: 5, CaseStudies: []string{"CS7"}},
		{From: "C", To: "C", Count: 3, CaseStudies: []string{"CS8"}}, // ignored
	}
	know := Knowledge{
		Mitigates: map[string][]string{"MB": {"B"}, "MC": {"C"}, "MD": {"D"}, "MX": {"X"}},
	}

	t.Run("full result", func(t *testing.T) {
		got, err := AttackPaths(context.Background(), ts, PathQuery{From: []string{"A"}, To: []string{"D"}, MaxHops: 3, Limit: 10, MinSupport: 1}, know, Options{})
		if err != nil {
			t.Fatalf("AttackPaths: %v", err)
		}
		want := []Path{
			{
				ID: "path-1", Techniques: []string{"A", "B", "C", "D"}, MinSupport: 2, TotalSupport: 8,
				Hops: []Hop{
					{From: "A", To: "B", Count: 4, CaseStudies: []string{"CS1", "CS2", "CS3", "CS9"}},
					{From: "B", To: "C", Count: 2, CaseStudies: []string{"CS1", "CS2"}},
					{From: "C", To: "D", Count: 2, CaseStudies: []string{"CS1", "CS5"}},
				},
			},
			{
				ID: "path-2", Techniques: []string{"A", "B", "D"}, MinSupport: 1, TotalSupport: 5,
				Hops: []Hop{
					{From: "A", To: "B", Count: 4, CaseStudies: []string{"CS1", "CS2", "CS3", "CS9"}},
					{From: "B", To: "D", Count: 1, CaseStudies: []string{"CS3"}},
				},
			},
			{
				ID: "path-3", Techniques: []string{"A", "C", "D"}, MinSupport: 1, TotalSupport: 3,
				Hops: []Hop{
					{From: "A", To: "C", Count: 1, CaseStudies: []string{"CS4"}},
					{From: "C", To: "D", Count: 2, CaseStudies: []string{"CS1", "CS5"}},
				},
			},
		}
		if diff := cmp.Diff(want, got.Paths); diff != "" {
			t.Errorf("Paths mismatch (-want +got):\n%s", diff)
		}
		if got.Truncated || got.Unbreakable != nil {
			t.Errorf("Truncated = %v, Unbreakable = %v; want false, nil", got.Truncated, got.Unbreakable)
		}
		wantSet := MitigationSet{Cost: 1, Members: []SetMember{{Mitigation: "MD", Cost: 1, Chains: []string{"path-1", "path-2", "path-3"}}}}
		if diff := cmp.Diff(wantSet, got.Mitigation.Best); diff != "" || !got.Mitigation.Optimal {
			t.Errorf("Mitigation.Best mismatch (-want +got):\n%s", diff)
		}
	})

	tests := []struct {
		name            string
		q               PathQuery
		know            Knowledge
		want            [][]string
		wantUnbreakable []string
		wantTruncated   bool
	}{
		{
			name: "minimum support drops weak transitions",
			q:    PathQuery{From: []string{"A"}, To: []string{"D"}, MaxHops: 3, Limit: 10, MinSupport: 2},
			know: know,
			want: [][]string{{"A", "B", "C", "D"}},
		},
		{
			name: "max hops",
			q:    PathQuery{From: []string{"A"}, To: []string{"D"}, MaxHops: 2, Limit: 10},
			know: know,
			want: [][]string{{"A", "B", "D"}, {"A", "C", "D"}},
		},
		{
			name: "limit keeps the best",
			q:    PathQuery{From: []string{"A"}, To: []string{"D"}, MaxHops: 3, Limit: 1},
			know: know,
			want: [][]string{{"A", "B", "C", "D"}},
		},
		{
			name: "excluded mitigation removes its techniques",
			q:    PathQuery{From: []string{"A"}, To: []string{"D"}, MaxHops: 3, Limit: 10, ExcludeMitigatedBy: []string{"MB"}},
			know: know,
			want: [][]string{{"A", "C", "D"}},
		},
		{
			name: "excluded end technique",
			q:    PathQuery{From: []string{"A"}, To: []string{"D"}, MaxHops: 3, Limit: 10, ExcludeMitigatedBy: []string{"MD"}},
			know: know,
		},
		{
			name: "a path visits a technique once",
			q:    PathQuery{From: []string{"A"}, To: []string{"A"}, MaxHops: 8, Limit: 10},
			know: know,
		},
		{
			name: "several starts and ends, intermediate targets included",
			q:    PathQuery{From: []string{"D", "C"}, To: []string{"A", "B"}, MaxHops: 3, Limit: 10},
			know: know,
			want: [][]string{{"D", "A"}, {"D", "A", "B"}, {"C", "D", "A", "B"}, {"C", "D", "A"}},
		},
		{
			name:            "paths nothing can break",
			q:               PathQuery{From: []string{"D"}, To: []string{"A"}, MaxHops: 2, Limit: 10},
			know:            Knowledge{Mitigates: map[string][]string{"MB": {"B"}}},
			want:            [][]string{{"D", "A"}},
			wantUnbreakable: []string{"path-1"},
		},
		{
			name:          "expansion cap truncates",
			q:             PathQuery{From: []string{"A"}, To: []string{"D"}, MaxHops: 3, Limit: 10, MaxExpansions: 1},
			know:          know,
			wantTruncated: true,
		},
		{
			name: "unknown techniques find nothing",
			q:    PathQuery{From: []string{"Q"}, To: []string{"R"}, MaxHops: 3, Limit: 10},
			know: know,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AttackPaths(context.Background(), ts, tt.q, tt.know, Options{})
			if err != nil {
				t.Fatalf("AttackPaths: %v", err)
			}
			if diff := cmp.Diff(tt.want, pathTechniques(got.Paths)); diff != "" {
				t.Errorf("paths mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantUnbreakable, got.Unbreakable); diff != "" {
				t.Errorf("Unbreakable mismatch (-want +got):\n%s", diff)
			}
			if got.Truncated != tt.wantTruncated {
				t.Errorf("Truncated = %v, want %v", got.Truncated, tt.wantTruncated)
			}
		})
	}
}

func TestAttackPathsErrors(t *testing.T) {
	know := Knowledge{Mitigates: map[string][]string{"M1": {"A"}}}
	ok := []Transition{{From: "A", To: "B", Count: 1}}
	base := PathQuery{From: []string{"A"}, To: []string{"B"}, MaxHops: 2, Limit: 5}
	with := func(f func(*PathQuery)) PathQuery {
		q := base
		f(&q)
		return q
	}
	tests := []struct {
		name    string
		ts      []Transition
		q       PathQuery
		mention string
	}{
		{"zero hops", ok, with(func(q *PathQuery) { q.MaxHops = 0 }), "max hops is 0"},
		{"too many hops", ok, with(func(q *PathQuery) { q.MaxHops = MaxPathHops + 1 }), "max hops is 9"},
		{"zero limit", ok, with(func(q *PathQuery) { q.Limit = 0 }), "limit is 0"},
		{"limit too large", ok, with(func(q *PathQuery) { q.Limit = MaxPathLimit + 1 }), "limit is 501"},
		{"negative expansion cap", ok, with(func(q *PathQuery) { q.MaxExpansions = -1 }), "expansion cap is -1"},
		{"unknown excluded mitigation", ok, with(func(q *PathQuery) { q.ExcludeMitigatedBy = []string{"MZ"} }), `"MZ"`},
		{"bad cost", ok, with(func(q *PathQuery) { q.Costs = map[string]float64{"M1": 0} }), `"M1" has cost 0`},
		{"negative count", []Transition{{From: "A", To: "B", Count: -2}}, base, "count -2"},
		{"empty technique", []Transition{{From: "A", Count: 1}}, base, "empty technique"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := AttackPaths(context.Background(), tt.ts, tt.q, know, Options{})
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("error = %v, want ErrInvalidInput", err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}
