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
