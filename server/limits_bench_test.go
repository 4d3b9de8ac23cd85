package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/atlasgraph/atlasgraph/graph"
)

// BenchmarkFragmentBomb measures the limits on n nested fragments, each
// spreading the next twice, side by side with the way they were measured
// before (expanding every spread: 2^n), for docs/reliability.md:
//
//	go test ./server -run '^$' -bench FragmentBomb -count 5
func BenchmarkFragmentBomb(b *testing.B) {
	es := graph.NewResolver(nil, graph.Options{}).Schema()
	l := &limitsExtension{lim: DefaultLimits(), introspection: true}
	_ = l.Validate(es)
	for _, n := range []int{10, 14, 18} {
		var q strings.Builder
		q.WriteString("{ ...F0 }\n")
		for i := range n {
			fmt.Fprintf(&q, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
		}
		fmt.Fprintf(&q, "fragment F%d on Query { releases { version } }\n", n)
		doc, err := parser.ParseQuery(&ast.Source{Input: q.String()})
		if err != nil {
			b.Fatal(err)
		}
		if errs := validator.ValidateWithRules(es.Schema(), doc, nil); len(errs) > 0 {
			b.Fatal(errs)
		}
		b.Run(fmt.Sprintf("n=%d/expanding", n), func(b *testing.B) {
			for range b.N {
				expandingCost(doc.Operations[0].SelectionSet)
			}
		})
		b.Run(fmt.Sprintf("n=%d/memoised", n), func(b *testing.B) {
			for range b.N {
				_ = l.precheck(doc)
				c := coster{listFactor: 10, memo: map[fragKey]int{}}
				c.set(doc.Operations[0].SelectionSet, false)
			}
		})
	}
}

// expandingCost is the measure as it was before: every spread expanded
// where it stands.
func expandingCost(set ast.SelectionSet) int {
	total := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			total += 1 + expandingCost(s.SelectionSet)
		case *ast.InlineFragment:
			total += expandingCost(s.SelectionSet)
		case *ast.FragmentSpread:
			total += expandingCost(s.Definition.SelectionSet)
		}
	}
	return total
}
