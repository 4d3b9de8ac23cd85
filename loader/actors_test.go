package loader

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/atlasgraph/atlasgraph/atlas"
)

func TestSplitActors(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Embrace the Red", []string{"Embrace the Red"}},
		{"DeepSeek, Moonshot AI, MiniMax", []string{"DeepSeek", "Moonshot AI", "MiniMax"}},
		{"Vulcan Cyber, Lasso Security", []string{"Vulcan Cyber", "Lasso Security"}},
		{"Stav Cohen, Ron Bitton, Ben Nassi", []string{"Stav Cohen", "Ron Bitton", "Ben Nassi"}},
		{"Alice and Bob", []string{"Alice", "Bob"}},
		{"Alice & Bob; Carol", []string{"Alice", "Bob", "Carol"}},
		{"ProKYC, cybercriminal group", []string{"ProKYC"}},
		{"Researchers from Google Deepmind, ETH Zurich, NVIDIA, Robust Intelligence, and Google", []string{"Researchers from Google Deepmind, ETH Zurich, NVIDIA, Robust Intelligence, and Google"}},
		{"Unknown", nil},
		{"Unknown Threat Actor", nil},
		{"unknown bad actor", nil},
		{"Two individuals", nil},
		{"One individual", nil},
		{"", nil},
		{"  ", nil},
		{"APT28, Unknown", []string{"APT28"}},
		{"lkmanka58 (GitHub user)", []string{"lkmanka58 (GitHub user)"}},
	}
	for _, tt := range tests {
		if got := splitActors(tt.in); !cmp.Equal(got, tt.want, cmpopts.EquateEmpty()) {
			t.Errorf("splitActors(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeActors(t *testing.T) {
	rel := &atlas.Release{CaseStudies: []atlas.CaseStudy{
		{Object: atlas.Object{ID: "AML.CS0001"}, ActorText: "Embrace the Red"},
		{Object: atlas.Object{ID: "AML.CS0002"}, ActorText: "Embrace The Red"},
		{Object: atlas.Object{ID: "AML.CS0003"}, ActorText: "embrace  the red"},
		{Object: atlas.Object{ID: "AML.CS0004"}, ActorText: "Jamieson O'Reilly"},
		{Object: atlas.Object{ID: "AML.CS0005"}, ActorText: "Jamieson O\u2019Reilly"},
		{Object: atlas.Object{ID: "AML.CS0006"}, ActorText: "Unknown"},
		{Object: atlas.Object{ID: "AML.CS0007"}, ActorText: "Unknown"},
		{Object: atlas.Object{ID: "AML.CS0008"}, ActorText: "DeepSeek, Moonshot AI, MiniMax"},
	}}
	normalizeActors(rel)
	want := []atlas.Actor{
		{ID: "deepseek", Name: "DeepSeek", Aliases: []string{}, CaseStudies: []string{"AML.CS0008"}},
		{ID: "embrace-the-red", Name: "Embrace The Red", Aliases: []string{"Embrace the Red", "embrace  the red"}, CaseStudies: []string{"AML.CS0001", "AML.CS0002", "AML.CS0003"}},
		{ID: "jamieson-o-reilly", Name: "Jamieson O'Reilly", Aliases: []string{"Jamieson O\u2019Reilly"}, CaseStudies: []string{"AML.CS0004", "AML.CS0005"}},
		{ID: "minimax", Name: "MiniMax", Aliases: []string{}, CaseStudies: []string{"AML.CS0008"}},
		{ID: "moonshot-ai", Name: "Moonshot AI", Aliases: []string{}, CaseStudies: []string{"AML.CS0008"}},
	}
	if diff := cmp.Diff(want, rel.Actors); diff != "" {
		t.Errorf("actors (-want +got):\n%s", diff)
	}
	if len(rel.CaseStudies[5].Actors) != 0 || len(rel.CaseStudies[6].Actors) != 0 {
		t.Errorf("unknown actors were attributed: %v %v", rel.CaseStudies[5].Actors, rel.CaseStudies[6].Actors)
	}
	if got := rel.CaseStudies[7].Actors; !cmp.Equal(got, []string{"deepseek", "minimax", "moonshot-ai"}) {
		t.Errorf("split actors = %v", got)
	}
	if rel.CaseStudies[1].ActorText != "Embrace The Red" {
		t.Errorf("raw actor text changed")
	}
}
