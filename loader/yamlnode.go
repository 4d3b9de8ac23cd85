package loader

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/atlasgraph/atlasgraph/yamlpos"
)

// reader walks a parsed YAML tree and records every problem it meets with
// the place it met it, so one pass reports all of them.
type reader struct {
	ps *problems
	// unknownFields makes unknown object fields a warning (v6, where a
	// newer minor format version may add fields); legacy keeps them quietly.
	unknownFields bool
	// warnings are things the reader repaired the way upstream does; they
	// do not stop a load.
	warnings []Problem
}

func (r *reader) warn(n *yaml.Node, obj, field, format string, args ...any) {
	p := Problem{File: r.ps.file, Object: obj, Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	r.warnings = append(r.warnings, p)
}

func (r *reader) problem(n *yaml.Node, obj, field, format string, args ...any) {
	p := Problem{Object: obj, Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	r.ps.add(p)
}

// fields is one YAML mapping opened for reading: values by key, with the keys
// read so far remembered so the rest can be kept as Extra.
type fields struct {
	r      *reader
	n      *yaml.Node
	obj    string // id of the ATLAS object, for messages
	prefix string // field path of the mapping inside the object, "" at its top
	vals   map[string]*yaml.Node
	keys   []string
	used   map[string]bool
}

// open returns the mapping n as fields, or nil (after recording a problem)
// when n is not a mapping.
func (r *reader) open(n *yaml.Node, obj, path string) *fields {
	if n == nil || n.Kind != yaml.MappingNode {
		what := "nothing"
		if n != nil {
			what = yamlpos.Kind(n)
		}
		r.problem(n, obj, path, "want a mapping, got %s", what)
		return nil
	}
	f := &fields{r: r, n: n, obj: obj, prefix: path, vals: map[string]*yaml.Node{}, used: map[string]bool{}}
	pairs, probs := yamlpos.Entries(n)
	for _, p := range probs {
		who := obj
		if who == "" {
			who = p.Key
		}
		r.ps.add(Problem{Line: p.Line, Column: p.Column, Object: who, Field: path, Msg: p.Msg})
	}
	for _, p := range pairs {
		f.vals[p.Key] = p.V
		f.keys = append(f.keys, p.Key)
	}
	return f
}

func (f *fields) path(key string) string {
	if f.prefix == "" {
		return key
	}
	return f.prefix + "." + key
}

// get returns the value of key (nil when absent) and marks the key as read.
func (f *fields) get(key string) *yaml.Node {
	f.used[key] = true
	return f.vals[key]
}

func (f *fields) has(key string) bool {
	n, ok := f.vals[key]
	return ok && !(n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// str reads a scalar as text. A missing or null value gives "" and, when
// required, a problem.
func (f *fields) str(key string, required bool) string {
	n := f.get(key)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		if required {
			at := n
			if at == nil {
				at = f.n
			}
			f.r.problem(at, f.obj, f.path(key), "missing; every %s needs one", key)
		}
		return ""
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		f.r.problem(n, f.obj, f.path(key), "want a string, got %s%s", yamlpos.Kind(n), yamlpos.QuoteHint(n))
		return ""
	}
	return n.Value
}

// strList reads a list of scalars; absent or null gives nil.
func (f *fields) strList(key string) []string {
	n := f.get(key)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		f.r.problem(n, f.obj, f.path(key), "want a list of strings, got %s", yamlpos.Kind(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		if c.Kind != yaml.ScalarNode || c.Tag != "!!str" {
			f.r.problem(c, f.obj, fmt.Sprintf("%s[%d]", f.path(key), i), "want a string, got %s%s", yamlpos.Kind(c), yamlpos.QuoteHint(c))
			continue
		}
		out = append(out, c.Value)
	}
	return out
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// date reads a civil date "YYYY-MM-DD", quoted (v6) or a YAML timestamp
// (legacy). Absent gives "".
func (f *fields) date(key string) string {
	n := f.get(key)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return ""
	}
	if n.Kind != yaml.ScalarNode || !dateRE.MatchString(n.Value) {
		f.r.problem(n, f.obj, f.path(key), "want a date written YYYY-MM-DD, got %q", n.Value)
		return ""
	}
	if _, err := time.Parse(time.DateOnly, n.Value); err != nil {
		f.r.problem(n, f.obj, f.path(key), "%q is not a date in the calendar (month 01-12, a day that month has)", n.Value)
		return ""
	}
	return n.Value
}

// integer reads a whole number; absent gives 0 and ok false.
func (f *fields) integer(key string) (int, bool) {
	n := f.get(key)
	if n == nil {
		return 0, false
	}
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		f.r.problem(n, f.obj, f.path(key), "want a whole number, got %s %q", yamlpos.Kind(n), n.Value)
		return 0, false
	}
	return v, true
}

// seq returns the list under key; absent or null gives nil, and a value that
// is not a list gives nil and a problem.
func (f *fields) seq(key string) []*yaml.Node {
	n := f.get(key)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		f.r.problem(n, f.obj, f.path(key), "want a list, got %s", yamlpos.Kind(n))
		return nil
	}
	return n.Content
}

// extra returns the keys not read so far as a JSON object, or "" when every
// key was read. Values keep their YAML types.
func (f *fields) extra() string {
	rest := map[string]any{}
	for _, k := range f.keys {
		if f.used[k] {
			continue
		}
		var v any
		if err := f.vals[k].Decode(&v); err != nil {
			f.r.problem(f.vals[k], f.obj, f.path(k), "cannot read value: %v", err)
			continue
		}
		rest[k] = jsonable(v)
	}
	if len(rest) == 0 {
		return ""
	}
	if f.r.unknownFields {
		keys := make([]string, 0, len(rest))
		for k := range rest {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		f.r.warn(f.n, f.obj, f.prefix, "unknown fields %s; kept as JSON in the object's extra property", strings.Join(keys, ", "))
	}
	b, err := json.Marshal(rest)
	if err != nil {
		f.r.problem(f.n, f.obj, f.prefix, "cannot keep unknown fields: %v", err)
		return ""
	}
	return string(b)
}

// extraValue returns the keys not read so far with their values, warning
// about them like extra, or nil when every key was read.
func (f *fields) extraValue() map[string]any {
	s := f.extra()
	if s == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil
	}
	return m
}

// raw decodes a node as a JSON-friendly value, for keeping what this
// version does not model.
func (r *reader) raw(n *yaml.Node, obj, field string) (any, bool) {
	var v any
	if err := n.Decode(&v); err != nil {
		r.problem(n, obj, field, "cannot read value: %v", err)
		return nil, false
	}
	return jsonable(v), true
}

// toJSON returns v as JSON text, or "" when v is an empty map or list.
func (r *reader) toJSON(at *yaml.Node, v any) string {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return ""
		}
	case []any:
		if len(x) == 0 {
			return ""
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		r.problem(at, "", "", "cannot keep unknown content: %v", err)
		return ""
	}
	return string(b)
}

// jsonable turns map[any]any, which YAML can produce, into JSON-friendly maps.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
		return x
	}
	return v
}

func sortedStrings(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}
