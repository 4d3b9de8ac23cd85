package server

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// limitsExtension rejects, after validation and before execution, an
// operation over the complexity, depth, alias or root-field limits. The
// introspection fields (__schema, __type, __typename) are not counted:
// GraphiQL's introspection query is deep by nature and gqlparser bounds it
// on its own.
type limitsExtension struct{ lim Limits }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = limitsExtension{}

func (limitsExtension) ExtensionName() string                   { return "AtlasgraphLimits" }
func (limitsExtension) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext measures the operation and refuses it when it is
// over a limit.
func (l limitsExtension) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	m := measure{vars: op.Variables, listFactor: l.lim.ListFactor}
	roots := 0
	for _, f := range m.fields(op.Operation.SelectionSet) {
		if !strings.HasPrefix(f.Name, "__") {
			roots++
		}
	}
	cost := m.cost(op.Operation.SelectionSet, 1)
	switch {
	case roots > l.lim.RootFields:
		return limitError("the query asks for %d root fields; the limit is %d", roots, l.lim.RootFields)
	case m.depth > l.lim.Depth:
		return limitError("the query nests fields %d deep; the limit is %d", m.depth, l.lim.Depth)
	case m.aliases > l.lim.Aliases:
		return limitError("the query has %d aliases; the limit is %d", m.aliases, l.lim.Aliases)
	case cost > l.lim.Complexity:
		return limitError("the query has complexity %d; the limit is %d (each field costs 1, fields under a list cost %d times as much, or `first` times)",
			cost, l.lim.Complexity, l.lim.ListFactor)
	}
	return nil
}

func limitError(format string, args ...any) *gqlerror.Error {
	e := gqlerror.Errorf(format, args...)
	e.Extensions = map[string]any{"code": limitCode}
	return e
}

// measure walks an operation once, through fragments, adding up its cost
// and noting its depth and aliases.
type measure struct {
	vars       map[string]any
	listFactor int
	depth      int
	aliases    int
}

// fields flattens a selection set's fields, expanding fragments.
func (m *measure) fields(set ast.SelectionSet) []*ast.Field {
	var out []*ast.Field
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			out = append(out, s)
		case *ast.InlineFragment:
			out = append(out, m.fields(s.SelectionSet)...)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				out = append(out, m.fields(s.Definition.SelectionSet)...)
			}
		}
	}
	return out
}

// cost is the complexity of a selection set at the given depth.
func (m *measure) cost(set ast.SelectionSet, depth int) int {
	total := 0
	for _, f := range m.fields(set) {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		m.depth = max(m.depth, depth)
		if f.Alias != "" && f.Alias != f.Name {
			m.aliases++
		}
		c := 1
		if len(f.SelectionSet) > 0 {
			c += m.factor(f) * m.cost(f.SelectionSet, depth+1)
		}
		total += c
		if total > 1<<30 { // no overflow, whatever the query
			return total
		}
	}
	return total
}

// factor is how many times the selections under f run: `first` for a
// field that takes it (connections, search), 1 for the items of a
// connection (their count is the connection's `first`), ListFactor for
// any other list, 1 for an object.
func (m *measure) factor(f *ast.Field) int {
	if f.Definition == nil {
		return 1
	}
	if v, ok := f.ArgumentMap(m.vars)["first"]; ok {
		switch n := v.(type) {
		case int64:
			return max(int(n), 1)
		case int:
			return max(n, 1)
		}
	}
	if f.ObjectDefinition != nil && strings.HasSuffix(f.ObjectDefinition.Name, "Connection") {
		return 1
	}
	if f.Definition.Type.Elem != nil {
		return m.listFactor
	}
	return 1
}
