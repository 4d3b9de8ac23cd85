package serial

import (
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// memoName names the operation's memo of collected fields among its
// statistics' extensions (graphql.Stats.SetExtension).
const memoName = "atlasgraph.collectedFields"

// fieldsKey names one selection set of the operation's document and one
// list of type names, by identity: the set's first element and length (what
// gqlgen's own cache keys on) and the generated list of the type's names.
type fieldsKey struct {
	sel       *ast.Selection
	n         int
	satisfies *string
	m         int
}

// fieldsMemo is one operation's collected fields, by fieldsKey. Lists
// marshalled concurrently may ask from several goroutines.
type fieldsMemo struct {
	mu sync.Mutex
	m  map[fieldsKey][]graphql.CollectedField
}

// PrepareOperation gives op a memo of its collected fields for
// CollectFields. Call it before the operation executes (an operation
// context mutator does), as gqlgen's statistics are not safe to write
// during execution.
func PrepareOperation(op *graphql.OperationContext) {
	op.Stats.SetExtension(memoName, &fieldsMemo{m: map[fieldsKey][]graphql.CollectedField{}})
}

// CollectFields returns what graphql.CollectFields returns for the same
// arguments, from the operation's memo (PrepareOperation) when it holds
// them. gqlgen caches the result per operation too, but builds its cache key
// with an FNV hasher and a byte copy of each type name, on the heap, for
// every object it marshals: about one allocation in six of a large answer.
// Without a memo it calls graphql.CollectFields.
func CollectFields(op *graphql.OperationContext, sel ast.SelectionSet, satisfies []string) []graphql.CollectedField {
	memo, _ := op.Stats.GetExtension(memoName).(*fieldsMemo)
	if memo == nil || len(sel) == 0 || len(satisfies) == 0 {
		return graphql.CollectFields(op, sel, satisfies)
	}
	k := fieldsKey{sel: &sel[0], n: len(sel), satisfies: &satisfies[0], m: len(satisfies)}
	memo.mu.Lock()
	fields, ok := memo.m[k]
	memo.mu.Unlock()
	if ok {
		return fields
	}
	fields = graphql.CollectFields(op, sel, satisfies)
	memo.mu.Lock()
	memo.m[k] = fields
	memo.mu.Unlock()
	return fields
}
