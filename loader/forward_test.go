package loader_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/futurerelease"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
)

// future makes a 6.1.0 release from the shared 2026.05.
func future(t *testing.T) *futurerelease.Future {
	t.Helper()
	p, err := rawatlas.Shared("atlas/v6/ATLAS-2026.05.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	f, err := futurerelease.Make(b, "2026.06", "6.1.0")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A newer 6.x release loads: each addition is a warning naming it and its
// place, and is kept.
func TestFutureReleaseLoadsWithWarnings(t *testing.T) {
	f := future(t)
	rel, warnings, err := loader.Parse("ATLAS-2026.06.yaml", f.Data, loader.Limits{})
	if err != nil {
		t.Fatalf("a 6.1.0 release with additions was refused: %v", err)
	}
	want := []struct{ object, field, msg string }{
		{"", f.NewSection, `unknown section "playbooks" (format-version 6.1.0)`},
		{f.NewTechnique, f.NewRelationship, `unknown relationship kind "inspired-by"`},
		{f.NewTechnique, "platforms[1]", `unknown platforms value "Robotic AI"`},
		{f.NewTechnique, "maturity", `unknown maturity "Emerging"`},
		{f.NewTechnique, "", "unknown fields detection-hints; kept as JSON in the object's extra property"},
		{f.NewMitigation, "categories[0]", `unknown categories value "Technical - Robotics"`},
	}
	for _, w := range want {
		found := false
		for _, p := range warnings {
			if p.Object == w.object && p.Field == w.field && strings.Contains(p.Msg, w.msg) {
				found = true
				if p.Line == 0 || p.File != "ATLAS-2026.06.yaml" {
					t.Errorf("warning %q has no place: %s", w.msg, p)
				}
			}
		}
		if !found {
			t.Errorf("no warning %s: %s: %s; got:\n%s", w.object, w.field, w.msg, problemsText(warnings))
		}
	}
	if len(warnings) != len(want) {
		t.Errorf("%d warnings, want %d:\n%s", len(warnings), len(want), problemsText(warnings))
	}
	if rel.FormatVersion != "6.1.0" || rel.Version != f.Version {
		t.Errorf("format %q version %q", rel.FormatVersion, rel.Version)
	}
	var sections map[string]map[string]any
	if err := json.Unmarshal([]byte(rel.ExtraSections), &sections); err != nil || sections["playbooks"]["AML.PB0000"] == nil {
		t.Errorf("extraSections = %s (%v)", rel.ExtraSections, err)
	}
	var rels []map[string]any
	if err := json.Unmarshal([]byte(rel.ExtraRelationships), &rels); err != nil || len(rels) != 1 ||
		rels[0]["source"] != f.NewTechnique || rels[0]["target"] != f.RelTarget || rels[0]["relationship-type"] != f.NewRelationship {
		t.Errorf("extraRelationships = %s (%v)", rel.ExtraRelationships, err)
	}
	tech := find(rel.Techniques, f.NewTechnique)
	if tech == nil || tech.Maturity != f.NewMaturity || !strings.Contains(strings.Join(tech.Platforms, ","), f.NewPlatform) ||
		!strings.Contains(tech.Extra, f.NewField) {
		t.Errorf("new technique = %+v", tech)
	}
	if find(rel.Techniques, f.Retired) != nil {
		t.Errorf("retired %s still there", f.Retired)
	}
}

func find(ts []atlas.Technique, id string) *atlas.Technique {
	for i := range ts {
		if ts[i].ID == id {
			return &ts[i]
		}
	}
	return nil
}

func problemsText(ps []loader.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

// A new format major version is refused, saying what this atlasgraph reads
// and how to upgrade; malformed input in a 6.x release is still refused.
func TestFutureMajorAndMalformedRefused(t *testing.T) {
	f := future(t)
	seven := strings.Replace(string(f.Data), "format-version: '6.1.0'", "format-version: '7.0.0'", 1)
	if seven == string(f.Data) {
		t.Fatal("could not set format-version 7.0.0")
	}
	_, _, err := loader.Parse("ATLAS-2027.01.yaml", []byte(seven), loader.Limits{})
	var ve *loader.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("7.0.0: error = %v", err)
	}
	for _, want := range []string{"ATLAS-2027.01.yaml:1:", "format-version 7.0.0 is not one this atlasgraph reads", "6.x", "legacy", "Upgrade atlasgraph", "nothing was loaded"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("7.0.0 message lacks %q: %v", want, err)
		}
	}
	dangling := strings.Replace(string(f.Data), "target: "+f.MovedTo+"\n", "target: AML.TA9999\n", 1)
	if _, _, err := loader.Parse("x.yaml", []byte(dangling), loader.Limits{}); err == nil || !strings.Contains(err.Error(), `unknown tactic "AML.TA9999"`) {
		t.Errorf("dangling reference in a 6.1.0 release: %v", err)
	}
}

// A known relationship with an unknown field is loaded and also kept whole;
// an unknown collection field is kept on the release.
func TestForwardRelationshipField(t *testing.T) {
	path := filepath.Join("testdata", "forward", "relationship-extra-field.yaml")
	rel, warnings, err := parseFile(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0].String(), "collection: unknown fields license") ||
		!strings.Contains(warnings[1].String(), "mitigates[0]: unknown fields strength in a mitigates relationship") {
		t.Errorf("warnings:\n%s", problemsText(warnings))
	}
	var kept []map[string]any
	if err := json.Unmarshal([]byte(rel.ExtraRelationships), &kept); err != nil || len(kept) != 1 || kept[0]["strength"] != "high" ||
		kept[0]["relationship-type"] != "mitigates" {
		t.Errorf("extraRelationships = %s", rel.ExtraRelationships)
	}
	var extra map[string]map[string]any
	if err := json.Unmarshal([]byte(rel.Extra), &extra); err != nil || extra["collection"]["license"] != "Apache-2.0" {
		t.Errorf("release extra = %s", rel.Extra)
	}
	// The link itself is loaded as usual.
	base := mustParse(t, "testdata/mini-v6.yaml")
	if len(rel.Mitigations) != len(base.Mitigations) || len(rel.Mitigations[0].Mitigates) != len(base.Mitigations[0].Mitigates) {
		t.Errorf("mitigations differ from the release without the field")
	}
}

// The fixtures under testdata/forward each load with one warning.
func TestForwardFixtures(t *testing.T) {
	tests := map[string]string{
		"unknown-section.yaml":         `:30:3: weapons: unknown section "weapons"`,
		"unknown-relationship.yaml":    `:31:5: AML.T0051: inspires: unknown relationship kind "inspires"`,
		"unknown-maturity.yaml":        `:16:15: AML.T0051: maturity: unknown maturity "Rumoured"`,
		"unknown-case-study-type.yaml": `:105:11: AML.CS0001: type: unknown case-study type "Simulation"`,
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			path := filepath.Join("testdata", "forward", file)
			rel, warnings, err := parseFile(t, path)
			if err != nil || rel == nil {
				t.Fatalf("refused: %v", err)
			}
			if len(warnings) != 1 || !strings.HasPrefix(warnings[0].String(), path+want) {
				t.Errorf("warnings:\n%s\nwant %s%s", problemsText(warnings), path, want)
			}
		})
	}
}
