package analysis

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ignoreSearchTime leaves out of comparisons the one field of a set answer
// that is a measurement (the search's wall time), not a result.
var ignoreSearchTime = cmpopts.IgnoreFields(SetResult{}, "SearchTime")

// set builds a MitigationSet from "id" or "id*" (required) members, each
// helping break the chains listed after '='.
func set(t *testing.T, cost float64, members ...string) MitigationSet {
	t.Helper()
	s := MitigationSet{Cost: cost}
	for _, m := range members {
		id, chains, _ := strings.Cut(m, "=")
		mem := SetMember{Mitigation: strings.TrimSuffix(id, "*"), Cost: 1, Required: strings.HasSuffix(id, "*")}
		if chains != "" {
			mem.Chains = strings.Split(chains, ",")
		}
		s.Members = append(s.Members, mem)
	}
	return s
}

// withCosts sets member costs from a cost table.
func withCosts(s MitigationSet, costs map[string]float64) MitigationSet {
	for i, m := range s.Members {
		if c, ok := costs[m.Mitigation]; ok {
			s.Members[i].Cost = c
		}
	}
	return s
}

func TestMinimalMitigationSet(t *testing.T) {
	know := Knowledge{Mitigates: map[string][]string{
		"M1": {"T1", "T2"},
		"M2": {"T3"},
		"M3": {"T1", "T3"},
		"M4": {"T4"},
		"M5": {"T9"},
	}}
	ab := []Chain{linear("A", "T1", "T2"), linear("B", "T3", "T4")}
	dearM3 := map[string]float64{"M3": 3}
	diamond := chainOf(t, "D", "a:TX>b,c b:T2>e c:T3>e e:TY")

	// Five single-step chains whose mitigations form a 5-cycle: the LP bound
	// (2.5) is below the integer optimum (3), so the root cannot prove it.
	cycleKnow := Knowledge{Mitigates: map[string][]string{
		"A": {"T1", "T5"}, "B": {"T1", "T2"}, "C": {"T2", "T3"}, "D": {"T3", "T4"}, "E": {"T4", "T5"},
	}}
	cycleChains := []Chain{linear("C1", "T1"), linear("C2", "T2"), linear("C3", "T3"), linear("C4", "T4"), linear("C5", "T5")}

	tests := []struct {
		name   string
		chains []Chain
		know   Knowledge
		req    SetRequest
		want   SetResult
	}{
		{
			name:   "one mitigation breaks both chains",
			chains: ab,
			know:   know,
			want: SetResult{
				Best:       set(t, 1, "M3=A,B"),
				Optimal:    true,
				LowerBound: 1,
				InScope:    []string{"A", "B"},
			},
		},
		{
			name:   "costs change the answer and alternatives tie",
			chains: ab,
			know:   know,
			req:    SetRequest{Costs: dearM3, Alternatives: 3},
			want: SetResult{
				Best:         set(t, 2, "M1=A", "M2=B"),
				Alternatives: []MitigationSet{set(t, 2, "M1=A", "M4=B")},
				Optimal:      true,
				LowerBound:   2,
				InScope:      []string{"A", "B"},
			},
		},
		{
			name:   "required mitigation is in the answer",
			chains: ab,
			know:   know,
			req:    SetRequest{Costs: dearM3, Require: []string{"M4"}, Alternatives: 3},
			want: SetResult{
				Best:       set(t, 2, "M1=A", "M4*=B"),
				Optimal:    true,
				LowerBound: 2,
				InScope:    []string{"A", "B"},
			},
		},
		{
			name:   "required mitigation that helps nothing still counts",
			chains: ab,
			know:   know,
			req:    SetRequest{Require: []string{"M5"}},
			want: SetResult{
				Best:       set(t, 2, "M3=A,B", "M5*"),
				Optimal:    true,
				LowerBound: 2,
				InScope:    []string{"A", "B"},
			},
		},
		{
			name:   "excluded mitigations leave chains unbreakable",
			chains: append(ab[:2:2], linear("C", "T2")),
			know:   know,
			req:    SetRequest{Exclude: []string{"M1", "M3"}, Alternatives: 1},
			want: SetResult{
				Best:         set(t, 1, "M2=B"),
				Alternatives: []MitigationSet{set(t, 1, "M4=B")},
				Optimal:      true,
				LowerBound:   1,
				InScope:      []string{"B"},
				Unbreakable: []UnbreakableChain{
					{ChainID: "A", Steps: []string{"s00", "s01"}, Route: []string{"s00", "s01"}},
					{ChainID: "C", Steps: []string{"s00"}, Route: []string{"s00"}},
				},
			},
		},
		{
			name:   "branching chain needs both branches cut",
			chains: []Chain{diamond},
			know:   Knowledge{Mitigates: map[string][]string{"M1": {"T2"}, "M2": {"T3"}, "M6": {"T2", "T3"}}},
			req:    SetRequest{Costs: map[string]float64{"M6": 2.5}},
			want: SetResult{
				Best:       set(t, 2, "M1=D", "M2=D"),
				Optimal:    true,
				LowerBound: 2,
				InScope:    []string{"D"},
			},
		},
		{
			name:   "route cap hit: answer is still checked against every route",
			chains: []Chain{diamond},
			know:   Knowledge{Mitigates: map[string][]string{"M1": {"T2"}, "M2": {"T3"}, "M6": {"T2", "T3"}}},
			req:    SetRequest{Costs: map[string]float64{"M6": 2.5}, MaxRouteSets: 1},
			want: SetResult{
				Best:        set(t, 2, "M1=D", "M2=D"),
				Optimal:     true,
				LowerBound:  2,
				InScope:     []string{"D"},
				RouteCapHit: []string{"D"},
			},
		},
		{
			name: "no chains: only the required mitigations",
			know: know,
			req:  SetRequest{Require: []string{"M2"}},
			want: SetResult{Best: set(t, 1, "M2*"), Optimal: true, LowerBound: 1},
		},
		{
			name:   "all optimal sets of an odd cycle",
			chains: cycleChains,
			know:   cycleKnow,
			req:    SetRequest{Alternatives: 10},
			want: SetResult{
				Best: set(t, 3, "A=C1,C5", "B=C1,C2", "D=C3,C4"),
				Alternatives: []MitigationSet{
					set(t, 3, "A=C1,C5", "C=C2,C3", "D=C3,C4"),
					set(t, 3, "A=C1,C5", "C=C2,C3", "E=C4,C5"),
					set(t, 3, "B=C1,C2", "C=C2,C3", "E=C4,C5"),
					set(t, 3, "B=C1,C2", "D=C3,C4", "E=C4,C5"),
				},
				Optimal:    true,
				LowerBound: 3,
				InScope:    []string{"C1", "C2", "C3", "C4", "C5"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MinimalMitigationSet(context.Background(), tt.chains, tt.know, Options{}, tt.req)
			if err != nil {
				t.Fatalf("MinimalMitigationSet: %v", err)
			}
			tt.want.Best = withCosts(tt.want.Best, tt.req.Costs)
			for i := range tt.want.Alternatives {
				tt.want.Alternatives[i] = withCosts(tt.want.Alternatives[i], tt.req.Costs)
			}
			tt.want.Nodes = got.Nodes
			if diff := cmp.Diff(tt.want, got, ignoreSearchTime); diff != "" {
				t.Errorf("MinimalMitigationSet mismatch (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("budget stops the search with a proven bound", func(t *testing.T) {
		// Costs of 1.5 keep the bound of 3.75 from rounding up to the best
		// cost, 4.5, so the root cannot close the search.
		costs := map[string]float64{"A": 1.5, "B": 1.5, "C": 1.5, "D": 1.5, "E": 1.5}
		got, err := MinimalMitigationSet(context.Background(), cycleChains, cycleKnow, Options{}, SetRequest{Budget: 1, Costs: costs})
		if err != nil {
			t.Fatalf("MinimalMitigationSet: %v", err)
		}
		if got.Optimal {
			t.Errorf("Optimal = true with a one-node budget, want false")
		}
		if got.Nodes < 1 || got.Nodes > 2 {
			t.Errorf("Nodes = %d, want the budget of 1 (plus the refused node)", got.Nodes)
		}
		if got.Best.Cost != 4.5 || got.LowerBound < 3 || got.LowerBound > 4.5 {
			t.Errorf("Best.Cost = %v, LowerBound = %v; want 4.5 and a bound in [3, 4.5]", got.Best.Cost, got.LowerBound)
		}
		if got.Stopped != StopBudget {
			t.Errorf("Stopped = %q, want %q", got.Stopped, StopBudget)
		}
	})
}

func TestMinimalMitigationSetErrors(t *testing.T) {
	know := Knowledge{Mitigates: map[string][]string{"M1": {"T1"}, "M2": {"T2"}}}
	chains := []Chain{linear("A", "T1")}
	tests := []struct {
		name    string
		chains  []Chain
		req     SetRequest
		mention string
	}{
		{"zero cost", chains, SetRequest{Costs: map[string]float64{"M1": 0}}, `"M1" has cost 0`},
		{"negative cost", chains, SetRequest{Costs: map[string]float64{"M2": -1}}, `"M2" has cost -1`},
		{"NaN cost", chains, SetRequest{Costs: map[string]float64{"M1": math.NaN()}}, "NaN"},
		{"infinite cost", chains, SetRequest{Costs: map[string]float64{"M1": math.Inf(1)}}, "+Inf"},
		{"unknown required", chains, SetRequest{Require: []string{"MX"}}, `required mitigation "MX"`},
		{"unknown excluded", chains, SetRequest{Exclude: []string{"MY"}}, `excluded mitigation "MY"`},
		{"required and excluded", chains, SetRequest{Require: []string{"M1"}, Exclude: []string{"M1"}}, "both required and excluded"},
		{"negative alternatives", chains, SetRequest{Alternatives: -1}, "alternatives is -1"},
		{"too many alternatives", chains, SetRequest{Alternatives: MaxAlternatives + 1}, "alternatives is 101"},
		{"negative budget", chains, SetRequest{Budget: -5}, "budget is -5"},
		{"negative route cap", chains, SetRequest{MaxRouteSets: -1}, "route cap is -1"},
		{"duplicate chain ids", []Chain{linear("A", "T1"), linear("A", "T2")}, SetRequest{}, `"A" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := MinimalMitigationSet(context.Background(), tt.chains, know, Options{}, tt.req)
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("error = %v, want ErrInvalidInput", err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}
