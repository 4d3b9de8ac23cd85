package synth_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/synth"
	"github.com/atlasgraph/atlasgraph/loader"
)

func generate(t *testing.T, opt synth.Options) ([]byte, synth.Counts) {
	t.Helper()
	var b bytes.Buffer
	c, err := synth.Write(&b, opt)
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), c
}

// TestGeneratedReleasesParse checks that the loader accepts generated
// releases without a problem or a warning and finds what the generator says
// it wrote, in the proportions of ATLAS 2026.05.
func TestGeneratedReleasesParse(t *testing.T) {
	for _, scale := range []int{1, 10} {
		t.Run(synth.Version(scale), func(t *testing.T) {
			data, c := generate(t, synth.Options{Scale: scale, Seed: 7})
			rel, warnings, err := loader.Parse("synthetic.yaml", data, loader.Limits{})
			if err != nil {
				t.Fatalf("the loader refuses the release: %v", err)
			}
			if len(warnings) > 0 {
				t.Errorf("the loader warns: %v", warnings)
			}
			got := count(rel)
			fixed := synth.Counts{
				Tactics: 16, Techniques: 170 * scale, SubTechniques: 69 * scale, Mitigations: 35 * scale, CaseStudies: 57 * scale,
			}
			for _, f := range []struct {
				what          string
				got, gen, fix int
			}{
				{"version", boolInt(rel.Version == synth.Version(scale)), 1, 1},
				{"tactics", got.Tactics, c.Tactics, fixed.Tactics},
				{"techniques", got.Techniques, c.Techniques, fixed.Techniques},
				{"sub-techniques", got.SubTechniques, c.SubTechniques, fixed.SubTechniques},
				{"mitigations", got.Mitigations, c.Mitigations, fixed.Mitigations},
				{"case studies", got.CaseStudies, c.CaseStudies, fixed.CaseStudies},
			} {
				if f.got != f.gen || f.got != f.fix {
					t.Errorf("%s: parsed %d, generator says %d, want %d", f.what, f.got, f.gen, f.fix)
				}
			}
			for _, f := range []struct {
				what     string
				got, gen int
			}{
				{"mitigation links", got.Mitigates, c.Mitigates},
				{"steps", got.Steps, c.Steps},
				{"leads-to links", got.LeadsTo, c.LeadsTo},
				{"branching case studies", got.BranchingCaseStudies, c.BranchingCaseStudies},
				{"actors", got.Actors, c.Actors},
			} {
				if f.got != f.gen {
					t.Errorf("%s: parsed %d, generator says %d", f.what, f.got, f.gen)
				}
			}
			// The shape of 2026.05: about 7 links per mitigation, 5 to 12
			// steps per case study, some branching, some actors, and
			// transitions that repeat.
			if per := float64(got.Mitigates) / float64(got.Mitigations); per < 5.5 || per > 8.5 {
				t.Errorf("%.1f links per mitigation; want about 7", per)
			}
			for _, cs := range rel.CaseStudies {
				if n := len(cs.Steps); n < 5 || n > 12 {
					t.Errorf("%s has %d steps; want 5 to 12", cs.ID, n)
				}
			}
			if got.BranchingCaseStudies == 0 || got.Actors == 0 {
				t.Errorf("%d branching case studies, %d actors; want some of each", got.BranchingCaseStudies, got.Actors)
			}
			repeated := 0
			for _, tr := range rel.Transitions() {
				if tr.Count > 1 {
					repeated++
				}
			}
			if repeated < 5*scale {
				t.Errorf("%d transitions seen in more than one case study; want at least %d", repeated, 5*scale)
			}
			if !strings.HasPrefix(string(data), "format-version: 6.0.0\n") {
				t.Error("the file does not start with format-version: 6.0.0")
			}
		})
	}
}

func TestSameSeedSameBytes(t *testing.T) {
	a, _ := generate(t, synth.Options{Scale: 2, Seed: 42})
	b, _ := generate(t, synth.Options{Scale: 2, Seed: 42})
	if !bytes.Equal(a, b) {
		t.Error("two runs with the same seed and scale gave different bytes")
	}
	c, _ := generate(t, synth.Options{Scale: 2, Seed: 43})
	if bytes.Equal(a, c) {
		t.Error("different seeds gave the same bytes")
	}
}

func TestBadScale(t *testing.T) {
	var b bytes.Buffer
	if _, err := synth.Write(&b, synth.Options{Scale: 0}); err == nil {
		t.Error("scale 0 was accepted")
	}
}

// count measures a parsed release the way synth.Counts does.
func count(rel *atlas.Release) synth.Counts {
	c := synth.Counts{Tactics: len(rel.Tactics), Techniques: len(rel.Techniques), Mitigations: len(rel.Mitigations),
		CaseStudies: len(rel.CaseStudies), Actors: len(rel.Actors)}
	for _, t := range rel.Techniques {
		if t.Parent != "" {
			c.SubTechniques++
		}
	}
	for _, m := range rel.Mitigations {
		c.Mitigates += len(m.Mitigates)
	}
	for _, cs := range rel.CaseStudies {
		c.Steps += len(cs.Steps)
		branching := false
		for _, s := range cs.Steps {
			c.LeadsTo += len(s.LeadsTo)
			branching = branching || len(s.LeadsTo) > 1
		}
		if branching {
			c.BranchingCaseStudies++
		}
	}
	return c
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
