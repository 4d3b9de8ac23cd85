package server

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/atlasgraph/atlasgraph/graph"
)

// heldBytes parses and validates query against the schema and returns the
// document with the bytes the heap grew by while it is held.
func heldBytes(t *testing.T, s *ast.Schema, query string) (*ast.QueryDocument, int) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	doc, errs := gqlparser.LoadQueryWithRules(s, query, nil)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if len(errs) > 0 {
		t.Fatalf("%.80s: %v", query, errs)
	}
	held := int(after.HeapAlloc) - int(before.HeapAlloc)
	runtime.KeepAlive(doc)
	return doc, held
}

// TestQueryCacheEstimate checks that docBytes does not underestimate what a
// cached document holds, on documents made of many short fields (the most
// nodes per byte of text), of arguments and of fragments.
func TestQueryCacheEstimate(t *testing.T) {
	s := graph.NewResolver(nil, graph.Options{}).Schema().Schema()
	var many, args, frags strings.Builder
	many.WriteString("{ techniques { ")
	for range 400 {
		many.WriteString("id ")
	}
	many.WriteString("} }")
	args.WriteString("{ ")
	for i := range 60 {
		fmt.Fprintf(&args, `t%d: technique(id: "AML.T%04d", release: "2026.05") { id name } `, i, i)
	}
	args.WriteString("}")
	frags.WriteString("{ techniques { ...F0 } }\n")
	for i := range 50 {
		fmt.Fprintf(&frags, "fragment F%d on Technique { id name tactics { id } ...F%d }\n", i, i+1)
	}
	frags.WriteString("fragment F50 on Technique { id }\n")
	for name, q := range map[string]string{"short fields": many.String(), "arguments": args.String(), "fragments": frags.String()} {
		doc, held := heldBytes(t, s, q)
		if est := docBytes(q, doc); est < held {
			t.Errorf("%s: estimate %d bytes, the document holds %d", name, est, held)
		} else {
			t.Logf("%s: estimate %d bytes, held %d", name, est, held)
		}
	}
}

// TestQueryCacheBoundedInBytes fills the cache with distinct documents:
// its estimate stays within the bound, the newest are kept, and a
// document above a quarter of the bound is not kept at all.
func TestQueryCacheBoundedInBytes(t *testing.T) {
	s := graph.NewResolver(nil, graph.Options{}).Schema().Schema()
	ctx := context.Background()
	q := func(i int) string { return fmt.Sprintf(`{ t%d: technique(id: "AML.T%04d") { id name } }`, i, i) }
	doc, _ := gqlparser.LoadQueryWithRules(s, q(0), nil)
	one := docBytes(q(0), doc)
	c := newQueryCache(1000, 10*one)
	for i := range 100 {
		d, _ := gqlparser.LoadQueryWithRules(s, q(i), nil)
		c.Add(ctx, q(i), d)
		if c.bytes > c.maxBytes {
			t.Fatalf("after %d documents the cache holds %d bytes, over its bound of %d", i+1, c.bytes, c.maxBytes)
		}
	}
	if n := c.lru.Len(); n < 8 || n > 10 {
		t.Errorf("%d documents kept, want 8 to 10 of about %d bytes within %d", n, one, c.maxBytes)
	}
	if _, ok := c.Get(ctx, q(99)); !ok {
		t.Errorf("the newest document was evicted")
	}
	if _, ok := c.Get(ctx, q(0)); ok {
		t.Errorf("the oldest document is still there")
	}
	big := newQueryCache(1000, 3*one)
	big.Add(ctx, q(0), doc)
	if big.lru.Len() != 0 {
		t.Errorf("a document over a quarter of the bound was kept")
	}
}

// TestKnownQueryIsNotParsedAgain: the limits' first pass parses a query
// text it has not seen; a text gqlgen cached (it passed that pass and
// validation) is let through without a second parse, and a text over the
// limits, never cached, is refused every time.
func TestKnownQueryIsNotParsedAgain(t *testing.T) {
	cache := newQueryCache(10, 1<<20)
	lim := DefaultLimits()
	l := &limitsExtension{lim: lim, introspection: true, known: cache.Has}
	ctx := context.Background()
	const q = `{ techniques { id tactics { id } mitigations { mitigation { id } description } caseStudies { id } } }`
	params := &graphql.RawParams{Query: q}
	before := testing.AllocsPerRun(20, func() {
		if err := l.MutateOperationParameters(ctx, params); err != nil {
			t.Fatal(err)
		}
	})
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		t.Fatal(err)
	}
	cache.Add(ctx, q, doc)
	after := testing.AllocsPerRun(20, func() {
		if err := l.MutateOperationParameters(ctx, params); err != nil {
			t.Fatal(err)
		}
	})
	if before == 0 || after != 0 {
		t.Errorf("first pass: %v allocations for a new text, %v for a cached one; want some, then none", before, after)
	}
	deep := "{ releases " + strings.Repeat("{ x ", lim.Depth+1) + strings.Repeat("}", lim.Depth+2)
	for i := range 2 {
		if err := l.MutateOperationParameters(ctx, &graphql.RawParams{Query: deep}); err == nil {
			t.Errorf("ask %d: a query nested %d deep passed the first pass", i+1, lim.Depth+1)
		}
	}
}
