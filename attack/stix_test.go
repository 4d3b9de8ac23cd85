package attack

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
)

// enterprisePath is the real ATT&CK Enterprise 18.1 bundle in ../shared/data.
func enterprisePath(t *testing.T) string {
	t.Helper()
	p, err := rawatlas.Shared("attack/enterprise-attack-18.1.json")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// independent reads the bundle whole with encoding/json into generic maps: a second
// reading that shares no code with the streaming parser.
type independent struct {
	objects []map[string]any
	byID    map[string]map[string]any
}

func readIndependent(t *testing.T, path string) *independent {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	in := &independent{objects: doc.Objects, byID: map[string]map[string]any{}}
	for _, o := range doc.Objects {
		in.byID[o["id"].(string)] = o
	}
	return in
}

func isOut(o map[string]any) bool { return o["revoked"] == true || o["x_mitre_deprecated"] == true }

func extID(o map[string]any) string {
	refs, _ := o["external_references"].([]any)
	for _, r := range refs {
		m := r.(map[string]any)
		if m["source_name"] == "mitre-attack" {
			s, _ := m["external_id"].(string)
			return s
		}
	}
	return ""
}

func TestParseEnterprise(t *testing.T) {
	path := enterprisePath(t)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := Parse(f, path)
	if err != nil {
		t.Fatal(err)
	}
	in := readIndependent(t, path)
	if b.Version != "18.1" {
		t.Errorf("version %q, want 18.1 (from the bundle id)", b.Version)
	}
	if len(b.SHA256) != 64 {
		t.Errorf("sha256 %q", b.SHA256)
	}
	wantGroups := map[string][]string{}
	wantTechs := map[string]bool{}
	revoked, deprecated := 0, 0
	for _, o := range in.objects {
		switch {
		case o["type"] == "relationship":
		case o["revoked"] == true:
			revoked++
		case o["x_mitre_deprecated"] == true:
			deprecated++
		}
		if isOut(o) {
			continue
		}
		switch o["type"] {
		case "intrusion-set":
			var al []string
			for _, a := range o["aliases"].([]any) {
				if a != o["name"] {
					al = append(al, a.(string))
				}
			}
			sort.Strings(al)
			wantGroups[extID(o)] = append([]string{o["name"].(string)}, al...)
		case "attack-pattern":
			wantTechs[extID(o)] = true
		}
	}
	gotGroups := map[string][]string{}
	for _, g := range b.Groups {
		gotGroups[g.ID] = append([]string{g.Name}, g.Aliases...)
	}
	if diff := cmp.Diff(wantGroups, gotGroups); diff != "" {
		t.Errorf("groups (-independent +parser):\n%s", diff)
	}
	gotTechs := map[string]bool{}
	for _, x := range b.Techniques {
		gotTechs[x.ID] = true
		if strings.Contains(x.ID, ".") != (x.Parent != "") || (x.Parent != "" && !strings.HasPrefix(x.ID, x.Parent+".")) {
			t.Errorf("technique %s has parent %q", x.ID, x.Parent)
		}
	}
	if diff := cmp.Diff(wantTechs, gotTechs); diff != "" {
		t.Errorf("techniques (-independent +parser):\n%s", diff)
	}
	if b.Stats.RevokedObjects != revoked || b.Stats.DeprecatedObjects != deprecated || revoked == 0 || deprecated == 0 {
		t.Errorf("left out: revoked %d deprecated %d, independent count %d and %d", b.Stats.RevokedObjects, b.Stats.DeprecatedObjects, revoked, deprecated)
	}
	type use struct{ g, t, rel string }
	var wantUses, gotUses []use
	for _, o := range in.objects {
		if o["type"] != "relationship" || o["relationship_type"] != "uses" || isOut(o) {
			continue
		}
		s, d := in.byID[o["source_ref"].(string)], in.byID[o["target_ref"].(string)]
		if s["type"] == "intrusion-set" && d["type"] == "attack-pattern" && !isOut(s) && !isOut(d) {
			wantUses = append(wantUses, use{extID(s), extID(d), o["id"].(string)})
		}
	}
	for _, u := range b.Uses {
		gotUses = append(gotUses, use{u.Group, u.Technique, u.Relationship})
	}
	sort.Slice(wantUses, func(i, j int) bool {
		a, c := wantUses[i], wantUses[j]
		return a.g < c.g || a.g == c.g && (a.t < c.t || a.t == c.t && a.rel < c.rel)
	})
	if diff := cmp.Diff(wantUses, gotUses, cmp.AllowUnexported(use{})); diff != "" {
		t.Errorf("uses (-independent +parser):\n%s", diff)
	}
	if b.Stats.RelationshipsLeftOut == 0 {
		t.Errorf("no relationship left out; the 18.1 bundle has relationships to revoked objects")
	}
}

// replaceOnce returns raw with the first old replaced by new, failing when old is absent.
func replaceOnce(t *testing.T, raw []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(raw, []byte(old)) {
		t.Fatalf("the bundle has no %s", old)
	}
	return bytes.Replace(raw, []byte(old), []byte(new), 1)
}

func TestParseRefusesBadInput(t *testing.T) {
	path := enterprisePath(t)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
		want string // a regexp the message must match
	}{
		{"truncated", raw[:len(raw)/2], `enterprise-attack-18\.1\.json:1:\d+: the file ends before the bundle does: it is truncated`},
		{"empty", nil, `truncated`},
		{"not json", []byte("type: bundle\n"), `:1:\d+: not valid JSON`},
		{"array", []byte(`[{"type":"bundle"}]`), `expected a JSON object`},
		{"not a bundle", []byte(`{"type":"x-mitre-collection","objects":[]}`), `type "x-mitre-collection", not "bundle"`},
		{"stix 2.0", replaceOnce(t, raw, `{"type": "bundle", `, `{"type": "bundle", "spec_version": "2.0", `), `spec_version "2\.0": atlasgraph reads STIX 2\.1`},
		{"object 2.0", replaceOnce(t, raw, `{"type": "attack-pattern", `, `{"type": "attack-pattern", "spec_version": "2.0", `), `:1:\d+: object attack-pattern--\S+ has spec_version "2\.0"`},
		{"mobile", replaceOnce(t, raw, `"external_id": "enterprise-attack"`, `"external_id": "mobile-attack"`), `not ATT&CK Enterprise: the bundle has the matrix mobile-attack`},
		{"dangling", replaceOnce(t, raw, `"target_ref": "attack-pattern--707399d6-ab3e-4963-9315-d9d3818cd6a0"`, `"target_ref": "attack-pattern--00000000-0000-4000-8000-000000000000"`),
			`dangling relationships .*points at attack-pattern--00000000-0000-4000-8000-000000000000, which is not in the bundle`},
		{"trailing", append(append([]byte{}, raw...), []byte(` {}`)...), `more data after the bundle`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(bytes.NewReader(c.data), path)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			if !regexp.MustCompile(c.want).MatchString(err.Error()) {
				t.Errorf("error %q does not match %q", err, c.want)
			}
		})
	}
}

func TestLineTrackerPositions(t *testing.T) {
	data := []byte("{\n  \"type\": \"bundle\",\n  \"objects\": [\n    {\"type\": 1}\n")
	_, err := Parse(bytes.NewReader(data), "x.json")
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("want a ParseError, got %v", err)
	}
	if pe.Line != 4 {
		t.Errorf("line %d col %d (%v), want line 4", pe.Line, pe.Col, err)
	}
}
