package loader_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/loader"
)

// FuzzParse feeds the parser arbitrary bytes, seeded with every fixture:
// it must return a release or an error, never panic, and a release it
// returns must be internally consistent.
//
//	go test ./loader -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	more, _ := filepath.Glob("testdata/invalid/*.yaml")
	forward, _ := filepath.Glob("testdata/forward/*.yaml")
	for _, p := range append(append(seeds, more...), forward...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rel, _, err := loader.Parse("fuzz.yaml", data, loader.Limits{MaxBytes: 1 << 20, MaxNodes: 100_000})
		if err != nil {
			if rel != nil {
				t.Fatal("a release and an error")
			}
			return
		}
		if strings.TrimSpace(rel.Version) == "" || rel.Version != strings.TrimSpace(rel.Version) {
			t.Fatalf("a release with version %q", rel.Version)
		}
		for _, js := range []string{rel.Extra, rel.ExtraSections, rel.ExtraRelationships} {
			if js != "" && !json.Valid([]byte(js)) {
				t.Fatalf("kept content is not JSON: %s", js)
			}
		}
		techniques := map[string]bool{}
		for _, te := range rel.Techniques {
			techniques[te.ID] = true
		}
		for _, m := range rel.Mitigations {
			for _, l := range m.Mitigates {
				if !techniques[l.Technique] {
					t.Fatalf("%s mitigates unknown %s", m.ID, l.Technique)
				}
			}
		}
		for _, cs := range rel.CaseStudies {
			ids := map[string]bool{}
			for _, s := range cs.Steps {
				ids[s.ID] = true
				if !techniques[s.Technique] {
					t.Fatalf("%s %s employs unknown %s", cs.ID, s.ID, s.Technique)
				}
			}
			for _, s := range cs.Steps {
				for _, n := range s.LeadsTo {
					if !ids[n] {
						t.Fatalf("%s %s leads to unknown %s", cs.ID, s.ID, n)
					}
				}
			}
		}
		rel.Transitions()
		rel.Uses()
	})
}
