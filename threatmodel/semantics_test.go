package threatmodel

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
)

func semantics(t *testing.T) *Semantics {
	t.Helper()
	s, err := DefaultSemantics()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestUnclassifiedPerRelease lists, for every ATLAS release in ../shared,
// the mitigations and links without a curated effect. A release added
// later may have some (they never cut and reports warn); the releases in
// the repository have none.
func TestUnclassifiedPerRelease(t *testing.T) {
	dir, err := rawatlas.Shared("atlas")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	v6, _ := filepath.Glob(filepath.Join(dir, "v6", "*.yaml"))
	files = append(files, v6...)
	if len(files) < 2 {
		t.Fatalf("found %d ATLAS releases under %s", len(files), dir)
	}
	sem := semantics(t)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _, err := loader.Parse(f, b, loader.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		un := sem.Unclassified(LinksOf(rel))
		t.Logf("ATLAS %s: %d mitigations, %d unclassified: %v", rel.Version, len(rel.Mitigations), len(un), un)
		if len(un) > 0 {
			t.Errorf("ATLAS %s has mitigations or links without a curated effect: %s; add them to semantics/effects.yaml", rel.Version, strings.Join(un, ", "))
		}
	}
}

// A link or mitigation the curated data does not know is unclassified and
// never cuts.
func TestUnknownLinksAreUnclassified(t *testing.T) {
	rel := &atlas.Release{Version: "9999.01",
		Techniques: []atlas.Technique{{Object: atlas.Object{ID: "AML.T0051"}, Tactics: []string{"AML.TA0005"}}, {Object: atlas.Object{ID: "AML.T0999"}, Tactics: []string{"AML.TA0005"}}},
		Mitigations: []atlas.Mitigation{
			{Object: atlas.Object{ID: "AML.M0020"}, Mitigates: []atlas.Mitigates{{Technique: "AML.T0999", Description: "New text."}, {Technique: "AML.T0051", Description: "Guardrails can prevent harmful inputs."}}},
			{Object: atlas.Object{ID: "AML.M0999"}, Mitigates: []atlas.Mitigates{{Technique: "AML.T0051", Description: "Brand new."}}},
		}}
	sem := semantics(t)
	rl := LinksOf(rel)
	if diff := cmp.Diff([]string{"AML.M0020 -> AML.T0999", "AML.M0999"}, sem.Unclassified(rl)); diff != "" {
		t.Errorf("unclassified (-want +got):\n%s", diff)
	}
	for _, c := range []struct{ m, t string }{{"AML.M0020", "AML.T0999"}, {"AML.M0999", "AML.T0051"}} {
		le, ok := sem.Link(rl, c.m, c.t)
		if !ok || le.Effect != EffectUnclassified || linkCuts(le, SideDefender, true) {
			t.Errorf("%s -> %s: %+v, want an unclassified link that never cuts", c.m, c.t, le)
		}
	}
	if le, _ := sem.Link(rl, "AML.M0020", "AML.T0051"); le.Effect != EffectPrevent || !linkCuts(le, SideDefender, false) {
		t.Errorf("AML.M0020 -> AML.T0051: %+v, want a prevent link that cuts", le)
	}
}

// TestLinkEffects checks links against the words of the release: one
// mitigation prevents one technique and only detects another; a parent's
// link reaches sub-techniques; a direct link wins over the parent's.
func TestLinkEffects(t *testing.T) {
	rel, _ := release2605(t)
	sem, rl := semantics(t), LinksOf(rel)
	cases := []struct {
		m, t      string
		effect    Effect
		acts      Acts
		viaParent string
	}{
		{"AML.M0020", "AML.T0051", EffectPrevent, ActsSystem, ""},
		{"AML.M0020", "AML.T0010", EffectDetect, ActsSystem, ""},
		{"AML.M0020", "AML.T0051.001", EffectPrevent, ActsSystem, "AML.T0051"},
		{"AML.M0024", "AML.T0051.001", EffectDetect, ActsSystem, ""},
		{"AML.M0018", "AML.T0052", EffectPrevent, ActsPeople, ""},
		{"AML.M0000", "AML.T0000", EffectPrevent, ActsPublication, ""},
		{"AML.M0007", "AML.T0059", EffectRespond, ActsSystem, ""},
	}
	for _, c := range cases {
		le, ok := sem.Link(rl, c.m, c.t)
		if !ok || le.Effect != c.effect || le.Acts != c.acts || le.ViaParent != c.viaParent || le.Why == "" {
			t.Errorf("%s -> %s: %+v, want effect %s acts %s viaParent %q with a why", c.m, c.t, le, c.effect, c.acts, c.viaParent)
		}
	}
	if _, ok := sem.Link(rl, "AML.M0020", "AML.T0000"); ok {
		t.Error("AML.M0020 -> AML.T0000: a link the release does not have")
	}
}

// TestSides checks where steps happen: by tactic, by technique, through the
// parent, and a case-study step's own side while it keeps its technique.
func TestSides(t *testing.T) {
	rel, _ := release2605(t)
	sem, rl := semantics(t), LinksOf(rel)
	for tech, want := range map[string]Side{
		"AML.T0000":     SideAttacker, // reconnaissance
		"AML.T0017.000": SideAttacker, // resource development
		"AML.T0043.002": SideAttacker, // staging on a proxy
		"AML.T0042":     SideEither,
		"AML.T0043.001": SideEither,
		"AML.T0018.000": SideEither, // through its parent
		"AML.T0051.001": SideDefender,
		"AML.T0015":     SideDefender,
	} {
		if got := sem.Side(rl, tech); got.Side != want || got.Why == "" {
			t.Errorf("%s: %+v, want %s with a why", tech, got, want)
		}
	}
	if got := sem.StepSide(rl, "AML.CS0019", "S01", "AML.T0018.000"); got.Side != SideAttacker {
		t.Errorf("AML.CS0019 S01: %s, want attacker (the step's own side)", got.Side)
	}
	if got := sem.StepSide(rl, "AML.CS0019", "S01", "AML.T0051"); got.Side != SideDefender {
		t.Errorf("a step whose technique changed keeps its technique's side, got %s", got.Side)
	}
}

// TestPreventOnly is the Mitigates map analyses use with preventOnly:
// logging and training cut nothing; guardrails cut prompt injection and its
// sub-techniques; nothing cuts an attacker-side technique.
func TestPreventOnly(t *testing.T) {
	rel, _ := release2605(t)
	sem, rl := semantics(t), LinksOf(rel)
	po := sem.PreventOnly(rl)
	if len(po) != len(rel.Mitigations) {
		t.Fatalf("%d mitigations, want %d", len(po), len(rel.Mitigations))
	}
	for _, m := range []string{"AML.M0024", "AML.M0018", "AML.M0000", "AML.M0023"} {
		if len(po[m]) != 0 {
			t.Errorf("%s cuts %v, want nothing", m, po[m])
		}
	}
	for _, want := range []string{"AML.T0051", "AML.T0051.000", "AML.T0051.001", "AML.T0051.002"} {
		if !contains(po["AML.M0020"], want) {
			t.Errorf("AML.M0020 does not cut %s: %v", want, po["AML.M0020"])
		}
	}
	for m, ts := range po {
		for _, tech := range ts {
			if sem.Side(rl, tech).Side == SideAttacker {
				t.Errorf("%s cuts %s, an attacker-side technique", m, tech)
			}
		}
	}
}

// TestSemanticsRejectBrokenFiles: every problem is reported with its file,
// line and column.
func TestSemanticsRejectBrokenFiles(t *testing.T) {
	good := map[string]string{
		"effects.yaml":   "mitigations:\n  - {id: AML.M0001, effect: prevent, acts: system, why: ok, links: [{technique: AML.T0001, effect: detect, why: ok}]}\n",
		"placement.yaml": "tactics: [{tactic: AML.TA0002, side: attacker, why: ok}]\ntechniques: []\n",
		"steps.yaml":     "steps: []\n",
	}
	load := func(over map[string]string) error {
		fsys := fstest.MapFS{}
		for k, v := range good {
			fsys["s/"+k] = &fstest.MapFile{Data: []byte(v)}
		}
		for k, v := range over {
			fsys["s/"+k] = &fstest.MapFile{Data: []byte(v)}
		}
		_, err := LoadSemantics(fsys, "s")
		return err
	}
	if err := load(nil); err != nil {
		t.Fatalf("good files: %v", err)
	}
	cases := []struct {
		name, file, data, want string
	}{
		{"bad effect", "effects.yaml", "mitigations:\n  - id: AML.M0001\n    effect: stop\n    acts: system\n    why: ok\n", `s/effects.yaml:3:13: mitigation AML.M0001: effect "stop"; use prevent, detect or respond`},
		{"bad link effect", "effects.yaml", "mitigations:\n  - {id: AML.M0001, effect: prevent, acts: system, why: ok, links: [{technique: AML.T0001, effect: maybe, why: ok}]}\n", `s/effects.yaml:2:100: mitigation AML.M0001 link AML.T0001: effect "maybe"`},
		{"bad acts", "effects.yaml", "mitigations:\n  - {id: AML.M0001, effect: prevent, acts: moon, why: ok}\n", `s/effects.yaml:2:44: mitigation AML.M0001: acts "moon"`},
		{"unknown field", "effects.yaml", "mitigations:\n  - {id: AML.M0001, effect: prevent, acts: system, why: ok, colour: red}\n", `s/effects.yaml:2:61: mitigation: unknown field "colour"`},
		{"no why", "effects.yaml", "mitigations:\n  - {id: AML.M0001, effect: prevent, acts: system}\n", `s/effects.yaml:2:5: mitigation: give why`},
		{"twice", "effects.yaml", "mitigations:\n  - {id: AML.M0001, effect: prevent, acts: system, why: ok}\n  - {id: AML.M0001, effect: prevent, acts: system, why: ok}\n", `s/effects.yaml:3:10: mitigation AML.M0001: listed twice`},
		{"bad side", "placement.yaml", "tactics: [{tactic: AML.TA0002, side: theirs, why: ok}]\ntechniques: []\n", `s/placement.yaml:1:38: tactic AML.TA0002: side "theirs"`},
		{"bad step technique", "steps.yaml", "steps:\n  - {caseStudy: AML.CS0001, step: S01, technique: T1, side: attacker, why: ok}\n", `s/steps.yaml:2:51: step AML.CS0001/S01: not a technique id`},
		{"not YAML", "steps.yaml", "steps: [\n", `s/steps.yaml:1:8: invalid YAML`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := load(map[string]string{c.file: c.data})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// Access controls do not stop admitted users on components the public
// uses, nor outsiders' content on the components it flows into; deepfake
// detection acts on media, not on text.
func TestLinksActOnSomeComponents(t *testing.T) {
	rel, _ := release2605(t)
	sem, rl := semantics(t), LinksOf(rel)
	public := &Component{Properties: map[string]Value{"internetFacing": {Type: TypeBool, Bool: true}}}
	internal := &Component{Properties: map[string]Value{}}
	image := &Component{Properties: map[string]Value{"modality": {Type: TypeString, Text: "image"}}}
	ac, _ := sem.Link(rl, "AML.M0019", "AML.T0051")
	if linkActsOn(ac, public, false) || !linkActsOn(ac, internal, false) {
		t.Errorf("access control in production: acts on a public component %v, on an internal one %v", linkActsOn(ac, public, false), linkActsOn(ac, internal, false))
	}
	if linkActsOn(ac, internal, true) {
		t.Error("access control in production acts on a component outsiders use through a public one")
	}
	if ar, _ := sem.Link(rl, "AML.M0005", "AML.T0025"); linkActsOn(ar, public, false) || !linkActsOn(ar, internal, true) {
		t.Error("access control at rest: acts on a public component, or not on a store a public component feeds (reading it out needs access to the store itself)")
	}
	df, _ := sem.Link(rl, "AML.M0034", "AML.T0015")
	if linkActsOn(df, internal, false) || !linkActsOn(df, image, false) {
		t.Errorf("deepfake detection against evasion: acts on text %v, on images %v", linkActsOn(df, internal, false), linkActsOn(df, image, false))
	}
	if g, _ := sem.Link(rl, "AML.M0020", "AML.T0051"); !linkActsOn(g, public, true) {
		t.Error("guardrails act on public components")
	}
}

// Outsiders reach the public components and everything downstream of
// them through flows, not what only feeds them.
func TestReachedByOutsiders(t *testing.T) {
	m, err := Parse("m.yaml", []byte(`name: reach
components:
  - {id: people, kind: external-party}
  - {id: wiki, kind: document-ingestion}
  - {id: index, kind: vector-store}
  - {id: rag, kind: rag-retriever}
  - {id: llm, kind: hosted-model-api}
  - {id: app, kind: chat-ui}
  - {id: train, kind: training-pipeline}
flows:
  - {from: people, to: wiki}
  - {from: wiki, to: index}
  - {from: index, to: rag}
  - {from: rag, to: llm}
  - {from: app, to: llm}
  - {from: train, to: llm}
`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got := m.reachedByOutsiders()
	for _, id := range []string{"people", "wiki", "index", "rag", "llm"} {
		if !got[id] {
			t.Errorf("%s: not reached, though content from the external party flows into it", id)
		}
	}
	for _, id := range []string{"app", "train"} {
		if got[id] {
			t.Errorf("%s: reached, though only internal components feed it", id)
		}
	}
}

// Mitigations are found by what they do, in the words people use.
func TestFindMitigations(t *testing.T) {
	sem := semantics(t)
	for q, want := range map[string]string{"input filtering": "AML.M0020", "rate limiting": "AML.M0004", "human in the loop": "AML.M0029", "logging": "AML.M0024"} {
		if got := sem.FindMitigations(q); !contains(got, want) {
			t.Errorf("%q finds %v, want %s among them", q, got, want)
		}
	}
	if got := sem.FindMitigations("quantum teleportation"); len(got) != 0 {
		t.Errorf("nonsense finds %v", got)
	}
}
