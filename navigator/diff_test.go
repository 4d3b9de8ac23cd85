package navigator_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/futurerelease"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/navigator"
)

// The diff of 2026.05 and a future release made from it, as a Navigator
// layer: valid layer format 4.3 (the ATLAS Navigator's), each change in its colour.
func TestDiffLayer(t *testing.T) {
	p, err := rawatlas.Shared("atlas/v6/ATLAS-2026.05.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	base, _, err := loader.Parse(p, b, loader.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := futurerelease.Make(b, "2026.06", "6.1.0")
	if err != nil {
		t.Fatal(err)
	}
	next, _, err := loader.Parse("future.yaml", f.Data, loader.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	layer := navigator.DiffLayer(atlas.Compare(base, next))
	js, err := layer.JSON()
	if err != nil {
		t.Fatal(err)
	}
	sch, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "navigator", "testdata", "layer-4.3.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("the diff layer is not a valid layer 4.3: %v", err)
	}
	var got struct {
		Techniques []struct {
			TechniqueID, Color, Comment string
		}
	}
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatal(err)
	}
	colors := map[string]string{}
	for _, te := range got.Techniques {
		if te.Color != "" {
			colors[te.TechniqueID] = te.Color
		}
	}
	want := map[string]string{
		f.NewTechnique: navigator.DiffAddedColor, f.Moved: navigator.DiffChangedColor, f.Matured: navigator.DiffChangedColor,
		f.UnlinkedTechnique: navigator.DiffChangedColor, f.Retired: navigator.DiffRetiredColor,
	}
	for id, c := range want {
		if colors[id] != c {
			t.Errorf("%s coloured %q, want %q", id, colors[id], c)
		}
	}
	if len(colors) != len(want) {
		t.Errorf("%d techniques coloured, want %d: %v", len(colors), len(want), colors)
	}
}
