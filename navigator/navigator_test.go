package navigator

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// layerSchema compiles testdata/layer-4.5.schema.json (the 4.5 specification transcribed),
// the format of layers for the ATT&CK Navigator.
func layerSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	return compileSchema(t, "testdata/layer-4.5.schema.json")
}

// atlasSchema compiles testdata/layer-4.3.schema.json, the format the ATLAS Navigator
// declares and the default output.
func atlasSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	return compileSchema(t, "testdata/layer-4.3.schema.json")
}

func compileSchema(t *testing.T, file string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(file)
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, data []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return sch.Validate(v)
}

func sampleLayer() *Layer {
	l := New("APT28 & friends", "Techniques of <APT28>", "2026.05")
	l.AddMetadata("attack_version", "18.1")
	l.Legend("APT28", "#ff6666")
	l.Legend("shared", "#8ec843")
	l.Add(Technique{ID: "AML.T0051.000", Tactic: "initial-access", Color: "#ff6666", Comment: "via T1566 (uses)"})
	l.Add(Technique{ID: "AML.T0049", Color: "#8ec843", Score: Score(2), Comment: "shared",
		Metadata: []Metadata{{Name: "actors", Value: "APT28, APT29"}}})
	l.Add(Technique{ID: "AML.T0010", Tactic: "initial-access", Score: Score(0)})
	l.SetGradient([]string{"#ffffff", "#ff6666"}, 0, 3)
	return l
}

func TestLayerValidatesAgainstSchema(t *testing.T) {
	sch := layerSchema(t)
	spec, err := os.ReadFile("testdata/spec-example-4.5.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, sch, spec); err != nil {
		t.Fatalf("the specification's own example does not validate, so the schema is wrong: %v", err)
	}
	atlas := atlasSchema(t)
	for name, l := range map[string]*Layer{
		"empty":  New("empty", "", ""),
		"sample": sampleLayer(),
	} {
		t.Run(name, func(t *testing.T) {
			b, err := l.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(t, atlas, b); err != nil {
				t.Fatalf("layer does not validate against layer format 4.3: %v\n%s", err, b)
			}
			b, err = l.JSONFor(Output{Target: ATTACKNavigator, DataURL: "https://example.org/stix-atlas.json"})
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(t, sch, b); err != nil {
				t.Fatalf("ATT&CK Navigator layer does not validate against layer format 4.5: %v\n%s", err, b)
			}
		})
	}
	if err := validate(t, atlas, []byte(`{"name":"x","domain":"atlas-atlas","versions":{"navigator":"5.1.0","layer":"4.5"}}`)); err == nil {
		t.Error("the 4.3 schema accepts a 4.5 layer: it cannot tell the formats apart")
	}
}

// TestTargets checks what each Navigator reads before it opens a layer: the ATLAS Navigator
// warns on any layer version but its own ("4.3") and looks the domain up in its
// configuration ("atlas-atlas"); the ATT&CK Navigator 5 refuses a domain it does not list
// and loads the customDataURL bundle under "enterprise-attack".
func TestTargets(t *testing.T) {
	l := sampleLayer()
	var atlasLayer, attackLayer Layer
	b, err := l.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &atlasLayer); err != nil {
		t.Fatal(err)
	}
	if atlasLayer.Domain != "atlas-atlas" || atlasLayer.Versions != (Versions{Navigator: "4.6.4", Layer: "4.3"}) || atlasLayer.CustomDataURL != "" ||
		bytes.Contains(b, []byte("expandedSubtechniques")) {
		t.Errorf("ATLAS Navigator layer: domain %q, versions %+v, customDataURL %q", atlasLayer.Domain, atlasLayer.Versions, atlasLayer.CustomDataURL)
	}
	_, err = l.JSONFor(Output{Target: ATTACKNavigator})
	if err == nil || !strings.Contains(err.Error(), "--navigator-data") {
		t.Errorf("2026.05 has no STIX bundle a browser can fetch; want an error naming --navigator-data, got %v", err)
	}
	l5 := New("x", "", "5.6.0")
	b, err = l5.JSONFor(Output{Target: ATTACKNavigator})
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &attackLayer); err != nil {
		t.Fatal(err)
	}
	if attackLayer.Domain != "enterprise-attack" || attackLayer.Versions != (Versions{Navigator: "5.1.0", Layer: "4.5"}) ||
		attackLayer.CustomDataURL != "https://raw.githubusercontent.com/mitre-atlas/atlas-navigator-data/v1.16.0/dist/stix-atlas.json" {
		t.Errorf("ATT&CK Navigator layer: domain %q, versions %+v, customDataURL %q", attackLayer.Domain, attackLayer.Versions, attackLayer.CustomDataURL)
	}
	if _, err := ParseTarget("mitre"); err == nil {
		t.Error("ParseTarget accepts an unknown navigator")
	}
}

func TestSchemaRejectsBrokenLayers(t *testing.T) {
	sch := layerSchema(t)
	for name, doc := range map[string]string{
		"no name":      `{"domain":"atlas-atlas"}`,
		"old layer":    `{"name":"x","domain":"atlas-atlas","versions":{"navigator":"5.1.0","layer":"4.3"}}`,
		"old nav":      `{"name":"x","domain":"atlas-atlas","versions":{"navigator":"4.8.2","layer":"4.5"}}`,
		"no id":        `{"name":"x","domain":"atlas-atlas","techniques":[{"color":"#ffffff"}]}`,
		"one colour":   `{"name":"x","domain":"atlas-atlas","gradient":{"colors":["#ffffff"],"minValue":0,"maxValue":1}}`,
		"bad colour":   `{"name":"x","domain":"atlas-atlas","legendItems":[{"label":"a","color":"red"}]}`,
		"unknown prop": `{"name":"x","domain":"atlas-atlas","colour":"#ffffff"}`,
	} {
		t.Run(name, func(t *testing.T) {
			if err := validate(t, sch, []byte(doc)); err == nil {
				t.Fatalf("schema accepted %s", doc)
			}
		})
	}
}

func TestJSONIsDeterministicAndAddsParents(t *testing.T) {
	a, err := sampleLayer().JSON()
	if err != nil {
		t.Fatal(err)
	}
	// The same layer built in another order gives the same bytes.
	l := New("APT28 & friends", "Techniques of <APT28>", "2026.05")
	l.AddMetadata("attack_version", "18.1")
	l.Legend("APT28", "#ff6666")
	l.Legend("shared", "#8ec843")
	l.SetGradient([]string{"#ffffff", "#ff6666"}, 0, 3)
	l.Add(Technique{ID: "AML.T0010", Tactic: "initial-access", Score: Score(0)})
	l.Add(Technique{ID: "AML.T0049", Color: "#000000"})
	l.Add(Technique{ID: "AML.T0049", Color: "#8ec843", Score: Score(2), Comment: "shared",
		Metadata: []Metadata{{Name: "actors", Value: "APT28, APT29"}}})
	l.Add(Technique{ID: "AML.T0051.000", Tactic: "initial-access", Color: "#ff6666", Comment: "via T1566 (uses)"})
	b, err := l.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(a), string(b)); diff != "" {
		t.Fatalf("JSON differs with insertion order (-first +second):\n%s", diff)
	}
	var got Layer
	if err := json.Unmarshal(a, &got); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tq := range got.Techniques {
		ids = append(ids, tq.ID)
	}
	if diff := cmp.Diff([]string{"AML.T0010", "AML.T0049", "AML.T0051", "AML.T0051.000"}, ids); diff != "" {
		t.Fatalf("technique order (-want +got):\n%s", diff)
	}
	if !got.Techniques[2].ShowSubtechniques || got.Techniques[2].Color != "" {
		t.Fatalf("parent of an annotated sub-technique: %+v", got.Techniques[2])
	}
	if got.Domain != "atlas-atlas" || got.Versions.Layer != "4.3" {
		t.Fatalf("domain/versions: %q %+v", got.Domain, got.Versions)
	}
	if got.Techniques[0].Score == nil || *got.Techniques[0].Score != 0 {
		t.Fatalf("a zero score must be kept (unscored is absent): %+v", got.Techniques[0])
	}
	if !bytes.Contains(a, []byte("<APT28>")) {
		t.Fatalf("HTML escaping changed the description: %s", a)
	}
}

func TestJSONRefusesInvalidLayers(t *testing.T) {
	for name, l := range map[string]*Layer{
		"no name":      New(" ", "", ""),
		"bad colour":   func() *Layer { l := New("x", "", ""); l.Add(Technique{ID: "AML.T0000", Color: "red"}); return l }(),
		"bad gradient": func() *Layer { l := New("x", "", ""); l.SetGradient([]string{"#ffffff", "#000000"}, 3, 3); return l }(),
		"no id":        func() *Layer { l := New("x", "", ""); l.Add(Technique{Color: "#ffffff"}); return l }(),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := l.JSON(); !errors.Is(err, ErrInvalid) {
				t.Fatalf("want ErrInvalid, got %v", err)
			}
		})
	}
}

func TestTacticShortname(t *testing.T) {
	for in, want := range map[string]string{
		"ML Attack Staging":    "ml-attack-staging",
		"AI Model Access":      "ai-model-access",
		"Reconnaissance":       "reconnaissance",
		"  Command & Control ": "command-control",
	} {
		if got := TacticShortname(in); got != want {
			t.Errorf("TacticShortname(%q) = %q, want %q", in, got, want)
		}
	}
}
