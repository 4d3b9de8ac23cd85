package app

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/threatmodel"
)

// TestModelRecordRoundTrip: what the store keeps of a model (preferences
// included) gives the model back, places and all.
func TestModelRecordRoundTrip(t *testing.T) {
	for _, name := range threatmodel.Templates {
		data, err := threatmodel.Template(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := threatmodel.Parse(name+".yaml", data, threatmodel.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		m.Source = "kept-" + name
		m.Preferences = threatmodel.Preferences{CountDetection: true, Costs: map[string]float64{"AML.M0015": 2.5}, Exclude: []string{"AML.M0018"}}
		rec, err := recordOf(m)
		if err != nil {
			t.Fatal(err)
		}
		back, err := modelOf(m.Source, rec)
		if err != nil {
			t.Fatal(err)
		}
		// Places of single fields are not kept, only each part's.
		fieldPos := cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".FieldPos" }, cmp.Ignore())
		opts := cmp.Options{cmpopts.EquateEmpty(), fieldPos, cmpopts.IgnoreUnexported(threatmodel.Model{})}
		if d := cmp.Diff(m, back, opts); d != "" {
			t.Errorf("%s: the model read back differs (-kept +read):\n%s", name, d)
		}
	}
	if _, err := modelOf("x", recordOfPreferences(`{"CountDetection": "no"}`)); err == nil {
		t.Error("unreadable preferences were accepted")
	}
}

func recordOfPreferences(js string) (rec store.ModelRecord) {
	rec.Preferences = js
	return rec
}
