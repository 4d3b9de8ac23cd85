package server

import (
	"container/list"
	"context"
	"encoding/json"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/atlasgraph/atlasgraph/app"
	"github.com/vektah/gqlparser/v2/ast"
)

// The response cache.
//
// A complete release never changes, so the answer to a query that reads
// nothing but complete releases is a function of the query, its variables
// and the releases loaded. The cache keeps such answers, keyed by the
// catalogue of releases the request is pinned to (every version with its
// sha256, and which is current), the query text, the operation name and the
// variables: a load, replace, prune or switch changes the catalogue, so no
// answer outlives the content it came from (beyond the read model's Poll).
//
// Only queries whose every field is release data are kept: the root fields
// in cacheableRoots, with none of uncacheableFields anywhere (the actor
// directory behind Technique.actors and Actor.techniques merges ATT&CK,
// which loads separately; upstream status changes by itself). The ATLAS
// actors of a case study (CaseStudy.actors) are release data. Answers with errors are never kept. Threat models,
// search, mutations, introspection and bounded searches (the minimal set,
// which may stop at its budget) always run. The cache is bounded in bytes;
// the least recently used answers go first. Server.Config.ResponseCacheBytes
// sets the bound; a negative value switches the cache off.

var cacheableRoots = map[string]bool{
	"tactic": true, "technique": true, "mitigation": true, "caseStudy": true,
	"tactics": true, "techniques": true, "mitigations": true, "caseStudies": true,
	"tacticsConnection": true, "techniquesConnection": true, "mitigationsConnection": true, "caseStudiesConnection": true,
	"releaseDiff": true, "chainMitigations": true, "attackPaths": true, "chokePoints": true, "coverageGaps": true,
	"__typename": true,
}

// uncacheableFields are "Type.field", or "*.field" for any type.
var uncacheableFields = map[string]bool{"Technique.actors": true, "Actor.techniques": true, "*.upstream": true}

// DefaultResponseCacheBytes bounds the response cache unless the
// configuration says otherwise.
const DefaultResponseCacheBytes = 64 << 20

type responseCache struct {
	model    *app.Service
	maxBytes int
	m        *metrics

	mu    sync.Mutex
	lru   *list.List // of *cached, most recently used first
	items map[string]*list.Element
	bytes int
}

type cached struct {
	key  string
	data json.RawMessage
}

func newResponseCache(model *app.Service, maxBytes int, m *metrics) *responseCache {
	return &responseCache{model: model, maxBytes: maxBytes, m: m, lru: list.New(), items: map[string]*list.Element{}}
}

// ExtensionName names the cache as a gqlgen handler extension.
func (c *responseCache) ExtensionName() string { return "AtlasgraphResponseCache" }

// Validate implements graphql.HandlerExtension.
func (c *responseCache) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation answers a cacheable query from the cache, or runs it
// and keeps its answer.
func (c *responseCache) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query || !cacheable(oc.Operation.SelectionSet, oc.Doc, true, 0) {
		return next(ctx)
	}
	fp, err := c.model.Fingerprint(ctx)
	if err != nil {
		return next(ctx)
	}
	vars, err := json.Marshal(oc.Variables)
	if err != nil {
		return next(ctx)
	}
	key := fp + "\x00" + oc.OperationName + "\x00" + string(vars) + "\x00" + oc.RawQuery
	if data, ok := c.get(key); ok {
		c.m.responseCache.WithLabelValues("hit").Inc()
		done := false
		return func(context.Context) *graphql.Response {
			if done {
				return nil
			}
			done = true
			return &graphql.Response{Data: data}
		}
	}
	c.m.responseCache.WithLabelValues("miss").Inc()
	h := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		if resp != nil && len(resp.Errors) == 0 && len(resp.Data) > 0 {
			c.put(key, resp.Data)
		}
		return resp
	}
}

// cacheable reports whether a selection reads release data only.
func cacheable(set ast.SelectionSet, doc *ast.QueryDocument, root bool, depth int) bool {
	if depth > 64 {
		return false
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			parent := ""
			if s.ObjectDefinition != nil {
				parent = s.ObjectDefinition.Name
			}
			if (root && !cacheableRoots[s.Name]) || uncacheableFields[parent+"."+s.Name] || uncacheableFields["*."+s.Name] || (parent == "" && !root) {
				return false
			}
			if !cacheable(s.SelectionSet, doc, false, depth+1) {
				return false
			}
		case *ast.InlineFragment:
			if !cacheable(s.SelectionSet, doc, root, depth+1) {
				return false
			}
		case *ast.FragmentSpread:
			def := doc.Fragments.ForName(s.Name)
			if def == nil || !cacheable(def.SelectionSet, doc, root, depth+1) {
				return false
			}
		}
	}
	return true
}

func (c *responseCache) get(key string) (json.RawMessage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(e)
	return e.Value.(*cached).data, true
}

func (c *responseCache) put(key string, data json.RawMessage) {
	size := len(key) + len(data)
	if size > c.maxBytes/8 {
		return // one answer may take at most an eighth of the cache
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; ok {
		return
	}
	c.items[key] = c.lru.PushFront(&cached{key: key, data: data})
	c.bytes += size
	for c.bytes > c.maxBytes {
		last := c.lru.Back()
		v := last.Value.(*cached)
		c.lru.Remove(last)
		delete(c.items, v.key)
		c.bytes -= len(v.key) + len(v.data)
	}
}
