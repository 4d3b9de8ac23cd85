package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// bigInstance is a set question large enough that its search cannot finish
// before the first look at the context: 600 chains over 300 techniques and
// 120 mitigations with costs that keep bounds from rounding.
func bigInstance() ([]Chain, Knowledge, map[string]float64) {
	r := rand.New(rand.NewPCG(8, 5))
	k := Knowledge{Mitigates: map[string][]string{}}
	costs := map[string]float64{}
	for m := range 120 {
		id := fmt.Sprintf("M%03d", m)
		for range 6 {
			k.Mitigates[id] = append(k.Mitigates[id], fmt.Sprintf("T%03d", r.IntN(300)))
		}
		costs[id] = 1 + r.Float64()
	}
	var chains []Chain
	for c := range 600 {
		techs := make([]string, 3+r.IntN(4))
		for i := range techs {
			techs[i] = fmt.Sprintf("T%03d", r.IntN(300))
		}
		chains = append(chains, linear(fmt.Sprintf("C%03d", c), techs...))
	}
	return chains, k, costs
}

func TestMinimalMitigationSetStopsWithContext(t *testing.T) {
	chains, k, costs := bigInstance()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	tests := []struct {
		name string
		ctx  context.Context
		req  SetRequest
		want StopReason
	}{
		{"cancelled", cancelled, SetRequest{Costs: costs}, StopCancelled},
		{"deadline passed", expired, SetRequest{Costs: costs}, StopDeadline},
		{"cancelled with alternatives", cancelled, SetRequest{Costs: costs, Alternatives: 5}, StopCancelled},
		{"cancelled with capped routes", cancelled, SetRequest{Costs: costs, MaxRouteSets: 1}, StopCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MinimalMitigationSet(tt.ctx, chains, k, Options{}, tt.req)
			if err != nil {
				t.Fatalf("MinimalMitigationSet: %v", err)
			}
			if got.Optimal || got.Stopped != tt.want {
				t.Fatalf("Optimal %v, Stopped %q; want false and %q", got.Optimal, got.Stopped, tt.want)
			}
			checkAnswer(t, chains, k, costs, got)
		})
	}
}

// checkAnswer checks with the brute-force oracle that every set breaks every
// chain in scope, sums its costs again and checks the bound is finite and
// below the cost.
func checkAnswer(t *testing.T, chains []Chain, k Knowledge, costs map[string]float64, got SetResult) {
	t.Helper()
	for _, s := range append([]MitigationSet{got.Best}, got.Alternatives...) {
		ids := memberIDs(s)
		sum := 0.0
		for _, m := range ids {
			sum += costs[m]
		}
		if math.Abs(sum-s.Cost) > 1e-9*sum {
			t.Errorf("set %v costs %v, members sum to %v", ids, s.Cost, sum)
		}
		for _, ch := range chains {
			if slices.Contains(got.InScope, ch.ID) && !bruteBreaks(ch, k, Options{}, ids) {
				t.Fatalf("set %v does not break chain %s", ids, ch.ID)
			}
		}
	}
	if math.IsNaN(got.LowerBound) || math.IsInf(got.LowerBound, 0) || got.LowerBound <= 0 || got.LowerBound > got.Best.Cost {
		t.Errorf("LowerBound %v, want a finite bound in (0, %v]", got.LowerBound, got.Best.Cost)
	}
}

func TestMinimalMitigationSetStopsMidSearch(t *testing.T) {
	// A context cancelled while the search runs: it must stop with the best
	// set found so far, whatever point it had reached.
	chains, k, costs := bigInstance()
	for _, after := range []time.Duration{0, time.Millisecond, 5 * time.Millisecond} {
		ctx, cancel := context.WithCancel(context.Background())
		timer := time.AfterFunc(after, cancel)
		got, err := MinimalMitigationSet(ctx, chains, k, Options{}, SetRequest{Costs: costs})
		timer.Stop()
		cancel()
		if err != nil {
			t.Fatalf("MinimalMitigationSet: %v", err)
		}
		if got.Optimal != (got.Stopped == "") {
			t.Fatalf("Optimal %v with Stopped %q", got.Optimal, got.Stopped)
		}
		checkAnswer(t, chains, k, costs, got)
	}
}

func TestAttackPathsStopsWithContext(t *testing.T) {
	in := newAtlasSized(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q := PathQuery{From: in.techniques[:50], To: in.techniques[50:], MaxHops: 6, Limit: 100}
	got, err := AttackPaths(ctx, in.transitions, q, in.know, Options{})
	if err != nil {
		t.Fatalf("AttackPaths: %v", err)
	}
	if !got.Truncated || got.Stopped != StopCancelled {
		t.Fatalf("Truncated %v, Stopped %q; want true and %q", got.Truncated, got.Stopped, StopCancelled)
	}
	full, err := AttackPaths(context.Background(), in.transitions, q, in.know, Options{})
	if err != nil {
		t.Fatalf("AttackPaths: %v", err)
	}
	if full.Truncated || full.Stopped != "" || len(full.Paths) == 0 {
		t.Fatalf("uncancelled search: Truncated %v, Stopped %q, %d paths; want a finished search with paths", full.Truncated, full.Stopped, len(full.Paths))
	}
}

func TestComputationsFailWithContext(t *testing.T) {
	in := newAtlasSized(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var techs []TechniqueInfo
	for _, id := range in.techniques {
		techs = append(techs, TechniqueInfo{ID: id})
	}
	calls := map[string]func() error{
		"ChainMitigations": func() error { _, err := ChainMitigations(ctx, in.chains[0], in.know, Options{}); return err },
		"ChokePoints":      func() error { _, err := ChokePoints(ctx, in.chains, nil, in.know, Options{}, 0); return err },
		"CoverageGaps":     func() error { _, err := CoverageGaps(ctx, techs, in.know, Options{}); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			if !errors.Is(err, context.Canceled) || errors.Is(err, ErrInvalidInput) {
				t.Fatalf("error = %v, want one wrapping context.Canceled and not ErrInvalidInput", err)
			}
			if !strings.Contains(err.Error(), "stopped") {
				t.Errorf("error %q does not say the computation stopped", err)
			}
		})
	}
}

func TestCostsAreBounded(t *testing.T) {
	k := Knowledge{Mitigates: map[string][]string{"M1": {"T1"}, "M2": {"T2"}}}
	chains := []Chain{linear("A", "T1"), linear("B", "T2")}
	for _, c := range []float64{1e308, math.MaxFloat64, MaxCost * 1.0000001, math.Inf(1), math.NaN(), -1, 0} {
		_, err := MinimalMitigationSet(context.Background(), chains, k, Options{}, SetRequest{Costs: map[string]float64{"M2": c}})
		if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), `"M2"`) {
			t.Errorf("cost %v: error = %v, want ErrInvalidInput naming M2", c, err)
		}
	}
	// The largest costs allowed give finite answers.
	got, err := MinimalMitigationSet(context.Background(), chains, k, Options{}, SetRequest{Costs: map[string]float64{"M1": MaxCost, "M2": MaxCost}})
	if err != nil {
		t.Fatalf("costs at the maximum: %v", err)
	}
	if got.Best.Cost != 2*MaxCost || got.LowerBound != 2*MaxCost || !got.Optimal {
		t.Errorf("costs at the maximum: cost %v, bound %v, optimal %v; want %v, %v, true", got.Best.Cost, got.LowerBound, got.Optimal, 2*MaxCost, 2*MaxCost)
	}
	_, err = AttackPaths(context.Background(), []Transition{{From: "T1", To: "T2", Count: 1}}, PathQuery{From: []string{"T1"}, To: []string{"T2"}, MaxHops: 1, Limit: 1, Costs: map[string]float64{"M1": 1e308}}, k, Options{})
	if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), `"M1"`) {
		t.Errorf("AttackPaths with cost 1e308: error = %v, want ErrInvalidInput naming M1", err)
	}
}

// TestMinimalMitigationSetStopsMidSearchAtScale cancels the search on the
// synthetic 100x release (unit costs) at several points, so that the cancellation lands in the
// probe, in the root LP or in the search below it; each time the call must
// return, say it was cancelled, and answer a set breaking every chain in
// scope with a bound below its cost. The wait for the return is generous,
// for a loaded machine: it checks that the call ends, not how fast.
func TestMinimalMitigationSetStopsMidSearchAtScale(t *testing.T) {
	in := synthInput(t, 100)
	costs := map[string]float64{}
	for m := range in.Knowledge.Mitigates {
		costs[m] = 1
	}
	for _, after := range []time.Duration{50 * time.Millisecond, 1500 * time.Millisecond, 4 * time.Second} {
		ctx, cancel := context.WithCancel(context.Background())
		type answer struct {
			res SetResult
			err error
		}
		done := make(chan answer, 1)
		go func() {
			res, err := MinimalMitigationSet(ctx, in.Chains, in.Knowledge, Options{}, SetRequest{Costs: costs})
			done <- answer{res, err}
		}()
		time.Sleep(after)
		cancel()
		var a answer
		select {
		case a = <-done:
		case <-time.After(2 * time.Minute):
			t.Fatalf("cancelled after %v: the search had not returned two minutes later", after)
		}
		if a.err != nil {
			t.Fatalf("cancelled after %v: %v", after, a.err)
		}
		// On a quiet machine the search may prove the optimum before the
		// later cancellations land (it takes about 2s here); then it must
		// say so. The first, at 50ms, always lands mid-search.
		finished := a.res.Optimal && a.res.Stopped == ""
		if !(finished && after > 50*time.Millisecond) && (a.res.Optimal || a.res.Stopped != StopCancelled) {
			t.Fatalf("cancelled after %v: Optimal %v, Stopped %q; want false and %q", after, a.res.Optimal, a.res.Stopped, StopCancelled)
		}
		checkAnswer(t, in.Chains, in.Knowledge, costs, a.res)
	}
}
