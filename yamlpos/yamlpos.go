// Package yamlpos is atlasgraph's one position-tracking YAML reader: it
// reads one YAML document into a node tree, refuses what neither of our YAML
// inputs (ATLAS releases and threat models) may hold, and places every
// problem at its line and column, so the loader and the threat-model parser
// report the same mistakes the same way. What the nodes mean stays with them.
package yamlpos

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"
	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with the input, at its place (Line 0 when the
// file as a whole is wrong). Key names the mapping key a problem is about,
// when it is about one.
type Problem struct {
	Line, Column int
	Key          string
	Msg          string
}

// At places a problem at node n.
func At(n *yaml.Node, format string, args ...any) Problem {
	p := Problem{Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	return p
}

// Rules say what the input is, for the messages, and how big it may be.
type Rules struct {
	// Plural names the kind of file in messages: "ATLAS releases".
	Plural string
	// MaxNodes bounds the tree; TooManyNodes tells what to do past it.
	MaxNodes     int
	TooManyNodes string
	// Empty and Several tell what to do with an empty file and one of
	// several documents.
	Empty, Several string
}

// Read checks data byte by byte, parses one document and checks its tree.
// It returns the document's top node, or nil and every problem found. It
// never panics: a panic in the YAML library becomes a problem.
func Read(data []byte, r Rules) (root *yaml.Node, probs []Problem) {
	defer func() {
		if v := recover(); v != nil {
			root, probs = nil, []Problem{{Msg: fmt.Sprintf("cannot read this file as YAML (%v)", v)}}
		}
	}()
	if p, ok := scan(data, r.Plural); !ok {
		return nil, []Problem{p}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, []Problem{{Msg: "the file is empty; " + r.Empty}}
		}
		return nil, []Problem{syntaxProblem(data, err)}
	}
	var second yaml.Node
	if err := dec.Decode(&second); !errors.Is(err, io.EOF) {
		p := Problem{Msg: "the file holds several YAML documents; " + r.Several}
		if err == nil {
			p.Line, p.Column = second.Line, second.Column
		}
		return nil, []Problem{p}
	}
	if len(doc.Content) == 0 {
		return nil, []Problem{{Msg: "the file is empty; " + r.Empty}}
	}
	if probs := checkTree(&doc, r); len(probs) > 0 {
		return nil, probs
	}
	return doc.Content[0], nil
}

// scan refuses, with the line and column, bytes no YAML text holds: invalid
// UTF-8, NUL, control characters and a byte-order mark past the start.
func scan(data []byte, plural string) (Problem, bool) {
	line, col := 1, 1
	for i := 0; i < len(data); {
		c, size := utf8.DecodeRune(data[i:])
		switch {
		case c == utf8.RuneError && size <= 1:
			return Problem{Line: line, Column: col, Msg: fmt.Sprintf("invalid UTF-8 (byte 0x%02x); %s are UTF-8 text: re-save the file as UTF-8", data[i], plural)}, false
		case c == 0:
			return Problem{Line: line, Column: col, Msg: fmt.Sprintf("NUL byte; %s are text: the file is binary or corrupt", plural)}, false
		case c == '\n':
			line, col = line+1, 0
		case c < 0x20 && c != '\t' && c != '\r', c == 0x7f:
			return Problem{Line: line, Column: col, Msg: fmt.Sprintf("control character U+%04X; YAML does not allow it in text: remove it", c)}, false
		case c == 0xfeff && i > 0:
			return Problem{Line: line, Column: col, Msg: "byte-order mark inside the file; only the first character may be one: remove it"}, false
		}
		i += size
		col++
	}
	return Problem{}, true
}

var yamlLineRE = regexp.MustCompile(`^line (\d+): `)

// syntaxProblem places a YAML syntax error. yaml.v3 reports it at the start
// of the enclosing block; goccy/go-yaml's parser names the token where
// parsing failed, so it places the error when it finds one too.
func syntaxProblem(data []byte, err error) Problem {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return Problem{Msg: "invalid YAML: " + strings.Join(te.Errors, "; ")}
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if line, col, gmsg, ok := syntaxErrorAt(data); ok {
		return Problem{Line: line, Column: col, Msg: "invalid YAML: " + gmsg}
	}
	p := Problem{Msg: "invalid YAML: " + msg}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Column = 1
		p.Msg = "invalid YAML: " + strings.TrimPrefix(msg, m[0]) + " (in the block starting here)"
	}
	return p
}

func syntaxErrorAt(data []byte) (line, col int, msg string, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_, err := goccyparser.ParseBytes(data, 0)
	var se *goccy.SyntaxError
	if err == nil || !errors.As(err, &se) || se.Token == nil || se.Token.Position == nil || se.Token.Position.Line < 1 {
		return 0, 0, "", false
	}
	return se.Token.Position.Line, se.Token.Position.Column, se.Message, true
}

// checkTree refuses what neither input holds and what could make a reader
// blow up: aliases (the "billion laughs" attack needs them), tags other
// than the core ones, and trees of more than MaxNodes nodes.
func checkTree(root *yaml.Node, r Rules) []Problem {
	var probs []Problem
	count := 0
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		count++
		if count > r.MaxNodes {
			if count == r.MaxNodes+1 {
				probs = append(probs, At(n, "the file has more than %d YAML nodes; %s", r.MaxNodes, r.TooManyNodes))
			}
			return
		}
		if n.Kind == yaml.AliasNode {
			probs = append(probs, At(n, "YAML alias *%s: %s do not use anchors and aliases; write the value out", n.Value, r.Plural))
			return
		}
		if !coreTags[n.Tag] && n.Tag != "" {
			what := "YAML tag " + n.Tag
			if n.Tag == "!!binary" {
				what = "binary value (!!binary)"
			}
			probs = append(probs, At(n, "%s: %s hold only text, numbers, lists and mappings; write the value as plain text", what, r.Plural))
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	return probs
}

// coreTags are the tags of the values our inputs may hold. !!timestamp is
// how unquoted dates resolve; merge keys are refused where they stand (see
// [Entries]).
var coreTags = map[string]bool{
	"!!str": true, "!!int": true, "!!float": true, "!!bool": true, "!!null": true,
	"!!map": true, "!!seq": true, "!!timestamp": true, "!!merge": true,
}

// Pair is one key and its value in a mapping.
type Pair struct {
	Key  string
	K, V *yaml.Node
}

// Entries returns the pairs of mapping n in order, leaving out (with a
// problem each) merge keys, keys that are not text and repeated keys. The
// caller checks that n is a mapping.
func Entries(n *yaml.Node) (pairs []Pair, probs []Problem) {
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Tag == "!!merge":
			// Readers differ on merge keys (yaml.v3 keeps them as a field,
			// others apply them), so the same file would mean two things.
			probs = append(probs, At(k, "YAML merge key '<<': readers apply merge keys differently, so the file would mean different things; write the fields out"))
		case k.Kind != yaml.ScalarNode:
			probs = append(probs, At(k, "a key must be text, got %s", Kind(k)))
		case first[k.Value] != nil:
			p := At(k, "duplicate key %q; it is first defined at line %d", k.Value, first[k.Value].Line)
			p.Key = k.Value
			probs = append(probs, p)
		default:
			first[k.Value] = k
			pairs = append(pairs, Pair{Key: k.Value, K: k, V: v})
		}
	}
	return pairs, probs
}

// Null reports whether n holds nothing (null or ~ or an empty value).
func Null(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// Kind describes what a node holds, for "want X, got Y" messages.
func Kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing (null)"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return "a string"
	case yaml.AliasNode:
		return "an alias"
	}
	return "something else"
}

// Got describes a node with its value when it is a scalar: `a string "x"`,
// "a number 3", "a boolean true"; else as [Kind].
func Got(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		if n.Tag == "!!int" || n.Tag == "!!float" || n.Tag == "!!bool" {
			return Kind(n) + " " + n.Value
		}
		return fmt.Sprintf("%s %q", Kind(n), n.Value)
	}
	return Kind(n)
}

// QuoteHint tells how to make a number or boolean scalar a string.
func QuoteHint(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" && n.Tag != "!!str" {
		return fmt.Sprintf(" %s; write it in quotes ('%s') if it is meant as text", n.Value, n.Value)
	}
	return ""
}
