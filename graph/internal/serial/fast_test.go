package serial

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

func marshal(m graphql.Marshaler) string {
	var b bytes.Buffer
	m.MarshalGQL(&b)
	return b.String()
}

func TestScalarsWriteWhatGqlgenWrites(t *testing.T) {
	alphabet := []string{"a", "<", "&", `"`, `\`, "\n", "\t", "\r", "\x00", "\x01", "\x1f", "\x7f", "é", "✓", "𝄞", "\u2028", "\xff", "\xe2\x80", " "}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		var s string
		for range rng.IntN(10) {
			s += alphabet[rng.IntN(len(alphabet))]
		}
		want := marshal(graphql.MarshalString(s))
		if got := marshal(String(s)); got != want {
			t.Fatalf("String(%q) = %s, gqlgen %s", s, got, want)
		}
		if got := marshal(StringAt(&s)); got != want {
			t.Fatalf("StringAt(%q) = %s, gqlgen %s", s, got, want)
		}
		if got := marshal(OptStringAt(&s)); got != want {
			t.Fatalf("OptStringAt(%q) = %s, gqlgen %s", s, got, want)
		}
		// Into a writer other than the executor's bytes.Buffer too.
		var sb strings.Builder
		StringAt(&s).MarshalGQL(&sb)
		if got := sb.String(); got != want {
			t.Fatalf("StringAt(%q) into a strings.Builder = %s, gqlgen %s", s, got, want)
		}
	}
	if got := marshal(OptStringAt(nil)); got != "null" || OptStringAt(nil) != graphql.Null {
		t.Errorf("OptStringAt(nil) = %s, want gqlgen's Null", got)
	}
	for _, i := range []int{0, 1, -1, 255, 256, 1 << 40, -1 << 62} {
		if got, want := marshal(Int(i)), marshal(graphql.MarshalInt(i)); got != want {
			t.Errorf("Int(%d) = %s, gqlgen %s", i, got, want)
		}
	}
	for _, b := range []bool{true, false} {
		if got, want := marshal(Bool(b)), marshal(graphql.MarshalBoolean(b)); got != want {
			t.Errorf("Bool(%v) = %s, gqlgen %s", b, got, want)
		}
	}
	for _, v := range [][]string{nil, {}, {"a"}, {"a", `b"<`, ""}} {
		arr := make(graphql.Array, len(v))
		for i := range v {
			arr[i] = graphql.MarshalString(v[i])
		}
		want := marshal(arr)
		if got := marshal(Strings(v)); got != want {
			t.Errorf("Strings(%q) = %s, gqlgen %s", v, got, want)
		}
		if got := marshal(StringsAt(&v)); got != want {
			t.Errorf("StringsAt(%q) = %s, gqlgen %s", v, got, want)
		}
	}
}

type noop struct{}

func (noop) ExtensionName() string                   { return "noop" }
func (noop) Validate(graphql.ExecutableSchema) error { return nil }
func (noop) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	return next(ctx)
}

func TestPlainOnlyWithoutFieldMiddleware(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: "type Query { a: Int }"})
	op := func(ex *executor.Executor) *graphql.OperationContext {
		oc, errs := ex.CreateOperationContext(graphql.StartOperationTrace(context.Background()), &graphql.RawParams{Query: "{ a }"})
		if errs != nil {
			t.Fatal(errs)
		}
		return oc
	}
	ex := executor.New(probeSchema{schema})
	if !Plain(op(ex)) {
		t.Fatal("Plain is false for an executor without field middleware: the fast path would never run")
	}
	ex.Use(noop{})
	if Plain(op(ex)) {
		t.Fatal("Plain is true with a field interceptor installed: the fast path would skip it")
	}
	if Plain(nil) {
		t.Fatal("Plain(nil) is true")
	}
}
