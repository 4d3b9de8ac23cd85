// Package futurerelease makes, for tests, a release that a later ATLAS
// could publish, from a real v6 release file: new techniques and
// mitigations with higher ids, a renamed tactic, a retired technique, a
// technique moved to another tactic, a maturity change, a changed
// mitigation link, a new case study, and the additions a newer 6.x format
// may bring (a new platform value, category and maturity, a new top-level
// section, a new relationship kind, a new field, format-version 6.1.0).
//
// It picks the objects it changes from the file (never fixed ids or
// counts), and says in Future what it did, so tests compute their expected
// answers from it. It edits the YAML tree with go.yaml.in/yaml/v3, sharing
// no code with the loader.
package futurerelease

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Future is what Make changed, by id.
type Future struct {
	// Data is the new release file.
	Data []byte
	// Version is the new collection.version; Format the new format-version.
	Version, Format string

	NewTechnique, NewMitigation, NewCaseStudy string
	// NewPlatform, NewCategory and NewMaturity are enumeration values the
	// base release does not use, on the new technique and mitigation.
	NewPlatform, NewCategory, NewMaturity string
	// NewSection is the new top-level section, NewRelationship the new
	// relationship kind (from NewTechnique to RelTarget), NewField the new
	// field on NewTechnique.
	NewSection, NewRelationship, RelTarget, NewField string

	// RenamedTactic got the name RenamedTo.
	RenamedTactic, RenamedTo string
	// Retired is a sub-technique no case study employs, removed with its
	// links.
	Retired string
	// Moved achieved MovedFrom and now achieves MovedTo.
	Moved, MovedFrom, MovedTo string
	// Matured went from MaturityFrom to Realized.
	Matured, MaturityFrom string
	// UnlinkedMitigation no longer mitigates UnlinkedTechnique.
	UnlinkedMitigation, UnlinkedTechnique string
}

// Make builds a future release from the bytes of a v6 release; version is
// the new collection.version and format the new format-version.
func Make(base []byte, version, format string) (*Future, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(base, &doc); err != nil {
		return nil, err
	}
	top := doc.Content[0]
	f := &Future{Version: version, Format: format,
		NewPlatform: "Robotic AI", NewCategory: "Technical - Robotics", NewMaturity: "Emerging",
		NewSection: "playbooks", NewRelationship: "inspired-by", NewField: "detection-hints",
		RenamedTo: "AI Attack Adaptation"}

	set(top, "format-version", scalar(format))
	set(get(top, "collection"), "version", scalar(version))

	tactics, techniques := get(top, "tactics"), get(top, "techniques")
	mitigations, cases := get(top, "mitigations"), get(top, "case-studies")
	rels := get(top, "relationships")
	if tactics == nil || techniques == nil || mitigations == nil || cases == nil || rels == nil {
		return nil, fmt.Errorf("not a v6 release")
	}

	// A renamed tactic: the first by id.
	tacticIDs := keys(tactics)
	f.RenamedTactic = tacticIDs[0]
	set(get(tactics, f.RenamedTactic), "name", scalar(f.RenamedTo))

	employed := map[string]bool{}
	achieves := map[string][]string{}
	for i := 0; i+1 < len(rels.Content); i += 2 {
		src, kinds := rels.Content[i].Value, rels.Content[i+1]
		for _, e := range seq(get(kinds, "employs")) {
			employed[get(e, "target").Value] = true
		}
		for _, e := range seq(get(kinds, "achieves")) {
			achieves[src] = append(achieves[src], get(e, "target").Value)
		}
	}
	sub := regexp.MustCompile(`\.\d{3}$`)
	techIDs := keys(techniques)
	for _, id := range techIDs {
		switch {
		case f.Retired == "" && sub.MatchString(id) && !employed[id]:
			f.Retired = id
		case f.Moved == "" && !sub.MatchString(id) && len(achieves[id]) == 1 && f.Retired != id:
			f.Moved, f.MovedFrom = id, achieves[id][0]
		}
	}
	for _, id := range techIDs {
		if m := get(get(techniques, id), "maturity"); m != nil && m.Value == "Feasible" && id != f.Retired && id != f.Moved {
			f.Matured, f.MaturityFrom = id, m.Value
			m.Value = "Realized"
			break
		}
	}
	if f.Retired == "" || f.Moved == "" || f.Matured == "" {
		return nil, fmt.Errorf("the base release has no technique to retire, move or mature")
	}
	for _, t := range tacticIDs {
		if t != f.MovedFrom {
			f.MovedTo = t
			break
		}
	}

	// Retire: the technique and every link from or to it go.
	del(techniques, f.Retired)
	del(rels, f.Retired)
	for i := 0; i+1 < len(rels.Content); i += 2 {
		kinds := rels.Content[i+1]
		if ms := get(kinds, "mitigates"); ms != nil {
			keep := ms.Content[:0]
			for _, e := range ms.Content {
				if get(e, "target").Value != f.Retired {
					keep = append(keep, e)
				}
			}
			ms.Content = keep
		}
	}
	// Move: the one achieves link points at another tactic.
	get(seq(get(get(rels, f.Moved), "achieves"))[0], "target").Value = f.MovedTo

	// Unlink: the first mitigation with two links or more loses its first.
	for _, mid := range keys(mitigations) {
		ms := get(get(rels, mid), "mitigates")
		if ms != nil && len(ms.Content) >= 2 {
			f.UnlinkedMitigation, f.UnlinkedTechnique = mid, get(ms.Content[0], "target").Value
			ms.Content = ms.Content[1:]
			break
		}
	}

	f.NewTechnique = nextID(techIDs, "AML.T", 4)
	f.NewMitigation = nextID(keys(mitigations), "AML.M", 4)
	f.NewCaseStudy = nextID(keys(cases), "AML.CS", 4)
	f.RelTarget = f.Moved

	add(techniques, f.NewTechnique, map[string]any{
		"name": "Manipulate Robot Actuators", "description": "A technique a later release adds.",
		"references": []any{}, "created-date": "2026-06-01", "modified-date": "2026-06-01",
		"platforms": []any{"Agentic AI", f.NewPlatform}, "maturity": f.NewMaturity,
		f.NewField: []any{"watch actuator commands"},
		"id":       f.NewTechnique, "object-type": "technique",
	})
	add(mitigations, f.NewMitigation, map[string]any{
		"name": "Actuator Interlocks", "description": "A mitigation a later release adds.",
		"references": []any{}, "created-date": "2026-06-01", "modified-date": "2026-06-01",
		"lifecycle-phases": []any{"Deployment"}, "categories": []any{f.NewCategory},
		"id": f.NewMitigation, "object-type": "mitigation",
	})
	add(cases, f.NewCaseStudy, map[string]any{
		"name": "Robot Arm Hijack", "description": "A case study a later release adds.",
		"references": []any{}, "created-date": "2026-06-01", "modified-date": "2026-06-01",
		"type": "Exercise", "actor": "Robotics Red Team", "target": "A factory robot",
		"date": "2026-05-01", "date-granularity": "Month",
		"id": f.NewCaseStudy, "object-type": "case-study",
	})
	add(rels, f.NewTechnique, map[string]any{
		"achieves": []any{map[string]any{"source": f.NewTechnique, "target": f.MovedTo, "relationship-type": "achieves"}},
		f.NewRelationship: []any{map[string]any{"source": f.NewTechnique, "target": f.RelTarget,
			"relationship-type": f.NewRelationship, "description": "builds on it"}},
	})
	add(rels, f.NewMitigation, map[string]any{
		"mitigates": []any{map[string]any{"source": f.NewMitigation, "target": f.NewTechnique,
			"relationship-type": "mitigates", "description": "Interlocks stop unexpected commands."}},
	})
	add(rels, f.NewCaseStudy, map[string]any{
		"employs": []any{map[string]any{"source": f.NewCaseStudy, "target": f.NewTechnique, "relationship-type": "employs",
			"description": "Sent commands.", "tactic": f.MovedTo, "step-id": "S00", "leads-to": []any{}}},
	})
	add(top, f.NewSection, map[string]any{
		"AML.PB0000": map[string]any{"name": "Respond to prompt injection", "steps": []any{"contain", "eradicate"}},
	})

	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	f.Data = out.Bytes()
	return f, nil
}

func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func set(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, scalar(key), v)
}

func del(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

func add(m *yaml.Node, key string, v any) {
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		panic(err) // only Go literals above are encoded
	}
	set(m, key, &n)
}

func seq(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

func scalar(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Style: yaml.SingleQuotedStyle}
}

func keys(m *yaml.Node) []string {
	var out []string
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, m.Content[i].Value)
	}
	sort.Strings(out)
	return out
}

// nextID returns prefix + the number one above the highest id with that
// prefix, zero-padded to width.
func nextID(ids []string, prefix string, width int) string {
	re := regexp.MustCompile("^" + regexp.QuoteMeta(prefix) + `(\d+)$`)
	max := 0
	for _, id := range ids {
		if m := re.FindStringSubmatch(id); m != nil {
			if n, _ := strconv.Atoi(m[1]); n > max {
				max = n
			}
		}
	}
	return fmt.Sprintf("%s%0*d", prefix, width, max+1)
}
