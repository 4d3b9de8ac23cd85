// Package navigator builds ATLAS Navigator layers: JSON files in the ATT&CK Navigator layer
// format 4.5 that colour techniques of the ATLAS matrix (domain "atlas-atlas"), with a
// comment, a score and metadata per technique, a legend and a gradient.
//
// The package knows nothing of ATLAS releases, Neo4j or GraphQL: callers decide which
// techniques to colour and how, and the package gives deterministic JSON (the same layer
// always gives the same bytes). It does not read layers back beyond what encoding/json does
// with the exported types, and it does not check that technique ids exist in a release.
package navigator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Format constants written into every layer's versions object and domain.
const (
	// LayerFormat is the layer file format version the package writes.
	LayerFormat = "4.5"
	// NavigatorVersion is the Navigator version the layers are written for; layer
	// format 4.5 requires at least 4.9.0.
	NavigatorVersion = "5.1.0"
	// Domain is the ATLAS Navigator's domain for the ATLAS matrix.
	Domain = "atlas-atlas"
)

// Layer is one Navigator layer. Build it with New and Add; the exported fields follow the
// layer format's property names so that a layer can also be decoded with encoding/json.
type Layer struct {
	Name        string       `json:"name"`
	Versions    Versions     `json:"versions"`
	Domain      string       `json:"domain"`
	Description string       `json:"description"`
	Sorting     int          `json:"sorting"`
	Layout      *Layout      `json:"layout,omitempty"`
	Techniques  []Technique  `json:"techniques"`
	Gradient    *Gradient    `json:"gradient,omitempty"`
	LegendItems []LegendItem `json:"legendItems"`
	Metadata    []Metadata   `json:"metadata"`
	// HideDisabled, when true, omits disabled techniques from the view.
	HideDisabled bool `json:"hideDisabled"`
}

// Versions is the layer's versions object. Attack is left empty for ATLAS layers.
type Versions struct {
	Attack    string `json:"attack,omitempty"`
	Navigator string `json:"navigator"`
	Layer     string `json:"layer"`
}

// Layout is the layer's layout object: how the Navigator draws the matrix.
type Layout struct {
	Layout                string `json:"layout"`
	ShowID                bool   `json:"showID"`
	ShowName              bool   `json:"showName"`
	ExpandedSubtechniques string `json:"expandedSubtechniques"`
}

// Technique is the annotation of one technique (or sub-technique) in a layer.
// ID is the ATLAS id ("AML.T0051" or "AML.T0051.000"). Tactic is the Navigator shortname
// of a tactic ("initial-access", see TacticShortname); empty means every tactic the
// technique belongs to. Score nil means unscored. Color is "#rrggbb" or empty.
type Technique struct {
	ID                string     `json:"techniqueID"`
	Tactic            string     `json:"tactic,omitempty"`
	Color             string     `json:"color,omitempty"`
	Comment           string     `json:"comment,omitempty"`
	Score             *float64   `json:"score,omitempty"`
	Enabled           *bool      `json:"enabled,omitempty"`
	Metadata          []Metadata `json:"metadata,omitempty"`
	ShowSubtechniques bool       `json:"showSubtechniques,omitempty"`
}

// Gradient maps scores to colours: Colors spans MinValue (first) to MaxValue (last).
type Gradient struct {
	Colors   []string `json:"colors"`
	MinValue float64  `json:"minValue"`
	MaxValue float64  `json:"maxValue"`
}

// LegendItem is one entry of the layer's legend.
type LegendItem struct {
	Label string `json:"label"`
	Color string `json:"color"`
}

// Metadata is one name/value pair shown in the Navigator's tooltip.
type Metadata struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Score returns a pointer to v, for Technique.Score.
func Score(v float64) *float64 { return &v }

// New returns an empty ATLAS layer named name, with the ATLAS release it was computed from
// recorded as the metadata "atlas_data_version" (as MITRE's own ATLAS layers do).
func New(name, description, atlasVersion string) *Layer {
	l := &Layer{
		Name:        name,
		Description: description,
		Domain:      Domain,
		Versions:    Versions{Navigator: NavigatorVersion, Layer: LayerFormat},
		Layout:      &Layout{Layout: "side", ShowID: true, ShowName: true, ExpandedSubtechniques: "annotated"},
		Techniques:  []Technique{},
		LegendItems: []LegendItem{},
		Metadata:    []Metadata{},
	}
	if atlasVersion != "" {
		l.AddMetadata("atlas_data_version", atlasVersion)
	}
	return l
}

// Add annotates a technique. A later Add with the same ID and Tactic replaces the earlier one.
func (l *Layer) Add(t Technique) {
	for i := range l.Techniques {
		if l.Techniques[i].ID == t.ID && l.Techniques[i].Tactic == t.Tactic {
			l.Techniques[i] = t
			return
		}
	}
	l.Techniques = append(l.Techniques, t)
}

// Legend adds a legend entry; an entry with the same label is replaced.
func (l *Layer) Legend(label, color string) {
	for i := range l.LegendItems {
		if l.LegendItems[i].Label == label {
			l.LegendItems[i].Color = color
			return
		}
	}
	l.LegendItems = append(l.LegendItems, LegendItem{Label: label, Color: color})
}

// AddMetadata adds a name/value pair to the layer's metadata, in call order.
func (l *Layer) AddMetadata(name, value string) {
	l.Metadata = append(l.Metadata, Metadata{Name: name, Value: value})
}

// SetGradient sets the score gradient (at least two colours, min < max).
func (l *Layer) SetGradient(colors []string, minValue, maxValue float64) {
	l.Gradient = &Gradient{Colors: append([]string(nil), colors...), MinValue: minValue, MaxValue: maxValue}
}

var (
	colorRe = regexp.MustCompile(`^#([0-9a-fA-F]{6}|[0-9a-fA-F]{8}|[0-9a-fA-F]{3})$`)
	// ErrInvalid is returned (wrapped) by JSON when the layer breaks the layer format.
	ErrInvalid = errors.New("invalid navigator layer")
)

// Validate reports the first way the layer breaks the layer format, wrapped in ErrInvalid.
func (l *Layer) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
	}
	if strings.TrimSpace(l.Name) == "" {
		return bad("the layer has no name")
	}
	if l.Domain == "" {
		return bad("the layer has no domain")
	}
	for _, t := range l.Techniques {
		if t.ID == "" {
			return bad("a technique has no id")
		}
		if t.Color != "" && !colorRe.MatchString(t.Color) {
			return bad("technique %s: color %q is not #rrggbb", t.ID, t.Color)
		}
	}
	for _, it := range l.LegendItems {
		if !colorRe.MatchString(it.Color) {
			return bad("legend %q: color %q is not #rrggbb", it.Label, it.Color)
		}
	}
	if g := l.Gradient; g != nil {
		if len(g.Colors) < 2 {
			return bad("the gradient needs at least two colours")
		}
		if g.MinValue >= g.MaxValue {
			return bad("the gradient's minValue %g is not below its maxValue %g", g.MinValue, g.MaxValue)
		}
		for _, c := range g.Colors {
			if !colorRe.MatchString(c) {
				return bad("gradient color %q is not #rrggbb", c)
			}
		}
	}
	return nil
}

// JSON returns the layer as indented JSON. The output is deterministic: techniques are
// sorted by id then tactic, and every annotated sub-technique's parent is listed with
// showSubtechniques so the Navigator opens it (a bare parent entry is added when the
// caller did not annotate the parent). The layer itself is not modified.
func (l *Layer) JSON() ([]byte, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	out := *l
	out.Techniques = withParents(l.Techniques)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&out); err != nil {
		return nil, fmt.Errorf("encode navigator layer %q: %w", l.Name, err)
	}
	return buf.Bytes(), nil
}

// parentID returns the parent of a sub-technique id ("AML.T0051.000" -> "AML.T0051"), or "".
func parentID(id string) string {
	i := strings.LastIndexByte(id, '.')
	if i < 0 || strings.Count(id, ".") < 2 {
		return ""
	}
	return id[:i]
}

func withParents(in []Technique) []Technique {
	ts := append([]Technique{}, in...)
	for i := range ts {
		ts[i].Metadata = append([]Metadata(nil), ts[i].Metadata...)
	}
	has := map[string][]int{}
	for i, t := range ts {
		has[t.ID] = append(has[t.ID], i)
	}
	for _, t := range in {
		p := parentID(t.ID)
		if p == "" {
			continue
		}
		if idx, ok := has[p]; ok {
			for _, i := range idx {
				ts[i].ShowSubtechniques = true
			}
			continue
		}
		ts = append(ts, Technique{ID: p, ShowSubtechniques: true})
		has[p] = []int{len(ts) - 1}
	}
	sort.SliceStable(ts, func(i, j int) bool {
		if ts[i].ID != ts[j].ID {
			return ts[i].ID < ts[j].ID
		}
		return ts[i].Tactic < ts[j].Tactic
	})
	return ts
}

// TacticShortname gives the Navigator's tactic shortname for a tactic name:
// "ML Attack Staging" -> "ml-attack-staging", "AI Model Access" -> "ai-model-access".
func TacticShortname(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	return b.String()
}
