package analysis

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLinearChainsAsTheGeneralCase holds the shortcuts for chains that are
// one line of steps (attack paths) to the general code: the same compiled
// graph and the same route sets, on random lines, options and required
// mitigations.
func TestLinearChainsAsTheGeneralCase(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 3000 {
		n := 1 + rng.IntN(9)
		line := Chain{ID: "c", Steps: make([]Step, n)}
		dup := Chain{ID: "c", Steps: make([]Step, n)} // the same graph, but not in linearChain's shape
		for i := range n {
			id := strconv.Itoa(rng.IntN(1000)*10 + i) // distinct, not in id order
			line.Steps[i] = Step{ID: id, Technique: "T" + strconv.Itoa(rng.IntN(5))}
			dup.Steps[i] = line.Steps[i]
			if i > 0 {
				line.Steps[i-1].Next = []string{id}
				dup.Steps[i-1].Next = []string{id, id}
			}
		}
		fast, err := compileChain(line)
		if err != nil {
			t.Fatal(err)
		}
		general, err := compileChain(dup)
		if err != nil {
			t.Fatal(err)
		}
		for i := range general.steps { // the steps as given, for the comparison
			general.steps[i].Next = fast.steps[i].Next
		}
		if d := cmp.Diff(general, fast, cmp.AllowUnexported(chainGraph{})); d != "" {
			t.Fatalf("linear chain compiled differently (-general +fast):\n%s", d)
		}
		if !fast.linear() {
			t.Fatal("a line is not linear()")
		}
		words := 1 + rng.IntN(2)
		bits := make([]bitset, n)
		done := make([]bool, n)
		for i := range n {
			bits[i] = make(bitset, words)
			for w := range bits[i] {
				bits[i][w] = rng.Uint64() & rng.Uint64() & rng.Uint64()
			}
			done[i] = rng.IntN(12) == 0
		}
		limit := 1 + rng.IntN(3)
		gotSets, gotCapped := routeSets(fast, bits, done, limit)
		wantSets, wantCapped := routeSetsGraph(fast, bits, done, limit)
		if gotCapped != wantCapped || !cmp.Equal(gotSets, wantSets) {
			t.Fatalf("route sets of a line: %v %v, general %v %v", gotSets, gotCapped, wantSets, wantCapped)
		}
	}
	// Not a line: the general case.
	for _, c := range []Chain{
		{ID: "fork", Steps: []Step{{ID: "a", Next: []string{"b", "c"}}, {ID: "b"}, {ID: "c"}}},
		{ID: "dup", Steps: []Step{{ID: "a", Next: []string{"a2"}}, {ID: "a2", Next: []string{"a"}}}},
		{ID: "back", Steps: []Step{{ID: "b"}, {ID: "a", Next: []string{"b"}}}},
	} {
		if _, ok := linearChain(c); ok {
			t.Errorf("linearChain took %s", c.ID)
		}
	}
}
