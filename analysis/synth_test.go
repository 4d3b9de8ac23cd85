package analysis

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/atlasgraph/atlasgraph/internal/synth"
	"github.com/atlasgraph/atlasgraph/loader"
)

// synthCache holds the analysis inputs of synthetic releases by scale, so
// that the tests and benchmarks of one run parse each release once.
var synthCache sync.Map

// synthInput returns the analysis input of the synthetic release of that
// scale and seed 1, the release bench/mitset measures.
func synthInput(tb testing.TB, scale int) *Input {
	tb.Helper()
	if in, ok := synthCache.Load(scale); ok {
		return in.(*Input)
	}
	var buf bytes.Buffer
	if _, err := synth.Write(&buf, synth.Options{Scale: scale, Seed: 1}); err != nil {
		tb.Fatalf("synth.Write: %v", err)
	}
	rel, _, err := loader.Parse(fmt.Sprintf("synthetic-x%d.yaml", scale), buf.Bytes(), loader.Limits{})
	if err != nil {
		tb.Fatalf("loader.Parse: %v", err)
	}
	in := FromRelease(rel)
	synthCache.Store(scale, in)
	return in
}

// synthWeights gives every mitigation an integer cost from 1 to 20 exactly
// as bench/mitset does for seed 1.
func synthWeights(in *Input) map[string]float64 {
	ids := make([]string, 0, len(in.Knowledge.Mitigates))
	for m := range in.Knowledge.Mitigates {
		ids = append(ids, m)
	}
	slices.Sort(ids)
	r := rand.New(rand.NewPCG(1, 20))
	costs := make(map[string]float64, len(ids))
	for _, m := range ids {
		costs[m] = float64(1 + r.IntN(20))
	}
	return costs
}

func BenchmarkMinimalMitigationSetSynthetic(b *testing.B) {
	for _, scale := range []int{10, 100} {
		in := synthInput(b, scale)
		for _, weighted := range []bool{false, true} {
			req := SetRequest{}
			name := fmt.Sprintf("scale=%d/unit", scale)
			if weighted {
				req.Costs = synthWeights(in)
				name = fmt.Sprintf("scale=%d/weighted", scale)
			}
			b.Run(name, func(b *testing.B) {
				var res SetResult
				for b.Loop() {
					var err error
					res, err = MinimalMitigationSet(context.Background(), in.Chains, in.Knowledge, Options{}, req)
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(res.Nodes), "nodes/op")
				b.ReportMetric(res.Best.Cost, "cost")
				b.ReportMetric(res.LowerBound, "bound")
			})
		}
	}
}

// TestSyntheticX10ProvenOptimum checks the solver's proof on the synthetic
// 10x release, with unit and with weighted costs: the search finishes, its
// proven bound equals the cost of its set, the set breaks every chain in
// scope (a brute-force walk of each chain), every member is needed (without
// it some chain stays open), and the costs add up.
func TestSyntheticX10ProvenOptimum(t *testing.T) {
	in := synthInput(t, 10)
	for _, weighted := range []bool{false, true} {
		costs := map[string]float64{}
		for m := range in.Knowledge.Mitigates {
			costs[m] = 1
		}
		if weighted {
			costs = synthWeights(in)
		}
		got, err := MinimalMitigationSet(context.Background(), in.Chains, in.Knowledge, Options{}, SetRequest{Costs: costs})
		if err != nil {
			t.Fatalf("weighted %v: %v", weighted, err)
		}
		if !got.Optimal || got.Stopped != "" || got.LowerBound != got.Best.Cost {
			t.Fatalf("weighted %v: Optimal %v, Stopped %q, bound %v, cost %v; want a finished search whose bound is its cost", weighted, got.Optimal, got.Stopped, got.LowerBound, got.Best.Cost)
		}
		if len(got.InScope) == 0 {
			t.Fatalf("weighted %v: no chain in scope", weighted)
		}
		checkAnswer(t, in.Chains, in.Knowledge, costs, got)
		ids := memberIDs(got.Best)
		for k := range ids {
			without := append(slices.Clone(ids[:k]), ids[k+1:]...)
			needed := false
			for _, ch := range in.Chains {
				if slices.Contains(got.InScope, ch.ID) && !bruteBreaks(ch, in.Knowledge, Options{}, without) {
					needed = true
					break
				}
			}
			if !needed {
				t.Errorf("weighted %v: member %s of the optimum is not needed by any chain", weighted, ids[k])
			}
		}
	}
}
