package serial

import (
	"context"
	"fmt"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestFieldKeyIsLearnt: with the gqlgen this module builds with, serial
// makes field contexts itself (otherwise every list would take the slower
// path through context.WithValue, silently).
func TestFieldKeyIsLearnt(t *testing.T) {
	if fieldKey() == nil {
		t.Fatal("the key of gqlgen's field context was not learnt: serial.WithField and Slice fall back to graphql.WithFieldContext")
	}
}

// TestWithFieldAsGqlgen: a context made by WithField answers as one made by
// graphql.WithFieldContext: the field context, its parent and path, and
// every other value of the context below.
func TestWithFieldAsGqlgen(t *testing.T) {
	type key struct{}
	base := context.WithValue(context.Background(), key{}, "below")
	root := &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "r"}}}
	for name, with := range map[string]func(context.Context, *graphql.FieldContext) context.Context{
		"gqlgen": graphql.WithFieldContext, "serial": WithField,
	} {
		rootCopy := *root
		ctx := graphql.WithFieldContext(base, &rootCopy)
		idx := 3
		elem := &graphql.FieldContext{Index: &idx}
		ctx = with(ctx, elem)
		leaf := &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "tactics"}}}
		ctx = with(ctx, leaf)
		if got := graphql.GetFieldContext(ctx); got != leaf {
			t.Errorf("%s: field context %p, want %p", name, got, leaf)
		}
		if leaf.Parent != elem || elem.Parent != &rootCopy {
			t.Errorf("%s: parents not linked", name)
		}
		if got := graphql.GetPath(ctx).String(); got != "r[3].tactics" {
			t.Errorf("%s: path %q, want r[3].tactics", name, got)
		}
		if got := ctx.Value(key{}); got != "below" {
			t.Errorf("%s: value below %v, want below", name, got)
		}
	}
}

// TestCollectFieldsThroughTheMemo: objects of a serial list, of two types
// and more (selection, type) pairs than the memo holds, get the fields
// gqlgen collects for them, and an object outside a serial list too.
func TestCollectFieldsThroughTheMemo(t *testing.T) {
	s := gqlparser.MustLoadSchema(&ast.Source{Input: schema})
	query := `query($skip: Boolean!) { hits { id ... on Technique { tactics { id } } ... on Tactic { techniques { id @skip(if: $skip) } } } }`
	doc, errs := gqlparser.LoadQueryWithRules(s, query, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	sel := doc.Operations[0].SelectionSet[0].(*ast.Field).SelectionSet
	oc := &graphql.OperationContext{Doc: doc, Variables: map[string]any{"skip": true}}
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "hits"}}})
	// Twelve types: more than the memo remembers.
	impls := make([][]string, 12)
	for i := range impls {
		impls[i] = []string{[]string{"Technique", "Tactic"}[i%2], "Hit"}
	}
	names := func(fs []graphql.CollectedField) string {
		out := ""
		for _, f := range fs {
			out += f.Alias + "(" + fmt.Sprint(len(f.Selections)) + ") "
		}
		return out
	}
	var got, want []string
	Slice(ctx, sel, concurrent, 36, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		impl := impls[i%len(impls)]
		fields := CollectFields(ctx, oc, sel, impl)
		got = append(got, names(fields))
		want = append(want, names(graphql.CollectFields(oc, sel, impl)))
		// Below the element, in a plain field's context, the memo still answers.
		for _, f := range fields {
			if len(f.Selections) > 0 {
				fctx := WithField(ctx, &graphql.FieldContext{Field: f})
				child := []string{"Tactic"}
				if f.Alias == "techniques" {
					child = []string{"Technique", "Hit"}
				}
				got = append(got, names(CollectFields(fctx, oc, f.Selections, child)))
				want = append(want, names(graphql.CollectFields(oc, f.Selections, child)))
			}
		}
		return graphql.Null
	})
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("collected fields\n got %v\nwant %v", got, want)
	}
	// A technique with its tactics' id, a tactic with its techniques, whose
	// id is skipped by the variable.
	if len(got) != 72 || got[0] != "id(0) tactics(1) " || got[1] != "id(0) " || got[2] != "id(0) techniques(1) " || got[3] != "" {
		t.Errorf("collected fields %v: not the objects asked for", got[:4])
	}
	// Outside a serial list: gqlgen's answer.
	if g, w := names(CollectFields(ctx, oc, sel, impls[0])), names(graphql.CollectFields(oc, sel, impls[0])); g != w {
		t.Errorf("outside a list: %s, want %s", g, w)
	}
}

// TestWithFieldCopy: the copy is the field context the new context holds,
// linked to its parent, with the path gqlgen would give, and the memo of a
// serial list passes through it.
func TestWithFieldCopy(t *testing.T) {
	ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "r"}}})
	var inner context.Context
	Slice(ctx, ast.SelectionSet{&ast.Field{Name: "id", ObjectDefinition: &ast.Definition{Name: "Tactic"}}}, concurrent, 3, 0, false,
		func(ctx context.Context, i int) graphql.Marshaler {
			if i == 2 {
				orig := &graphql.FieldContext{Object: "Tactic", Field: graphql.CollectedField{Field: &ast.Field{Alias: "techniques"}}}
				var fc *graphql.FieldContext
				inner, fc = WithFieldCopy(ctx, orig)
				if graphql.GetFieldContext(inner) != fc || fc == orig || fc.Object != "Tactic" {
					t.Errorf("WithFieldCopy: the context holds %p, the copy is %p (original %p)", graphql.GetFieldContext(inner), fc, orig)
				}
				if fc.Parent != graphql.GetFieldContext(ctx) {
					t.Error("WithFieldCopy: the copy's parent is not the element's field context")
				}
				if asField(inner) == nil || asField(inner).memo != asField(ctx).memo || asField(ctx).memo == nil {
					t.Error("WithFieldCopy: the list's memo does not pass through")
				}
			}
			return graphql.Null
		})
	if got := graphql.GetPath(inner).String(); got != "r[2].techniques" {
		t.Errorf("path %q, want r[2].techniques", got)
	}
}
