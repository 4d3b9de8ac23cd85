// Package navigator builds Navigator layers that colour techniques of the ATLAS matrix, with
// a comment, a score and metadata per technique, a legend and a gradient. By default a layer
// is written for MITRE's ATLAS Navigator (https://mitre-atlas.github.io/atlas-navigator/):
// layer format 4.3 and Navigator 4.6.4, the versions it declares and checks, domain
// "atlas-atlas". JSONFor writes the same layer for the stock ATT&CK Navigator 5 instead:
// layer format 4.5, domain "enterprise-attack" and a customDataURL naming the ATLAS STIX
// bundle the Navigator loads in place of ATT&CK.
//
// The package knows nothing of ATLAS releases, Neo4j or GraphQL: callers decide which
// techniques to colour and how, and the package gives deterministic JSON (the same layer
// always gives the same bytes). Read (read.go) reads layer files back, any format from 2.x to
// 4.x and atlasgraph's own, and Combine compares two; neither checks that technique ids exist
// in a release (app.MatrixLayer does).
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

// Format constants written into a layer's versions object and domain.
const (
	// LayerFormat is the layer file format of layers for the ATLAS Navigator: the
	// layer_version it declares, and warns about on any other value.
	LayerFormat = "4.3"
	// NavigatorVersion is the ATLAS Navigator's version (the 4.3 format says "must be
	// 4.6.4").
	NavigatorVersion = "4.6.4"
	// Domain is the ATLAS Navigator's domain for the ATLAS matrix.
	Domain = "atlas-atlas"

	// ATTACKLayerFormat and ATTACKNavigatorVersion are those of layers for the ATT&CK
	// Navigator 5 (layer format 4.5, which has customDataURL).
	ATTACKLayerFormat      = "4.5"
	ATTACKNavigatorVersion = "5.1.0"
	// ATTACKDomain is the domain an ATT&CK Navigator layer names: the Navigator refuses a
	// domain its configuration does not list, and loads the customDataURL bundle under it.
	ATTACKDomain = "enterprise-attack"
)

// Target is the Navigator a layer file is written for.
type Target string

// The Navigators layers are written for.
const (
	// ATLASNavigator is MITRE's ATLAS Navigator, the default.
	ATLASNavigator Target = "atlas"
	// ATTACKNavigator is the stock ATT&CK Navigator 5 loading the ATLAS STIX bundle as
	// custom data.
	ATTACKNavigator Target = "attack"
)

// ParseTarget reads a --navigator value: "atlas" (or empty) or "attack".
func ParseTarget(s string) (Target, error) {
	switch Target(strings.ToLower(strings.TrimSpace(s))) {
	case "", ATLASNavigator:
		return ATLASNavigator, nil
	case ATTACKNavigator:
		return ATTACKNavigator, nil
	}
	return "", fmt.Errorf("navigator %q: use atlas (MITRE's ATLAS Navigator) or attack (the ATT&CK Navigator with the ATLAS STIX bundle)", s)
}

// Output says which Navigator a layer file is for.
type Output struct {
	Target Target
	// DataURL is the customDataURL of an ATT&CK Navigator layer: the ATLAS STIX bundle.
	// Empty means StixBundleURL of the layer's atlas_data_version.
	DataURL string
}

// Layer is one Navigator layer. Build it with New and Add; the exported fields follow the
// layer format's property names so that a layer can also be decoded with encoding/json.
type Layer struct {
	Name     string   `json:"name"`
	Versions Versions `json:"versions"`
	Domain   string   `json:"domain"`
	// CustomDataURL is only written for the ATT&CK Navigator (see JSONFor).
	CustomDataURL string       `json:"customDataURL,omitempty"`
	Description   string       `json:"description"`
	Sorting       int          `json:"sorting"`
	Layout        *Layout      `json:"layout,omitempty"`
	Techniques    []Technique  `json:"techniques"`
	Gradient      *Gradient    `json:"gradient,omitempty"`
	LegendItems   []LegendItem `json:"legendItems"`
	Metadata      []Metadata   `json:"metadata"`
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
	Layout   string `json:"layout"`
	ShowID   bool   `json:"showID"`
	ShowName bool   `json:"showName"`
	// ExpandedSubtechniques is a layer format 4.5 field: written for the ATT&CK Navigator
	// only.
	ExpandedSubtechniques string `json:"expandedSubtechniques,omitempty"`
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
		Layout:      &Layout{Layout: "side", ShowID: true, ShowName: true},
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

// JSON returns the layer for the ATLAS Navigator as indented JSON (JSONFor with the
// default Output).
func (l *Layer) JSON() ([]byte, error) {
	return l.JSONFor(Output{Target: ATLASNavigator})
}

// JSONFor returns the layer as indented JSON for the Navigator o names. The output is
// deterministic: techniques are sorted by id then tactic, and every annotated
// sub-technique's parent is listed with showSubtechniques so the Navigator opens it (a
// bare parent entry is added when the caller did not annotate the parent). The layer
// itself is not modified. For the ATT&CK Navigator, a layer with no DataURL and no known
// STIX bundle for its ATLAS release is an error that says what to pass.
func (l *Layer) JSONFor(o Output) ([]byte, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	out := *l
	out.Techniques = withParents(l.Techniques)
	if l.Layout != nil {
		lay := *l.Layout
		out.Layout = &lay
	}
	switch o.Target {
	case ATTACKNavigator:
		url := o.DataURL
		if url == "" {
			var err error
			if url, err = StixBundleURL(l.atlasVersion()); err != nil {
				return nil, err
			}
		}
		out.Domain, out.CustomDataURL = ATTACKDomain, url
		out.Versions = Versions{Navigator: ATTACKNavigatorVersion, Layer: ATTACKLayerFormat}
		if out.Layout != nil {
			out.Layout.ExpandedSubtechniques = "annotated"
		}
	case ATLASNavigator, "":
		out.Versions = Versions{Navigator: NavigatorVersion, Layer: LayerFormat}
		out.CustomDataURL = ""
		if out.Layout != nil {
			out.Layout.ExpandedSubtechniques = ""
		}
	default:
		return nil, fmt.Errorf("%w: unknown navigator %q", ErrInvalid, o.Target)
	}
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

// atlasVersion is the layer's "atlas_data_version" metadata, "" when absent.
func (l *Layer) atlasVersion() string {
	for _, m := range l.Metadata {
		if m.Name == "atlas_data_version" {
			return m.Value
		}
	}
	return ""
}

// stixBundleTags are the tags of mitre-atlas/atlas-navigator-data whose dist/stix-atlas.json
// is the STIX bundle MITRE published for an ATLAS release (from the tags' commit messages,
// "ATLAS 5.6.0 and ATT&CK 19.0" and the like). The project was deprecated after 5.6.0.
var stixBundleTags = map[string]string{
	"4.3.0": "1.4.0", "4.4.0": "1.5.0", "4.8.0": "v1.8.0", "4.9.0": "v1.9.0", "4.9.1": "v1.9.1",
	"5.0.0": "v1.10.0", "5.0.1": "v1.10.1", "5.1.0": "v1.11.0", "5.1.1": "v1.11.1", "5.2.0": "v1.12.0",
	"5.3.0": "v1.13.0", "5.4.0": "v1.14.0", "5.5.0": "v1.15.0", "5.6.0": "v1.16.0",
}

// StixBundleURL is the URL of the ATLAS STIX bundle MITRE published for an ATLAS release, as
// raw.githubusercontent.com serves it (with the CORS header a Navigator in a browser needs).
// For releases after 5.6.0 MITRE publishes the bundle as an asset of the atlas-data release
// on GitHub, whose download URLs a browser cannot fetch across origins: the error says so
// and asks for a URL where a copy is served.
func StixBundleURL(atlasVersion string) (string, error) {
	if tag, ok := stixBundleTags[atlasVersion]; ok {
		return "https://raw.githubusercontent.com/mitre-atlas/atlas-navigator-data/" + tag + "/dist/stix-atlas.json", nil
	}
	if atlasVersion == "" {
		return "", errors.New("the layer names no ATLAS release, so no STIX bundle can be chosen for the ATT&CK Navigator; pass the bundle's URL (--navigator-data URL)")
	}
	return "", fmt.Errorf("MITRE publishes the STIX bundle of ATLAS %s as an asset of the atlas-data release "+
		"(https://github.com/mitre-atlas/atlas-data/releases), which a Navigator in a browser cannot download from GitHub; "+
		"serve a copy where the Navigator can fetch it and pass its URL (--navigator-data URL)", atlasVersion)
}
