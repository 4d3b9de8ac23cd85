package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atlasgraph/atlasgraph/app"
)

const fileLayer = `{"name": "mine", "versions": {"layer": "4.3", "navigator": "4.6.4"}, "domain": "atlas-atlas",
 "techniques": [
  {"techniqueID": "AML.T0051", "color": "#e74c3c", "score": 3},
  {"techniqueID": "AML.T0024", "tactic": "exfiltration", "color": "#2ecc71"},
  {"techniqueID": "AML.T0024", "tactic": "no-such-tactic", "score": 2},
  {"techniqueID": "AML.T0043", "enabled": false, "score": 9},
  {"techniqueID": "AML.T9999", "score": 1}
 ],
 "legendItems": [{"label": "exposed", "color": "#e74c3c"}]}`

// A layer file read onto a held release: tactic shortnames become tactic ids, switched-off
// and unknown entries are set aside and said, labels come from the legend.
func TestMatrixLayerFromFile(t *testing.T) {
	svc, _ := service(t)
	l, err := svc.MatrixLayer(ctx, "", app.LayerSource{File: &app.LayerFile{Name: "mine.json", JSON: fileLayer}})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID      string
		Tactics []string
		Value   float64
		Label   string
	}
	var got []row
	for _, x := range l.Techniques {
		got = append(got, row{x.ID, x.Tactics, x.Value, x.Label})
	}
	want := []row{
		{"AML.T0024", []string{}, 2, ""}, // an unknown tactic: every tactic; the highest value
		{"AML.T0051", []string{}, 3, "exposed"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("techniques (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"AML.T9999"}, l.Unknown); d != "" {
		t.Errorf("unknown (-want +got):\n%s", d)
	}
	if w := strings.Join(l.Warnings, " "); !strings.Contains(w, "AML.T9999") || !strings.Contains(w, "no-such-tactic") {
		t.Errorf("warnings %q", w)
	}
	if l.Source != "file" || l.Format != "4.3" || l.Release != "2026.05" {
		t.Errorf("layer %+v", l)
	}

	_, err = svc.MatrixLayer(ctx, "", app.LayerSource{File: &app.LayerFile{Name: "bad.json", JSON: `{"name": "x", "techniques": [{"techniqueID": "AML.T0051", "score": "lots"}]}`}})
	wantCode(t, err, app.BadInput, "bad.json", "techniques[0].score")
	_, err = svc.MatrixLayer(ctx, "", app.LayerSource{DiffFrom: "5.6.0", CaseStudy: "AML.CS0000"})
	wantCode(t, err, app.BadInput, "exactly one")
}

func TestMatrixLayerFromDiff(t *testing.T) {
	svc, cur := service(t)
	l, err := svc.MatrixLayer(ctx, "", app.LayerSource{DiffFrom: "5.6.0"})
	if err != nil {
		t.Fatal(err)
	}
	old := release(t, legacy)
	had := map[string]bool{}
	for _, x := range old.Techniques {
		had[x.ID] = true
	}
	added := 0
	for _, x := range cur.Techniques {
		if !had[x.ID] {
			added++
		}
	}
	n := 0
	for _, x := range l.Techniques {
		if x.Label == "added" {
			n++
			if had[x.ID] {
				t.Errorf("%s marked added but 5.6.0 has it", x.ID)
			}
		}
	}
	if n != added {
		t.Errorf("%d techniques marked added, want %d", n, added)
	}
}

func TestCombineAndWriteLayers(t *testing.T) {
	svc, _ := service(t)
	a := app.ScoredLayer{Name: "A", Techniques: []app.ScoredTechnique{{ID: "AML.T0051", Value: 2, Comment: "from A"}, {ID: "AML.T0024", Value: 1}}}
	b := app.ScoredLayer{Name: "B", Techniques: []app.ScoredTechnique{{ID: "AML.T0051", Value: 1}, {ID: "AML.T0043", Value: 4}}}
	for op, want := range map[string]map[string]float64{
		"union":        {"AML.T0051": 3, "AML.T0024": 1, "AML.T0043": 4},
		"intersection": {"AML.T0051": 1},
		"difference":   {"AML.T0024": 1},
	} {
		l, err := svc.CombineLayers(ctx, "", a, b, op)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, x := range l.Techniques {
			got[x.ID] = x.Value
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", op, d)
		}
	}
	_, err := svc.CombineLayers(ctx, "", a, b, "xor")
	wantCode(t, err, app.BadInput, "union, intersection or difference")

	f, err := svc.LayerFile(ctx, "", "shown", []app.ScoredLayer{a, b})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Versions   struct{ Layer string }
		Techniques []struct {
			TechniqueID string
			Score       *float64
			Comment     string
		}
	}
	if err := json.Unmarshal([]byte(f.JSON), &doc); err != nil {
		t.Fatal(err)
	}
	scores := map[string]float64{}
	for _, x := range doc.Techniques {
		if x.Score != nil {
			scores[x.TechniqueID] = *x.Score
		}
		if x.TechniqueID == "AML.T0051" && !strings.Contains(x.Comment, "A: from A") {
			t.Errorf("comment of AML.T0051 = %q", x.Comment)
		}
	}
	if d := cmp.Diff(map[string]float64{"AML.T0051": 3, "AML.T0024": 1, "AML.T0043": 4}, scores); d != "" || doc.Versions.Layer != "4.3" {
		t.Errorf("layer file %s (-want +got):\n%s", doc.Versions.Layer, d)
	}
	_, err = svc.LayerFile(ctx, "", "x", nil)
	wantCode(t, err, app.BadInput, "1 to 20")
}
