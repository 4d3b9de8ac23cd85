package threatmodel

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

const goodModel = `name: t
components:
  - id: ui
    kind: chat-ui
    properties:
      internetFacing: true
  - id: llm
    kind: hosted-model-api
    properties:
      modality: text
flows:
  - {from: ui, to: llm, trustBoundary: true}
controls:
  - mitigation: AML.M0015
    status: implemented
    scope: [llm]
acceptedRisks:
  - {technique: AML.T0029, owner: me, reason: fine, expires: "2030-01-01"}
`

func TestParseGood(t *testing.T) {
	m, err := Parse("m.yaml", []byte(goodModel), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Components) != 2 || m.Components[1].Pos != (Pos{7, 5}) || !m.Components[0].Flag("internetFacing") {
		t.Errorf("components: %+v", m.Components)
	}
	if m.Flows[0].ID != "ui->llm" || !m.Flows[0].TrustBoundary {
		t.Errorf("flow: %+v", m.Flows[0])
	}
	if m.Controls[0].ID != "AML.M0015" || m.Controls[0].Covers("ui") || !m.Controls[0].Covers("llm") {
		t.Errorf("control: %+v", m.Controls[0])
	}
	if !m.AcceptedRisks[0].ActiveOn("2029-12-31") || m.AcceptedRisks[0].ActiveOn("2030-01-02") {
		t.Error("accepted risk expiry")
	}
}

// TestParseBadInput checks that each kind of bad input gives an error with
// the file, line and column of the culprit, and no model.
func TestParseBadInput(t *testing.T) {
	big := strings.Repeat("# padding\n", 500_000)
	many := "components:\n"
	for i := range 2001 {
		many += fmt.Sprintf("  - {id: c%d, kind: chat-ui}\n", i)
	}
	tests := []struct {
		name, input, want string
	}{
		{"unknown kind", "components:\n  - id: a\n    kind: toaster\n", `m.yaml:3:11: component "a": unknown kind "toaster"`},
		{"unknown property", "components:\n  - id: a\n    kind: chat-ui\n    properties:\n      sparkly: true\n", `m.yaml:5:7: component "a": unknown property "sparkly"`},
		{"property type", "components:\n  - id: a\n    kind: chat-ui\n    properties:\n      internetFacing: yes please\n", `m.yaml:5:23: property internetFacing must be true or false`},
		{"property value", "components:\n  - id: a\n    kind: chat-ui\n    properties:\n      modality: smell\n", `m.yaml:5:7: component "a": property modality is "smell"`},
		{"a word for a kind", "components:\n  - id: a\n    kind: LLM\n", `m.yaml:3:11: component "a": unknown kind "LLM" (did you mean hosted-model-api or self-hosted-model?)`},
		{"a word for a modality", "components:\n  - id: a\n    kind: predictive-classifier\n    properties:\n      modality: code\n", `m.yaml:5:7: component "a": property modality is "code" (code counts as text); use one of text,`},
		{"a control with no id, misnamed", "controls:\n  - {mitigation: magic shield, status: done, scope: [x]}\n", `control 1: unknown status "done"`},
		{"flow to missing component", "components:\n  - {id: a, kind: chat-ui}\nflows:\n  - {from: a, to: b}\n", `m.yaml:4:19: flow to "b": no component has that id`},
		{"duplicate component", "components:\n  - {id: a, kind: chat-ui}\n  - {id: a, kind: chat-ui}\n", `m.yaml:3:10: component "a" is declared twice (first at line 2)`},
		{"malformed YAML", "components:\n  - id: a\n\tkind: x\n", "m.yaml:3:1: invalid YAML: found character '\t' that cannot start any token"},
		{"unknown key", "components: []\nthreats: []\n", `m.yaml:2:1: unknown top-level key "threats"`},
		{"bad mitigation id", "controls:\n  - {mitigation: M15, status: implemented}\n", `m.yaml:2:18: control 1: mitigation "M15" is not an ATLAS mitigation id`},
		{"bad status", "controls:\n  - {mitigation: AML.M0015, status: done}\n", `m.yaml:2:37: control AML.M0015: unknown status "done"`},
		{"scope to missing component", "controls:\n  - {mitigation: AML.M0015, status: planned, scope: [x]}\n", `m.yaml:2:54: control AML.M0015: scope names "x"`},
		{"bad technique id", "acceptedRisks:\n  - {technique: T0051, owner: a, reason: b, expires: \"2030-01-01\"}\n", `m.yaml:2:17: accepted risk 1: technique "T0051"`},
		{"bad date", "acceptedRisks:\n  - {technique: AML.T0051, owner: a, reason: b, expires: soon}\n", `m.yaml:2:58: accepted risk AML.T0051: expires "soon" is not a date`},
		{"alias", "x: &a [1]\ncomponents: *a\n", `m.yaml:2:13: YAML alias *a: model files do not use anchors and aliases`},
		{"oversized file", big, "m.yaml: the file is 5000000 bytes, more than the limit"},
		{"too many components", many, "m.yaml: the model has 2001 components, more than the limit of 2000"},
		{"two documents", "components: []\n---\nflows: []\n", "m.yaml:2:1: the file holds several YAML documents"},
		{"empty", "", "the file is empty"},
		{"comma in a flow-style value", "components:\n  - {id: a, kind: chat-ui}\n  - {id: b, kind: chat-ui}\nflows:\n  - {from: a, to: b, data: questions, answers}\n", `m.yaml:5:39: a flow has no key "answers"; use id, from, to, data, trustBoundary; if "answers" is the rest of the value before it, quote that value, which holds a comma: key: "..., answers"`},
		{"bad preferences", "preferences:\n  costs: {AML.M0020: cheap, M20: 2}\n  exclude: [AML.M001]\n  colour: red\n", `m.yaml:2:22: preferences: the cost of AML.M0020 must be a number`},
		{"bad preference ids", "preferences:\n  costs: {M20: 2}\n  exclude: [AML.M001]\n", `m.yaml:2:11: preferences: costs names "M20", which is not an ATLAS mitigation id`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse("m.yaml", []byte(tc.input), Limits{})
			if err == nil {
				t.Fatalf("no error; model %+v", m)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T %v is not a *ValidationError", err, err)
			}
			if m != nil {
				t.Error("a model came back with the error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error:\n%s\nwant it to contain:\n%s", err, tc.want)
			}
		})
	}
}

// TestCheckRelease reports ids the release lacks at their place.
func TestCheckRelease(t *testing.T) {
	m, err := Parse("m.yaml", []byte("controls:\n  - {mitigation: AML.M9999, status: implemented}\nacceptedRisks:\n  - {technique: AML.T9999, owner: a, reason: b, expires: \"2030-01-01\"}\n"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	err = m.CheckRelease("2026.05", fakeIDs{})
	for _, want := range []string{"m.yaml:2:18: control AML.M9999: ATLAS 2026.05 has no such mitigation", "m.yaml:4:17: accepted risk AML.T9999: ATLAS 2026.05 has no such technique"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not contain %q", err, want)
		}
	}
}

type fakeIDs struct{}

func (fakeIDs) HasTechnique(id string) bool  { return id == "AML.T0051" }
func (fakeIDs) HasMitigation(id string) bool { return id == "AML.M0015" }

// TestParseHints checks the advice a new writer gets for the slips the
// third set of evaluation models' author met (bench/advice/third/README.md):
// the property or kind meant, the id of a mitigation written by its name or
// by what it does.
func TestParseHints(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"property part of another", "components:\n  - id: a\n    kind: chat-ui\n    properties:\n      authenticated: false\n",
			`m.yaml:5:7: component "a": unknown property "authenticated" (did you mean unauthenticated?); the properties are: acceptsUntrustedContent, automatedDecisions,`},
		{"property in another case", "components:\n  - id: a\n    kind: chat-ui\n    properties:\n      InternetFacing: true\n",
			`unknown property "InternetFacing" (did you mean internetFacing?)`},
		{"property misspelt", "components:\n  - id: a\n    kind: chat-ui\n    properties:\n      rendersMarkdwn: true\n",
			`unknown property "rendersMarkdwn" (did you mean rendersMarkdown?)`},
		{"kind part of another", "components:\n  - id: a\n    kind: hosted-model\n",
			`m.yaml:3:11: component "a": unknown kind "hosted-model" (did you mean hosted-model-api?); use one of: agent-memory,`},
		{"mitigation by name", "controls:\n  - {mitigation: Generative AI Guardrails, status: implemented}\n",
			`m.yaml:2:18: control 1: mitigation "Generative AI Guardrails" is not an ATLAS mitigation id (AML.M0000); write its id: AML.M0020 (Generative AI Guardrails)`},
		{"mitigation by what it does", "controls:\n  - {mitigation: input filtering, status: implemented}\n",
			`write the id of the one you mean: AML.M0020 (Generative AI Guardrails)`},
		{"mitigation unknown", "controls:\n  - {mitigation: frobnication, status: implemented}\n",
			`is not an ATLAS mitigation id (AML.M0000); find the id with atlasgraph search`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("m.yaml", []byte(tc.input), Limits{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error:\n%v\nwant it to contain:\n%s", err, tc.want)
			}
		})
	}
	// A name far from every property gets the list, and no guess.
	_, err := Parse("m.yaml", []byte("components:\n  - id: a\n    kind: chat-ui\n    properties:\n      xyzzy: true\n"), Limits{})
	if err == nil || strings.Contains(err.Error(), "did you mean") || !strings.Contains(err.Error(), "the properties are: ") {
		t.Errorf("error for a property like none: %v", err)
	}
}

// TestParseAllAtOnce checks that problems of reading (a value of the wrong
// type) and of checking (an unknown kind, a flow to a missing component)
// come in one list in file order, without repeating one problem as two.
func TestParseAllAtOnce(t *testing.T) {
	in := "components:\n" +
		"  - id: a\n" +
		"    kind: web-app\n" +
		"    properties: {internetFacing: yes}\n" +
		"  - id: [b]\n" +
		"    kind: chat-ui\n" +
		"flows:\n" +
		"  - {from: a, to: c}\n" +
		"controls:\n" +
		"  - {mitigation: AML.M0015, status: [done], scope: x}\n"
	_, err := Parse("m.yaml", []byte(in), Limits{})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T %v is not a *ValidationError", err, err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.String())
	}
	want := []string{
		`m.yaml:3:11: component "a": unknown kind "web-app"`,
		`m.yaml:4:34: property internetFacing must be true or false`,
		`m.yaml:5:9: id must be text`,
		`m.yaml:8:19: flow to "c": no component has that id`,
		`m.yaml:10:37: status must be text`,
		`m.yaml:10:52: scope must be a list`,
	}
	if len(got) != len(want) {
		t.Fatalf("problems:\n%s\nwant %d of them", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d: %s\nwant it to start with: %s", i+1, got[i], want[i])
		}
	}

	// A section of the wrong shape leaves too little to check: only it is
	// reported, not every flow to a component that could not be read.
	_, err = Parse("m.yaml", []byte("components: {a: chat-ui}\nflows:\n  - {from: a, to: b}\n"), Limits{})
	if err == nil || !strings.Contains(err.Error(), "components must be a list") || strings.Contains(err.Error(), "no component has that id") {
		t.Errorf("error for a shapeless section: %v", err)
	}
}

// TestParseKeyHints checks that a key in the wrong case or a letter off
// names the key meant, and that the comma advice stays for flow-style values.
func TestParseKeyHints(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"flow key case", "components:\n  - {id: a, kind: chat-ui}\nflows:\n  - {from: a, to: a, trustboundary: true}\n",
			`m.yaml:4:22: a flow has no key "trustboundary" (did you mean trustBoundary?); use id, from, to, data, trustBoundary`},
		{"top-level key", "component: []\n", `m.yaml:1:1: unknown top-level key "component" (did you mean components?)`},
		{"accepted risk key", "acceptedRisks:\n  - {technique: AML.T0051, owner: a, reason: b, expiry: \"2030-01-01\"}\n", `an accepted risk has no key "expiry" (did you mean expires?)`},
		{"component key", "components:\n  - id: a\n    kind: chat-ui\n    propertes: {}\n", `a component has no key "propertes" (did you mean properties?)`},
		{"preferences key", "preferences:\n  cost: {}\n", `preferences have no key "cost" (did you mean costs?)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("m.yaml", []byte(tc.input), Limits{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error:\n%v\nwant it to contain:\n%s", err, tc.want)
			}
		})
	}
}

// TestDidYouMean pins when a name is taken for a slip of another.
func TestDidYouMean(t *testing.T) {
	keys := []string{"id", "from", "to", "data", "trustBoundary"}
	for name, want := range map[string]string{
		"x":                                   "",
		"ab":                                  "",
		"form":                                " (did you mean from?)",
		"dat":                                 " (did you mean data?)",
		"TrustBoundary":                       " (did you mean trustBoundary?)",
		"trustBoundry":                        " (did you mean trustBoundary?)",
		"boundary":                            " (did you mean trustBoundary?)",
		"answers":                             "",
		strings.Repeat("trustBoundary", 1000): "",
	} {
		if got := didYouMean(name, keys); got != want {
			t.Errorf("didYouMean(%q) = %q, want %q", name, got, want)
		}
	}
}
