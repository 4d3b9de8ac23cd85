package graph

import (
	"context"
	"errors"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/atlasgraph/atlasgraph/store"
)

func TestCursors(t *testing.T) {
	for _, id := range []string{"AML.T0051", "AML.T0051.000", "embrace-the-red", ""} {
		got, err := decodeCursor(encodeCursor(id))
		if err != nil || got != id {
			t.Errorf("round trip of %q: %q, %v", id, got, err)
		}
	}
	for _, bad := range []string{"AML.T0051", "!!!", "djI6eA"} { // "djI6eA" is "v2:x"
		if _, err := decodeCursor(bad); !errors.Is(err, store.ErrBadInput) {
			t.Errorf("decodeCursor(%q) = %v, want ErrBadInput", bad, err)
		}
	}
	one, hundred, zero := 1, 100, 0
	for _, c := range []struct {
		first *int
		ok    bool
	}{{nil, true}, {&one, true}, {&hundred, true}, {&zero, false}} {
		if _, err := page(c.first, nil); (err == nil) != c.ok {
			t.Errorf("page(%v) error %v", c.first, err)
		}
	}
}

// withPath returns a context whose GraphQL path is p, as gqlgen builds it.
func withPath(p ...any) context.Context {
	ctx := context.Background()
	for _, x := range p {
		fc := &graphql.FieldContext{}
		switch v := x.(type) {
		case string:
			fc.Field = graphql.CollectedField{Field: &ast.Field{Alias: v}}
		case int:
			fc.Index = &v
		}
		ctx = graphql.WithFieldContext(ctx, fc)
	}
	return ctx
}

func TestLevels(t *testing.T) {
	cases := []struct {
		path          []any
		oneList       bool
		field, parent string
	}{
		{[]any{"technique", "tactics"}, true, "technique.tactics", "technique"},
		{[]any{"techniques", 3, "tactics"}, true, "techniques.tactics", "techniques"},
		{[]any{"caseStudy", "steps", 2, "leadsTo"}, true, "caseStudy.steps.leadsTo", "caseStudy.steps"},
		{[]any{"tactics", 1, "techniques", 4, "mitigations"}, false, "tactics.techniques.mitigations", "tactics.techniques"},
		{[]any{"caseStudy", "steps", 2, "technique", "tactics"}, false, "caseStudy.steps.technique.tactics", "caseStudy.steps.technique"},
	}
	for _, c := range cases {
		ctx := withPath(c.path...)
		if got := levelIsOneList(ctx); got != c.oneList {
			t.Errorf("%v: levelIsOneList = %v", c.path, got)
		}
		if f, p := fieldPattern(ctx), parentPattern(ctx); f != c.field || p != c.parent {
			t.Errorf("%v: patterns %q, %q; want %q, %q", c.path, f, p, c.field, c.parent)
		}
	}
}
