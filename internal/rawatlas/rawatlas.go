// Package rawatlas reads an ATLAS release file the simplest possible way,
// as untyped YAML maps, for tests: it gives the expected answers that the
// loader, the graph and the API are checked against, without sharing any of
// their code. It trusts its input and is not for production use.
package rawatlas

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Step is one case-study step as the file gives it.
type Step struct {
	Technique, Tactic string
	Next              []string // sorted
}

// Release is the content of a release file, by id.
type Release struct {
	Version     string
	Tactics     map[string]string // id -> name
	Order       []string          // tactic ids in matrix order
	Techniques  map[string]string // id -> name
	Achieves    map[[2]string]bool
	Parent      map[string]string          // sub-technique -> parent
	Mitigations map[string]string          // id -> name
	Mitigates   map[[2]string]string       // (mitigation, technique) -> description
	CaseStudies map[string]string          // id -> name
	Maturity    map[string]string          // technique -> maturity as written
	Steps       map[string]map[string]Step // case study -> step id -> step
	ActorText   map[string]string          // case study -> actor field
}

// Read parses a release file of either layout.
func Read(path string) (*Release, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	r := &Release{Tactics: map[string]string{}, Techniques: map[string]string{}, Achieves: map[[2]string]bool{},
		Parent: map[string]string{}, Mitigations: map[string]string{}, Mitigates: map[[2]string]string{},
		CaseStudies: map[string]string{}, Maturity: map[string]string{}, Steps: map[string]map[string]Step{}, ActorText: map[string]string{}}
	if _, ok := doc["format-version"]; ok {
		readV6(doc, r)
	} else {
		readLegacy(doc, r)
	}
	return r, nil
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func list(v any) []any { l, _ := v.([]any); return l }

func mapOf(v any) map[string]any { m, _ := v.(map[string]any); return m }

func readV6(doc map[string]any, r *Release) {
	r.Version = str(mapOf(doc["collection"])["version"])
	for id, o := range mapOf(doc["tactics"]) {
		r.Tactics[id] = str(mapOf(o)["name"])
	}
	for id, o := range mapOf(doc["techniques"]) {
		r.Techniques[id] = str(mapOf(o)["name"])
		r.Maturity[id] = str(mapOf(o)["maturity"])
	}
	for id, o := range mapOf(doc["mitigations"]) {
		r.Mitigations[id] = str(mapOf(o)["name"])
	}
	for id, o := range mapOf(doc["case-studies"]) {
		r.CaseStudies[id] = str(mapOf(o)["name"])
		r.ActorText[id] = str(mapOf(o)["actor"])
	}
	pos := map[string]int{}
	for src, kinds := range mapOf(doc["relationships"]) {
		for kind, edges := range mapOf(kinds) {
			for _, e := range list(edges) {
				m := mapOf(e)
				tgt := str(m["target"])
				switch kind {
				case "sequences":
					pos[tgt] = m["position"].(int)
				case "achieves":
					r.Achieves[[2]string{src, tgt}] = true
				case "specializes":
					r.Parent[src] = tgt
				case "mitigates":
					r.Mitigates[[2]string{src, tgt}] = str(m["description"])
				case "employs":
					if r.Steps[src] == nil {
						r.Steps[src] = map[string]Step{}
					}
					var next []string
					for _, n := range list(m["leads-to"]) {
						next = append(next, str(n))
					}
					sort.Strings(next)
					r.Steps[src][str(m["step-id"])] = Step{Technique: tgt, Tactic: str(m["tactic"]), Next: next}
				}
			}
		}
	}
	for id := range r.Tactics {
		r.Order = append(r.Order, id)
	}
	sort.Slice(r.Order, func(i, j int) bool { return pos[r.Order[i]] < pos[r.Order[j]] })
}

func readLegacy(doc map[string]any, r *Release) {
	r.Version = str(doc["version"])
	m := mapOf(list(doc["matrices"])[0])
	for _, o := range list(m["tactics"]) {
		t := mapOf(o)
		r.Tactics[str(t["id"])] = str(t["name"])
		r.Order = append(r.Order, str(t["id"]))
	}
	own := map[string][]string{}
	for _, o := range list(m["techniques"]) {
		t := mapOf(o)
		id := str(t["id"])
		r.Techniques[id] = str(t["name"])
		r.Maturity[id] = str(t["maturity"])
		if p := str(t["subtechnique-of"]); p != "" {
			r.Parent[id] = p
		}
		for _, ta := range list(t["tactics"]) {
			own[id] = append(own[id], str(ta))
		}
	}
	for id := range r.Techniques {
		tactics := own[id]
		if len(tactics) == 0 {
			tactics = own[r.Parent[id]]
		}
		for _, ta := range tactics {
			r.Achieves[[2]string{id, ta}] = true
		}
	}
	for _, o := range list(m["mitigations"]) {
		mi := mapOf(o)
		id := str(mi["id"])
		r.Mitigations[id] = str(mi["name"])
		uses := list(mi["techniques"])
		for _, l := range append(list(mi["ml-lifecycle"]), list(mi["ML-lifecycle"])...) {
			if _, ok := l.(map[string]any); ok {
				uses = append(uses, l)
			}
		}
		for _, u := range uses {
			um := mapOf(u)
			r.Mitigates[[2]string{id, str(um["id"])}] = str(um["use"])
		}
	}
	for _, o := range list(doc["case-studies"]) {
		c := mapOf(o)
		id := str(c["id"])
		r.CaseStudies[id] = str(c["name"])
		r.ActorText[id] = str(c["actor"])
		r.Steps[id] = map[string]Step{}
		proc := list(c["procedure"])
		for i, s := range proc {
			sm := mapOf(s)
			var next []string
			if i+1 < len(proc) {
				next = []string{fmt.Sprintf("S%02d", i+1)}
			}
			r.Steps[id][fmt.Sprintf("S%02d", i)] = Step{Technique: str(sm["technique"]), Tactic: str(sm["tactic"]), Next: next}
		}
	}
}

// StepCount is the number of steps over all case studies.
func (r *Release) StepCount() int {
	n := 0
	for _, s := range r.Steps {
		n += len(s)
	}
	return n
}

// Transitions returns, for each ordered pair of distinct techniques seen in
// consecutive steps, the sorted case studies that show it.
func (r *Release) Transitions() map[[2]string][]string {
	out := map[[2]string][]string{}
	for cs, steps := range r.Steps {
		seen := map[[2]string]bool{}
		for _, s := range steps {
			for _, n := range s.Next {
				k := [2]string{s.Technique, steps[n].Technique}
				if k[0] != k[1] && !seen[k] {
					seen[k] = true
					out[k] = append(out[k], cs)
				}
			}
		}
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

// Key joins a pair for readable test output.
func Key(k [2]string) string { return strings.Join(k[:], " -> ") }

// Shared returns the path of a file under ../shared/data beside the
// repository, found by walking up from the working directory to go.mod.
// The shared data is never copied into the project.
func Shared(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(dir + "/go.mod"); err == nil {
			p := dir + "/../shared/data/" + rel
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("shared data %s is missing: the tests read real ATLAS releases from ../shared/data beside the repository", p)
			}
			return p, nil
		}
		parent := dir[:strings.LastIndex(dir, "/")]
		if parent == dir || parent == "" {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Releases are the shared release files every test loads.
var Releases = []string{"atlas/v6/ATLAS-2026.05.yaml", "atlas/ATLAS-4.5.0.yaml", "atlas/ATLAS-5.5.0.yaml", "atlas/ATLAS-5.6.0.yaml"}
