package actors

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/attack"
	"github.com/atlasgraph/atlasgraph/navigator"
	"github.com/atlasgraph/atlasgraph/view"
)

// Colours of the layers: one per actor (cycled), and one for techniques several actors share.
var (
	actorColors = []string{"#66b1ff", "#ff9f43", "#7bd389", "#f368e0", "#feca57", "#48dbfb", "#c8d6e5", "#ff6b6b"}
	// SharedColor marks, in a layer of several actors, the techniques two or more use.
	SharedColor = "#b967ff"
	// Single-actor layers colour by how the link is known.
	caseStudyColor = "#66b1ff"
	attackColor    = "#ff9f43"
	bothColor      = "#e84118"
	// CaseStudyColor is MITRE's colour for case-study layers.
	CaseStudyColor = "#C8E6C9"
	listColor      = "#ffd166"
)

const maxComment = 2000

func finish(l *navigator.Layer, release, attackVersion string) (*view.Layer, error) {
	b, err := l.JSON()
	if err != nil {
		return nil, fmt.Errorf("layer %q: %w", l.Name, err)
	}
	return &view.Layer{Layer: l, Name: l.Name, JSON: string(b), TechniqueCount: len(l.Techniques), Release: release,
		AttackVersion: optString(attackVersion)}, nil
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// evidence writes the evidence of one actor's link as text for a technique comment.
func evidence(a view.Actor, t view.ActorTechnique) string {
	var parts []string
	name := a.Name
	if a.AttackGroupID != "" {
		name += " (" + a.AttackGroupID + ")"
	}
	if len(t.Steps) > 0 {
		var steps []string
		for _, s := range t.Steps {
			steps = append(steps, s.CaseStudyID+" "+s.StepID)
		}
		parts = append(parts, "case study steps "+strings.Join(steps, ", "))
	}
	for _, e := range t.AttackEvidence {
		via := e.TechniqueID + " " + e.TechniqueName
		if e.TechniqueID != e.ReferencedID {
			via += " (sub-technique of " + e.ReferencedID + ")"
		}
		parts = append(parts, "ATT&CK uses "+via+": "+clip(attack.RenderCitations(e.Description), 300))
	}
	return name + ": " + strings.Join(parts, "; ")
}

// ActorsLayer draws the ATLAS techniques of one or several actors (each name may be any
// alias; a shared alias brings every actor going by it). With one actor, techniques are
// coloured by how the link is known (case study, ATT&CK, both); with several, each actor
// has its colour and the techniques two or more share have SharedColor. Every technique's
// comment gives the evidence, and its score is the number of actors using it.
func (s *Service) ActorsLayer(ctx context.Context, release, attackVersion string, names []string) (*view.Layer, error) {
	o, err := s.Overlap(ctx, release, attackVersion, names)
	if err != nil {
		return nil, err
	}
	var actorNames []string
	for _, a := range o.Actors {
		actorNames = append(actorNames, a.Name)
	}
	title := strings.Join(actorNames, ", ")
	av := ""
	if o.AttackVersion != nil {
		av = *o.AttackVersion
	}
	desc := fmt.Sprintf("ATLAS techniques used by %s (ATLAS %s", title, o.Release)
	if av != "" {
		desc += ", ATT&CK Enterprise " + av
	}
	desc += "), from case studies and ATT&CK technique references."
	l := navigator.New(title, desc, o.Release)
	if av != "" {
		l.AddMetadata("attack_version", av)
	}
	for _, a := range o.Actors {
		id := a.ID
		if a.AttackGroupID != "" {
			id += " / " + a.AttackGroupID
		}
		if a.SharedAlias {
			id += " (found by an alias several actors share)"
		}
		l.AddMetadata("actor", a.Name+" ("+id+")")
	}
	type acc struct {
		users    []view.Actor
		comments []string
		kinds    map[atlas.LinkKind]bool
	}
	by := map[string]*acc{}
	for _, a := range o.Actors {
		for _, t := range o.Techniques[a.ID] {
			x := by[t.Technique.ID]
			if x == nil {
				x = &acc{kinds: map[atlas.LinkKind]bool{}}
				by[t.Technique.ID] = x
			}
			x.users = append(x.users, a)
			x.comments = append(x.comments, evidence(a, t))
			for _, k := range t.Via {
				x.kinds[k] = true
			}
		}
	}
	single := len(o.Actors) == 1
	if single {
		l.Legend("case study", caseStudyColor)
		l.Legend("ATT&CK", attackColor)
		l.Legend("case study and ATT&CK", bothColor)
	} else {
		for i, a := range o.Actors {
			l.Legend(a.Name, actorColors[i%len(actorColors)])
		}
		l.Legend("shared by several actors", SharedColor)
	}
	colorOf := map[string]string{}
	for i, a := range o.Actors {
		colorOf[a.ID] = actorColors[i%len(actorColors)]
	}
	for id, x := range by {
		var c string
		switch {
		case single && x.kinds[atlas.ViaCaseStudy] && x.kinds[atlas.ViaAttack]:
			c = bothColor
		case single && x.kinds[atlas.ViaCaseStudy]:
			c = caseStudyColor
		case single:
			c = attackColor
		case len(x.users) > 1:
			c = SharedColor
		default:
			c = colorOf[x.users[0].ID]
		}
		var users []string
		for _, u := range x.users {
			users = append(users, u.Name)
		}
		l.Add(navigator.Technique{ID: id, Color: c, Score: navigator.Score(float64(len(x.users))),
			Comment:  clip(strings.Join(x.comments, "\n"), maxComment),
			Metadata: []navigator.Metadata{{Name: "actors", Value: strings.Join(users, ", ")}}})
	}
	return finish(l, o.Release, av)
}

// CaseStudyLayer draws the techniques a case study's steps employ, under the tactic of each
// step, with the step in the comment.
func (s *Service) CaseStudyLayer(ctx context.Context, release, id string) (*view.Layer, error) {
	held, err := s.releases.Release(ctx, release)
	if err != nil {
		return nil, err
	}
	cs, err := held.CaseStudy(id)
	if err != nil {
		return nil, err
	}
	tacticName := func(id string) string {
		if t := held.TacticOrNil(id); t != nil {
			return t.Name
		}
		return ""
	}
	l := navigator.New(cs.ID+" "+cs.Name, cs.Description, cs.Release)
	l.AddMetadata("url", "https://atlas.mitre.org/studies/"+cs.ID)
	l.Legend("used in case study", CaseStudyColor)
	type key struct{ tech, tactic string }
	comments := map[key][]string{}
	var order []key
	for _, st := range held.CaseStudySteps(cs.ID) {
		k := key{st.TechniqueID, navigator.TacticShortname(tacticName(st.TacticID))}
		if _, ok := comments[k]; !ok {
			order = append(order, k)
		}
		comments[k] = append(comments[k], st.StepID+": "+clip(st.Description, 300))
	}
	for _, k := range order {
		l.Add(navigator.Technique{ID: k.tech, Tactic: k.tactic, Color: CaseStudyColor, Comment: clip(strings.Join(comments[k], "\n"), maxComment)})
	}
	return finish(l, cs.Release, "")
}

// MaxTechniques bounds the techniques of one list layer.
const MaxTechniques = 1000

// TechniquesLayer draws a list of techniques; an id the release does not have is a
// *atlas.NotFoundError.
func (s *Service) TechniquesLayer(ctx context.Context, release string, ids []string) (*view.Layer, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: name at least one technique", ErrBadInput)
	}
	if len(ids) > MaxTechniques {
		return nil, fmt.Errorf("%w: %d techniques asked; the limit is %d", ErrBadInput, len(ids), MaxTechniques)
	}
	held, err := s.releases.Release(ctx, release)
	if err != nil {
		return nil, err
	}
	rel := held.Version()
	techs := map[string]*view.Technique{}
	for _, id := range ids {
		if t := held.TechniqueOrNil(id); t != nil {
			techs[id] = t
		}
	}
	sorted := append([]string{}, ids...)
	sort.Strings(sorted)
	for _, id := range sorted {
		if _, ok := techs[id]; !ok {
			return nil, &atlas.NotFoundError{Kind: "technique", ID: id, Release: rel}
		}
	}
	l := navigator.New(fmt.Sprintf("%d ATLAS techniques", len(techs)), "A list of ATLAS techniques.", rel)
	l.Legend("listed", listColor)
	for _, id := range sorted {
		l.Add(navigator.Technique{ID: id, Color: listColor, Comment: techs[id].Name})
	}
	return finish(l, rel, "")
}

// LayerRequest asks for a layer of exactly one of: actors, a case study, or techniques.
type LayerRequest struct {
	Release, AttackVersion string
	Actors                 []string
	CaseStudy              string
	Techniques             []string
}

// Layer draws the layer a request asks for.
func (s *Service) Layer(ctx context.Context, q LayerRequest) (*view.Layer, error) {
	n := 0
	if len(q.Actors) > 0 {
		n++
	}
	if q.CaseStudy != "" {
		n++
	}
	if len(q.Techniques) > 0 {
		n++
	}
	if n != 1 {
		return nil, fmt.Errorf("%w: give exactly one of actors, a case study, or techniques for a layer", ErrBadInput)
	}
	switch {
	case len(q.Actors) > 0:
		return s.ActorsLayer(ctx, q.Release, q.AttackVersion, q.Actors)
	case q.CaseStudy != "":
		return s.CaseStudyLayer(ctx, q.Release, q.CaseStudy)
	default:
		return s.TechniquesLayer(ctx, q.Release, q.Techniques)
	}
}
