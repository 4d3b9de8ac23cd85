package mcp

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/auth"
	"github.com/atlasgraph/atlasgraph/mapping"
	"github.com/atlasgraph/atlasgraph/view"
)

// The tools: one app question each. Inputs are camelCase like GraphQL's
// arguments; answers are app's answers (the vocabulary of GraphQL and the
// command line's --json) under {release, evidence}.

// releaseRef is the {version, sha256} of a release ("" for the current one).
func (f *face) releaseRef(ctx context.Context, version string) (ReleaseRef, error) {
	r, err := f.svc.CompleteRelease(ctx, version)
	if err != nil {
		return ReleaseRef{}, err
	}
	return ReleaseRef{Version: r.Version, SHA256: r.SHA256}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// releaseScope is the release a tool answers from, taken by every tool.
type releaseScope struct {
	Release string `json:"release,omitempty" jsonschema:"ATLAS release version, e.g. 2026.05; omit for the current release"`
}

// analysisScope is what every analysis tool takes besides its question:
// which mitigation links count, and the release.
type analysisScope struct {
	InheritFromParent bool `json:"inheritFromParent,omitempty" jsonschema:"let a mitigation of a parent technique count for its sub-techniques"`
	PreventOnly       bool `json:"preventOnly,omitempty" jsonschema:"count a mitigation only where it prevents a step on the defender side (the threat-model rule); default: the release links count literally"`
	releaseScope
}

type searchIn struct {
	Text  string `json:"text" jsonschema:"words to look for in names and descriptions, e.g. prompt injection"`
	Limit int    `json:"limit,omitempty" jsonschema:"most hits to return, 1 to 100 (default 20)"`
	releaseScope
}

type searchOut struct {
	Release  ReleaseRef      `json:"release"`
	Evidence []string        `json:"evidence" jsonschema:"where the hits come from"`
	Text     string          `json:"text"`
	Hits     []app.SearchHit `json:"hits" jsonschema:"best first: kind (TACTIC, TECHNIQUE, MITIGATION, CASE_STUDY, ACTOR), id, name, score"`
}

type showIn struct {
	ID string `json:"id" jsonschema:"an id (AML.T0051, AML.TA0002, AML.M0015, AML.CS0000) or an actor's id, name or any alias"`
	releaseScope
}

type showOut struct {
	Release  ReleaseRef `json:"release"`
	Evidence []string   `json:"evidence" jsonschema:"the links shown and the notes that justify them"`
	Object   app.Object `json:"object"`
}

type chainIn struct {
	CaseStudy  string   `json:"caseStudy,omitempty" jsonschema:"a case study id or name, e.g. AML.CS0000; give this or techniques"`
	Techniques []string `json:"techniques,omitempty" jsonschema:"technique ids or names in attack order; give this or caseStudy"`
	analysisScope
}

type chainOut struct {
	Release  ReleaseRef         `json:"release"`
	Evidence []string           `json:"evidence" jsonschema:"the case studies behind the chain"`
	Chain    *app.ChainAnalysis `json:"chain"`
}

type setIn struct {
	CaseStudies  []string           `json:"caseStudies,omitempty" jsonschema:"case studies in scope (ids or names); omit for every case study with steps"`
	Costs        map[string]float64 `json:"costs,omitempty" jsonschema:"cost of each mitigation by id (above 0, at most 1e9); unlisted mitigations cost 1"`
	Require      []string           `json:"require,omitempty" jsonschema:"mitigation ids the set must contain (controls already in place)"`
	Exclude      []string           `json:"exclude,omitempty" jsonschema:"mitigation ids the set must not use"`
	Alternatives int                `json:"alternatives,omitempty" jsonschema:"how many other sets of the same cost to list, 0 to 100"`
	Budget       int                `json:"budget,omitempty" jsonschema:"search nodes the exact search may spend, 1 to 5000000 (default 1000000); when spent the best set found is returned with optimal false"`
	analysisScope
}

type setOut struct {
	Release  ReleaseRef                `json:"release"`
	Evidence []string                  `json:"evidence" jsonschema:"the case studies in scope"`
	Set      *app.MinimalMitigationSet `json:"set"`
}

type pathsIn struct {
	From               string   `json:"from" jsonschema:"where paths start: a tactic or technique id or name, e.g. AML.TA0002 or Reconnaissance"`
	To                 string   `json:"to" jsonschema:"where paths end: a tactic or technique id or name, e.g. AML.TA0011 or Impact"`
	MaxHops            int      `json:"maxHops,omitempty" jsonschema:"most hops of a path, 1 to 8 (default 5)"`
	Limit              int      `json:"limit,omitempty" jsonschema:"most paths, 1 to 500 (default 50)"`
	MinSupport         int      `json:"minSupport,omitempty" jsonschema:"fewest case studies that must show each hop (default 1)"`
	ExcludeMitigatedBy []string `json:"excludeMitigatedBy,omitempty" jsonschema:"mitigation ids in place: paths they break are left out"`
	analysisScope
}

type pathsOut struct {
	Release  ReleaseRef            `json:"release"`
	Evidence []string              `json:"evidence" jsonschema:"the case studies behind some hop of a returned path"`
	Paths    *app.AttackPathResult `json:"paths"`
}

type chokeIn struct {
	Limit int    `json:"limit,omitempty" jsonschema:"length of each list, 1 to 1000 (default 10)"`
	Paths int    `json:"paths,omitempty" jsonschema:"attack paths counted besides the case studies, 0 to 500 (default 50)"`
	From  string `json:"from,omitempty" jsonschema:"start of the counted paths (tactic or technique); default the first tactic"`
	To    string `json:"to,omitempty" jsonschema:"end of the counted paths (tactic or technique); default the last tactic"`
	analysisScope
}

type chokeOut struct {
	Release  ReleaseRef       `json:"release"`
	Evidence []string         `json:"evidence" jsonschema:"what was counted: the case studies and the paths"`
	Choke    *app.ChokePoints `json:"chokePoints"`
}

type gapsIn struct {
	Limit int `json:"limit,omitempty" jsonschema:"most techniques to list; 0 or omitted lists every gap"`
	analysisScope
}

type gapsOut struct {
	Release  ReleaseRef        `json:"release"`
	Evidence []string          `json:"evidence" jsonschema:"the case studies that use an unmitigated technique"`
	Gaps     *app.CoverageGaps `json:"gaps"`
}

type actorIn struct {
	Actor         string `json:"actor" jsonschema:"an actor's id, name or any alias, e.g. APT28, Fancy Bear or an ATLAS case-study actor"`
	AttackVersion string `json:"attackVersion,omitempty" jsonschema:"ATT&CK version, e.g. 18.1; omit for the current one"`
	releaseScope
}

// Actor is one actor with the techniques it uses and the evidence of each.
type Actor struct {
	ID              string           `json:"id"`
	Name            string           `json:"name"`
	Aliases         []string         `json:"aliases"`
	AttackGroupID   string           `json:"attackGroupId,omitempty" jsonschema:"ATT&CK group id, e.g. G0007"`
	AttackVersion   string           `json:"attackVersion,omitempty"`
	CaseStudyActors []string         `json:"caseStudyActors" jsonschema:"ids of the ATLAS case-study actors this actor stands for"`
	SharedAlias     bool             `json:"sharedAlias" jsonschema:"the name given is an alias several actors go by"`
	Techniques      []ActorTechnique `json:"techniques"`
}

// ActorTechnique is a technique an actor uses and how that is known.
type ActorTechnique struct {
	ID             string           `json:"id"`
	Name           string           `json:"name"`
	Via            []string         `json:"via" jsonschema:"CASE_STUDY (an ATLAS case study shows it), ATTACK (an ATT&CK uses relationship) or both"`
	CaseStudies    []string         `json:"caseStudies"`
	Steps          []string         `json:"steps" jsonschema:"case-study steps employing the technique, e.g. AML.CS0044/S02"`
	AttackEvidence []AttackEvidence `json:"attackEvidence"`
}

// AttackEvidence is one ATT&CK uses relationship behind an ATTACK link.
type AttackEvidence struct {
	AttackTechnique string `json:"attackTechnique" jsonschema:"the ATT&CK technique the group uses"`
	Referenced      string `json:"referenced" jsonschema:"the ATT&CK technique the ATLAS technique references"`
	Relationship    string `json:"relationship"`
	Description     string `json:"description"`
}

type actorOut struct {
	Release  ReleaseRef `json:"release"`
	Evidence []string   `json:"evidence" jsonschema:"the case-study steps and ATT&CK relationships behind the links"`
	Actors   []Actor    `json:"actors" jsonschema:"the actors the name stands for: one, or several when it is a shared alias"`
}

type evalIn struct {
	Model string `json:"model" jsonschema:"the threat model as YAML (or JSON): name, components, flows, controls; start from a resource atlas://templates/{name}"`
	AsOf  string `json:"asOf,omitempty" jsonschema:"day accepted risks are judged on, YYYY-MM-DD; default today"`
}

type evalOut struct {
	Release  ReleaseRef       `json:"release"`
	Evidence []string         `json:"evidence" jsonschema:"the case studies found as incidents against the model"`
	Report   *app.ModelReport `json:"report"`
}

type diffIn struct {
	From string `json:"from" jsonschema:"the older release version, e.g. 5.6.0"`
	To   string `json:"to" jsonschema:"the newer release version, e.g. 2026.05"`
}

type diffOut struct {
	Release  ReleaseRef       `json:"release" jsonschema:"the newer release"`
	From     ReleaseRef       `json:"from" jsonschema:"the older release"`
	Evidence []string         `json:"evidence"`
	Diff     *app.ReleaseDiff `json:"diff"`
}

type mappingIn struct {
	Mapping string `json:"mapping" jsonschema:"a control mapping: CSV with a header, or JSON or YAML rows, each naming a control and the ATLAS ids (and names) it covers"`
	Format  string `json:"format,omitempty" jsonschema:"csv, json or yaml; default guessed from the text"`
}

type mappingOut struct {
	Release  ReleaseRef     `json:"release" jsonschema:"the current release; the mapping is checked against every loaded release"`
	Evidence []string       `json:"evidence" jsonschema:"the releases checked"`
	Report   mapping.Report `json:"report"`
}

type saveIn struct {
	ID      string `json:"id" jsonschema:"the id to keep the model under, e.g. rag-chatbot"`
	Model   string `json:"model" jsonschema:"the threat model as YAML (or JSON)"`
	Version int    `json:"version,omitempty" jsonschema:"to replace a stored model, its current version; omit to create a new one"`
}

type savedOut struct {
	Release  ReleaseRef `json:"release" jsonschema:"the release the model is checked against"`
	Evidence []string   `json:"evidence"`
	ID       string     `json:"id"`
	Version  int        `json:"version" jsonschema:"the stored model's version, needed to change or delete it"`
	Name     string     `json:"name"`
}

type deleteIn struct {
	ID      string `json:"id" jsonschema:"the stored model's id"`
	Version int    `json:"version" jsonschema:"its current version (a stale version is CONFLICT)"`
}

type deletedOut struct {
	Release  ReleaseRef `json:"release" jsonschema:"the current release"`
	Evidence []string   `json:"evidence"`
	ID       string     `json:"id"`
	Deleted  bool       `json:"deleted"`
}

func readOnly() *sdk.ToolAnnotations {
	return &sdk.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: new(false)}
}

func (f *face) addTools(srv *sdk.Server) {
	addTool(srv, f, &sdk.Tool{Name: "search", Annotations: readOnly(),
		Description: "Full-text search of an ATLAS release: tactics, techniques, mitigations, case studies and actors whose names or descriptions match. " +
			"Use it to find ids (AML.T0051 for 'prompt injection') before asking show, chain_mitigations or attack_paths."}, f.search)
	addTool(srv, f, &sdk.Tool{Name: "show", Annotations: readOnly(),
		Description: "Show one ATLAS object with its facts and links: a tactic, technique, mitigation or case study by id (or exact name), or an actor by id, name or any alias (ATT&CK group names too)."}, f.show)
	addTool(srv, f, &sdk.Tool{Name: "chain_mitigations", Annotations: readOnly(),
		Description: "Which mitigations break an attack chain: a case study's procedure (caseStudy) or techniques in order. " +
			"Lists each breaking mitigation with the steps it hits and the earliest one, partial mitigations, steps no mitigation covers, and whether the chain can be broken at all."}, f.chain)
	addTool(srv, f, &sdk.Tool{Name: "minimal_mitigation_set", Annotations: readOnly(),
		Description: "The cheapest set of mitigations that breaks every known attack chain (every case study, or those given), by exact search within a budget. " +
			"Give costs per mitigation, mitigations already in place (require) or ruled out (exclude). Says whether the set is proven optimal and which chains no mitigation can break."}, f.minimalSet)
	addTool(srv, f, &sdk.Tool{Name: "attack_paths", Annotations: readOnly(),
		Description: "The best-evidenced attack paths between two tactics or techniques (e.g. Reconnaissance to Impact), each hop backed by the case studies that show it, " +
			"with the smallest set of mitigations breaking them. excludeMitigatedBy leaves out paths your controls already break."}, f.paths)
	addTool(srv, f, &sdk.Tool{Name: "choke_points", Annotations: readOnly(),
		Description: "The techniques and mitigations that sit on the most case-study chains and attack paths: where one control breaks the most attacks."}, f.choke)
	addTool(srv, f, &sdk.Tool{Name: "coverage_gaps", Annotations: readOnly(),
		Description: "The techniques no mitigation covers, ranked by how many case studies use them."}, f.gaps)
	addTool(srv, f, &sdk.Tool{Name: "actor_techniques", Annotations: readOnly(),
		Description: "The techniques an actor uses, found by any of its names (ATLAS case-study actors and ATT&CK groups), each with its evidence: the case-study steps and the ATT&CK relationships."}, f.actor)
	addTool(srv, f, &sdk.Tool{Name: "evaluate_threat_model", Annotations: readOnly(),
		Description: "Evaluate a threat model of an AI system (YAML: components such as llm, vector-store, tool; flows; controls in place) against ATLAS: " +
			"the techniques that apply and why, the case studies that could happen to it, residual attack paths, and the mitigations to add first. " +
			"The answer is the report as JSON, then as markdown. Templates: resources atlas://templates/{name}."}, f.evaluate)
	addTool(srv, f, &sdk.Tool{Name: "release_diff", Annotations: readOnly(),
		Description: "What changed between two loaded ATLAS releases: objects added, removed, renamed or changed, and links added or removed."}, f.diff)
	addTool(srv, f, &sdk.Tool{Name: "validate_mapping", Annotations: readOnly(),
		Description: "Check a control mapping (your controls and the ATLAS ids they cover, as CSV, JSON or YAML) against every loaded release: unknown ids, names that do not match, ids retired or renamed in a newer release."}, f.validateMapping)
	if f.opt.Writes && f.svc.ModelsEnabled() {
		addTool(srv, f, &sdk.Tool{Name: "save_threat_model", Annotations: &sdk.ToolAnnotations{DestructiveHint: new(true), OpenWorldHint: new(false)},
			Description: "Keep a threat model under an id (the same store as GraphQL's threat models): omit version to create it, give its current version to replace it. The model is checked first; nothing is written when it is refused."}, f.save)
		addTool(srv, f, &sdk.Tool{Name: "delete_threat_model", Annotations: &sdk.ToolAnnotations{DestructiveHint: new(true), OpenWorldHint: new(false)},
			Description: "Delete a stored threat model, given its id and current version."}, f.delete)
	}
}

func (f *face) search(ctx context.Context, _ *sdk.CallToolRequest, in searchIn) (*searchOut, []sdk.Content, error) {
	if in.Limit == 0 {
		in.Limit = 20
	}
	res, err := f.svc.Search(ctx, in.Release, in.Text, in.Limit)
	if err != nil {
		return nil, nil, err
	}
	ref, err := f.releaseRef(ctx, res.Release)
	if err != nil {
		return nil, nil, err
	}
	return &searchOut{Release: ref, Text: res.Text, Hits: res.Hits,
		Evidence: []string{fmt.Sprintf("full-text index of ATLAS %s: names and descriptions", res.Release)}}, nil, nil
}

func (f *face) show(ctx context.Context, _ *sdk.CallToolRequest, in showIn) (*showOut, []sdk.Content, error) {
	obj, err := f.svc.Show(ctx, in.Release, in.ID)
	if err != nil {
		return nil, nil, err
	}
	ref, err := f.releaseRef(ctx, obj.Release)
	if err != nil {
		return nil, nil, err
	}
	ev := []string{}
	for _, g := range obj.Links {
		for _, l := range g.Items {
			if l.Note != "" {
				ev = append(ev, fmt.Sprintf("%s %s %s: %s", obj.ID, g.Relation, l.ID, oneLine(l.Note)))
			}
		}
	}
	return &showOut{Release: ref, Evidence: ev, Object: *obj}, nil, nil
}

func (f *face) chain(ctx context.Context, _ *sdk.CallToolRequest, in chainIn) (*chainOut, []sdk.Content, error) {
	ans, err := f.svc.Chain(ctx, app.ChainQuestion{Release: in.Release, CaseStudy: in.CaseStudy, Techniques: in.Techniques, InheritFromParent: in.InheritFromParent, PreventOnly: in.PreventOnly})
	if err != nil {
		return nil, nil, err
	}
	v := ans.View()
	ref, err := f.releaseRef(ctx, v.Release)
	if err != nil {
		return nil, nil, err
	}
	return &chainOut{Release: ref, Evidence: nonNil(ans.Evidence), Chain: v}, nil, nil
}

func (f *face) minimalSet(ctx context.Context, _ *sdk.CallToolRequest, in setIn) (*setOut, []sdk.Content, error) {
	if in.Budget == 0 {
		in.Budget = app.DefaultBudget
	}
	ans, err := f.svc.MinimalSet(ctx, app.SetQuestion{Release: in.Release, CaseStudies: in.CaseStudies, Costs: in.Costs, Require: in.Require,
		Exclude: in.Exclude, Alternatives: in.Alternatives, Budget: in.Budget, InheritFromParent: in.InheritFromParent, PreventOnly: in.PreventOnly})
	if err != nil {
		return nil, nil, err
	}
	v := ans.View()
	ref, err := f.releaseRef(ctx, v.Release)
	if err != nil {
		return nil, nil, err
	}
	return &setOut{Release: ref, Evidence: nonNil(ans.Evidence), Set: v}, nil, nil
}

func (f *face) paths(ctx context.Context, _ *sdk.CallToolRequest, in pathsIn) (*pathsOut, []sdk.Content, error) {
	q := app.PathQuestion{Release: in.Release, From: in.From, To: in.To, MaxHops: in.MaxHops, Limit: in.Limit, MinSupport: in.MinSupport,
		ExcludeMitigatedBy: in.ExcludeMitigatedBy, InheritFromParent: in.InheritFromParent, PreventOnly: in.PreventOnly}
	if q.MaxHops == 0 {
		q.MaxHops = app.DefaultPathHops
	}
	if q.Limit == 0 {
		q.Limit = app.DefaultPathLimit
	}
	if q.MinSupport == 0 {
		q.MinSupport = 1
	}
	ans, err := f.svc.AttackPaths(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	v := ans.View()
	ref, err := f.releaseRef(ctx, v.Release)
	if err != nil {
		return nil, nil, err
	}
	return &pathsOut{Release: ref, Evidence: nonNil(ans.Evidence), Paths: v}, nil, nil
}

func (f *face) choke(ctx context.Context, _ *sdk.CallToolRequest, in chokeIn) (*chokeOut, []sdk.Content, error) {
	q := app.ChokeQuestion{Release: in.Release, Limit: in.Limit, Paths: in.Paths, From: in.From, To: in.To, InheritFromParent: in.InheritFromParent, PreventOnly: in.PreventOnly}
	if q.Limit == 0 {
		q.Limit = app.DefaultChokeLimit
	}
	if q.Paths == 0 {
		q.Paths = app.DefaultChokePaths
	}
	ans, err := f.svc.ChokePoints(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	v := ans.View()
	ref, err := f.releaseRef(ctx, v.Release)
	if err != nil {
		return nil, nil, err
	}
	ev := []string{fmt.Sprintf("every case-study chain of ATLAS %s", v.Release)}
	if ans.Paths != nil {
		ev = append(ev, fmt.Sprintf("%d attack paths counted", v.PathsCounted))
		ev = append(ev, ans.Paths.Evidence...)
	}
	return &chokeOut{Release: ref, Evidence: ev, Choke: v}, nil, nil
}

func (f *face) gaps(ctx context.Context, _ *sdk.CallToolRequest, in gapsIn) (*gapsOut, []sdk.Content, error) {
	ans, err := f.svc.CoverageGaps(ctx, app.GapsQuestion{Release: in.Release, Limit: in.Limit, InheritFromParent: in.InheritFromParent, PreventOnly: in.PreventOnly})
	if err != nil {
		return nil, nil, err
	}
	v := ans.View()
	ref, err := f.releaseRef(ctx, v.Release)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	ev := []string{}
	for _, g := range v.Techniques {
		for _, cs := range g.CaseStudies {
			if !seen[cs] {
				seen[cs] = true
				ev = append(ev, cs)
			}
		}
	}
	sort.Strings(ev)
	return &gapsOut{Release: ref, Evidence: ev, Gaps: v}, nil, nil
}

func (f *face) actor(ctx context.Context, _ *sdk.CallToolRequest, in actorIn) (*actorOut, []sdk.Content, error) {
	if strings.TrimSpace(in.Actor) == "" {
		return nil, nil, app.Errorf(app.BadInput, "actor_techniques: give an actor's id, name or alias, e.g. APT28")
	}
	found, err := f.svc.Actor(ctx, in.Release, in.AttackVersion, in.Actor)
	if err != nil {
		return nil, nil, err
	}
	if len(found) == 0 {
		return nil, nil, app.Errorf(app.NotFound, "no actor goes by %q; search for it with the search tool", in.Actor)
	}
	ids := make([]string, len(found))
	for i, a := range found {
		ids[i] = a.ID
	}
	rel := found[0].Release
	uses, err := f.svc.ActorTechniques(ctx, rel, in.AttackVersion, ids)
	if err != nil {
		return nil, nil, err
	}
	ref, err := f.releaseRef(ctx, rel)
	if err != nil {
		return nil, nil, err
	}
	out := &actorOut{Release: ref, Evidence: []string{}, Actors: make([]Actor, 0, len(found))}
	for _, a := range found {
		out.Actors = append(out.Actors, actorOf(a, uses[a.ID], &out.Evidence))
	}
	return out, nil, nil
}

func actorOf(a view.Actor, uses []view.ActorTechnique, ev *[]string) Actor {
	out := Actor{ID: a.ID, Name: a.Name, Aliases: nonNil(a.Aliases), AttackGroupID: a.AttackGroupID, AttackVersion: a.AttackVersionUsed,
		CaseStudyActors: nonNil(a.CaseStudyActors), SharedAlias: a.SharedAlias, Techniques: make([]ActorTechnique, 0, len(uses))}
	for _, u := range uses {
		t := ActorTechnique{ID: u.Technique.ID, Name: u.Technique.Name, Via: []string{}, CaseStudies: nonNil(u.CaseStudyIDs), Steps: []string{},
			AttackEvidence: []AttackEvidence{}}
		for _, v := range u.Via {
			t.Via = append(t.Via, string(v))
		}
		for _, s := range u.Steps {
			step := s.CaseStudyID + "/" + s.StepID
			t.Steps = append(t.Steps, step)
			*ev = append(*ev, fmt.Sprintf("%s uses %s: case study step %s", a.ID, u.Technique.ID, step))
		}
		for _, e := range u.AttackEvidence {
			t.AttackEvidence = append(t.AttackEvidence, AttackEvidence{AttackTechnique: e.TechniqueID, Referenced: e.ReferencedID,
				Relationship: e.RelationshipID, Description: e.Description})
			*ev = append(*ev, fmt.Sprintf("%s uses %s: ATT&CK %s (%s)", a.ID, u.Technique.ID, e.RelationshipID, e.TechniqueID))
		}
		out.Techniques = append(out.Techniques, t)
	}
	return out
}

func (f *face) evaluate(ctx context.Context, _ *sdk.CallToolRequest, in evalIn) (*evalOut, []sdk.Content, error) {
	m, err := app.ParseModel("model", []byte(in.Model))
	if err != nil {
		return nil, nil, err
	}
	var opt app.ReportOptions
	if in.AsOf != "" {
		day, err := parseDay(in.AsOf)
		if err != nil {
			return nil, nil, err
		}
		opt.AsOf = day
	}
	rep, err := f.svc.ReportModel(ctx, m, opt)
	if err != nil {
		return nil, nil, err
	}
	md, err := app.RenderReport(m, rep, "markdown")
	if err != nil {
		return nil, nil, err
	}
	ref, err := f.releaseRef(ctx, rep.Release)
	if err != nil {
		return nil, nil, err
	}
	ev := []string{}
	for _, inc := range rep.Incidents {
		ev = append(ev, inc.CaseStudy)
	}
	return &evalOut{Release: ref, Evidence: ev, Report: rep}, []sdk.Content{&sdk.TextContent{Text: string(md)}}, nil
}

func (f *face) diff(ctx context.Context, _ *sdk.CallToolRequest, in diffIn) (*diffOut, []sdk.Content, error) {
	d, err := f.svc.Diff(ctx, in.From, in.To)
	if err != nil {
		return nil, nil, err
	}
	to, err := f.releaseRef(ctx, in.To)
	if err != nil {
		return nil, nil, err
	}
	from, err := f.releaseRef(ctx, in.From)
	if err != nil {
		return nil, nil, err
	}
	return &diffOut{Release: to, From: from, Evidence: []string{"ATLAS " + from.Version + " (sha256 " + from.SHA256 + ")", "ATLAS " + to.Version + " (sha256 " + to.SHA256 + ")"},
		Diff: d}, nil, nil
}

func (f *face) validateMapping(ctx context.Context, _ *sdk.CallToolRequest, in mappingIn) (*mappingOut, []sdk.Content, error) {
	data := []byte(in.Mapping)
	format := mapping.Format(strings.ToLower(in.Format))
	if format == "" {
		format = mapping.FormatOf("mapping", data)
	}
	rows, err := mapping.Read("mapping", data, format)
	if err != nil {
		return nil, nil, app.Errorf(app.BadInput, "%s", err.Error())
	}
	rep, err := f.svc.ValidateMapping(ctx, rows)
	if err != nil {
		return nil, nil, err
	}
	ref, err := f.releaseRef(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	rels, err := f.svc.CompleteReleases(ctx)
	if err != nil {
		return nil, nil, err
	}
	ev := make([]string, 0, len(rels))
	for _, r := range rels {
		ev = append(ev, "ATLAS "+r.Version)
	}
	return &mappingOut{Release: ref, Evidence: ev, Report: *rep}, nil, nil
}

// canWrite checks a write call's own bearer token (over HTTP) with the
// same policy as GraphQL's mutations.
func (f *face) canWrite(ctx context.Context, req *sdk.CallToolRequest) error {
	if f.opt.Auth == nil {
		return nil
	}
	var header string
	if req.Extra != nil && req.Extra.Header != nil {
		header = req.Extra.Header.Get("Authorization")
	}
	err := f.opt.Auth.CanWrite(auth.WithPrincipal(ctx, f.opt.Auth.Identify(header)))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, auth.ErrForbidden):
		return &authError{code: "FORBIDDEN", msg: after(err.Error())}
	default:
		return &authError{code: "UNAUTHENTICATED", msg: after(err.Error())}
	}
}

// after drops the sentinel's words ("unauthenticated: ...").
func after(s string) string {
	if _, rest, ok := strings.Cut(s, ": "); ok {
		return rest
	}
	return s
}

func (f *face) save(ctx context.Context, req *sdk.CallToolRequest, in saveIn) (*savedOut, []sdk.Content, error) {
	if err := f.canWrite(ctx, req); err != nil {
		return nil, nil, err
	}
	m, err := app.ParseModel(in.ID, []byte(in.Model))
	if err != nil {
		return nil, nil, err
	}
	var st *app.StoredModel
	if in.Version == 0 {
		m.Source = in.ID
		st, err = f.svc.CreateModel(ctx, in.ID, m)
	} else {
		st, err = f.svc.UpdateModel(ctx, in.ID, in.Version, func(old *app.ThreatModel) error {
			m.Source = old.Source
			*old = *m
			return nil
		})
	}
	if err != nil {
		return nil, nil, err
	}
	ref, err := f.releaseRef(ctx, st.Model.Release)
	if err != nil {
		return nil, nil, err
	}
	return &savedOut{Release: ref, Evidence: []string{"checked against ATLAS " + ref.Version}, ID: st.ID, Version: st.Version, Name: st.Model.Name}, nil, nil
}

func (f *face) delete(ctx context.Context, req *sdk.CallToolRequest, in deleteIn) (*deletedOut, []sdk.Content, error) {
	if err := f.canWrite(ctx, req); err != nil {
		return nil, nil, err
	}
	if err := f.svc.DeleteModel(ctx, in.ID, in.Version); err != nil {
		return nil, nil, err
	}
	ref, err := f.releaseRef(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	return &deletedOut{Release: ref, Evidence: []string{}, ID: in.ID, Deleted: true}, nil, nil
}

// parseDay reads a YYYY-MM-DD day.
func parseDay(s string) (time.Time, error) {
	day, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, app.Errorf(app.BadInput, "asOf %q is not a date; write YYYY-MM-DD", s)
	}
	return day, nil
}
