package serial

// The generated fast path of plain fields.
//
// gqlgen resolves every field through graphql.ResolveField: a field context,
// a context value, four closures, the result boxed into an interface, the
// field middleware, a recover, and a closure per scalar written: about a
// dozen objects per field. A field of the objects of a complete release
// reads a struct field or calls a method with no arguments and no error;
// most of that buys nothing there. The generate step
// (graph/internal/serialgen) puts before gqlgen's call, in the functions
// of such fields, a path that gives the same answer, taken only when Plain
// says the operation has no field middleware (which the fast path would
// skip):
//
//   - a scalar (String, ID, Int, Boolean, a nullable String, a list of
//     non-null Strings or IDs) is written by the marshalers below, without
//     a field context (such a value can be neither an error nor a null the
//     schema forbids, so no error can need the field's path); a method's
//     panic is still reported at the field's path (Recovered);
//   - any other field keeps its field context (errors below it keep their
//     paths) and gqlgen's own marshaler, and only skips the closures, the
//     boxing and the middleware.
//
// The fast path does not cover resolvers, fields with arguments or
// directives, or methods taking a context or returning an error: those keep
// gqlgen's call.

import (
	"bytes"
	"context"
	"io"
	"reflect"
	"strconv"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// Plain reports whether the operation's fields run without field
// middleware (no graphql.FieldInterceptor installed): then calling a plain
// field's getter directly is what graphql.ResolveField would do. It
// compares the operation's field middleware with the one gqlgen's executor
// installs when there is none; if that cannot be learnt, it is false and
// every field takes gqlgen's path.
func Plain(oc *graphql.OperationContext) bool {
	if oc == nil || oc.ResolverMiddleware == nil {
		return false
	}
	want := passthrough()
	return want != 0 && reflect.ValueOf(oc.ResolverMiddleware).Pointer() == want
}

// passthrough is the code pointer of the field middleware gqlgen's executor
// installs when no extension intercepts fields, read once from an executor
// built over a one-field schema.
var passthrough = sync.OnceValue(func() (ptr uintptr) {
	defer func() {
		if recover() != nil {
			ptr = 0 // a gqlgen this code does not know: every field takes gqlgen's path
		}
	}()
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "probe", Input: "type Query { a: Int }"})
	if err != nil {
		return 0
	}
	oc, errs := executor.New(probeSchema{schema}).CreateOperationContext(graphql.StartOperationTrace(context.Background()),
		&graphql.RawParams{Query: "{ a }"})
	if errs != nil || oc.ResolverMiddleware == nil {
		return 0
	}
	return reflect.ValueOf(oc.ResolverMiddleware).Pointer()
})

type probeSchema struct{ schema *ast.Schema }

func (p probeSchema) Schema() *ast.Schema { return p.schema }
func (probeSchema) Complexity(context.Context, string, string, int, map[string]any) (int, bool) {
	return 0, false
}
func (probeSchema) Exec(context.Context) graphql.ResponseHandler { return nil }

// Recovered reports a panic r of a fast-path scalar field as
// graphql.ResolveField does (an error at the field's path, through the
// operation's recover function) and returns null.
func Recovered(
	ctx context.Context,
	oc *graphql.OperationContext,
	field graphql.CollectedField,
	fieldContext func(context.Context, graphql.CollectedField) (*graphql.FieldContext, error),
	r any,
) graphql.Marshaler {
	fc, err := fieldContext(ctx, field)
	if err != nil {
		return graphql.Null
	}
	ctx = graphql.WithFieldContext(ctx, fc)
	oc.Error(ctx, oc.Recover(ctx, r))
	return graphql.Null
}

// StringAt writes the string *p as graphql.MarshalString does. p points
// into an object that does not change while the answer is written (the
// objects of a complete release); a pointer-shaped marshaler needs no
// allocation.
func StringAt(p *string) graphql.Marshaler { return stringAt{p} }

// OptStringAt writes a nullable string: null when p is nil.
func OptStringAt(p *string) graphql.Marshaler {
	if p == nil {
		return graphql.Null
	}
	return stringAt{p}
}

// String writes s as graphql.MarshalString does.
func String(s string) graphql.Marshaler { return str(s) }

// StringsAt writes the list *p of non-null strings as gqlgen's marshaler of
// [String!]! does ([] when nil).
func StringsAt(p *[]string) graphql.Marshaler { return stringsAt{p} }

// Strings writes a list of non-null strings ([] when nil).
func Strings(v []string) graphql.Marshaler { return strs(v) }

// Int writes i as graphql.MarshalInt does.
func Int(i int) graphql.Marshaler { return integer(i) }

// Bool writes b as graphql.MarshalBoolean does.
func Bool(b bool) graphql.Marshaler {
	if b {
		return graphql.True
	}
	return graphql.False
}

type stringAt struct{ p *string }

func (s stringAt) MarshalGQL(w io.Writer) { writeQuoted(w, *s.p) }

type str string

func (s str) MarshalGQL(w io.Writer) { writeQuoted(w, string(s)) }

type stringsAt struct{ p *[]string }

func (s stringsAt) MarshalGQL(w io.Writer) { strs(*s.p).MarshalGQL(w) }

type strs []string

func (v strs) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, "[")
	for i, s := range v {
		if i > 0 {
			_, _ = io.WriteString(w, ",")
		}
		writeQuoted(w, s)
	}
	_, _ = io.WriteString(w, "]")
}

type integer int

func (i integer) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.FormatInt(int64(i), 10))
}

const upperHex = "0123456789ABCDEF"

// writeQuoted writes s quoted and escaped byte for byte as gqlgen's
// writeQuotedString does: \t \r \n \\ \" by name, other bytes below 0x20
// as \u00XX (upper-case hex), everything else (multi-byte runes, invalid
// UTF-8) as it is.
func writeQuoted(w io.Writer, s string) {
	if b, ok := w.(*bytes.Buffer); ok {
		quoteTo(b, s)
		return
	}
	_, _ = io.WriteString(w, `"`)
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		_, _ = io.WriteString(w, s[start:i])
		switch c {
		case '\t':
			_, _ = io.WriteString(w, `\t`)
		case '\r':
			_, _ = io.WriteString(w, `\r`)
		case '\n':
			_, _ = io.WriteString(w, `\n`)
		case '\\':
			_, _ = io.WriteString(w, `\\`)
		case '"':
			_, _ = io.WriteString(w, `\"`)
		default:
			_, _ = w.Write([]byte{'\\', 'u', '0', '0', upperHex[c>>4], upperHex[c&0xF]})
		}
		start = i + 1
	}
	_, _ = io.WriteString(w, s[start:])
	_, _ = io.WriteString(w, `"`)
}

// quoteTo is writeQuoted into the buffer the executor writes its answer
// to: a string with nothing to escape (most of them) is one copy.
func quoteTo(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '\n':
			b.WriteString(`\n`)
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		default:
			b.Write([]byte{'\\', 'u', '0', '0', upperHex[c>>4], upperHex[c&0xF]})
		}
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}
