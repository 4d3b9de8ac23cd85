package server

import (
	"context"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/vektah/gqlparser/v2/ast"
)

// Bounds of gqlgen's cache of parsed and validated query documents: a
// document is kept for its query text, and the parser token limit bounds
// one document but not a thousand of them.
const (
	queryCacheEntries = 1000
	queryCacheBytes   = 32 << 20
)

// queryCache is gqlgen's query cache (graphql.Cache) bounded in entries and
// in an estimate of the memory its documents hold (docBytes), least
// recently used first out. A document estimated above a quarter of the
// bound is not kept: it is parsed again when asked again.
type queryCache struct {
	mu       sync.Mutex
	lru      *simplelru.LRU[string, cachedDoc]
	bytes    int
	maxBytes int
}

type cachedDoc struct {
	doc  *ast.QueryDocument
	size int
}

func newQueryCache(entries, maxBytes int) *queryCache {
	c := &queryCache{maxBytes: maxBytes}
	// NewLRU fails only on a size below 1.
	c.lru, _ = simplelru.NewLRU(max(entries, 1), func(_ string, d cachedDoc) { c.bytes -= d.size })
	return c
}

// Get returns the document cached for a query text.
func (c *queryCache) Get(_ context.Context, key string) (*ast.QueryDocument, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.lru.Get(key)
	return d.doc, ok
}

// Has reports whether a document is cached for a query text, without
// making it more recently used.
func (c *queryCache) Has(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Contains(key)
}

// Add keeps doc for key, evicting the least recently used documents until
// the estimate fits.
func (c *queryCache) Add(_ context.Context, key string, doc *ast.QueryDocument) {
	size := docBytes(key, doc)
	if size > c.maxBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key)
	c.lru.Add(key, cachedDoc{doc: doc, size: size})
	c.bytes += size
	for c.bytes > c.maxBytes {
		if _, _, ok := c.lru.RemoveOldest(); !ok {
			break
		}
	}
}

// Per-node upper estimates of what a parsed and validated document holds,
// in bytes (the node, its position, the slices and strings pointing to
// it), measured by TestQueryCacheEstimate.
const (
	nodeBytes  = 256 // a field, fragment spread, inline fragment, operation or fragment definition
	valueBytes = 160 // an argument, a value or a variable definition with its default
)

// docBytes estimates the memory a cached document holds: its query text
// (held twice: as the key and by the document's source) and its nodes.
func docBytes(key string, doc *ast.QueryDocument) int {
	n := 2 * len(key)
	for _, op := range doc.Operations {
		n += nodeBytes + directivesBytes(op.Directives) + selectionBytes(op.SelectionSet)
		for _, v := range op.VariableDefinitions {
			n += valueBytes + valueTreeBytes(v.DefaultValue) + directivesBytes(v.Directives)
		}
	}
	for _, f := range doc.Fragments {
		n += nodeBytes + directivesBytes(f.Directives) + selectionBytes(f.SelectionSet)
	}
	return n
}

func selectionBytes(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		n += nodeBytes
		switch s := sel.(type) {
		case *ast.Field:
			for _, a := range s.Arguments {
				n += valueBytes + valueTreeBytes(a.Value)
			}
			n += directivesBytes(s.Directives) + selectionBytes(s.SelectionSet)
		case *ast.InlineFragment:
			n += directivesBytes(s.Directives) + selectionBytes(s.SelectionSet)
		case *ast.FragmentSpread:
			n += directivesBytes(s.Directives)
		}
	}
	return n
}

func directivesBytes(ds ast.DirectiveList) int {
	n := 0
	for _, d := range ds {
		n += valueBytes
		for _, a := range d.Arguments {
			n += valueBytes + valueTreeBytes(a.Value)
		}
	}
	return n
}

func valueTreeBytes(v *ast.Value) int {
	if v == nil {
		return 0
	}
	n := valueBytes + len(v.Raw)
	for _, c := range v.Children {
		n += valueBytes + len(c.Name) + valueTreeBytes(c.Value)
	}
	return n
}
