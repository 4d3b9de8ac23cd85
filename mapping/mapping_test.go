package mapping_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/atlasgraph/atlasgraph/codescan"
	"github.com/atlasgraph/atlasgraph/internal/futurerelease"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/mapping"
)

func TestRead(t *testing.T) {
	tests := []struct {
		file string
		want []mapping.Row
	}{
		{"controls.csv", []mapping.Row{
			{ID: "AML.T0051", Name: "LLM Prompt Injection", Release: "2026.05", Line: 2, Column: 6},
			{ID: "AML.T0000", Name: "Search for Victim's Publicly Available Research Materials", Release: "4.5.0", Line: 4, Column: 6},
			{ID: "AML.T9999", Name: "Made Up", Line: 5, Column: 6},
		}},
		{"detections.json", []mapping.Row{
			{ID: "AML.T0051", Name: "LLM Prompt Injection", Line: 2, Column: 34},
			{ID: "AML.T0024", Name: "Exfiltration via AI Inference API", Line: 5, Column: 11},
		}},
		{"findings.yaml", []mapping.Row{
			{ID: "AML.T0051", Name: "LLM Prompt Injection", Line: 2, Column: 9},
			{Name: "No id here", Line: 4, Column: 5},
			{ID: "AML.M0015", Name: "Adversarial Input Detection", Release: "2026.05", Line: 5, Column: 9},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := mapping.Read(path, data, "")
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				tt.want[i].File = path
			}
			if diff := cmp.Diff(tt.want, rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
	data, _ := os.ReadFile("testdata/broken.json")
	if _, err := mapping.Read("testdata/broken.json", data, ""); err == nil || !strings.HasPrefix(err.Error(), "testdata/broken.json:3:") {
		t.Errorf("broken JSON: %v, want an error at line 3", err)
	}
	if _, err := mapping.Read("x.csv", []byte("control,name\nA,B\n"), ""); err == nil || !strings.Contains(err.Error(), "no id column") {
		t.Errorf("CSV without id column: %v", err)
	}
	for _, tc := range []struct{ in, want string }{
		{"- id: AML.T0051\n  name: [LLM\n- id: AML.T0024\n", "x.yaml:3:1: invalid YAML"},
		{"- &r {id: AML.T0051}\n- *r\n", "x.yaml:2:3: YAML alias *r"},
		{"- {id: AML.T0051}\n---\n- {id: AML.T0024}\n", "several YAML documents"},
	} {
		if _, err := mapping.Read("x.yaml", []byte(tc.in), mapping.YAML); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

// namesOf reads a release file with rawatlas, sharing no code with the
// loader, for the names Check is given.
func namesOf(t *testing.T, rel string) mapping.Names {
	t.Helper()
	p, err := rawatlas.Shared(rel)
	if err != nil {
		t.Fatal(err)
	}
	r, err := rawatlas.Read(p)
	if err != nil {
		t.Fatal(err)
	}
	n := mapping.Names{Version: r.Version, Objects: map[string]string{}}
	for _, m := range []map[string]string{r.Tactics, r.Techniques, r.Mitigations, r.CaseStudies} {
		for id, name := range m {
			n.Objects[id] = name
		}
	}
	return n
}

// TestCheck runs a table of rows covering each finding against the shared
// legacy and v6 releases, a future release made from 2026.05 in the test
// (it retires a technique), and one after it in which an id is given to
// another technique. Expected answers come from the names, not the code.
func TestCheck(t *testing.T) {
	var releases []mapping.Names
	for _, r := range rawatlas.Releases {
		releases = append(releases, namesOf(t, r))
	}
	v6 := namesOf(t, "atlas/v6/ATLAS-2026.05.yaml")
	legacy := namesOf(t, "atlas/ATLAS-4.5.0.yaml")
	p, _ := rawatlas.Shared("atlas/v6/ATLAS-2026.05.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	fut, err := futurerelease.Make(b, "2026.06", "6.1.0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp(t.TempDir(), "future-*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f.Write(fut.Data)
	f.Close()
	fr, err := rawatlas.Read(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	june := mapping.Names{Version: fr.Version, Objects: map[string]string{}}
	for _, m := range []map[string]string{fr.Tactics, fr.Techniques, fr.Mitigations, fr.CaseStudies} {
		for id, name := range m {
			june.Objects[id] = name
		}
	}
	// 2026.07: the moved technique's name goes to a new id, and the old id
	// names something else.
	july := mapping.Names{Version: "2026.07", Objects: map[string]string{}}
	for id, name := range june.Objects {
		july.Objects[id] = name
	}
	reused := fut.Moved
	movedTo := "AML.T9500"
	july.Objects[movedTo] = june.Objects[reused]
	july.Objects[reused] = "Steer Autonomous Agents"
	releases = append(releases, july, june) // any order

	// Examples found in the data.
	var renamedID, renamedOld, renamedIn string
	for _, id := range sortedKeys(legacy.Objects) {
		if n, ok := v6.Objects[id]; ok && n != legacy.Objects[id] && strings.HasPrefix(id, "AML.T0") && id != reused {
			renamedID, renamedOld, renamedIn = id, legacy.Objects[id], "4.5.0"
			// the last legacy release with the old name
			for _, r := range []string{"atlas/ATLAS-5.5.0.yaml", "atlas/ATLAS-5.6.0.yaml"} {
				if nr := namesOf(t, r); nr.Objects[id] == renamedOld {
					renamedIn = nr.Version
				}
			}
			break
		}
	}
	a, bID := "AML.T0051", ""
	for _, id := range sortedKeys(july.Objects) {
		if strings.HasPrefix(id, "AML.T") && id != a && id != reused && id != movedTo && july.Objects[id] != july.Objects[a] {
			bID = id
			break
		}
	}

	type want struct {
		code       mapping.Code
		level      string
		about      string
		suggestion string
	}
	tests := []struct {
		name string
		row  mapping.Row
		want []want
	}{
		{"right", mapping.Row{ID: a, Name: july.Objects[a]}, nil},
		{"right, other case and spacing", mapping.Row{ID: a, Name: "  " + strings.ToUpper(july.Objects[a]) + " "}, nil},
		{"id only", mapping.Row{ID: a}, nil},
		{"unknown id", mapping.Row{ID: "AML.T9999", Name: "Nothing"}, []want{{mapping.UnknownID, "error", "2026.07", ""}}},
		{"unknown id with a known name", mapping.Row{ID: "AML.T9999", Name: july.Objects[bID]}, []want{{mapping.UnknownID, "error", "2026.07", bID}}},
		{"name of another technique", mapping.Row{ID: a, Name: july.Objects[bID]}, []want{{mapping.NameDiffers, "error", "2026.07", bID}}},
		{"name nobody has", mapping.Row{ID: a, Name: "Prompt Stuff"}, []want{{mapping.NameDiffers, "error", "2026.07", ""}}},
		{"renamed since", mapping.Row{ID: renamedID, Name: renamedOld}, []want{{mapping.Renamed, "warning", renamedIn, ""}}},
		{"retired", mapping.Row{ID: fut.Retired, Name: v6.Objects[fut.Retired]}, []want{{mapping.Retired, "error", "2026.05", ""}}},
		{"meant another technique", mapping.Row{ID: reused, Name: june.Objects[reused]}, []want{{mapping.MeaningChanged, "error", "2026.06", movedTo}}},
		{"meant another technique, new name", mapping.Row{ID: reused, Name: july.Objects[reused]}, []want{{mapping.MeaningChanged, "warning", "2026.06", movedTo}}},
		{"written after the change", mapping.Row{ID: reused, Name: july.Objects[reused], Release: "2026.07"}, nil},
		{"no id", mapping.Row{Name: july.Objects[bID]}, []want{{mapping.MissingID, "error", "2026.07", bID}}},
		{"release not loaded", mapping.Row{ID: a, Name: july.Objects[a], Release: "3.0.0"}, []want{{mapping.UnknownRelease, "warning", "3.0.0", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.row.File, tt.row.Line, tt.row.Column = "map.csv", 7, 3
			rep := mapping.Check([]mapping.Row{tt.row}, releases)
			if rep.Against != "2026.07" || len(rep.Releases) != 6 || rep.Releases[0] != "4.5.0" {
				t.Errorf("against %s, releases %v", rep.Against, rep.Releases)
			}
			var got []want
			for _, f := range rep.Findings {
				got = append(got, want{f.Code, f.Level, f.Release, f.Suggestion})
				if f.File != "map.csv" || f.Line != 7 || f.Message == "" {
					t.Errorf("finding without its place or message: %+v", f)
				}
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%+v", diff, rep.Findings)
			}
			if rep.Failed() != (len(tt.want) > 0 && tt.want[0].level == "error") {
				t.Errorf("Failed() = %v", rep.Failed())
			}
		})
	}
	// The name a renamed id has now is given.
	rep := mapping.Check([]mapping.Row{{ID: a, Name: "Prompt Stuff"}}, releases)
	if rep.Findings[0].CurrentName != july.Objects[a] || !strings.Contains(rep.Findings[0].Message, july.Objects[a]) {
		t.Errorf("name-differs does not give the current name: %+v", rep.Findings[0])
	}
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// The SARIF log is valid SARIF 2.1.0 and places each finding; the JSON
// report uses [] for empty lists.
func TestOutputs(t *testing.T) {
	v6 := namesOf(t, "atlas/v6/ATLAS-2026.05.yaml")
	data, _ := os.ReadFile("testdata/controls.csv")
	rows, err := mapping.Read("testdata/controls.csv", data, "")
	if err != nil {
		t.Fatal(err)
	}
	rep := mapping.Check(rows, []mapping.Names{v6, namesOf(t, "atlas/ATLAS-4.5.0.yaml")})
	if rep.Errors != 1 || rep.Warnings != 1 {
		t.Errorf("errors %d warnings %d: %+v", rep.Errors, rep.Warnings, rep.Findings)
	}
	var buf bytes.Buffer
	if err := mapping.WriteSARIF(&buf, rep, mapping.SARIFOptions{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, buf.Bytes())
	var log codescan.Log
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != 2 {
		t.Fatalf("SARIF: %s", buf.String())
	}
	res := log.Runs[0].Results[1]
	if res.RuleID != string(mapping.UnknownID) || res.Locations[0].PhysicalLocation.Region.StartLine != 5 ||
		res.Locations[0].PhysicalLocation.ArtifactLocation.URI != "testdata/controls.csv" || res.PartialFingerprints[codescan.FingerprintKey] == "" {
		t.Errorf("SARIF result: %s", buf.String())
	}
	for _, rule := range log.Runs[0].Tool.Driver.Rules {
		if rule.FullDescription.Text == "" || rule.Help.Text == "" {
			t.Errorf("rule %s has no full description or help", rule.ID)
		}
	}
	buf.Reset()
	clean := mapping.Check(rows[:1], []mapping.Names{v6})
	if err := mapping.WriteJSON(&buf, clean); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil || m["findings"] == nil || m["against"] != "2026.05" {
		t.Errorf("JSON: %s", buf.String())
	}
	buf.Reset()
	mapping.WriteText(&buf, rep)
	if !strings.Contains(buf.String(), "testdata/controls.csv:5:6: error: unknown-id: AML.T9999 is in no loaded release") {
		t.Errorf("text:\n%s", buf.String())
	}
}

// validateSARIF checks a log against OASIS's SARIF 2.1.0 schema (the copy
// under threatmodel/testdata/schema).
func validateSARIF(t *testing.T, log []byte) {
	t.Helper()
	const file = "../threatmodel/testdata/schema/sarif-schema-2.1.0.json"
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(file, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(file)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("SARIF does not match the OASIS schema: %v", err)
	}
}
