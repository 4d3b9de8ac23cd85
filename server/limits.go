package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"golang.org/x/sync/semaphore"
)

// limitsExtension bounds what one operation may cost, in two passes whose
// own cost is linear in the query's text (every fragment is measured once
// and its measure reused wherever it is spread):
//
//   - before gqlparser validates the document (validation is quadratic in
//     the fields of one selection set), a pass over the parsed text refuses
//     too many written selections, fragment cycles, and operations that
//     expand to too many fields, aliases, root fields, introspection fields
//     or too deep a nesting;
//   - after validation, with the variables coerced, it refuses variables
//     whose JSON type does not match their declared type (a string "100"
//     for an Int), then the operations over the complexity limit.
//
// Introspection fields (__schema, __type) count like any other field
// toward the aliases, root fields and complexity (each field under them
// costs 1, whatever the lists); their number is capped on its own
// (Limits.Introspection), and they are refused outright when introspection
// is switched off. Only their nesting is left to gqlparser's own
// introspection depth rule, since GraphiQL's query is deep by nature.
type limitsExtension struct {
	lim           Limits
	introspection bool
	schema        *ast.Schema
	// known reports whether a query text is in gqlgen's query cache, nil
	// when there is none. gqlgen caches a document only after this
	// extension's first pass accepted its text and validation passed, so a
	// known text needs no second parse for the first pass.
	known func(query string) bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = (*limitsExtension)(nil)

func (*limitsExtension) ExtensionName() string { return "AtlasgraphLimits" }

// Validate keeps the schema, to check the types of variables.
func (l *limitsExtension) Validate(es graphql.ExecutableSchema) error {
	l.schema = es.Schema()
	return nil
}

// MutateOperationParameters refuses a query text longer than a query body
// may be, then runs the first pass, before gqlgen parses and validates the
// query. A query that does not parse is left to gqlgen,
// which reports the syntax error in its own words.
func (l *limitsExtension) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	// A body may be large to carry a threat model, in variables; the query
	// text itself stays within the size of a query body.
	if l.lim.BodyBytes > 0 && int64(len(p.Query)) > l.lim.BodyBytes {
		return limitError("the query text is %d bytes; the limit is %d: send large values, such as a threat model, as variables",
			len(p.Query), l.lim.BodyBytes)
	}
	if l.known != nil && l.known(p.Query) {
		return nil // accepted before, under the same limits
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, l.lim.ParserTokens)
	if err != nil {
		return nil
	}
	return l.precheck(doc)
}

// precheck is the first pass over a parsed, unvalidated document.
func (l *limitsExtension) precheck(doc *ast.QueryDocument) *gqlerror.Error {
	sh := newShaper(doc)
	return l.checkShape(doc, sh)
}

func newShaper(doc *ast.QueryDocument) *shaper {
	sh := &shaper{frags: map[string]*ast.FragmentDefinition{}, memo: map[fragKey]shape{}, state: map[fragKey]uint8{}}
	for _, f := range doc.Fragments {
		if _, dup := sh.frags[f.Name]; !dup { // duplicates are gqlparser's to report
			sh.frags[f.Name] = f
		}
	}
	return sh
}

// checkShape refuses a document over the limits that need no schema.
func (l *limitsExtension) checkShape(doc *ast.QueryDocument, sh *shaper) *gqlerror.Error {
	written := 0
	for _, op := range doc.Operations {
		written = satAdd(written, countSelections(op.SelectionSet))
	}
	for _, f := range doc.Fragments {
		written = satAdd(written, countSelections(f.SelectionSet))
	}
	if written > l.lim.Fields {
		return limitError("the query has %d field selections; the limit is %d", written, l.lim.Fields)
	}
	for _, op := range doc.Operations {
		s := sh.set(op.SelectionSet, false)
		if sh.cycle != "" {
			e := gqlerror.Errorf("fragment %q spreads itself, directly or through other fragments; a fragment may not contain itself", sh.cycle)
			errcode.Set(e, errcode.ValidationFailed)
			return e
		}
		switch {
		case s.introspection > 0 && !l.introspection:
			return limitError("introspection (__schema, __type) is switched off on this server")
		case s.fields > l.lim.Complexity:
			return limitError("the query expands to %s fields through its fragments; the limit is %d (every field costs at least 1)",
				atLeast(s.fields), l.lim.Complexity)
		case s.introspection > l.lim.Introspection:
			return limitError("the query has %s introspection fields (__schema, __type); the limit is %d", atLeast(s.introspection), l.lim.Introspection)
		case s.roots > l.lim.RootFields:
			return limitError("the query asks for %s root fields; the limit is %d", atLeast(s.roots), l.lim.RootFields)
		case s.depth > l.lim.Depth:
			return limitError("the query nests fields %d deep; the limit is %d", s.depth, l.lim.Depth)
		case s.aliases > l.lim.Aliases:
			return limitError("the query has %s aliases; the limit is %d", atLeast(s.aliases), l.lim.Aliases)
		}
	}
	return nil
}

// MutateOperationContext runs the second pass, after validation, with the
// variables coerced.
func (l *limitsExtension) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if l.schema != nil {
		for _, d := range op.Operation.VariableDefinitions {
			if v, ok := op.Variables[d.Variable]; ok {
				if err := l.checkVariable(d.Type, v, "$"+d.Variable); err != nil {
					return err
				}
			}
		}
	}
	c := coster{vars: op.Variables, listFactor: l.lim.ListFactor, memo: map[fragKey]int{}}
	if cost := c.set(op.Operation.SelectionSet, false); cost > l.lim.Complexity {
		return limitError("the query has complexity %s; the limit is %d (each field costs 1, fields under a list cost %d times as much, or `first` times)",
			atLeast(cost), l.lim.Complexity, l.lim.ListFactor)
	}
	return nil
}

// checkVariable refuses a variable sent as a JSON string where its
// declared type is Int or Float: gqlparser coerces "100" to a number, so
// the resolvers would see 100 while a client meant something else or
// meant to slip past the complexity count.
func (l *limitsExtension) checkVariable(t *ast.Type, v any, path string) *gqlerror.Error {
	if v == nil || t == nil {
		return nil
	}
	if t.Elem != nil {
		if list, ok := v.([]any); ok {
			for i, x := range list {
				if err := l.checkVariable(t.Elem, x, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			return nil
		}
		return l.checkVariable(t.Elem, v, path)
	}
	def := l.schema.Types[t.NamedType]
	if def == nil {
		return nil
	}
	switch def.Kind {
	case ast.Scalar:
		if s, ok := v.(string); ok && (def.Name == "Int" || def.Name == "Float") {
			e := gqlerror.Errorf("variable %s is the JSON string %q but its type is %s; send it as a JSON number", path, truncate(s, 40), def.Name)
			errcode.Set(e, errcode.ValidationFailed)
			return e
		}
	case ast.InputObject:
		if m, ok := v.(map[string]any); ok {
			for _, f := range def.Fields {
				if err := l.checkVariable(f.Type, m[f.Name], path+"."+f.Name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func limitError(format string, args ...any) *gqlerror.Error {
	e := gqlerror.Errorf(format, args...)
	e.Extensions = map[string]any{"code": limitCode}
	return e
}

// saturation is where the counts stop growing: far above every limit,
// far below overflow.
const saturation = 1 << 40

func satAdd(a, b int) int { return min(a+b, saturation) }

func satMul(a, b int) int {
	if a != 0 && b > saturation/a {
		return saturation
	}
	return min(a*b, saturation)
}

// atLeast prints a saturated count as what it is: a lower bound.
func atLeast(n int) string {
	if n >= saturation {
		return "more than " + strconv.Itoa(saturation)
	}
	return strconv.Itoa(n)
}

func isIntrospectionRoot(name string) bool { return name == "__schema" || name == "__type" }

// countSelections counts the selections written in a selection set
// (fields, fragment spreads, inline fragments), not following spreads.
func countSelections(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		n++
		switch s := sel.(type) {
		case *ast.Field:
			n = satAdd(n, countSelections(s.SelectionSet))
		case *ast.InlineFragment:
			n = satAdd(n, countSelections(s.SelectionSet))
		}
	}
	return n
}

// fragKey names a fragment measured in or out of an introspection subtree.
type fragKey struct {
	name  string
	intro bool
}

// shape is what the first pass learns of a selection set, with fragments
// expanded. Every count saturates.
type shape struct {
	fields        int // every field, __typename included
	aliases       int // fields with an alias other than their name
	introspection int // __schema and __type fields
	roots         int // fields directly in the set, __typename excluded
	depth         int // deepest nesting, introspection subtrees not counted
}

func (s *shape) add(o shape) {
	s.fields = satAdd(s.fields, o.fields)
	s.aliases = satAdd(s.aliases, o.aliases)
	s.introspection = satAdd(s.introspection, o.introspection)
	s.roots = satAdd(s.roots, o.roots)
	s.depth = max(s.depth, o.depth)
}

// shaper measures shapes, each fragment once per mode.
type shaper struct {
	frags  map[string]*ast.FragmentDefinition
	memo   map[fragKey]shape
	state  map[fragKey]uint8 // 1 while being measured, 2 when done
	cycle  string            // the first fragment found to contain itself
	visits int               // selections visited, for the fuzz test
}

// set measures a selection set; intro is true inside __schema or __type.
func (m *shaper) set(set ast.SelectionSet, intro bool) shape {
	var out shape
	for _, sel := range set {
		m.visits++
		switch s := sel.(type) {
		case *ast.Field:
			out.add(m.field(s, intro))
		case *ast.InlineFragment:
			out.add(m.set(s.SelectionSet, intro))
		case *ast.FragmentSpread:
			out.add(m.spread(s.Name, intro))
		}
	}
	return out
}

func (m *shaper) field(f *ast.Field, intro bool) shape {
	s := shape{fields: 1}
	if f.Alias != "" && f.Alias != f.Name {
		s.aliases = 1
	}
	if f.Name != "__typename" {
		s.roots = 1
	}
	childIntro := intro
	if isIntrospectionRoot(f.Name) {
		s.introspection = 1
		childIntro = true
	}
	if !childIntro {
		s.depth = 1
	}
	child := m.set(f.SelectionSet, childIntro)
	s.fields = satAdd(s.fields, child.fields)
	s.aliases = satAdd(s.aliases, child.aliases)
	s.introspection = satAdd(s.introspection, child.introspection)
	if !childIntro && child.depth > 0 {
		s.depth = 1 + child.depth
	}
	return s
}

func (m *shaper) spread(name string, intro bool) shape {
	k := fragKey{name, intro}
	switch m.state[k] {
	case 2:
		return m.memo[k]
	case 1:
		if m.cycle == "" {
			m.cycle = name
		}
		return shape{}
	}
	def := m.frags[name]
	if def == nil {
		return shape{} // an unknown fragment is gqlparser's to report
	}
	m.state[k] = 1
	s := m.set(def.SelectionSet, intro)
	m.state[k] = 2
	m.memo[k] = s
	return s
}

// coster adds up the complexity of a validated operation, each fragment
// once per mode.
type coster struct {
	vars       map[string]any
	listFactor int
	memo       map[fragKey]int
	visits     int // selections visited, for the fuzz test
}

// set is the complexity of a selection set. Under __schema and __type
// (flat) every field costs 1: the schema is finite and small.
func (c *coster) set(set ast.SelectionSet, flat bool) int {
	total := 0
	for _, sel := range set {
		c.visits++
		switch s := sel.(type) {
		case *ast.Field:
			cost := 1
			if len(s.SelectionSet) > 0 {
				childFlat := flat || isIntrospectionRoot(s.Name)
				factor := 1
				if !childFlat {
					factor = c.factor(s)
				}
				cost = satAdd(cost, satMul(factor, c.set(s.SelectionSet, childFlat)))
			}
			total = satAdd(total, cost)
		case *ast.InlineFragment:
			total = satAdd(total, c.set(s.SelectionSet, flat))
		case *ast.FragmentSpread:
			k := fragKey{s.Name, flat}
			v, ok := c.memo[k]
			if !ok && s.Definition != nil {
				c.memo[k] = 0 // validation has refused cycles; this only stops a runaway
				v = c.set(s.Definition.SelectionSet, flat)
				c.memo[k] = v
			}
			total = satAdd(total, v)
		}
	}
	return total
}

// factor is how many times the selections under f run: `first` for a
// field that takes it (connections, search), 1 for the items of a
// connection (their count is the connection's `first`), ListFactor for
// any other list, 1 for an object.
func (c *coster) factor(f *ast.Field) int {
	if f.Definition == nil {
		return 1
	}
	if v, ok := f.ArgumentMap(c.vars)["first"]; ok && v != nil {
		if n, ok := toInt(v); ok {
			return max(n, 1)
		}
		return saturation // not a number: refuse rather than guess low
	}
	if f.ObjectDefinition != nil && strings.HasSuffix(f.ObjectDefinition.Name, "Connection") {
		return 1
	}
	if f.Definition.Type.Elem != nil {
		return c.listFactor
	}
	return 1
}

// toInt reads an argument value whatever form JSON decoding or coercion
// gave it, saturating.
func toInt(v any) (int, bool) {
	var f float64
	switch n := v.(type) {
	case int:
		return min(n, saturation), true
	case int32:
		return int(n), true
	case int64:
		return int(min(n, saturation)), true
	case float64:
		f = n
	case json.Number:
		x, err := n.Float64()
		if err != nil {
			return 0, false
		}
		f = x
	case string:
		x, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return 0, false
		}
		f = x
	default:
		return 0, false
	}
	if math.IsNaN(f) {
		return 0, false
	}
	return int(math.Max(math.Min(f, saturation), math.MinInt32)), true
}

// Request bodies. A query is small (Limits.BodyBytes, 64 KiB by default); a
// threat model sent whole is not: createThreatModel with 1,000 components
// and 2,000 flows in its variables is about 0.5 MB, and importThreatModel
// carries a model file of up to threatmodel's 4 MiB limit as a JSON string.
// A body above BodyBytes and up to ModelBodyBytes is accepted while the
// large bodies being read or executed hold at most LargeBodiesBytes in all
// (each holds its declared length, or ModelBodyBytes when it does not
// declare one); past that a large request waits for room until its
// deadline and then gets OVERLOADED with Retry-After. So memory stays
// bounded by the small bodies of the admitted requests plus
// LargeBodiesBytes (and what decoding them costs, a small multiple).
const (
	defaultModelBodyBytes   = 9 << 20  // a 4 MiB model file escaped into JSON, with room
	defaultLargeBodiesBytes = 32 << 20 // three largest models at once, or dozens of real ones
)

// bodyBudget is the room left for large bodies.
type bodyBudget struct {
	sem   *semaphore.Weighted
	total int64
}

func newBodyBudget(total int64) *bodyBudget {
	return &bodyBudget{sem: semaphore.NewWeighted(total), total: total}
}

// readBody reads the request body within the limits above. It returns the
// body and a function that gives its room back once the request is done,
// or writes the refusal and returns ok false.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, deadline time.Time) (body []byte, done func(), ok bool) {
	small, large := s.cfg.Limits.BodyBytes, s.cfg.Limits.ModelBodyBytes
	large = max(large, small)
	if r.ContentLength > large {
		s.tooLarge(w, r)
		return nil, nil, false
	}
	done = func() {}
	limit := small
	if r.ContentLength > small {
		// Declared large: take its room before reading a byte of it.
		if !s.takeRoom(w, r, r.ContentLength, deadline) {
			return nil, nil, false
		}
		n := r.ContentLength
		done, limit = func() { s.bodies.sem.Release(n) }, n
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(max(r.ContentLength, 512), limit)+1))
	if _, err := io.Copy(buf, io.LimitReader(r.Body, limit+1)); err != nil {
		done()
		writeError(w, r, http.StatusBadRequest, CodeBadInput, "the request body could not be read")
		return nil, nil, false
	}
	if int64(buf.Len()) > limit && r.ContentLength <= 0 && limit == small {
		// Undeclared length past the small limit: take the room of the
		// largest body, then read on.
		if !s.takeRoom(w, r, large, deadline) {
			return nil, nil, false
		}
		done, limit = func() { s.bodies.sem.Release(large) }, large
		if _, err := io.Copy(buf, io.LimitReader(r.Body, limit+1-int64(buf.Len()))); err != nil {
			done()
			writeError(w, r, http.StatusBadRequest, CodeBadInput, "the request body could not be read")
			return nil, nil, false
		}
	}
	if int64(buf.Len()) > limit {
		done()
		s.tooLarge(w, r)
		return nil, nil, false
	}
	return buf.Bytes(), done, true
}

// takeRoom waits for n bytes of the large-body budget until the request's
// deadline, or answers OVERLOADED.
func (s *Server) takeRoom(w http.ResponseWriter, r *http.Request, n int64, deadline time.Time) bool {
	ctx, cancel := context.WithDeadline(r.Context(), deadline)
	defer cancel()
	if n > s.bodies.total || s.bodies.sem.Acquire(ctx, n) != nil {
		s.metrics.errors.WithLabelValues(CodeOverloaded).Inc()
		w.Header().Set("Retry-After", "1")
		writeError(w, r, http.StatusServiceUnavailable, CodeOverloaded,
			"the server is reading as many large requests (threat models) as it holds at once; retry shortly")
		return false
	}
	return true
}
