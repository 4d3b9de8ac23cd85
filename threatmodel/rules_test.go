package threatmodel

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
)

// TestRules runs every rule's own examples: the rule fires on the component
// its firing tests describe and stays quiet on the others.
func TestRules(t *testing.T) {
	rs, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Rules) == 0 {
		t.Fatal("no rules loaded")
	}
	for i := range rs.Rules {
		r := &rs.Rules[i]
		t.Run(r.ID, func(t *testing.T) {
			for j, tc := range r.Tests {
				m, err := tc.TestModel()
				if err != nil {
					t.Fatalf("test %d: %v", j, err)
				}
				if got := r.Fires(m, "subject"); got != tc.Fires {
					t.Errorf("test %d (%s %v, in %v, out %v): fires = %v, want %v", j, tc.Kind, tc.Properties, tc.Inbound, tc.Outbound, got, tc.Fires)
				}
				// Applicability agrees with Fires: the rule's techniques
				// get a site on the subject (or, for an organisation-level
				// rule, on the organisation) exactly when it fires.
				app := rs.Applicability(m, nil)
				where := "subject"
				if r.Organisation {
					where = Organisation
				}
				for _, tech := range r.Techniques {
					has := slices.Contains(app[tech], Site{Rule: r.ID, Component: where})
					if has != tc.Fires {
						t.Errorf("test %d: %s has site %s@%s = %v, want %v", j, tech, r.ID, where, has, tc.Fires)
					}
				}
			}
		})
	}
}

// TestEveryTechniqueMapped checks that every technique of every v6 release
// in the shared data is reached by a rule or listed as deliberately
// unmapped, and that rules name no technique that 2026.05 lacks. A newer
// release with new techniques fails here, naming them.
func TestEveryTechniqueMapped(t *testing.T) {
	rs, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	mapped := map[string]bool{}
	for _, id := range rs.Mapped() {
		mapped[id] = true
	}
	for _, u := range rs.Unmapped {
		if mapped[u.Technique] {
			t.Errorf("%s is listed as unmapped (%s) but rules map it", u.Technique, u.File)
		}
		mapped[u.Technique] = true
	}
	p, err := rawatlas.Shared("atlas/v6/ATLAS-2026.05.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(p), "ATLAS-*.yaml"))
	if len(files) == 0 {
		t.Fatal("no v6 release in the shared data")
	}
	for _, f := range files {
		raw, err := rawatlas.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		var missing []string
		for id := range raw.Techniques {
			if !mapped[id] {
				missing = append(missing, id+" "+raw.Techniques[id])
			}
		}
		sort.Strings(missing)
		for _, m := range missing {
			t.Errorf("ATLAS %s: technique %s is reached by no rule; add it to a rule in threatmodel/rules or to unmapped.yaml with the reason", raw.Version, m)
		}
		if raw.Version == "2026.05" {
			for _, id := range rs.Mapped() {
				if _, ok := raw.Techniques[id]; !ok {
					t.Errorf("a rule maps %s, which ATLAS 2026.05 does not have", id)
				}
			}
		}
	}
}

// TestTechniquesReachedPerRelease lists, for every ATLAS release in the
// shared data (the legacy files and format 6), the techniques no rule can
// make applicable on any model: a technique counts as reached only when the
// firing example of a rule naming it yields it through Applicability. The
// releases in the repository have none; a newer release fails here, naming
// its techniques, until a rule reaches them (or unmapped.yaml says why not).
func TestTechniquesReachedPerRelease(t *testing.T) {
	rs, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	reach, err := rs.Reachable()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range rs.Mapped() {
		if len(reach[id]) == 0 {
			t.Errorf("rules name %s but none of their firing examples makes it applicable", id)
		}
	}
	unmapped := map[string]bool{}
	for _, u := range rs.Unmapped {
		unmapped[u.Technique] = true
	}
	dir, err := rawatlas.Shared("atlas")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "ATLAS-*.yaml"))
	v6, _ := filepath.Glob(filepath.Join(dir, "v6", "ATLAS-*.yaml"))
	files = append(files, v6...)
	if len(files) < 2 {
		t.Fatalf("found %d ATLAS releases under %s", len(files), dir)
	}
	for _, f := range files {
		raw, err := rawatlas.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		var unreached []string
		for id, name := range raw.Techniques {
			if len(reach[id]) == 0 && !unmapped[id] {
				unreached = append(unreached, id+" "+name)
			}
		}
		sort.Strings(unreached)
		t.Logf("ATLAS %s: %d techniques, %d reached by no rule: %v", raw.Version, len(raw.Techniques), len(unreached), unreached)
		if len(unreached) > 0 {
			t.Errorf("ATLAS %s has techniques no rule makes applicable: %s; reach each from the components its description names (threatmodel/rules) or list it in unmapped.yaml with the reason", raw.Version, strings.Join(unreached, "; "))
		}
	}
}

// TestRulesRejectBrokenFiles checks that the loader refuses a rule file
// with an unknown kind, a multi-line rationale or missing tests.
func TestRulesRejectBrokenFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	bad := `rules:
  - id: x
    rationale: fine
    when: {kinds: [toaster]}
    techniques: [AML.T0051]
    tests: [{fires: true, kind: chat-ui}]
`
	if err := os.WriteFile(filepath.Join(dir, "rules", "bad.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadRules(os.DirFS(dir), "rules")
	if err == nil {
		t.Fatal("a rule with an unknown kind and no quiet test loaded")
	}
	for _, want := range []string{`unknown kind "toaster"`, "stays quiet on"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestUpstreamFollowsFlows: content reaches a component through others
// (a public page, a backend, then the model), and only along the flows'
// direction.
func TestUpstreamFollowsFlows(t *testing.T) {
	m := &Model{Components: []Component{
		{ID: "page", Kind: KindChatUI, Properties: map[string]Value{"internetFacing": {Type: TypeBool, Bool: true}}},
		{ID: "backend", Kind: KindApplicationBackend},
		{ID: "llm", Kind: KindHostedModelAPI},
		{ID: "logs", Kind: KindModelEvaluation},
	}, Flows: []Flow{{From: "page", To: "backend"}, {From: "backend", To: "llm"}, {From: "logs", To: "page"}}}
	if err := m.Validate(Limits{}); err != nil {
		t.Fatal(err)
	}
	up := Condition{Upstream: &UpstreamCondition{Any: []string{"internetFacing"}}}
	g := newGraph(m)
	for id, want := range map[string]bool{"llm": true, "backend": true, "page": false, "logs": false} {
		if got := up.matches(g, g.ids[id]); got != want {
			t.Errorf("%s: upstream internet-facing = %v, want %v", id, got, want)
		}
	}
	kinds := Condition{Upstream: &UpstreamCondition{Kinds: []Kind{KindModelEvaluation}}}
	if !kinds.matches(g, g.ids["llm"]) || kinds.matches(g, g.ids["logs"]) {
		t.Error("upstream by kind: logs reach the model through page and backend, and nothing reaches logs")
	}
}

// TestDownstreamFollowsFlows: a model's output reaches, through a pipeline,
// the backend that acts on it, and only along the flows' direction.
func TestDownstreamFollowsFlows(t *testing.T) {
	m := &Model{Components: []Component{
		{ID: "llm", Kind: KindHostedModelAPI},
		{ID: "pipeline", Kind: KindAgentOrchestrator},
		{ID: "verdicts", Kind: KindApplicationBackend, Properties: map[string]Value{"automatedDecisions": {Type: TypeBool, Bool: true}}},
		{ID: "intake", Kind: KindDocumentIngestion},
	}, Flows: []Flow{{From: "intake", To: "pipeline"}, {From: "pipeline", To: "llm"}, {From: "llm", To: "pipeline"}, {From: "pipeline", To: "verdicts"}}}
	if err := m.Validate(Limits{}); err != nil {
		t.Fatal(err)
	}
	down := Condition{Downstream: &UpstreamCondition{Any: []string{"automatedDecisions"}}}
	g := newGraph(m)
	for id, want := range map[string]bool{"llm": true, "pipeline": true, "intake": true, "verdicts": false} {
		if got := down.matches(g, g.ids[id]); got != want {
			t.Errorf("%s: downstream automated decisions = %v, want %v", id, got, want)
		}
	}
	if bad := (Condition{Downstream: &UpstreamCondition{Any: []string{"modality"}}}).check("rule x"); len(bad) != 1 || !strings.Contains(bad[0], "downstream") {
		t.Errorf("a downstream condition on a string property: %v", bad)
	}
}

// TestModalitiesCondition checks that a rule limited to some modalities
// fires on a component of one of them and on one that gives none, stays
// quiet on another, and that a misspelt modality is refused with the
// nearest one and the list.
func TestModalitiesCondition(t *testing.T) {
	c := Condition{Modalities: []string{"image", "audio", "video", "multimodal"}}
	m := &Model{Components: []Component{
		{ID: "faces", Kind: KindClassifier, Properties: map[string]Value{"modality": {Type: TypeString, Text: "image"}}},
		{ID: "dga", Kind: KindClassifier, Properties: map[string]Value{"modality": {Type: TypeString, Text: "text"}}},
		{ID: "unknown", Kind: KindClassifier},
	}}
	if err := m.Validate(Limits{}); err != nil {
		t.Fatal(err)
	}
	g := newGraph(m)
	for id, want := range map[string]bool{"faces": true, "dga": false, "unknown": true} {
		if got := c.matches(g, g.ids[id]); got != want {
			t.Errorf("%s: modalities %v = %v, want %v", id, c.Modalities, got, want)
		}
	}
	bad := (Condition{Modalities: []string{"imag"}}).check("rule x")
	if len(bad) != 1 || !strings.Contains(bad[0], `"imag"`) || !strings.Contains(bad[0], "did you mean image?") || !strings.Contains(bad[0], "text, image") {
		t.Errorf("a misspelt modality: %v", bad)
	}
	if bad := (Condition{Kinds: []Kind{"predictive-clasifier"}}).check("rule x"); len(bad) != 1 || !strings.Contains(bad[0], "did you mean predictive-classifier?") {
		t.Errorf("a misspelt kind: %v", bad)
	}
	if bad := (Condition{Any: []string{"internetfacing"}}).check("rule x"); len(bad) != 1 || !strings.Contains(bad[0], "did you mean internetFacing?") {
		t.Errorf("a misspelt property: %v", bad)
	}
}
