package analysis

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/internal/synth"
	"github.com/atlasgraph/atlasgraph/loader"
)

// atlasSized is a random instance the size of a real ATLAS release: 170
// techniques (70 of them sub-techniques), 35 mitigations with 246
// mitigation->technique links, 57 linear case-study chains of 6 to 10 steps,
// and about 400 transitions.
type atlasSized struct {
	chains      []Chain
	know        Knowledge
	techniques  []string
	transitions []Transition
}

func newAtlasSized(tb testing.TB) atlasSized {
	tb.Helper()
	r := rand.New(rand.NewPCG(2024, 57))
	var in atlasSized
	in.know = Knowledge{Mitigates: map[string][]string{}, Parents: map[string]string{}}
	for p := range 100 {
		in.techniques = append(in.techniques, fmt.Sprintf("AML.T%04d", p))
	}
	for s := range 70 {
		parent := in.techniques[r.IntN(100)]
		sub := fmt.Sprintf("%s.%03d", parent, s+1)
		in.techniques = append(in.techniques, sub)
		in.know.Parents[sub] = parent
	}
	links := map[[2]int]bool{}
	for len(links) < 246 {
		links[[2]int{r.IntN(35), r.IntN(len(in.techniques))}] = true
	}
	for m := range 35 {
		in.know.Mitigates[fmt.Sprintf("AML.M%04d", m)] = nil
	}
	for l := range links {
		id := fmt.Sprintf("AML.M%04d", l[0])
		in.know.Mitigates[id] = append(in.know.Mitigates[id], in.techniques[l[1]])
	}
	for _, ts := range in.know.Mitigates {
		slices.Sort(ts)
	}

	counts := map[[2]string]*Transition{}
	addTransition := func(from, to, cs string) {
		key := [2]string{from, to}
		t := counts[key]
		if t == nil {
			t = &Transition{From: from, To: to}
			counts[key] = t
		}
		t.Count++
		t.CaseStudies = append(t.CaseStudies, cs)
	}
	// Case studies favour a popular third of the techniques, as real ones do.
	pick := func() string {
		if r.IntN(3) > 0 {
			return in.techniques[r.IntN(len(in.techniques)/3)]
		}
		return in.techniques[r.IntN(len(in.techniques))]
	}
	for c := range 57 {
		id := fmt.Sprintf("AML.CS%04d", c)
		techs := make([]string, 6+r.IntN(5))
		for i := range techs {
			techs[i] = pick()
		}
		ch := linear(id, techs...)
		in.chains = append(in.chains, ch)
		for i := 1; i < len(techs); i++ {
			addTransition(techs[i-1], techs[i], id)
		}
	}
	for len(counts) < 400 {
		addTransition(pick(), pick(), fmt.Sprintf("AML.CS%04d", r.IntN(57)))
	}
	for _, key := range slices.SortedFunc(func(yield func([2]string) bool) {
		for k := range counts {
			if !yield(k) {
				return
			}
		}
	}, func(a, b [2]string) int { return slices.Compare(a[:], b[:]) }) {
		in.transitions = append(in.transitions, *counts[key])
	}
	return in
}

func BenchmarkMinimalMitigationSet(b *testing.B) {
	in := newAtlasSized(b)
	for _, alt := range []int{0, 5} {
		b.Run(fmt.Sprintf("alternatives=%d", alt), func(b *testing.B) {
			var res SetResult
			for b.Loop() {
				var err error
				res, err = MinimalMitigationSet(context.Background(), in.chains, in.know, Options{InheritFromParent: true}, SetRequest{Alternatives: alt})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Nodes), "nodes/op")
			b.ReportMetric(float64(len(res.Best.Members)), "members")
			b.ReportMetric(float64(len(res.InScope)), "chains")
		})
	}
}

func BenchmarkAttackPaths(b *testing.B) {
	in := newAtlasSized(b)
	q := PathQuery{
		From:       in.techniques[:15],
		To:         in.techniques[40:55],
		MaxHops:    MaxPathHops,
		Limit:      MaxPathLimit,
		MinSupport: 1,
	}
	var res PathResult
	for b.Loop() {
		var err error
		res, err = AttackPaths(context.Background(), in.transitions, q, in.know, Options{InheritFromParent: true})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Expansions), "expansions/op")
	b.ReportMetric(float64(len(res.Paths)), "paths")
	if res.Truncated {
		b.Log("search truncated by the expansion cap")
	}
}

// releaseInput parses ATLAS 2026.05 (scale 1) or a synthetic release scale
// times its size (internal/synth, seed 1) into analysis input.
func releaseInput(tb testing.TB, scale int) *Input {
	tb.Helper()
	var name string
	var data []byte
	if scale == 1 {
		path, err := rawatlas.Shared("atlas/v6/ATLAS-2026.05.yaml")
		if err != nil {
			tb.Fatal(err)
		}
		if data, err = os.ReadFile(path); err != nil {
			tb.Fatal(err)
		}
		name = path
	} else {
		var buf bytes.Buffer
		if _, err := synth.Write(&buf, synth.Options{Scale: scale, Seed: 1}); err != nil {
			tb.Fatal(err)
		}
		data, name = buf.Bytes(), fmt.Sprintf("synthetic-x%d.yaml", scale)
	}
	rel, _, err := loader.Parse(name, data, loader.Limits{})
	if err != nil {
		tb.Fatal(err)
	}
	return FromRelease(rel)
}

// BenchmarkAttackPathsRelease is the attackPaths question of issue 9 on
// 2026.05 and on the synthetic 10× and 100× releases: Reconnaissance
// (AML.TA0002) to Impact (AML.TA0011), at most 6 hops, the top 100, with the
// mitigation set that breaks them (compute only). "indexed" asks
// Input.AttackPaths, whose transitions are indexed once (as a server keeps
// them); "per-call" asks the function AttackPaths, which indexes them on
// every call.
func BenchmarkAttackPathsRelease(b *testing.B) {
	for _, scale := range []int{1, 10, 100} {
		in := releaseInput(b, scale)
		from, _ := in.Endpoints("AML.TA0002")
		to, _ := in.Endpoints("AML.TA0011")
		q := PathQuery{From: from, To: to, MaxHops: 6, Limit: 100, MinSupport: 1}
		for _, mode := range []string{"indexed", "per-call"} {
			b.Run(fmt.Sprintf("x%d/%s", scale, mode), func(b *testing.B) {
				var res PathResult
				for b.Loop() {
					var err error
					if mode == "indexed" {
						res, err = in.AttackPaths(context.Background(), q, Options{})
					} else {
						res, err = AttackPaths(context.Background(), in.Transitions, q, in.Knowledge, Options{})
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(res.Expansions), "expansions/op")
				b.ReportMetric(float64(len(res.Paths)), "paths")
			})
		}
	}
}
