package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sample has the shapes gqlgen 0.17.98 generates: an object function with a
// concurrent field, its by-value wrapper, and a list of it.
const sample = `package generated

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

var thingImplementors = []string{"Thing", "Node"}

func (ec *executionContext) _Thing(ctx context.Context, sel ast.SelectionSet, obj *Thing) graphql.Marshaler {
	fields := graphql.CollectFields(ec.OperationContext, sel, thingImplementors)
	out := graphql.NewFieldSet(fields)
	deferred := graphql.NewDeferredGroup(ctx)
	for i, field := range fields {
		switch field.Name {
		case "id":
			out.Values[i] = ec._Thing_id(ctx, field, obj)
		case "owner":
			out.ResolveConcurrently(ec.OperationContext, &deferred, i, true, true,
				func(ctx context.Context) graphql.Marshaler {
					return ec._Thing_owner(ctx, field, obj)
				})
		}
	}
	out.Dispatch(ctx)
	return out
}

var partImplementors = []string{"Part"}

func (ec *executionContext) _Part(ctx context.Context, sel ast.SelectionSet, obj *Thing) graphql.Marshaler {
	fields := graphql.CollectFields(ec.OperationContext, sel, partImplementors)
	out := graphql.NewFieldSet(fields)
	deferred := graphql.NewDeferredGroup(ctx)
	for i, field := range fields {
		switch field.Name {
		case "id":
			out.Values[i] = ec._Thing_id(ctx, field, obj)
			if out.Values[i] == graphql.Null {
				out.Invalids++
			}
		}
	}
	out.Dispatch(ctx)
	if out.Invalids > 0 {
		return graphql.Null
	}
	_ = deferred
	return out
}

func (ec *executionContext) _Thing_id(ctx context.Context, field graphql.CollectedField, obj *Thing) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_Thing_id(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return obj.ID, nil
		},
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v string) graphql.Marshaler {
			return ec.marshalNID2string(ctx, selections, v)
		},
		true,
		true,
	)
}

func (ec *executionContext) _Thing_big(ctx context.Context, field graphql.CollectedField, obj *Thing) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_Thing_big(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return obj.Big(), nil
		},
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v bool) graphql.Marshaler {
			return ec.marshalNBoolean2bool(ctx, selections, v)
		},
		true,
		true,
	)
}

func (ec *executionContext) _Thing_parts(ctx context.Context, field graphql.CollectedField, obj *Thing) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_Thing_parts(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return obj.Parts(), nil
		},
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v []Thing) graphql.Marshaler {
			return ec.marshalNThing2ᚕThingᚄ(ctx, selections, v)
		},
		true,
		true,
	)
}

func (ec *executionContext) _Thing_twin(ctx context.Context, field graphql.CollectedField, obj *Thing) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_Thing_twin(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return obj.Twin, nil
		},
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v Thing) graphql.Marshaler {
			return ec.marshalNThing2Thing(ctx, selections, v)
		},
		true,
		true,
	)
}

func (ec *executionContext) _Thing_owner(ctx context.Context, field graphql.CollectedField, obj *Thing) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_Thing_owner(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return ec.Resolvers.Thing().Owner(ctx, obj)
		},
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v string) graphql.Marshaler {
			return ec.marshalNString2string(ctx, selections, v)
		},
		true,
		true,
	)
}

func (ec *executionContext) _Thing_node(ctx context.Context, field graphql.CollectedField, obj *Thing) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_Thing_node(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return obj.Node, nil
		},
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v Node) graphql.Marshaler {
			return ec.marshalNNode2Node(ctx, selections, v)
		},
		true,
		true,
	)
}

func (ec *executionContext) marshalNNode2Node(ctx context.Context, sel ast.SelectionSet, v Node) graphql.Marshaler {
	if v == nil {
		return graphql.Null
	}
	return ec._Node(ctx, sel, v)
}

func (ec *executionContext) marshalNThing2Thing(ctx context.Context, sel ast.SelectionSet, v Thing) graphql.Marshaler {
	return ec._Thing(ctx, sel, &v)
}

func (ec *executionContext) marshalNThing2ᚕThingᚄ(ctx context.Context, sel ast.SelectionSet, v []Thing) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		fc := graphql.GetFieldContext(ctx)
		fc.Result = &v[i]
		return ec.marshalNThing2Thing(ctx, sel, v[i])
	})
	return ret
}
`

func TestRewrite(t *testing.T) {
	out, table, err := rewrite("sample.go", []byte(sample), "example.com/m/graph/internal/serial")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string][]string{"Thing": {"owner"}, "Node": {"owner"}, "Part": nil}, table); d != "" {
		t.Errorf("table (-want +got):\n%s", d)
	}
	got := string(out)
	for _, want := range []string{
		`"example.com/m/graph/internal/serial"`,
		`deferred := serial.Deferred(ctx, fields)`,
		// Fields collected through the memo of the serial list they are in.
		`fields := serial.CollectFields(ctx, ec.OperationContext, sel, thingImplementors)`,
		// Field contexts made by serial, in one allocation.
		"ctx, fc = serial.WithFieldCopy(ctx, fc)",
		`return serial.Object(out, fields)`,
		// An object with no concurrent field fills a serial.Values.
		"out := serial.NewValuesIn(ctx, fields)",
		"return out.Marshaler()",
		`ret := serial.Slice(ctx, sel, concurrentFields, len(v), 0, false, func(`,
		`return ec._Thing(ctx, sel, &v[i])`,
		// A struct field written without field context...
		"if obj != nil && serial.Plain(ec.OperationContext) {\n\t\treturn serial.StringAt(&obj.ID)\n\t}",
		// ...a method's scalar with its panic reported at the field's path...
		"ret = serial.Recovered(ctx, ec.OperationContext, field, ec.fieldContext_Thing_big, r)",
		"return serial.Bool(obj.Big())",
		// ...and a list keeping its field context and gqlgen's marshaler.
		"fc, err := ec.fieldContext_Thing_parts(ctx, field)",
		"res := obj.Parts()\n\t\tfc.Result = res\n\t\treturn ec.marshalNThing2ᚕThingᚄ(ctx, field.Selections, res)",
		// An object held by value in a struct field is marshalled where it lies.
		"res := &obj.Twin\n\t\tfc.Result = res\n\t\treturn ec._Thing(ctx, field.Selections, res)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the rewrite lacks %q:\n%s", want, got)
		}
	}
	// A resolver, and an interface whose nil gqlgen reports itself, keep gqlgen's call alone.
	for _, fn := range []string{"_Thing_owner", "_Thing_node"} {
		body := got[strings.Index(got, "func (ec *executionContext) "+fn+"("):]
		body = body[:strings.Index(body, "\n}\n")]
		if strings.Contains(body, "serial.Plain") {
			t.Errorf("%s got a fast path:\n%s", fn, body)
		}
	}
	if strings.Contains(got, "MarshalSliceConcurrently") || strings.Contains(got, "NewDeferredGroup") || strings.Contains(got, "graphql.CollectFields") {
		t.Errorf("the rewrite left a call of gqlgen's:\n%s", got)
	}
	// Running it again changes nothing: go generate is reproducible.
	again, table2, err := rewrite("sample.go", out, "example.com/m/graph/internal/serial")
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != got || !cmp.Equal(table, table2) {
		t.Errorf("a second rewrite changed the code:\n%s", cmp.Diff(got, string(again)))
	}
}

// TestRewriteRefusesUnknownShapes: a list marshalled where no selection
// is in scope (a gqlgen upgrade that changed its templates) stops the
// generation, naming the place, rather than rewriting half.
func TestRewriteRefusesUnknownShapes(t *testing.T) {
	src := strings.Replace(sample, "func (ec *executionContext) marshalNThing2ᚕThingᚄ(ctx context.Context, sel ast.SelectionSet, v []Thing)",
		"func (ec *executionContext) marshalNThing2ᚕThingᚄ(ctx context.Context, selection ast.SelectionSet, v []Thing)", 1)
	src = strings.Replace(src, "ec.marshalNThing2Thing(ctx, sel, v[i])", "ec.marshalNThing2Thing(ctx, selection, v[i])", 1)
	_, _, err := rewrite("sample.go", []byte(src), "example.com/m/graph/internal/serial")
	if err == nil || !strings.Contains(err.Error(), "sample.go:") || !strings.Contains(err.Error(), "update graph/internal/serialgen") {
		t.Errorf("rewrite of an unknown shape: %v, want an error naming the place and what to do", err)
	}
}
