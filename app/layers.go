package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/atlasgraph/atlasgraph/navigator"
	"github.com/atlasgraph/atlasgraph/threatmodel"
	"github.com/atlasgraph/atlasgraph/view"
)

// Bounds of the layers a client sends back to be combined or written.
const (
	maxLayerInputs     = 20
	maxLayerTechniques = 5000
)

// LayerSource names where a matrix layer comes from: exactly one of actors (any name or
// alias; one layer for all of them), a case study, a stored threat model, a release diff
// (from DiffFrom to the layer's release) or a Navigator layer file.
type LayerSource struct {
	Actors      []string
	CaseStudy   string
	ThreatModel string
	DiffFrom    string
	File        *LayerFile
}

// LayerFile is a Navigator layer file sent by a client: its name (for errors) and text.
type LayerFile struct {
	Name string
	JSON string
}

// MatrixLayer is a layer as the matrix draws it, whatever its source: one entry per
// technique of the release, with the tactics it is marked under.
type MatrixLayer struct {
	Name        string
	Description string
	// Source is actors, caseStudy, threatModel, diff, file or comparison.
	Source string
	// Format is the layer file's format version (versions.layer); Domain its domain.
	Format, Domain string
	// Release is the ATLAS release the ids were checked against.
	Release    string
	Techniques []MatrixLayerTechnique
	Legend     []navigator.LegendItem
	// Unknown lists ids the layer names that the release does not have, sorted.
	Unknown  []string
	Warnings []string
}

// MatrixLayerTechnique is one technique of a matrix layer.
type MatrixLayerTechnique struct {
	ID string
	// Tactics are tactic ids; empty means every tactic of the technique.
	Tactics []string
	// Score is the layer's score, nil when it gives none; Value is the score, or 1 for a
	// technique marked without one (see navigator.Values).
	Score   *float64
	Value   float64
	Color   string
	Comment string
	// Label is the category the layer puts it in: its "status" or "change" metadata
	// (threat models, release diffs), else the legend label of its colour; "" when none.
	Label string
}

// ScoredLayer is a layer as a client holds it, sent back to be combined or written.
type ScoredLayer struct {
	Name       string
	Techniques []ScoredTechnique
}

// ScoredTechnique is one technique of a ScoredLayer.
type ScoredTechnique struct {
	ID             string
	Value          float64
	Comment, Color string
	Label          string
	Tactics        []string
}

// MatrixLayer reads one layer for the matrix of a release (default: current).
func (s *Service) MatrixLayer(ctx context.Context, release string, src LayerSource) (_ *MatrixLayer, err error) {
	defer wrap(&err)
	n := 0
	for _, set := range []bool{len(src.Actors) > 0, src.CaseStudy != "", src.ThreatModel != "", src.DiffFrom != "", src.File != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, errorf(BadInput, "a matrix layer comes from exactly one of actors, caseStudy, threatModel, diffFrom or file (%d given)", n)
	}
	rel, err := s.model.Release(ctx, release)
	if err != nil {
		return nil, err
	}
	var l *navigator.Layer
	var warnings []string
	source := ""
	switch {
	case len(src.Actors) > 0:
		source = "actors"
		v, err := s.Layer(ctx, LayerRequest{Release: rel.Version(), Actors: src.Actors})
		if err != nil {
			return nil, err
		}
		l = v.Layer
	case src.CaseStudy != "":
		source = "caseStudy"
		v, err := s.Layer(ctx, LayerRequest{Release: rel.Version(), CaseStudy: src.CaseStudy})
		if err != nil {
			return nil, err
		}
		l = v.Layer
	case src.ThreatModel != "":
		source = "threatModel"
		st, err := s.GetModel(ctx, src.ThreatModel)
		if err != nil {
			return nil, err
		}
		rep, err := s.ReportModel(ctx, st.Model, ReportOptions{})
		if err != nil {
			return nil, err
		}
		if rep.Release != rel.Version() {
			warnings = append(warnings, fmt.Sprintf("threat model %s is evaluated on ATLAS %s; drawn on %s", src.ThreatModel, rep.Release, rel.Version()))
		}
		l = threatmodel.Navigator(rep)
	case src.DiffFrom != "":
		source = "diff"
		d, err := s.Diff(ctx, src.DiffFrom, rel.Version())
		if err != nil {
			return nil, err
		}
		l = navigator.DiffLayer(d.Diff)
	default:
		source = "file"
		name := strings.TrimSpace(src.File.Name)
		if name == "" {
			name = "layer file"
		}
		var w []string
		var rerr error
		l, w, rerr = navigator.Read(name, []byte(src.File.JSON))
		if rerr != nil {
			var re *navigator.ReadError
			if errors.As(rerr, &re) {
				return nil, errorf(BadInput, "%s; fix the file or export it again from the Navigator", rerr.Error())
			}
			return nil, rerr
		}
		warnings = append(warnings, w...)
	}
	out := normalise(l, rel, source)
	out.Warnings = append(warnings, out.Warnings...)
	return out, nil
}

// normalise maps a Navigator layer onto a release: tactic shortnames to tactic ids, one
// entry per technique, ids the release lacks set aside.
func normalise(l *navigator.Layer, rel *view.Release, source string) *MatrixLayer {
	out := &MatrixLayer{Name: l.Name, Description: l.Description, Source: source, Format: l.Versions.Layer, Domain: l.Domain,
		Release: rel.Version(), Techniques: []MatrixLayerTechnique{}, Legend: append([]navigator.LegendItem{}, l.LegendItems...),
		Unknown: []string{}, Warnings: []string{}}
	if out.Format == "" {
		out.Format = navigator.LayerFormat
	}
	tactic := map[string]string{}
	for _, t := range rel.Tactics(view.TacticFilter{}, view.Page{}).Items {
		tactic[navigator.TacticShortname(t.Name)] = t.ID
		tactic[strings.ToLower(t.ID)] = t.ID
	}
	legend := map[string]string{}
	for _, it := range l.LegendItems {
		legend[strings.ToLower(it.Color)] = it.Label
	}
	values := navigator.Values(l)
	idx := map[string]int{}
	allTactics := map[string]bool{}
	unknown := map[string]bool{}
	badTactic := map[string]bool{}
	for _, t := range l.Techniques {
		v, marked := values[t.ID]
		if !marked || (t.Enabled != nil && !*t.Enabled) || (t.Score == nil && t.Color == "" && t.Comment == "" && len(t.Metadata) == 0) {
			continue
		}
		if rel.TechniqueOrNil(t.ID) == nil {
			unknown[t.ID] = true
			continue
		}
		i, seen := idx[t.ID]
		if !seen {
			i = len(out.Techniques)
			idx[t.ID] = i
			out.Techniques = append(out.Techniques, MatrixLayerTechnique{ID: t.ID, Tactics: []string{}, Value: v, Score: t.Score, Color: t.Color})
		}
		e := &out.Techniques[i]
		if t.Tactic == "" {
			allTactics[t.ID] = true
		} else if id, ok := tactic[strings.ToLower(t.Tactic)]; ok {
			if !slices.Contains(e.Tactics, id) {
				e.Tactics = append(e.Tactics, id)
			}
		} else {
			badTactic[t.Tactic] = true
			allTactics[t.ID] = true
		}
		if t.Score != nil && (e.Score == nil || *t.Score > *e.Score) {
			e.Score = t.Score
		}
		if e.Color == "" {
			e.Color = t.Color
		}
		if t.Comment != "" && !strings.Contains(e.Comment, t.Comment) {
			if e.Comment != "" {
				e.Comment += "\n"
			}
			e.Comment += t.Comment
		}
		if e.Label == "" {
			for _, m := range t.Metadata {
				if m.Name == "status" || m.Name == "change" {
					e.Label = m.Value
				}
			}
		}
		if e.Label == "" && t.Color != "" {
			e.Label = legend[strings.ToLower(t.Color)]
		}
	}
	for i := range out.Techniques {
		if allTactics[out.Techniques[i].ID] {
			out.Techniques[i].Tactics = []string{}
		} else {
			sort.Strings(out.Techniques[i].Tactics)
		}
	}
	sort.Slice(out.Techniques, func(i, j int) bool { return out.Techniques[i].ID < out.Techniques[j].ID })
	for id := range unknown {
		out.Unknown = append(out.Unknown, id)
	}
	sort.Strings(out.Unknown)
	if len(out.Unknown) > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d technique ids are not in ATLAS %s and are not drawn: %s", len(out.Unknown), rel.Version(), clipList(out.Unknown, 8)))
	}
	var bad []string
	for t := range badTactic {
		bad = append(bad, t)
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("tactics %s are not tactics of ATLAS %s; their techniques are drawn under every tactic they belong to", clipList(bad, 8), rel.Version()))
	}
	return out
}

func clipList(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + fmt.Sprintf(" and %d more", len(xs)-n)
}

func checkScored(what string, l ScoredLayer) error {
	if len(l.Techniques) > maxLayerTechniques {
		return errorf(BadInput, "layer %s (%q) has %d techniques, more than %d", what, l.Name, len(l.Techniques), maxLayerTechniques)
	}
	for i, t := range l.Techniques {
		if strings.TrimSpace(t.ID) == "" {
			return errorf(BadInput, "layer %s (%q): techniques[%d] has no id", what, l.Name, i)
		}
	}
	return nil
}

func scoredValues(l ScoredLayer) map[string]float64 {
	out := map[string]float64{}
	for _, t := range l.Techniques {
		if v, ok := out[t.ID]; !ok || t.Value > v {
			out[t.ID] = t.Value
		}
	}
	return out
}

// CombineLayers compares two layers on the matrix of a release by op (union, intersection
// or difference; see navigator.Combine) and returns the result as a layer whose values
// are the combined scores.
func (s *Service) CombineLayers(ctx context.Context, release string, a, b ScoredLayer, op string) (_ *MatrixLayer, err error) {
	defer wrap(&err)
	o, err := navigator.ParseOp(op)
	if err != nil {
		return nil, errorf(BadInput, "%s", err.Error())
	}
	if err := checkScored("a", a); err != nil {
		return nil, err
	}
	if err := checkScored("b", b); err != nil {
		return nil, err
	}
	rel, err := s.model.Release(ctx, release)
	if err != nil {
		return nil, err
	}
	values, ids, err := navigator.Combine(scoredValues(a), scoredValues(b), o)
	if err != nil {
		return nil, errorf(BadInput, "%s", err.Error())
	}
	sym := map[navigator.Op]string{navigator.Union: "∪", navigator.Intersection: "∩", navigator.Difference: "−"}[o]
	desc := map[navigator.Op]string{
		navigator.Union:        "techniques in either layer, scored with the sum of their scores",
		navigator.Intersection: "techniques in both layers, scored with the lower score",
		navigator.Difference:   "techniques of the first layer the second lacks, with the first's score",
	}[o]
	out := &MatrixLayer{Name: fmt.Sprintf("%s %s %s", a.Name, sym, b.Name), Description: fmt.Sprintf("%s of %q and %q: %s.", o, a.Name, b.Name, desc),
		Source: "comparison", Format: navigator.LayerFormat, Domain: navigator.Domain, Release: rel.Version(),
		Techniques: []MatrixLayerTechnique{}, Legend: []navigator.LegendItem{}, Unknown: []string{}, Warnings: []string{}}
	for _, id := range ids {
		if rel.TechniqueOrNil(id) == nil {
			out.Unknown = append(out.Unknown, id)
			continue
		}
		v := values[id]
		out.Techniques = append(out.Techniques, MatrixLayerTechnique{ID: id, Tactics: []string{}, Value: v, Score: navigator.Score(v)})
	}
	return out, nil
}

// Score colours of a written layer: the matrix's evidence scale (docs/web.md, "Colours").
var scoreGradient = []string{"#e0f2fe", "#7dd3fc", "#0369a1"}

// LayerFile writes layers shown together on the matrix of a release as one Navigator layer
// (format 4.3, for the ATLAS Navigator): each technique scored with the sum of its values,
// its comment naming each layer with its label and comment, and coloured with the layer's
// colour when one layer alone marks it with one.
func (s *Service) LayerFile(ctx context.Context, release, name string, layers []ScoredLayer) (_ *view.Layer, err error) {
	defer wrap(&err)
	if len(layers) == 0 || len(layers) > maxLayerInputs {
		return nil, errorf(BadInput, "a layer file is written from 1 to %d layers (%d given)", maxLayerInputs, len(layers))
	}
	for i, l := range layers {
		if err := checkScored(fmt.Sprintf("%d", i+1), l); err != nil {
			return nil, err
		}
	}
	rel, err := s.model.Release(ctx, release)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) == "" {
		name = "atlasgraph matrix"
	}
	var names []string
	for _, l := range layers {
		names = append(names, l.Name)
	}
	out := navigator.New(name, "Layers shown on the atlasgraph matrix: "+strings.Join(names, "; ")+".", rel.Version())
	type acc struct {
		value   float64
		colors  []string
		comment []string
		tactics map[string]bool
		all     bool
	}
	by := map[string]*acc{}
	var order []string
	short := func(id string) string {
		if t := rel.TacticOrNil(id); t != nil {
			return navigator.TacticShortname(t.Name)
		}
		return ""
	}
	for _, l := range layers {
		for _, t := range l.Techniques {
			if rel.TechniqueOrNil(t.ID) == nil {
				continue
			}
			a := by[t.ID]
			if a == nil {
				a = &acc{tactics: map[string]bool{}}
				by[t.ID] = a
				order = append(order, t.ID)
			}
			a.value += t.Value
			if isColor(t.Color) {
				a.colors = append(a.colors, t.Color)
			}
			line := l.Name
			if t.Label != "" {
				line += " (" + t.Label + ")"
			}
			if t.Comment != "" {
				line += ": " + t.Comment
			}
			a.comment = append(a.comment, line)
			if len(t.Tactics) == 0 {
				a.all = true
			}
			for _, tac := range t.Tactics {
				a.tactics[tac] = true
			}
		}
	}
	if len(order) == 0 {
		return nil, errorf(BadInput, "the layers %s mark no technique of ATLAS %s; nothing to write", strings.Join(names, ", "), rel.Version())
	}
	sort.Strings(order)
	maxV := 0.0
	for _, id := range order {
		a := by[id]
		maxV = max(maxV, a.value)
		t := navigator.Technique{ID: id, Score: navigator.Score(a.value), Comment: strings.Join(a.comment, "\n")}
		if len(layers) == 1 && len(a.colors) > 0 {
			t.Color = a.colors[0]
		}
		if a.all || len(a.tactics) == 0 {
			out.Add(t)
			continue
		}
		tacs := make([]string, 0, len(a.tactics))
		for tac := range a.tactics {
			tacs = append(tacs, tac)
		}
		sort.Strings(tacs)
		for _, tac := range tacs {
			tt := t
			tt.Tactic = short(tac)
			out.Add(tt)
		}
	}
	if maxV > 0 {
		out.SetGradient(scoreGradient, 0, maxV)
	}
	b, err := out.JSON()
	if err != nil {
		return nil, err
	}
	return &view.Layer{Layer: out, Name: out.Name, JSON: string(b), TechniqueCount: len(order), Release: rel.Version()}, nil
}

// isColor says whether s is a colour a layer file may carry (#rgb, #rrggbb or #rrggbbaa).
func isColor(s string) bool {
	if len(s) != 4 && len(s) != 7 && len(s) != 9 || s[0] != '#' {
		return false
	}
	for _, c := range s[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}
