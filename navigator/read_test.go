package navigator_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/atlasgraph/atlasgraph/navigator"
)

func readFixture(t *testing.T, name string) (*navigator.Layer, []string, error) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "read", name))
	if err != nil {
		t.Fatal(err)
	}
	return navigator.Read(name, b)
}

// Layer files of the formats in use read into the same values; files the matrix cannot use
// are refused with the file and the field named.
func TestRead(t *testing.T) {
	t.Run("ATLAS Navigator 4.3", func(t *testing.T) {
		l, warn, err := readFixture(t, "atlas-navigator-4.3.json")
		if err != nil {
			t.Fatal(err)
		}
		if len(warn) != 0 {
			t.Errorf("warnings %v", warn)
		}
		if l.Versions.Layer != "4.3" || l.Domain != navigator.Domain || len(l.Techniques) != 4 || len(l.LegendItems) != 2 || l.Gradient == nil {
			t.Errorf("read %+v", l)
		}
		if md := l.Techniques[1].Metadata; len(md) != 1 || md[0].Name != "note" {
			t.Errorf("metadata (divider dropped) = %+v", md)
		}
		want := map[string]float64{"AML.T0051": 3, "AML.T0051.000": 2, "AML.T0043": 1}
		if d := cmp.Diff(want, navigator.Values(l)); d != "" {
			t.Errorf("values (-want +got):\n%s", d)
		}
	})
	t.Run("the 4.3 fixtures are valid 4.3 layers", func(t *testing.T) {
		sch, err := jsonschema.NewCompiler().Compile(filepath.Join("testdata", "layer-4.3.schema.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{filepath.Join("testdata", "read", "atlas-navigator-4.3.json"), filepath.Join("..", "web", "testdata", "layer-atlas-4.3.json")} {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(doc); err != nil {
				t.Errorf("%s: %v", p, err)
			}
		}
	})
	t.Run("format 3.0", func(t *testing.T) {
		l, _, err := readFixture(t, "old-3.0.json")
		if err != nil {
			t.Fatal(err)
		}
		if l.Versions.Layer != "3.0" || l.Techniques[0].Score != nil || *l.Techniques[1].Score != 4 {
			t.Errorf("read %+v", l)
		}
	})
	t.Run("atlasgraph's own, format 4.5", func(t *testing.T) {
		l, warn, err := readFixture(t, "atlasgraph-4.5.json")
		if err != nil {
			t.Fatal(err)
		}
		if len(warn) != 0 || l.Versions.Layer != "4.5" {
			t.Errorf("format %q, warnings %v", l.Versions.Layer, warn)
		}
		if d := cmp.Diff(map[string]float64{"AML.T0051": 1, "AML.T0051.000": 1}, navigator.Values(l)); d != "" {
			t.Errorf("values (-want +got):\n%s", d)
		}
	})
	t.Run("the 4.5 spec's ATT&CK example", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join("testdata", "spec-example-4.5.json"))
		if err != nil {
			t.Fatal(err)
		}
		l, warn, err := navigator.Read("spec-example-4.5.json", b)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Techniques) == 0 || len(warn) != 1 || !strings.Contains(warn[0], "enterprise-attack") {
			t.Errorf("%d techniques, warnings %v (want one naming the ATT&CK domain)", len(l.Techniques), warn)
		}
	})
	t.Run("own layers, both targets", func(t *testing.T) {
		l := navigator.New("mine", "d", "5.1.0")
		l.Add(navigator.Technique{ID: "AML.T0051.000", Color: "#31a354", Score: navigator.Score(2)})
		for _, o := range []navigator.Output{{Target: navigator.ATLASNavigator}, {Target: navigator.ATTACKNavigator}} {
			b, err := l.JSONFor(o)
			if err != nil {
				t.Fatal(err)
			}
			back, warn, err := navigator.Read("mine.json", b)
			if err != nil {
				t.Fatal(err)
			}
			if len(warn) != 0 {
				t.Errorf("%s: warnings %v", o.Target, warn)
			}
			if d := cmp.Diff(map[string]float64{"AML.T0051.000": 2}, navigator.Values(back)); d != "" {
				t.Errorf("%s: values (-want +got):\n%s", o.Target, d)
			}
		}
	})
	for _, c := range []struct{ file, want string }{
		{"bad-score.json", `bad-score.json: techniques[1].score: "high" is not a number`},
		{"no-id.json", "no-id.json: techniques[0].techniqueID: missing"},
		{"not-json.json", "not-json.json:3:49: not JSON"},
	} {
		t.Run(c.file, func(t *testing.T) {
			_, _, err := readFixture(t, c.file)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error %v, want it to begin %q", err, c.want)
			}
		})
	}
	if _, _, err := navigator.Read("x.json", []byte(`[1]`)); err == nil || !strings.Contains(err.Error(), "not a JSON object") {
		t.Errorf("a JSON list: %v", err)
	}
}

func TestCombine(t *testing.T) {
	a := map[string]float64{"A": 1, "B": 3}
	b := map[string]float64{"B": 2, "C": 5}
	for _, c := range []struct {
		op   navigator.Op
		want map[string]float64
	}{
		{navigator.Union, map[string]float64{"A": 1, "B": 5, "C": 5}},
		{navigator.Intersection, map[string]float64{"B": 2}},
		{navigator.Difference, map[string]float64{"A": 1}},
	} {
		got, ids, err := navigator.Combine(a, b, c.op)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.op, d)
		}
		if len(ids) != len(got) {
			t.Errorf("%s: ids %v", c.op, ids)
		}
	}
	if _, err := navigator.ParseOp("xor"); err == nil {
		t.Error("xor accepted")
	}
}
