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

// FuzzLimits feeds any text to the limits. Whatever the query, they must
// not panic, and their work must stay linear in its text: the first pass
// visits at most twice the selections written (each fragment once in and
// once out of introspection), the second likewise. A query the first pass
// lets through is small enough for gqlparser to validate, and the second
// pass then runs on the validated document.
//
// Run it with `make fuzz` or:
//
//	go test ./server -run '^$' -fuzz FuzzLimits -fuzztime 60s
func FuzzLimits(f *testing.F) {
	es := graph.NewResolver(nil, graph.Options{}).Schema()
	l := &limitsExtension{lim: DefaultLimits(), introspection: true}
	if err := l.Validate(es); err != nil {
		f.Fatal(err)
	}
	bomb := func(n int) string {
		var b strings.Builder
		b.WriteString("{ ...F0 }\n")
		for i := range n {
			fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
		}
		fmt.Fprintf(&b, "fragment F%d on Query { releases { version } }\n", n)
		return b.String()
	}
	for _, seed := range []string{
		`{ releases { version } }`,
		bomb(3), bomb(40),
		`{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`,
		`{ a: __schema { types { name } } b: __type(name: "Query") { name } __typename }`,
		`query($n: Int) { techniquesConnection(first: $n) { nodes { id tactics { id } } } }`,
		`{ search(text: "x", first: 100) { id } techniques { tactics { techniques { id } } } }`,
		`{ releases {` + strings.Repeat(" version", 500) + ` } }`,
		`{ ... on Query { ... on Query { releases { version } } } }`,
		`fragment T on __Type { name ofType { ...T } } { __schema { types { ...T } } }`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, q string) {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, l.lim.ParserTokens)
		if err != nil {
			return
		}
		written := 0
		for _, op := range doc.Operations {
			written += countSelections(op.SelectionSet)
		}
		for _, fr := range doc.Fragments {
			written += countSelections(fr.SelectionSet)
		}
		sh := newShaper(doc)
		refused := l.checkShape(doc, sh)
		if sh.visits > 2*written {
			t.Fatalf("first pass visited %d selections of %d written", sh.visits, written)
		}
		if refused != nil || written > l.lim.Fields {
			return
		}
		if errs := validator.ValidateWithRules(es.Schema(), doc, nil); len(errs) > 0 {
			return
		}
		for _, op := range doc.Operations {
			c := coster{listFactor: l.lim.ListFactor, memo: map[fragKey]int{}}
			if cost := c.set(op.SelectionSet, false); cost < 0 {
				t.Fatalf("negative cost %d", cost)
			}
			if c.visits > 2*written {
				t.Fatalf("second pass visited %d selections of %d written", c.visits, written)
			}
		}
	})
}
