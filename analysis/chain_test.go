package analysis

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestChainMitigations(t *testing.T) {
	know := Knowledge{
		Mitigates: map[string][]string{
			"M1": {"T2"},
			"M2": {"T1", "T3"},
			"M3": {"T9"},
			"M4": {"T4"},
			"M5": {"T1"},
			"M6": {"T2", "T3"},
			"MP": {"T7"},
		},
		Parents: map[string]string{"T7.001": "T7"},
	}
	tests := []struct {
		name  string
		chain Chain
		opts  Options
		want  ChainReport
	}{
		{
			name:  "linear chain: each mitigation breaks at its first hit",
			chain: chainOf(t, "CS1", "a:T1>b b:T2>c c:T3"),
			want: ChainReport{
				ChainID: "CS1",
				Order:   []string{"a", "b", "c"},
				Breakers: []MitigationHits{
					{Mitigation: "M2", Steps: []string{"a", "c"}, BreaksAt: "a"},
					{Mitigation: "M5", Steps: []string{"a"}, BreaksAt: "a"},
					{Mitigation: "M1", Steps: []string{"b"}, BreaksAt: "b"},
					{Mitigation: "M6", Steps: []string{"b", "c"}, BreaksAt: "b"},
				},
				Breakable: true,
			},
		},
		{
			name:  "diamond: one branch is not enough",
			chain: chainOf(t, "CS2", "d:T4 a:T1>b,c b:T2>d c:T3>d"),
			want: ChainReport{
				ChainID: "CS2",
				Order:   []string{"a", "b", "c", "d"},
				Breakers: []MitigationHits{
					{Mitigation: "M2", Steps: []string{"a", "c"}, BreaksAt: "a"},
					{Mitigation: "M5", Steps: []string{"a"}, BreaksAt: "a"},
					{Mitigation: "M6", Steps: []string{"b", "c"}, BreaksAt: "c"},
					{Mitigation: "M4", Steps: []string{"d"}, BreaksAt: "d"},
				},
				Partial:   []MitigationHits{{Mitigation: "M1", Steps: []string{"b"}}},
				Breakable: true,
			},
		},
		{
			name:  "uncovered branch makes the chain unbreakable",
			chain: chainOf(t, "CS3", "a:T2>b,c b:T3>e c:TX>e e:TY"),
			want: ChainReport{
				ChainID: "CS3",
				Order:   []string{"a", "b", "c", "e"},
				Breakers: []MitigationHits{
					{Mitigation: "M1", Steps: []string{"a"}, BreaksAt: "a"},
					{Mitigation: "M6", Steps: []string{"a", "b"}, BreaksAt: "a"},
				},
				Partial:        []MitigationHits{{Mitigation: "M2", Steps: []string{"b"}}},
				UncoveredSteps: []string{"c", "e"},
				Breakable:      true,
			},
		},
		{
			name:  "route of uncovered steps",
			chain: chainOf(t, "CS4", "a:TX>b,c b:T3>e c:TZ>e e:TY"),
			want: ChainReport{
				ChainID:        "CS4",
				Order:          []string{"a", "b", "c", "e"},
				Partial:        []MitigationHits{{Mitigation: "M2", Steps: []string{"b"}}, {Mitigation: "M6", Steps: []string{"b"}}},
				UncoveredSteps: []string{"a", "c", "e"},
				OpenRoute:      []string{"a", "c", "e"},
			},
		},
		{
			name:  "sub-technique without inheritance",
			chain: chainOf(t, "CS5", "a:T7.001"),
			want: ChainReport{
				ChainID:        "CS5",
				Order:          []string{"a"},
				UncoveredSteps: []string{"a"},
				OpenRoute:      []string{"a"},
			},
		},
		{
			name:  "sub-technique inherits its parent's mitigation",
			chain: chainOf(t, "CS5", "a:T7.001"),
			opts:  Options{InheritFromParent: true},
			want: ChainReport{
				ChainID:   "CS5",
				Order:     []string{"a"},
				Breakers:  []MitigationHits{{Mitigation: "MP", Steps: []string{"a"}, BreaksAt: "a"}},
				Breakable: true,
			},
		},
		{
			name:  "several sources and sinks, ties by id",
			chain: chainOf(t, "CS6", "z:T1>m a:T2>m m:T4>y,b y:T3 b:TX"),
			want: ChainReport{
				ChainID: "CS6",
				Order:   []string{"a", "z", "m", "b", "y"},
				Breakers: []MitigationHits{
					{Mitigation: "M4", Steps: []string{"m"}, BreaksAt: "m"},
				},
				Partial: []MitigationHits{
					{Mitigation: "M1", Steps: []string{"a"}},
					{Mitigation: "M2", Steps: []string{"z", "y"}},
					{Mitigation: "M5", Steps: []string{"z"}},
					{Mitigation: "M6", Steps: []string{"a", "y"}},
				},
				UncoveredSteps: []string{"b"},
				Breakable:      true,
			},
		},
		{
			name: "earliest break is where the last open route closes",
			// Routes a-b-d and a-c-d; M6 hits b and c. Another source x-c-d.
			chain: chainOf(t, "CS7", "x:TX>c a:TY>b,c b:T2>d c:T3>d d:TZ"),
			want: ChainReport{
				ChainID: "CS7",
				Order:   []string{"a", "b", "x", "c", "d"},
				Breakers: []MitigationHits{
					{Mitigation: "M6", Steps: []string{"b", "c"}, BreaksAt: "c"},
				},
				Partial: []MitigationHits{
					{Mitigation: "M1", Steps: []string{"b"}},
					{Mitigation: "M2", Steps: []string{"c"}},
				},
				UncoveredSteps: []string{"a", "x", "d"},
				Breakable:      true,
			},
		},
		{
			name: "duplicate next links are one link",
			chain: Chain{ID: "CS8", Steps: []Step{
				{ID: "a", Technique: "T1", Next: []string{"b", "b"}},
				{ID: "b", Technique: "T4"},
			}},
			want: ChainReport{
				ChainID: "CS8",
				Order:   []string{"a", "b"},
				Breakers: []MitigationHits{
					{Mitigation: "M2", Steps: []string{"a"}, BreaksAt: "a"},
					{Mitigation: "M5", Steps: []string{"a"}, BreaksAt: "a"},
					{Mitigation: "M4", Steps: []string{"b"}, BreaksAt: "b"},
				},
				Breakable: true,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ChainMitigations(context.Background(), tt.chain, know, tt.opts)
			if err != nil {
				t.Fatalf("ChainMitigations: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ChainMitigations mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChainErrors(t *testing.T) {
	tests := []struct {
		name     string
		chain    Chain
		sentinel error
		mention  string
	}{
		{"self loop", chainOf(t, "C", "a:T1>a"), ErrCycle, "a -> a"},
		{"two-step loop", chainOf(t, "C", "a:T1>b b:T2>a"), ErrCycle, "a -> b -> a"},
		{"loop after a source", chainOf(t, "C", "s:T1>b b:T2>c c:T3>d,b d:T4"), ErrCycle, "b -> c -> b"},
		{"dangling next", chainOf(t, "C", "a:T1>b b:T2>zz"), ErrDanglingStep, `"zz"`},
		{"duplicate step id", chainOf(t, "C", "a:T1>b a:T2"), ErrInvalidInput, `"a" appears twice`},
		{"empty step id", Chain{ID: "C", Steps: []Step{{Technique: "T1"}}}, ErrInvalidInput, "empty id"},
		{"no steps", Chain{ID: "C"}, ErrInvalidInput, "no steps"},
		{"empty chain id", Chain{Steps: []Step{{ID: "a"}}}, ErrInvalidInput, "empty id"},
	}
	know := Knowledge{Mitigates: map[string][]string{"M1": {"T1"}}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checks := map[string]func() error{
				"ChainMitigations": func() error {
					_, err := ChainMitigations(context.Background(), tt.chain, know, Options{})
					return err
				},
				"MinimalMitigationSet": func() error {
					_, err := MinimalMitigationSet(context.Background(), []Chain{linear("ok", "T1"), tt.chain}, know, Options{}, SetRequest{})
					return err
				},
				"ChokePoints": func() error {
					_, err := ChokePoints(context.Background(), []Chain{tt.chain}, nil, know, Options{}, 0)
					return err
				},
			}
			for fn, call := range checks {
				err := call()
				if !errors.Is(err, tt.sentinel) || !errors.Is(err, ErrInvalidInput) {
					t.Fatalf("%s: error %v, want %v (and ErrInvalidInput)", fn, err, tt.sentinel)
				}
				if !strings.Contains(err.Error(), tt.mention) {
					t.Errorf("%s: error %q does not mention %q", fn, err, tt.mention)
				}
			}
		})
	}
}
