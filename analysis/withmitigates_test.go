package analysis

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// TestWithMitigates narrows what mitigations cover: the copy answers with
// the narrower map, the original is unchanged, and unknown mitigations are
// ignored.
func TestWithMitigates(t *testing.T) {
	rel := &atlas.Release{Version: "1",
		Techniques: []atlas.Technique{{Object: atlas.Object{ID: "T1"}}, {Object: atlas.Object{ID: "T2"}}},
		Mitigations: []atlas.Mitigation{
			{Object: atlas.Object{ID: "M1"}, Mitigates: []atlas.Mitigates{{Technique: "T1"}, {Technique: "T2"}}},
			{Object: atlas.Object{ID: "M2"}, Mitigates: []atlas.Mitigates{{Technique: "T2"}}},
		},
		CaseStudies: []atlas.CaseStudy{{Object: atlas.Object{ID: "C1"}, Steps: []atlas.Step{{ID: "S00", Technique: "T1", LeadsTo: []string{"S01"}}, {ID: "S01", Technique: "T2"}}}},
	}
	in := FromRelease(rel)
	narrow := in.WithMitigates(map[string][]string{"M1": {"T2"}, "M9": {"T1"}})
	if diff := cmp.Diff(map[string][]string{"M1": {"T2"}, "M2": {}}, narrow.Knowledge.Mitigates); diff != "" {
		t.Errorf("narrowed map (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]string{"M1": {"T1", "T2"}, "M2": {"T2"}}, in.Knowledge.Mitigates); diff != "" {
		t.Errorf("the original changed (-want +got):\n%s", diff)
	}
	ch, _ := narrow.Chain("C1")
	r, err := ChainMitigations(context.Background(), ch, narrow.Knowledge, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []MitigationHits
	got = append(got, r.Breakers...)
	if len(got) != 1 || got[0].Mitigation != "M1" || got[0].BreaksAt != "S01" {
		t.Errorf("breakers %+v, want M1 breaking at S01 (it covers T2 only)", got)
	}
}
