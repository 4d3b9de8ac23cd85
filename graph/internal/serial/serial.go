// Package serial marshals GraphQL lists on the calling goroutine when nothing
// in the selection can block.
//
// gqlgen 0.17.98 marshals every list of objects with one goroutine per
// element (graphql.MarshalSliceConcurrently). That pays off when an element's
// fields wait on I/O (a resolver reading Neo4j, a batch resolver merging
// ATT&CK); for the objects of a complete release, which are plain values in
// memory, the goroutines, their stack growth and the scheduling cost most of
// a request's CPU and buy nothing. The generate step (graph/internal/serialgen)
// rewrites the generated list marshalling to call Slice, with a table of the
// fields gqlgen itself resolves concurrently (resolvers and methods taking a
// context). Slice looks at the list's selection: when it reaches one of those
// fields, at any depth, the list is marshalled exactly as gqlgen would;
// otherwise serially.
//
// The package does not decide what is concurrent: gqlgen's generated code
// does, and the table is read from it at generate time.
package serial

import (
	"bytes"
	"context"
	"io"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Fields names, per GraphQL object, interface or union type, the fields the
// generated executor resolves on a goroutine of their own. A type missing
// from the map is treated as if every field were concurrent.
type Fields map[string][]string

// checkEvery is how many elements are marshalled between two looks at the
// context: marshalling one element of a release is microseconds, so a
// cancelled request stops within a fraction of a millisecond.
const checkEvery = 32

// Slice marshals the n elements of a list whose elements are selected by
// sel, calling marshal for each. It has the signature and the results of
// graphql.MarshalSliceConcurrently (per-element field context for error
// paths, a panic in one element turned into an error and a null), and calls
// it when sel reaches a field named in concurrent; otherwise it marshals the
// elements one after the other on this goroutine (a list of one element
// too, which gqlgen also marshals on the calling goroutine, with one more
// allocation). When ctx ends during a
// serial list, the remaining elements are null and the context's error is
// added once.
func Slice(
	ctx context.Context,
	sel ast.SelectionSet,
	concurrent Fields,
	n int,
	workerLimit int64,
	omitPanicHandler bool,
	marshal func(ctx context.Context, i int) graphql.Marshaler,
) graphql.Array {
	if n == 0 {
		return make(graphql.Array, 0) // what gqlgen returns: [] rather than null
	}
	if Reaches(sel, concurrent) {
		return graphql.MarshalSliceConcurrently(ctx, n, workerLimit, omitPanicHandler, marshal)
	}
	if key := fieldKey(); key != nil {
		ret, elems := listBlock(n)
		return sliceInPlace(ctx, key, ret, elems, marshal, omitPanicHandler)
	}
	ret := make(graphql.Array, n)
	// One allocation for every element's field context and index instead of
	// two per element (gqlgen's, also for a list of one); each element keeps
	// its own, as error paths and deferred fragments may refer to it after
	// the loop.
	elems := make([]element, n)
	for i := range n {
		if i%checkEvery == 0 && ctx.Err() != nil {
			graphql.AddError(ctx, ctx.Err())
			for j := i; j < n; j++ {
				ret[j] = graphql.Null
			}
			break
		}
		e := &elems[i]
		e.idx = i
		e.fc.Index = &e.idx
		childCtx := graphql.WithFieldContext(ctx, &e.fc)
		if omitPanicHandler {
			ret[i] = marshal(childCtx, i)
			continue
		}
		ret[i] = marshalRecovering(childCtx, i, marshal)
	}
	return ret
}

// sliceInPlace is Slice's serial loop when contexts can be made here
// (fieldKey): one allocation for every element's context, field context,
// index and object values, and the elements share the memo of collected fields of the serial
// list ctx is in, or a new one.
func sliceInPlace(ctx context.Context, key any, ret graphql.Array, elems []listElement, marshal func(context.Context, int) graphql.Marshaler, omitPanicHandler bool) graphql.Array {
	n := len(ret)
	parent := graphql.GetFieldContext(ctx)
	var m *memo
	if p := asField(ctx); p != nil && p.memo != nil {
		m = p.memo
	} else {
		m = new(memo)
	}
	for i := range n {
		if i%checkEvery == 0 && ctx.Err() != nil {
			graphql.AddError(ctx, ctx.Err())
			for j := i; j < n; j++ {
				ret[j] = graphql.Null
			}
			break
		}
		e := &elems[i]
		e.idx = i
		e.fc.Index = &e.idx
		e.fc.Parent = parent
		e.ctx = fieldCtx{Context: ctx, key: key, fc: &e.fc, memo: m, vals: &e.vals}
		if omitPanicHandler {
			ret[i] = marshal(&e.ctx, i)
			continue
		}
		ret[i] = marshalRecovering(&e.ctx, i, marshal)
	}
	return ret
}

// listBlock returns the values and the elements of a serial list of n
// elements: in one allocation for a short list (most lists of a release's
// objects hold one to four elements), else two.
func listBlock(n int) (graphql.Array, []listElement) {
	switch {
	case n == 1:
		b := new(struct {
			ret   [1]graphql.Marshaler
			elems [1]listElement
		})
		return b.ret[:], b.elems[:]
	case n == 2:
		b := new(struct {
			ret   [2]graphql.Marshaler
			elems [2]listElement
		})
		return b.ret[:], b.elems[:]
	case n <= 4:
		b := new(struct {
			ret   [4]graphql.Marshaler
			elems [4]listElement
		})
		return b.ret[:n:n], b.elems[:n:n]
	}
	return make(graphql.Array, n), make([]listElement, n)
}

// listElement is the context of one list element with its field context
// and the index that points to.
type listElement struct {
	ctx  fieldCtx
	fc   graphql.FieldContext
	idx  int
	vals Values // the element's object, when it is one with no concurrent field (NewValuesIn)
}

// element is the field context of one list element with the index it
// points to.
type element struct {
	fc  graphql.FieldContext
	idx int
}

// Deferred returns the deferred group of an object whose collected fields
// are fields: gqlgen's own (graphql.NewDeferredGroup) when one of them is
// deferred, else an empty group with nothing computed. gqlgen builds the
// group for every object it marshals, computing the object's path (a slice
// as deep as the object) and a field set and a map, which were a fifth of a
// nested query's allocations; they are read only when a field is deferred.
func Deferred(ctx context.Context, fields []graphql.CollectedField) graphql.DeferredGroup {
	for i := range fields {
		if fields[i].IsDeferred() {
			return graphql.NewDeferredGroup(ctx)
		}
	}
	return graphql.DeferredGroup{Context: ctx}
}

// Object returns the marshaler of an object whose fields were collected as
// fields and resolved into out. When no field is deferred, it writes the
// same JSON as out (graphql.FieldSet) does without what FieldSet's writer
// allocates per object and field (a map to skip repeated aliases, which
// CollectFields has already merged, and a copy of every collected field);
// otherwise it returns out.
func Object(out *graphql.FieldSet, fields []graphql.CollectedField) graphql.Marshaler {
	if len(out.Values) != len(fields) {
		return out
	}
	for i := range fields {
		if fields[i].IsDeferred() || out.Values[i] == nil {
			return out
		}
	}
	return object{fields: fields, values: out.Values}
}

type object struct {
	fields []graphql.CollectedField
	values []graphql.Marshaler
}

var (
	openBrace  = []byte("{")
	closeBrace = []byte("}")
	comma      = []byte(",")
	quoteColon = []byte(`":`)
	quote      = []byte(`"`)
)

// MarshalGQL writes {"alias":value,...}. An alias is a GraphQL name
// ([_A-Za-z][_0-9A-Za-z]*): it needs no escaping.
func (o object) MarshalGQL(w io.Writer) {
	if b, ok := w.(*bytes.Buffer); ok {
		o.writeTo(b)
		return
	}
	_, _ = w.Write(openBrace)
	for i := range o.fields {
		if i > 0 {
			_, _ = w.Write(comma)
		}
		_, _ = w.Write(quote)
		_, _ = io.WriteString(w, o.fields[i].Alias)
		_, _ = w.Write(quoteColon)
		o.values[i].MarshalGQL(w)
	}
	_, _ = w.Write(closeBrace)
}

// writeTo is MarshalGQL into the buffer the executor writes its answer to,
// without an interface call per punctuation mark.
func (o object) writeTo(b *bytes.Buffer) {
	b.WriteByte('{')
	for i := range o.fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(o.fields[i].Alias)
		b.WriteString(`":`)
		o.values[i].MarshalGQL(b)
	}
	b.WriteByte('}')
}

func marshalRecovering(ctx context.Context, i int, marshal func(context.Context, int) graphql.Marshaler) (m graphql.Marshaler) {
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			m = graphql.Null
		}
	}()
	return marshal(ctx, i)
}

// Reaches reports whether sel selects, at any depth and through fragments, a
// field named in concurrent, a field of a type concurrent does not know, or
// a deferred fragment (gqlgen runs those on goroutines too).
func Reaches(sel ast.SelectionSet, concurrent Fields) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.ObjectDefinition == nil {
				return true
			}
			fields, known := concurrent[s.ObjectDefinition.Name]
			if !known || slices.Contains(fields, s.Name) || Reaches(s.SelectionSet, concurrent) {
				return true
			}
		case *ast.InlineFragment:
			if s.Directives.ForName("defer") != nil || Reaches(s.SelectionSet, concurrent) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Directives.ForName("defer") != nil || s.Definition == nil || Reaches(s.Definition.SelectionSet, concurrent) {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// inline is how many field values a Values holds without a second
// allocation: most objects of a query select a handful of fields.
const inline = 4

// Values is what the generated marshalling function of an object with no
// concurrent field fills in place of gqlgen's FieldSet: the value of each
// collected field and the count of invalid ones. gqlgen allocates a
// FieldSet (112 bytes), its value slice and, with Object, a writer for each
// object it marshals; a Values is one allocation of 128 bytes for up to four
// fields, and is its own writer. It is not safe for concurrent use, which
// such an object does not need: every field is resolved on the calling
// goroutine before the function returns.
type Values struct {
	fields   []graphql.CollectedField
	Values   []graphql.Marshaler
	Invalids uint32
	buf      [inline]graphql.Marshaler
}

// NewValues returns the Values of an object whose fields were collected as
// fields.
func NewValues(fields []graphql.CollectedField) *Values {
	v := &Values{fields: fields}
	if len(fields) <= inline {
		v.Values = v.buf[:len(fields):len(fields)]
	} else {
		v.Values = make([]graphql.Marshaler, len(fields))
	}
	return v
}

// NewValuesIn is NewValues for an object marshalled in ctx: when ctx is the
// context of a serial list's element whose own Values is still unused,
// that one (in the block Slice allocated for the list), else a new one.
func NewValuesIn(ctx context.Context, fields []graphql.CollectedField) *Values {
	if c := asField(ctx); c != nil && c.vals != nil && len(fields) <= inline {
		v := c.vals
		c.vals = nil // an element's object is marshalled once; never twice in one slot
		v.fields = fields
		v.Values = v.buf[:len(fields):len(fields)]
		return v
	}
	return NewValues(fields)
}

// Dispatch does nothing: an object with no concurrent field has nothing
// delayed. It is there so that the generated code calls it as it calls a
// FieldSet's.
func (v *Values) Dispatch(context.Context) {}

// Marshaler returns the writer of the object: v itself when no field is
// deferred, else a FieldSet holding the same values (what gqlgen returns).
func (v *Values) Marshaler() graphql.Marshaler {
	for i := range v.fields {
		if v.fields[i].IsDeferred() || v.Values[i] == nil {
			out := graphql.NewFieldSet(v.fields)
			copy(out.Values, v.Values)
			out.Invalids = v.Invalids
			return out
		}
	}
	return v
}

// MarshalGQL writes {"alias":value,...}, as Object's writer does.
func (v *Values) MarshalGQL(w io.Writer) {
	object{fields: v.fields, values: v.Values}.MarshalGQL(w)
}
