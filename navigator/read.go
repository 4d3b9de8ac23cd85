package navigator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Limits of a layer file Read accepts: a Navigator layer of the whole ATLAS matrix
// annotates a few hundred techniques, ATT&CK's a few thousand.
const (
	MaxFileBytes  = 4 << 20
	MaxTechniques = 20000
)

// ReadError is a layer file Read refuses: the file, where in it (a JSON path such as
// "techniques[3].score", or line and column for text that is not JSON) and what is wrong.
type ReadError struct {
	File  string
	Field string
	Line  int
	Col   int
	Msg   string
}

func (e *ReadError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// Read parses a Navigator layer file: the ATLAS Navigator's layer format 4.3, the ATT&CK
// Navigator's 4.x (atlasgraph wrote 4.5 before it wrote 4.3), and the older formats that
// name their version in "version" rather than "versions" (2.x and 3.0). It keeps what a
// matrix needs (name, description, domain, format, techniques with tactic, score, colour,
// comment, enabled and metadata, the legend and the gradient) and ignores the rest (layout,
// filters, selections), as the Navigator does.
//
// A technique entry the matrix cannot use (no techniqueID, a score that is not a number, a
// colour that is not #rgb or #rrggbb) is an error naming the file and the field; a domain
// that is not ATLAS's is a warning, as is an unknown layer version. Read does not check
// that the technique ids exist in a release: the caller knows the release.
func Read(file string, data []byte) (*Layer, []string, error) {
	if file == "" {
		file = "layer file"
	}
	fail := func(field, format string, a ...any) error {
		return &ReadError{File: file, Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	if len(data) > MaxFileBytes {
		return nil, nil, fail("", "the file has %d bytes, more than the %d a layer file may have", len(data), MaxFileBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, fail("", "the file is empty; pick a Navigator layer file (.json)")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, nil, syntaxError(file, data, err)
	}
	var warnings []string
	l := &Layer{Techniques: []Technique{}, LegendItems: []LegendItem{}, Metadata: []Metadata{}}

	str := func(field string, raw json.RawMessage, required bool) (string, error) {
		if raw == nil || string(raw) == "null" {
			if required {
				return "", fail(field, "missing; a layer names it")
			}
			return "", nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fail(field, "%s is not a string", clipRaw(raw))
		}
		return s, nil
	}
	var err error
	if l.Name, err = str("name", top["name"], true); err != nil {
		return nil, nil, err
	}
	if l.Description, err = str("description", top["description"], false); err != nil {
		return nil, nil, err
	}
	if l.Domain, err = str("domain", top["domain"], false); err != nil {
		return nil, nil, err
	}
	if l.CustomDataURL, err = str("customDataURL", top["customDataURL"], false); err != nil {
		return nil, nil, err
	}
	if raw, ok := top["versions"]; ok && string(raw) != "null" {
		var v map[string]json.RawMessage
		if json.Unmarshal(raw, &v) != nil {
			return nil, nil, fail("versions", "%s is not an object", clipRaw(raw))
		}
		for _, k := range []string{"layer", "navigator", "attack"} {
			s, err := versionString("versions."+k, v[k], fail)
			if err != nil {
				return nil, nil, err
			}
			switch k {
			case "layer":
				l.Versions.Layer = s
			case "navigator":
				l.Versions.Navigator = s
			case "attack":
				l.Versions.Attack = s
			}
		}
	} else if s, err := versionString("version", top["version"], fail); err != nil {
		return nil, nil, err
	} else {
		l.Versions.Layer = s // formats before 4.0: "version": "3.0"
	}
	if l.Versions.Layer == "" {
		warnings = append(warnings, file+": the layer names no format version; read as format "+LayerFormat)
	} else if major, _, _ := strings.Cut(l.Versions.Layer, "."); major != "2" && major != "3" && major != "4" {
		warnings = append(warnings, fmt.Sprintf("%s: versions.layer %q is not a layer format this reader knows (2.x to 4.x); read as format %s", file, l.Versions.Layer, LayerFormat))
	}
	switch l.Domain {
	case Domain, "mitre-atlas", "atlas":
	case ATTACKDomain:
		if l.CustomDataURL == "" {
			warnings = append(warnings, file+": domain enterprise-attack without a customDataURL: an ATT&CK layer; only its ATLAS technique ids (AML.T…) can be drawn")
		}
	case "":
		warnings = append(warnings, file+": the layer names no domain; read as "+Domain)
	default:
		warnings = append(warnings, fmt.Sprintf("%s: domain %q is not ATLAS's (%s); only its ATLAS technique ids (AML.T…) can be drawn", file, l.Domain, Domain))
	}

	if raw, ok := top["techniques"]; ok && string(raw) != "null" {
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return nil, nil, fail("techniques", "%s is not a list", clipRaw(raw))
		}
		if len(items) > MaxTechniques {
			return nil, nil, fail("techniques", "%d entries, more than the %d a layer may have", len(items), MaxTechniques)
		}
		for i, it := range items {
			t, err := readTechnique(fmt.Sprintf("techniques[%d]", i), it, fail)
			if err != nil {
				return nil, nil, err
			}
			l.Techniques = append(l.Techniques, t)
		}
	}
	if raw, ok := top["legendItems"]; ok && string(raw) != "null" {
		var items []map[string]json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return nil, nil, fail("legendItems", "%s is not a list of {label, color}", clipRaw(raw))
		}
		for i, it := range items {
			f := fmt.Sprintf("legendItems[%d]", i)
			label, err := str(f+".label", it["label"], false)
			if err != nil {
				return nil, nil, err
			}
			color, err := str(f+".color", it["color"], false)
			if err != nil {
				return nil, nil, err
			}
			if color != "" && !colorRe.MatchString(color) {
				warnings = append(warnings, fmt.Sprintf("%s: %s.color %q is not #rrggbb; the legend entry is left out", file, f, color))
				continue
			}
			l.LegendItems = append(l.LegendItems, LegendItem{Label: label, Color: color})
		}
	}
	if raw, ok := top["gradient"]; ok && string(raw) != "null" {
		var g struct {
			Colors   []string `json:"colors"`
			MinValue *float64 `json:"minValue"`
			MaxValue *float64 `json:"maxValue"`
		}
		if json.Unmarshal(raw, &g) != nil || g.MinValue == nil || g.MaxValue == nil {
			warnings = append(warnings, file+": gradient is not {colors, minValue, maxValue}; left out")
		} else if *g.MinValue < *g.MaxValue {
			l.Gradient = &Gradient{Colors: g.Colors, MinValue: *g.MinValue, MaxValue: *g.MaxValue}
		}
	}
	if raw, ok := top["metadata"]; ok && string(raw) != "null" {
		md, err := readMetadata("metadata", raw, fail)
		if err != nil {
			return nil, nil, err
		}
		l.Metadata = md
	}
	return l, warnings, nil
}

func versionString(field string, raw json.RawMessage, fail func(string, string, ...any) error) (string, error) {
	if raw == nil || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil { // "version": 3.0 in some hand-made layers
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	}
	return "", fail(field, "%s is not a version string", clipRaw(raw))
}

func readTechnique(f string, raw json.RawMessage, fail func(string, string, ...any) error) (Technique, error) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return Technique{}, fail(f, "%s is not an object", clipRaw(raw))
	}
	var t Technique
	var id string
	if json.Unmarshal(m["techniqueID"], &id) != nil || strings.TrimSpace(id) == "" {
		return t, fail(f+".techniqueID", "missing or not a string; every technique entry names its id (e.g. \"AML.T0051\")")
	}
	t.ID = strings.TrimSpace(id)
	for _, k := range []string{"tactic", "color", "comment"} {
		v, ok := m[k]
		if !ok || string(v) == "null" {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			return t, fail(f+"."+k, "%s is not a string", clipRaw(v))
		}
		switch k {
		case "tactic":
			t.Tactic = s
		case "color":
			if s != "" && !colorRe.MatchString(s) {
				return t, fail(f+".color", "%q is not a colour #rgb or #rrggbb", s)
			}
			t.Color = s
		case "comment":
			t.Comment = s
		}
	}
	if v, ok := m["score"]; ok && string(v) != "null" {
		var n float64
		var s string
		switch {
		case json.Unmarshal(v, &n) == nil:
		case json.Unmarshal(v, &s) == nil && strings.TrimSpace(s) == "":
			n = math.NaN() // older layers write "" for no score
		case json.Unmarshal(v, &s) == nil:
			p, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return t, fail(f+".score", "%q is not a number", s)
			}
			n = p
		default:
			return t, fail(f+".score", "%s is not a number", clipRaw(v))
		}
		if !math.IsNaN(n) {
			if math.IsInf(n, 0) {
				return t, fail(f+".score", "%s is not a finite number", clipRaw(v))
			}
			t.Score = Score(n)
		}
	}
	if v, ok := m["enabled"]; ok && string(v) != "null" {
		var b bool
		if json.Unmarshal(v, &b) != nil {
			return t, fail(f+".enabled", "%s is not true or false", clipRaw(v))
		}
		t.Enabled = &b
	}
	if v, ok := m["showSubtechniques"]; ok {
		_ = json.Unmarshal(v, &t.ShowSubtechniques)
	}
	if v, ok := m["metadata"]; ok && string(v) != "null" {
		md, err := readMetadata(f+".metadata", v, fail)
		if err != nil {
			return t, err
		}
		t.Metadata = md
	}
	return t, nil
}

// readMetadata reads a metadata list; dividers ({"divider": true}) are dropped.
func readMetadata(f string, raw json.RawMessage, fail func(string, string, ...any) error) ([]Metadata, error) {
	var items []map[string]json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil, fail(f, "%s is not a list of {name, value}", clipRaw(raw))
	}
	out := []Metadata{}
	for i, it := range items {
		if _, div := it["divider"]; div {
			continue
		}
		var name, value string
		if json.Unmarshal(it["name"], &name) != nil {
			return nil, fail(fmt.Sprintf("%s[%d].name", f, i), "missing or not a string")
		}
		if v, ok := it["value"]; ok && string(v) != "null" {
			if json.Unmarshal(v, &value) != nil {
				value = strings.Trim(string(v), `"`)
			}
		}
		out = append(out, Metadata{Name: name, Value: value})
	}
	return out, nil
}

// syntaxError names the line and column of text that is not JSON.
func syntaxError(file string, data []byte, err error) error {
	var off int64 = -1
	msg := err.Error()
	switch e := err.(type) {
	case *json.SyntaxError:
		off = max(e.Offset-1, 0) // Offset counts the bad character itself
	case *json.UnmarshalTypeError:
		off = e.Offset
		msg = "the file is not a JSON object (a Navigator layer is {\"name\": …, \"techniques\": […]})"
	}
	if off < 0 {
		return &ReadError{File: file, Msg: "not JSON: " + msg}
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	if _, ok := err.(*json.SyntaxError); ok {
		msg = "not JSON: " + msg
	}
	return &ReadError{File: file, Line: line, Col: col, Msg: msg}
}

func clipRaw(raw json.RawMessage) string {
	s := string(raw)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

// Op is a way to combine the scores of two layers.
type Op string

// The operations Combine knows.
const (
	// Union: every technique in either layer, scored with the sum of both scores.
	Union Op = "union"
	// Intersection: the techniques in both layers, scored with the lower score.
	Intersection Op = "intersection"
	// Difference: the techniques of the first layer the second lacks, with the first's score.
	Difference Op = "difference"
)

// ParseOp reads an operation name (case-insensitive).
func ParseOp(s string) (Op, error) {
	switch Op(strings.ToLower(strings.TrimSpace(s))) {
	case Union:
		return Union, nil
	case Intersection:
		return Intersection, nil
	case Difference:
		return Difference, nil
	}
	return "", fmt.Errorf("operation %q: use union, intersection or difference", s)
}

// Values gives each technique of a layer one value: its score, or 1 when the layer marks
// it without a score (a colour, a comment). Entries switched off (enabled false) do not
// count; a technique listed under several tactics takes its highest value.
func Values(l *Layer) map[string]float64 {
	out := map[string]float64{}
	for _, t := range l.Techniques {
		if t.Enabled != nil && !*t.Enabled {
			continue
		}
		v := 1.0
		if t.Score != nil {
			v = *t.Score
		} else if t.Color == "" && t.Comment == "" && len(t.Metadata) == 0 {
			continue // a bare entry (showSubtechniques alone) marks nothing
		}
		if old, ok := out[t.ID]; !ok || v > old {
			out[t.ID] = v
		}
	}
	return out
}

// Combine combines the values of two layers (see Values) by op and returns the result
// by technique id, with the ids sorted.
func Combine(a, b map[string]float64, op Op) (map[string]float64, []string, error) {
	out := map[string]float64{}
	switch op {
	case Union:
		for id, v := range a {
			out[id] = v
		}
		for id, v := range b {
			out[id] += v
		}
	case Intersection:
		for id, v := range a {
			if w, ok := b[id]; ok {
				out[id] = math.Min(v, w)
			}
		}
	case Difference:
		for id, v := range a {
			if _, ok := b[id]; !ok {
				out[id] = v
			}
		}
	default:
		return nil, nil, fmt.Errorf("operation %q: use union, intersection or difference", op)
	}
	ids := make([]string, 0, len(out))
	for id := range out {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return out, ids, nil
}
