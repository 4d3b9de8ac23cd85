package loader_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
)

func parseFile(t *testing.T, path string) (*atlas.Release, []loader.Problem, error) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return loader.Parse(path, b, loader.Limits{})
}

func mustParse(t *testing.T, path string) *atlas.Release {
	t.Helper()
	r, _, err := parseFile(t, path)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return r
}

// TestMalformed checks that each broken file is refused with the problem
// at the right place, and nothing else is returned.
func TestMalformed(t *testing.T) {
	tests := []struct {
		file string
		want string // the formatted problem, from the line on
	}{
		{"not-yaml.yaml", ":1:10: invalid YAML: sequence end token ']' not found"},
		{"syntax-error-deep.yaml", ":205:20: invalid YAML: mapping value is not allowed in this context"},
		{"bad-indent-deep.yaml", ":197:6: invalid YAML: "},
		{"empty-version.yaml", ":5:12: collection: version: empty version"},
		{"blank-version.yaml", `:5:12: collection: version: version "   " is not a release version`},
		{"legacy-empty-version.yaml", ":3:10: version: empty version"},
		{"unquoted-version.yaml", ":5:12: collection: version: want a string, got a number 2026.10; write it in quotes"},
		{"impossible-date.yaml", `:17:19: AML.TA0002: created-date: "2026-13-45" is not a date in the calendar`},
		{"number-name.yaml", ":38:11: AML.T0000: name: want a string, got a number 12345"},
		{"boolean-platform.yaml", ":44:7: AML.T0000: platforms[0]: want a string, got a boolean true"},
		{"merge-key.yaml", ":38:5: AML.T0000: YAML merge key '<<'"},
		{"binary-name.yaml", ":38:11: binary value (!!binary)"},
		{"custom-tag.yaml", ":38:11: YAML tag !secret"},
		{"nul-byte.yaml", ":38:17: NUL byte"},
		{"invalid-utf8.yaml", ":38:18: invalid UTF-8 (byte 0xff)"},
		{"html-page.yaml", ":1:1: this is an HTML page, not a YAML release"},
		{"empty.yaml", ": the file is empty"},
		{"two-documents.yaml", ":2:1: the file holds several YAML documents"},
		{"alias-bomb.yaml", ":2:8: YAML alias *a: ATLAS releases do not use anchors and aliases"},
		{"unknown-layout.yaml", ":1:1: not an ATLAS release"},
		{"format-version-7.yaml", `:1:17: format-version: format-version 7.0.0 is not one this atlasgraph reads: it reads format-version 6.x (releases 2026.05 and later) and the legacy layout (releases 4.x and 5.x). Upgrade atlasgraph`},
		{"duplicate-id-v6.yaml", `:16:3: AML.T0051: techniques: duplicate key "AML.T0051"; it is first defined at line 12`},
		{"duplicate-id-legacy.yaml", `:16:5: AML.T0051: id: duplicate id; first defined at line 12`},
		{"dangling-tactic.yaml", `:30:15: AML.T0051.001: achieves[0]: unknown tactic "AML.TA0099"`},
		{"bad-id-pattern.yaml", `:13:5: AML.T51: id: "AML.T51" is not a technique id`},
		{"wrong-type-platforms.yaml", `:16:16: AML.T0051: platforms: want a list of strings, got a string`},
		{"wrong-type-name.yaml", `:20:7: AML.CS0001: name: want a string, got a list`},
		{"wrong-type-position.yaml", `:28:17: ATLAS-matrix: sequences[0].position: want a whole number, got a string "first"`},
		{"unknown-object-type.yaml", `:15:18: AML.T0051: object-type: unknown or misplaced object-type "weapon"`},
		{"step-cycle.yaml", `:37:7: AML.CS0001: S01.leads-to: step S01 leads back to step S00`},
		{"leads-to-unknown-step.yaml", `:31:7: AML.CS0001: S00.leads-to: unknown step "S07"`},
		{"duplicate-step-id.yaml", `:41:16: AML.CS0001: employs[1].step-id: duplicate step id "S00"`},
		{"legacy-unknown-technique.yaml", `:23:16: AML.CS0001: procedure[0].technique: unknown technique "AML.T9999"`},
		{"legacy-two-matrices.yaml", `:5:1: matrices: want exactly one matrix, got 2`},
		{"bad-date.yaml", `:11:19: AML.TA0002: created-date: want a date written YYYY-MM-DD, got "24 Jan 2022"`},
		{"sub-technique-without-parent.yaml", `:17:5: AML.T0051.001: sub-technique has no specializes relationship`},
		{"id-differs-from-key.yaml", `:14:9: AML.T0051: id: id "AML.T0052" differs from the key "AML.T0051"`},
		{"mitigation-unknown-source.yaml", `:31:7: AML.M0001: mitigates[0]: mitigates must come from a mitigation`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "invalid", tt.file)
			rel, _, err := parseFile(t, path)
			if rel != nil {
				t.Errorf("got a release from a broken file")
			}
			var ve *loader.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error = %v, want a *ValidationError", err)
			}
			first := ve.Problems[0].String()
			if first != path+tt.want && !strings.HasPrefix(first, path+tt.want) {
				t.Errorf("first problem = %q\nwant prefix     %q", first, path+tt.want)
			}
			if !strings.Contains(err.Error(), "nothing was loaded") {
				t.Errorf("error does not say nothing was loaded: %v", err)
			}
		})
	}
}

// Every file in testdata/invalid is refused (TestMalformed gives each its
// expected place and message).
func TestMalformedTableCoversEveryFixture(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.yaml")
	if len(files) < 15 {
		t.Fatalf("only %d malformed fixtures", len(files))
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
		r, _, err := parseFile(t, f)
		if err == nil || r != nil {
			t.Errorf("%s parsed without error", f)
		}
	}
}

func TestAllProblemsReportedUpToCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("format-version: 6.0.0\ncollection: {version: '1'}\ntactics: {}\nmitigations: {}\ncase-studies: {}\ntechniques:\n")
	for i := 0; i < 150; i++ {
		b.WriteString("  AML.T" + strings.Repeat("9", 4) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ":\n    name: x\n    object-type: technique\n")
	}
	_, _, err := loader.Parse("many.yaml", []byte(b.String()), loader.Limits{})
	var ve *loader.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v", err)
	}
	if len(ve.Problems) != loader.MaxErrors || ve.Omitted == 0 {
		t.Errorf("got %d problems and %d omitted; want %d listed and the rest counted", len(ve.Problems), ve.Omitted, loader.MaxErrors)
	}
	if !strings.Contains(err.Error(), "more") {
		t.Errorf("message does not say more were omitted")
	}
}

func TestLimits(t *testing.T) {
	data, err := os.ReadFile("testdata/mini-v6.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = loader.Parse("mini", data, loader.Limits{MaxBytes: 100, MaxNodes: 1 << 20})
	if err == nil || !strings.Contains(err.Error(), "more than the limit of 100") {
		t.Errorf("byte limit: %v", err)
	}
	_, _, err = loader.Parse("mini", data, loader.Limits{MaxBytes: 1 << 20, MaxNodes: 50})
	if err == nil || !strings.Contains(err.Error(), "more than 50 YAML nodes") {
		t.Errorf("node limit: %v", err)
	}
}

// The same content in both layouts gives the same release.
func TestLayoutsGiveTheSameRelease(t *testing.T) {
	v6 := mustParse(t, "testdata/mini-v6.yaml")
	legacy := mustParse(t, "testdata/mini-legacy.yaml")
	if v6.Format != atlas.FormatV6 || legacy.Format != atlas.FormatLegacy {
		t.Errorf("formats = %s, %s", v6.Format, legacy.Format)
	}
	ignore := cmpopts.IgnoreFields(atlas.Release{}, "Format", "FormatVersion", "SHA256", "Source", "Description") // legacy files have no description
	if diff := cmp.Diff(v6, legacy, ignore, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("v6 and legacy differ (-v6 +legacy):\n%s", diff)
	}
}

func TestMiniRelease(t *testing.T) {
	r := mustParse(t, "testdata/mini-v6.yaml")
	cs := r.CaseStudies[0]
	if cs.ID != "AML.CS0001" || len(cs.Steps) != 3 {
		t.Fatalf("case study = %+v", cs)
	}
	// employs lists S01 before S00; steps come back in step order.
	var order []string
	for _, s := range cs.Steps {
		order = append(order, s.ID+"="+s.Technique)
	}
	if want := []string{"S00=AML.T0000.001", "S01=AML.T0051", "S02=AML.T0048"}; !cmp.Equal(order, want) {
		t.Errorf("steps = %v, want %v", order, want)
	}
	sub := r.Techniques[1]
	if sub.ID != "AML.T0000.001" || sub.Parent != "AML.T0000" || !cmp.Equal(sub.Tactics, []string{"AML.TA0002"}) {
		t.Errorf("sub-technique = %+v", sub)
	}
	if r.Tactics[0].Attack == nil || r.Tactics[0].Attack.ID != "TA0043" || r.Tactics[0].Created != "2022-01-24" {
		t.Errorf("tactic fields lost: %+v", r.Tactics[0])
	}
	if got := r.Techniques[3].References; r.Techniques[3].ID != "AML.T0051" || len(got) != 1 || got[0].URL != "https://example.org/paper" {
		t.Errorf("references = %+v", got)
	}
	wantTransitions := []atlas.Transition{
		{From: "AML.T0000", To: "AML.T0051", CaseStudies: []string{"AML.CS0002"}, Count: 1},
		{From: "AML.T0000.001", To: "AML.T0051", CaseStudies: []string{"AML.CS0001"}, Count: 1},
		{From: "AML.T0051", To: "AML.T0048", CaseStudies: []string{"AML.CS0001"}, Count: 1},
	}
	if diff := cmp.Diff(wantTransitions, r.Transitions()); diff != "" {
		t.Errorf("transitions (-want +got):\n%s", diff)
	}
}

func TestBranchingChain(t *testing.T) {
	r := mustParse(t, "testdata/branching-v6.yaml")
	s0 := r.CaseStudies[0].Steps[0]
	if !cmp.Equal(s0.LeadsTo, []string{"S01", "S02"}) {
		t.Errorf("S00 leads to %v, want [S01 S02]", s0.LeadsTo)
	}
	found := false
	for _, tr := range r.Transitions() {
		if tr.From == "AML.T0000.001" && tr.To == "AML.T0048" {
			found = true
		}
	}
	if !found {
		t.Errorf("the branch S00 -> S02 gives no transition: %v", r.Transitions())
	}
}

func TestUnknownFieldsAreKept(t *testing.T) {
	data, _ := os.ReadFile("testdata/mini-v6.yaml")
	data = []byte(strings.Replace(string(data), "    maturity: Realized\n", "    maturity: Realized\n    severity: high\n", 1))
	r, _, err := loader.Parse("x", data, loader.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, te := range r.Techniques {
		if te.ID == "AML.T0051" && te.Extra != `{"severity":"high"}` {
			t.Errorf("extra = %q", te.Extra)
		}
	}
}

// TestSharedReleases parses every real release and compares it with an
// independent reading of the same file.
func TestSharedReleases(t *testing.T) {
	for _, name := range rawatlas.Releases {
		t.Run(name, func(t *testing.T) {
			path, err := rawatlas.Shared(name)
			if err != nil {
				t.Fatal(err)
			}
			r := mustParse(t, path)
			raw, err := rawatlas.Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if r.Version != raw.Version {
				t.Errorf("version %q, want %q", r.Version, raw.Version)
			}
			got := map[string]string{}
			for _, x := range r.Techniques {
				got[x.ID] = x.Name
				for _, ta := range x.Tactics {
					if !raw.Achieves[[2]string{x.ID, ta}] {
						t.Errorf("%s achieves %s: not in the file", x.ID, ta)
					}
				}
				if x.Parent != raw.Parent[x.ID] {
					t.Errorf("%s parent %q, file %q", x.ID, x.Parent, raw.Parent[x.ID])
				}
			}
			if diff := cmp.Diff(raw.Techniques, got); diff != "" {
				t.Errorf("techniques:\n%s", diff)
			}
			var order []string
			for _, ta := range r.Tactics {
				order = append(order, ta.ID)
			}
			if !cmp.Equal(order, raw.Order) {
				t.Errorf("tactic order %v, file %v", order, raw.Order)
			}
			n := 0
			for _, m := range r.Mitigations {
				for _, l := range m.Mitigates {
					n++
					if want, ok := raw.Mitigates[[2]string{m.ID, l.Technique}]; !ok || want != l.Description {
						t.Errorf("%s mitigates %s: %q, file %q (present %v)", m.ID, l.Technique, l.Description, want, ok)
					}
				}
			}
			if n != len(raw.Mitigates) {
				t.Errorf("%d mitigates links, file has %d", n, len(raw.Mitigates))
			}
			for _, cs := range r.CaseStudies {
				if len(cs.Steps) != len(raw.Steps[cs.ID]) {
					t.Errorf("%s: %d steps, file has %d", cs.ID, len(cs.Steps), len(raw.Steps[cs.ID]))
				}
				for _, s := range cs.Steps {
					w := raw.Steps[cs.ID][s.ID]
					if s.Technique != w.Technique || s.Tactic != w.Tactic || !cmp.Equal(s.LeadsTo, w.Next, cmpopts.EquateEmpty()) {
						t.Errorf("%s %s = %+v, file %+v", cs.ID, s.ID, s, w)
					}
				}
				if cs.ActorText != raw.ActorText[cs.ID] {
					t.Errorf("%s actor text %q, file %q", cs.ID, cs.ActorText, raw.ActorText[cs.ID])
				}
			}
		})
	}
}
