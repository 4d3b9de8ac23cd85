package serial

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

const schema = `
type Query { techniques: [Technique!]! hits: [Hit!]! }
interface Hit { id: ID! }
type Technique implements Hit { id: ID! tactics: [Tactic!]! actors: [Actor!]! }
type Tactic implements Hit { id: ID! techniques: [Technique!]! }
type Actor { id: ID! }
`

// concurrent is the table serialgen would write for the schema above when
// Technique.actors has a resolver.
var concurrent = Fields{
	"Query":     {"techniques", "hits"},
	"Technique": {"actors"},
	"Tactic":    {},
	"Actor":     {},
	"Hit":       {"actors"},
}

// selection parses and validates query and returns the selection of its
// first root field.
func selection(t *testing.T, query string) ast.SelectionSet {
	t.Helper()
	s := gqlparser.MustLoadSchema(&ast.Source{Input: schema})
	doc, errs := gqlparser.LoadQueryWithRules(s, query, nil)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", query, errs)
	}
	return doc.Operations[0].SelectionSet[0].(*ast.Field).SelectionSet
}

func TestReaches(t *testing.T) {
	for _, c := range []struct {
		query string
		want  bool
	}{
		{`{ techniques { id } }`, false},
		{`{ techniques { id tactics { id techniques { id } } } }`, false},
		{`{ techniques { id actors { id } } }`, true},
		{`{ techniques { tactics { techniques { actors { id } } } } }`, true},
		{`{ techniques { ...F } } fragment F on Technique { id tactics { id } }`, false},
		{`{ techniques { ...F } } fragment F on Technique { actors { id } }`, true},
		{`{ techniques { ... on Technique { actors { id } } } }`, true},
		{`{ techniques { ... @defer { id } } }`, true},
		{`{ hits { id } }`, false},
		{`{ hits { ... on Technique { actors { id } } } }`, true},
		{`{ techniques { __typename id } }`, false},
	} {
		if got := Reaches(selection(t, c.query), concurrent); got != c.want {
			t.Errorf("Reaches(%s) = %v, want %v", c.query, got, c.want)
		}
	}
	// A type the table does not know is taken as concurrent.
	if !Reaches(selection(t, `{ techniques { id } }`), Fields{}) {
		t.Errorf("Reaches with an empty table = false, want true")
	}
}

// TestSliceMatchesGqlgen marshals the same list serially and with gqlgen's
// MarshalSliceConcurrently: the same values, the same error paths, the
// same panic recovery.
func TestSliceMatchesGqlgen(t *testing.T) {
	plain := selection(t, `{ techniques { id } }`)
	blocking := selection(t, `{ techniques { actors { id } } }`)
	marshal := func(ctx context.Context, i int) graphql.Marshaler {
		switch i {
		case 2:
			graphql.AddError(ctx, errors.New("element two failed"))
			return graphql.Null
		case 3:
			panic("element three panicked")
		}
		fc := graphql.GetFieldContext(ctx)
		return graphql.MarshalString(fmt.Sprintf("%d@%v", i, fc.Path()))
	}
	run := func(f func(ctx context.Context) graphql.Array) (string, gqlerror.List) {
		ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "techniques"}}})
		var b bytes.Buffer
		f(ctx).MarshalGQL(&b)
		return b.String(), graphql.GetErrors(ctx)
	}
	wantOut, wantErrs := run(func(ctx context.Context) graphql.Array {
		return graphql.MarshalSliceConcurrently(ctx, 5, 0, false, marshal)
	})
	for name, sel := range map[string]ast.SelectionSet{"serial": plain, "concurrent": blocking} {
		out, errs := run(func(ctx context.Context) graphql.Array {
			return Slice(ctx, sel, concurrent, 5, 0, false, marshal)
		})
		if out != wantOut {
			t.Errorf("%s: %s, want %s", name, out, wantOut)
		}
		if sortedErrors(errs) != sortedErrors(wantErrs) || len(errs) != 2 {
			t.Errorf("%s: errors %v, want %v", name, errs, wantErrs)
		}
	}
}

// sortedErrors prints errors with their paths in a fixed order (gqlgen's
// goroutines add them in any order).
func sortedErrors(errs gqlerror.List) string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = fmt.Sprint(e.Path, ": ", e.Message)
	}
	slices.Sort(s)
	return fmt.Sprint(s)
}

// TestSliceStopsWhenCancelled: a cancelled request does not marshal the
// rest of a long list.
func TestSliceStopsWhenCancelled(t *testing.T) {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	ctx, cancel := context.WithCancel(ctx)
	calls := 0
	ret := Slice(ctx, selection(t, `{ techniques { id } }`), concurrent, 1000, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		calls++
		if i == 10 {
			cancel()
		}
		return graphql.MarshalInt(i)
	})
	if calls >= 1000 || calls > 10+checkEvery {
		t.Errorf("%d elements marshalled after a cancellation at the 11th", calls)
	}
	if ret[999] != graphql.Null {
		t.Errorf("the last element after a cancellation is %v, want null", ret[999])
	}
	if errs := graphql.GetErrors(ctx); len(errs) != 1 {
		t.Errorf("errors after a cancellation: %v, want one", errs)
	}
}

// TestObjectWritesWhatFieldSetWrites: the same JSON as gqlgen's FieldSet,
// and the FieldSet itself when a field is deferred or not resolved.
func TestObjectWritesWhatFieldSetWrites(t *testing.T) {
	fields := []graphql.CollectedField{
		{Field: &ast.Field{Alias: "id", Name: "id"}},
		{Field: &ast.Field{Alias: "label", Name: "name"}},
		{Field: &ast.Field{Alias: "tactics", Name: "tactics"}},
	}
	out := graphql.NewFieldSet(fields)
	out.Values[0] = graphql.MarshalString("AML.T0051")
	out.Values[1] = graphql.MarshalString(`LLM "Prompt" Injection`)
	out.Values[2] = graphql.Array{graphql.MarshalString("a"), graphql.Null}
	var want, got bytes.Buffer
	out.MarshalGQL(&want)
	Object(out, fields).MarshalGQL(&got)
	if got.String() != want.String() {
		t.Errorf("Object wrote %s, FieldSet %s", got.String(), want.String())
	}
	var other strings.Builder // a writer other than the executor's bytes.Buffer
	Object(out, fields).MarshalGQL(&other)
	if other.String() != want.String() {
		t.Errorf("Object wrote %s into a strings.Builder, FieldSet %s", other.String(), want.String())
	}
	deferred := append([]graphql.CollectedField(nil), fields...)
	deferred[2].Deferrables = []*graphql.Deferrable{{Label: "later"}}
	if m := Object(out, deferred); m != graphql.Marshaler(out) {
		t.Errorf("Object with a deferred field = %T, want the FieldSet", m)
	}
	out.Values[1] = nil
	if m := Object(out, fields); m != graphql.Marshaler(out) {
		t.Errorf("Object with a value missing = %T, want the FieldSet", m)
	}
}

// TestValuesWritesWhatFieldSetWrites: a Values, inline (up to four fields)
// or not, writes what a FieldSet with the same values writes, in one
// allocation when inline, and hands a deferred field or a missing value to
// a FieldSet.
func TestValuesWritesWhatFieldSetWrites(t *testing.T) {
	for _, n := range []int{0, 1, 3, inline, inline + 1, 9} {
		fields := make([]graphql.CollectedField, n)
		for i := range fields {
			name := "f" + strconv.Itoa(i)
			fields[i] = graphql.CollectedField{Field: &ast.Field{Alias: name, Name: name}}
		}
		out, v := graphql.NewFieldSet(fields), NewValues(fields)
		for i := range fields {
			m := graphql.Marshaler(graphql.MarshalString(`x "` + strconv.Itoa(i) + `" <y>`))
			if i%3 == 2 {
				m = graphql.Array{graphql.MarshalInt(i), graphql.Null}
			}
			out.Values[i], v.Values[i] = m, m
		}
		var want, got bytes.Buffer
		out.MarshalGQL(&want)
		v.Marshaler().MarshalGQL(&got)
		if got.String() != want.String() {
			t.Errorf("%d fields: Values wrote %s, FieldSet %s", n, got.String(), want.String())
		}
		if n > 0 {
			deferred := append([]graphql.CollectedField(nil), fields...)
			deferred[n-1].Deferrables = []*graphql.Deferrable{{Label: "later"}}
			d := NewValues(deferred)
			copy(d.Values, v.Values)
			if _, ok := d.Marshaler().(*graphql.FieldSet); !ok {
				t.Errorf("%d fields, one deferred: Marshaler() = %T, want a FieldSet", n, d.Marshaler())
			}
			v.Values[0] = nil
			if _, ok := v.Marshaler().(*graphql.FieldSet); !ok {
				t.Errorf("%d fields, one missing: Marshaler() = %T, want a FieldSet", n, v.Marshaler())
			}
		}
	}
	small := make([]graphql.CollectedField, inline)
	for i := range small {
		small[i] = graphql.CollectedField{Field: &ast.Field{Alias: "f", Name: "f"}}
	}
	if a := testing.AllocsPerRun(100, func() {
		v := NewValues(small)
		for i := range v.Values {
			v.Values[i] = graphql.Null
		}
		_ = v.Marshaler()
	}); a != 1 {
		t.Errorf("NewValues of %d fields: %v allocations, want 1", inline, a)
	}
}
