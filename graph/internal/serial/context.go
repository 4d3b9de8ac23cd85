package serial

// Field contexts without a context value per element, and collected fields
// once per list.
//
// gqlgen puts every field context in the request's context with
// context.WithValue (graphql.WithFieldContext): one allocation per list
// element and per object or list field, besides the field context itself.
// And every object it marshals collects its fields again
// (graphql.CollectFields), which builds the operation cache's key on the
// heap (an FNV hasher and a copy of each type name) even when the answer is
// cached: the same key for every element of a list. Here a serial list
// keeps each element's context in the block that already holds its field
// context and index, and everything below the outermost serial list (its
// elements, their plain object fields, the serial lists below them) shares
// a small memo of collected fields keyed by the selection and the type's
// implementors. The memo needs no lock: nothing below a serial list runs
// concurrently (Slice takes the serial path only when its selection reaches
// no concurrent field and no deferred fragment), and a context carrying the
// memo is made only on that path.

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// fieldKey is the key under which gqlgen keeps the field context in a
// context.Context (unexported in gqlgen), learnt once by asking
// graphql.GetFieldContext of a context that records the key it is asked
// for, then checked against a context gqlgen made itself. Nil when that
// check fails (a gqlgen this code does not know): then contexts are made by
// graphql.WithFieldContext as before.
var fieldKey = sync.OnceValue(func() any {
	p := &probeCtx{Context: context.Background()}
	_ = graphql.GetFieldContext(p)
	if p.key == nil {
		return nil
	}
	fc := &graphql.FieldContext{Object: "probe"}
	if graphql.WithFieldContext(context.Background(), fc).Value(p.key) != fc {
		return nil
	}
	mine := &fieldCtx{Context: context.Background(), fc: fc}
	if graphql.GetFieldContext(withKey(mine, p.key)) != fc {
		return nil
	}
	return p.key
})

type probeCtx struct {
	context.Context
	key any
}

func (p *probeCtx) Value(key any) any {
	if p.key == nil {
		p.key = key
	}
	return nil
}

// withKey is c as a context, its key set (tests of the probe).
func withKey(c *fieldCtx, key any) context.Context {
	c.key = key
	return c
}

// memoSize is how many (selection, type) pairs the memo of a serial list
// remembers: the objects of its elements and of the plain fields and serial
// lists below them (a technique with its tactics, mitigation links,
// mitigations and case studies is five).
const memoSize = 8

// memo holds the fields collected for a few (selection, implementors)
// pairs of one operation.
type memo struct {
	entries [memoSize]memoEntry
	next    int
}

type memoEntry struct {
	sel    *ast.Selection // &sel[0]
	n      int            // len(sel)
	impl   *string        // &implementors[0]
	fields []graphql.CollectedField
}

// fieldCtx is a context holding one field context: what
// graphql.WithFieldContext returns, and where a serial list's collected
// fields are found.
type fieldCtx struct {
	context.Context
	key  any
	fc   *graphql.FieldContext
	memo *memo
	vals *Values // a list element's unused Values (NewValuesIn); nil elsewhere
}

func (c *fieldCtx) Value(key any) any {
	if key == c.key {
		return c.fc
	}
	return c.Context.Value(key)
}

// WithField returns ctx with the field context fc, as
// graphql.WithFieldContext does (fc's parent is ctx's field context), in one
// allocation, carrying the memo of the serial list ctx is in.
func WithField(ctx context.Context, fc *graphql.FieldContext) context.Context {
	key := fieldKey()
	if key == nil {
		return graphql.WithFieldContext(ctx, fc)
	}
	fc.Parent = graphql.GetFieldContext(ctx)
	c := &fieldCtx{Context: ctx, key: key, fc: fc}
	if p := asField(ctx); p != nil {
		c.memo = p.memo
	}
	return c
}

// WithFieldCopy is WithField with a copy of *fc made in the same allocation
// as the context, and returns that copy: the generated fast path of a plain
// field passes the field context gqlgen's generated function made, which
// then need not leave the stack.
func WithFieldCopy(ctx context.Context, fc *graphql.FieldContext) (context.Context, *graphql.FieldContext) {
	key := fieldKey()
	if key == nil {
		own := *fc // a copy here too: fc must not leave the caller's stack
		return graphql.WithFieldContext(ctx, &own), &own
	}
	c := &fieldCtxWith{fieldCtx: fieldCtx{Context: ctx, key: key}, own: *fc}
	c.own.Parent = graphql.GetFieldContext(ctx)
	c.fc = &c.own
	if p := asField(ctx); p != nil {
		c.memo = p.memo
	}
	return c, &c.own
}

// asField returns the fieldCtx ctx is, or nil.
func asField(ctx context.Context) *fieldCtx {
	switch c := ctx.(type) {
	case *fieldCtx:
		return c
	case *fieldCtxWith:
		return &c.fieldCtx
	}
	return nil
}

// fieldCtxWith is a fieldCtx holding its field context.
type fieldCtxWith struct {
	fieldCtx
	own graphql.FieldContext
}

// CollectFields returns graphql.CollectFields(oc, sel, implementors): from
// the memo of the serial list ctx is in when it has them, else from gqlgen
// (remembered in that memo). The answer depends on the operation (its
// variables decide @skip and @include), the selection and the type alone,
// and gqlgen hands every caller the same slice too.
func CollectFields(ctx context.Context, oc *graphql.OperationContext, sel ast.SelectionSet, implementors []string) []graphql.CollectedField {
	c := asField(ctx)
	if c == nil || c.memo == nil || len(sel) == 0 || len(implementors) == 0 {
		return graphql.CollectFields(oc, sel, implementors)
	}
	m := c.memo
	s0, i0 := &sel[0], &implementors[0]
	for i := range m.entries {
		e := &m.entries[i]
		if e.sel == s0 && e.n == len(sel) && e.impl == i0 {
			return e.fields
		}
	}
	fields := graphql.CollectFields(oc, sel, implementors)
	m.entries[m.next] = memoEntry{sel: s0, n: len(sel), impl: i0, fields: fields}
	m.next = (m.next + 1) % memoSize
	return fields
}
