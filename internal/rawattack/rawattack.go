// Package rawattack computes, for tests, the expected answers about ATT&CK groups from the
// two source files the simplest possible way: the whole STIX bundle decoded into untyped
// maps, the ATLAS release into untyped YAML. It shares no code with the attack, store or
// actors packages, and it trusts its input; it is not for production use.
package rawattack

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Group is an ATT&CK group as the bundle gives it.
type Group struct {
	ID, Name string
	Aliases  []string // as in the bundle, the name included when the bundle lists it
}

// Expected is what the two files say.
type Expected struct {
	Groups map[string]Group // by G-id, revoked and deprecated left out
	// Atlas maps a group id to the set of ATLAS techniques it uses through ATT&CK.
	Atlas map[string]map[string]bool
	// ByName maps a normalised name or alias to the group ids going by it.
	ByName map[string][]string
	// References maps an ATLAS technique id to the ATT&CK technique it references.
	References map[string]string
}

// Norm compares names: lower case, letters and digits only.
func Norm(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

func out(o map[string]any) bool { return o["revoked"] == true || o["x_mitre_deprecated"] == true }

func attackID(o map[string]any) string {
	refs, _ := o["external_references"].([]any)
	for _, r := range refs {
		m, _ := r.(map[string]any)
		if m["source_name"] == "mitre-attack" {
			s, _ := m["external_id"].(string)
			return s
		}
	}
	return ""
}

// AtlasReferences reads the ATT&CK technique references of an ATLAS release file (v6
// attack-reference or legacy ATT&CK-reference), technique references only (T....).
func AtlasReferences(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	refs := map[string]string{}
	add := func(t map[string]any, key string) {
		ref, _ := t[key].(map[string]any)
		id, _ := ref["id"].(string)
		tid, _ := t["id"].(string)
		if strings.HasPrefix(id, "T") && !strings.HasPrefix(id, "TA") {
			refs[tid] = id
		}
	}
	if ts, ok := doc["techniques"].(map[string]any); ok {
		for id, v := range ts {
			t, _ := v.(map[string]any)
			if t["id"] == nil {
				t["id"] = id
			}
			add(t, "attack-reference")
		}
	}
	ms, _ := doc["matrices"].([]any)
	for _, m := range ms {
		mm, _ := m.(map[string]any)
		ts, _ := mm["techniques"].([]any)
		for _, v := range ts {
			t, _ := v.(map[string]any)
			add(t, "ATT&CK-reference")
		}
	}
	return refs, nil
}

// Read computes the expectations from a bundle and an ATLAS release file.
func Read(bundlePath, atlasPath string) (*Expected, error) {
	b, err := os.ReadFile(bundlePath)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	refs, err := AtlasReferences(atlasPath)
	if err != nil {
		return nil, err
	}
	byID := map[string]map[string]any{}
	for _, o := range doc.Objects {
		byID[o["id"].(string)] = o
	}
	e := &Expected{Groups: map[string]Group{}, Atlas: map[string]map[string]bool{}, ByName: map[string][]string{}, References: refs}
	for _, o := range doc.Objects {
		if o["type"] != "intrusion-set" || out(o) {
			continue
		}
		g := Group{ID: attackID(o), Name: o["name"].(string)}
		al, _ := o["aliases"].([]any)
		for _, a := range al {
			g.Aliases = append(g.Aliases, a.(string))
		}
		e.Groups[g.ID] = g
		e.Atlas[g.ID] = map[string]bool{}
		seen := map[string]bool{}
		for _, n := range append([]string{g.Name}, g.Aliases...) {
			k := Norm(n)
			if !seen[k] {
				seen[k] = true
				e.ByName[k] = append(e.ByName[k], g.ID)
			}
		}
	}
	for k := range e.ByName {
		sort.Strings(e.ByName[k])
	}
	// The rule: group uses U; ATLAS technique X references R; U = R or U is R.nnn.
	for _, o := range doc.Objects {
		if o["type"] != "relationship" || o["relationship_type"] != "uses" || out(o) {
			continue
		}
		src, dst := byID[o["source_ref"].(string)], byID[o["target_ref"].(string)]
		if src["type"] != "intrusion-set" || dst["type"] != "attack-pattern" || out(src) || out(dst) {
			continue
		}
		u := attackID(dst)
		for x, r := range refs {
			if u == r || strings.HasPrefix(u, r+".") {
				e.Atlas[attackID(src)][x] = true
			}
		}
	}
	return e, nil
}
