package loader

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// v6Sections are the top-level keys of the v6 layout.
var v6Sections = map[string]bool{
	"format-version": true, "collection": true, "matrix": true, "tactics": true,
	"techniques": true, "mitigations": true, "case-studies": true, "relationships": true,
}

// parseV6 reads the v6 layout: objects in maps keyed by id, and every link
// between them under relationships.
//
// Within format major 6 a newer minor version may add to the layout. What
// this atlasgraph does not know (a top-level section, a field, a
// relationship kind, an enumeration value) is a warning naming it and its
// place, and is kept as JSON on the release or the object, so a later
// atlasgraph can use it. Malformed input (wrong types, dangling references,
// duplicate ids) is still refused.
func parseV6(r *reader, top *fields, formatVersion string) *atlas.Release {
	rel := &atlas.Release{}
	r.unknownFields = true
	extraSections := map[string]any{}
	for _, k := range top.keys {
		if !v6Sections[k] {
			top.get(k)
			r.warn(top.vals[k], "", k, "unknown section %q (format-version %s); kept as JSON on the release (extraSections), not loaded into the graph", k, formatVersion)
			if v, ok := r.raw(top.vals[k], "", k); ok {
				extraSections[k] = v
			}
		}
	}
	rel.ExtraSections = r.toJSON(top.n, extraSections)
	matrixID := "ATLAS-matrix"
	relExtra := map[string]any{}
	if c := r.open(top.get("collection"), "collection", ""); c != nil {
		rel.Version = checkVersion(r, c, "version")
		rel.Name = c.str("name", false)
		rel.Description = c.str("description", false)
		rel.Modified = c.date("modified-date")
		c.date("created-date")
		c.str("id", false)
		c.str("uuid", false)
		c.str("object-type", false)
		c.get("references")
		if ex := c.extraValue(); ex != nil {
			relExtra["collection"] = ex
		}
	}
	if m := top.get("matrix"); m != nil {
		if mf := r.open(m, "matrix", ""); mf != nil {
			if id := mf.str("id", false); id != "" {
				matrixID = id
			}
			for _, k := range []string{"name", "description", "uuid", "object-type"} {
				mf.str(k, false)
			}
			mf.date("created-date")
			mf.date("modified-date")
			mf.get("references")
			if ex := mf.extraValue(); ex != nil {
				relExtra["matrix"] = ex
			}
		}
	}
	rel.Extra = r.toJSON(top.n, relExtra)
	var extraRels []any

	tactics := map[string]*atlas.Tactic{}
	techniques := map[string]*atlas.Technique{}
	mitigations := map[string]*atlas.Mitigation{}
	cases := map[string]*atlas.CaseStudy{}
	at := map[string]*yaml.Node{} // where each object is, for later problems

	eachObject(r, top, "tactics", func(id string, f *fields) {
		at[id] = f.n
		t := &atlas.Tactic{Object: r.object(f, id, "tactic", tacticID, v6Fields)}
		t.Extra = f.extra()
		tactics[id] = t
	})
	eachObject(r, top, "techniques", func(id string, f *fields) {
		at[id] = f.n
		t := &atlas.Technique{Object: r.object(f, id, "technique", techniquePattern(id), v6Fields)}
		t.Platforms = r.enumList(f, id, "platforms", platforms)
		if m := f.str("maturity", false); m != "" {
			w, ok := normalizeWord(m, maturities...)
			if !ok {
				r.warn(f.vals["maturity"], id, "maturity", "unknown maturity %q (known: Feasible, Demonstrated, Realized); kept as written", m)
			}
			t.Maturity = w
		}
		t.Extra = f.extra()
		techniques[id] = t
	})
	eachObject(r, top, "mitigations", func(id string, f *fields) {
		m := &atlas.Mitigation{Object: r.object(f, id, "mitigation", mitigationID, v6Fields)}
		m.LifecyclePhases = r.enumList(f, id, "lifecycle-phases", lifecyclePhases)
		m.Categories = r.enumList(f, id, "categories", categories)
		m.Extra = f.extra()
		mitigations[id] = m
	})
	eachObject(r, top, "case-studies", func(id string, f *fields) {
		c := &atlas.CaseStudy{Object: r.object(f, id, "case-study", caseStudyID, v6Fields)}
		c.Type, _ = normalizeCaseType(r, f, id, "type")
		c.ActorText = f.str("actor", false)
		c.Target = f.str("target", false)
		c.Reporter = f.str("reporter", false)
		c.Date = f.date("date")
		c.DateGranularity = normalizeGranularity(r, f, id, "date-granularity")
		c.Extra = f.extra()
		cases[id] = c
	})

	stepAt := map[string]map[string]*yaml.Node{}
	relsNode := top.get("relationships")
	if relsNode != nil {
		rels := r.open(relsNode, "", "relationships")
		if rels != nil {
			for _, src := range rels.keys {
				kinds := r.open(rels.get(src), src, "")
				if kinds == nil {
					continue
				}
				for _, kind := range kinds.keys {
					known := v6Relationships[kind]
					if !known {
						r.warn(kinds.vals[kind], src, kind, "unknown relationship kind %q; its %d entries are kept as JSON on the release (extraRelationships), not loaded into the graph", kind, len(kinds.vals[kind].Content))
					}
					for i, en := range kinds.seq(kind) {
						field := fmt.Sprintf("%s[%d]", kind, i)
						e := r.open(en, src, field)
						if e == nil {
							continue
						}
						if !known {
							// Checked like any entry, then kept whole.
							if s := e.str("source", true); s != "" && s != src {
								r.problem(e.vals["source"], src, field+".source", "source %q differs from the key %q it is filed under", s, src)
							}
							e.str("target", true)
							if v, ok := r.raw(en, src, field); ok {
								extraRels = append(extraRels, v)
							}
							continue
						}
						if ex := unknownKeys(e, relationshipFields[kind]); len(ex) > 0 {
							r.warn(en, src, field, "unknown fields %s in a %s relationship; the entry is kept whole as JSON on the release (extraRelationships)", strings.Join(ex, ", "), kind)
							if v, ok := r.raw(en, src, field); ok {
								extraRels = append(extraRels, v)
							}
						}
						if s := e.str("source", true); s != "" && s != src {
							r.problem(e.vals["source"], src, field+".source", "source %q differs from the key %q it is filed under", s, src)
						}
						if t := e.str("relationship-type", true); t != "" && t != kind {
							r.problem(e.vals["relationship-type"], src, field+".relationship-type", "relationship-type %q differs from the list %q it is in", t, kind)
						}
						target := e.str("target", true)
						at := e.vals["target"]
						if at == nil {
							at = en
						}
						switch kind {
						case "sequences":
							if src != matrixID {
								r.problem(en, src, field, "sequences must come from the matrix %q", matrixID)
								continue
							}
							t, ok := tactics[target]
							if !ok {
								r.problem(at, src, field, "unknown tactic %q", target)
								continue
							}
							if !e.has("position") {
								r.problem(en, src, field+".position", "missing; a tactic's place in the matrix needs a position")
								t.Position = -1 // reported; do not report it as unplaced too
								continue
							}
							pos, ok := e.integer("position")
							if ok && pos < 1 {
								r.problem(e.vals["position"], src, field+".position", "want a position of 1 or more, got %d", pos)
							}
							if !ok || pos < 1 {
								t.Position = -1
								continue
							}
							if t.Position > 0 {
								r.problem(en, src, field, "tactic %q is placed in the matrix twice", target)
							}
							t.Position = pos
						case "achieves":
							t, ok := techniques[src]
							if !ok {
								r.problem(en, src, field, "achieves must come from a technique; %q is not one", src)
								continue
							}
							if _, ok := tactics[target]; !ok {
								r.problem(at, src, field, "unknown tactic %q", target)
								continue
							}
							t.Tactics = append(t.Tactics, target)
						case "specializes":
							t, ok := techniques[src]
							if !ok {
								r.problem(en, src, field, "specializes must come from a technique; %q is not one", src)
								continue
							}
							if _, ok := techniques[target]; !ok {
								r.problem(at, src, field, "unknown parent technique %q", target)
								continue
							}
							if m := subID.FindStringSubmatch(src); m == nil || m[1] != target {
								r.problem(at, src, field, "%q cannot specialize %q: a sub-technique's id is its parent's id plus .NNN", src, target)
								continue
							}
							if t.Parent != "" {
								r.problem(en, src, field, "a sub-technique has one parent; %q already specializes %q", src, t.Parent)
								continue
							}
							t.Parent = target
						case "mitigates":
							m, ok := mitigations[src]
							if !ok {
								r.problem(en, src, field, "mitigates must come from a mitigation; %q is not one", src)
								continue
							}
							if _, ok := techniques[target]; !ok {
								r.problem(at, src, field, "unknown technique %q", target)
								continue
							}
							m.Mitigates = append(m.Mitigates, atlas.Mitigates{Technique: target, Description: e.str("description", false)})
						case "employs":
							c, ok := cases[src]
							if !ok {
								r.problem(en, src, field, "employs must come from a case study; %q is not one", src)
								continue
							}
							if _, ok := techniques[target]; !ok {
								r.problem(at, src, field, "unknown technique %q", target)
							}
							s := atlas.Step{
								ID:          e.str("step-id", true),
								Technique:   target,
								Tactic:      e.str("tactic", true),
								Description: e.str("description", false),
								LeadsTo:     sortedStrings(e.strList("leads-to")),
							}
							if s.Tactic != "" {
								if _, ok := tactics[s.Tactic]; !ok {
									r.problem(e.vals["tactic"], src, field+".tactic", "unknown tactic %q", s.Tactic)
								}
							}
							if s.ID != "" && !stepID.MatchString(s.ID) {
								r.problem(e.vals["step-id"], src, field+".step-id", "%q is not a step id (want S00, S01, ...)", s.ID)
							}
							if stepAt[src] == nil {
								stepAt[src] = map[string]*yaml.Node{}
							}
							if _, dup := stepAt[src][s.ID]; dup && s.ID != "" {
								r.problem(e.vals["step-id"], src, field+".step-id", "duplicate step id %q in this case study", s.ID)
								continue
							}
							stepAt[src][s.ID] = en
							c.Steps = append(c.Steps, s)
						}
					}
				}
			}
		}
	}
	rel.ExtraRelationships = r.toJSON(top.n, extraRels)

	for id, t := range tactics {
		if t.Position == 0 {
			r.problem(at[id], id, "", "tactic is not placed in the matrix (no sequences relationship names it)")
		}
	}
	for id, t := range techniques {
		if subID.MatchString(id) && t.Parent == "" {
			r.problem(at[id], id, "", "sub-technique has no specializes relationship to its parent")
		}
		sort.Strings(t.Tactics)
	}
	for id, m := range mitigations {
		m.Mitigates = r.dedupeMitigates(id, nil, m.Mitigates)
	}
	for id, c := range cases {
		sortSteps(c.Steps)
		r.checkStepGraph(id, c.Steps, stepAt[id])
	}

	rel.Tactics = sortedValues(tactics)
	sort.SliceStable(rel.Tactics, func(i, j int) bool { return rel.Tactics[i].Position < rel.Tactics[j].Position })
	rel.Techniques = sortedValues(techniques)
	rel.Mitigations = sortedValues(mitigations)
	rel.CaseStudies = sortedValues(cases)
	return rel
}

// relationshipFields are the fields each relationship kind has in 2026.05.
var relationshipFields = map[string][]string{
	"sequences":   {"position"},
	"achieves":    nil,
	"specializes": nil,
	"mitigates":   {"description"},
	"employs":     {"description", "tactic", "step-id", "leads-to"},
}

// unknownKeys lists the keys of a relationship entry that are neither
// common to every entry nor among known.
func unknownKeys(e *fields, known []string) []string {
	var out []string
	for _, k := range e.keys {
		switch k {
		case "source", "target", "relationship-type":
			continue
		}
		if !slices.Contains(known, k) {
			out = append(out, k)
		}
	}
	return out
}

// v6Relationships are the relationship kinds this atlasgraph models.
var v6Relationships = map[string]bool{"sequences": true, "achieves": true, "specializes": true, "mitigates": true, "employs": true}

// The enumeration values ATLAS 2026.05 uses. A value outside them is a
// warning (a newer release may add one), kept as written.
var (
	platforms       = []string{"Predictive AI", "Generative AI", "Agentic AI", "Enterprise"}
	categories      = []string{"Policy", "Technical - AI", "Technical - Cyber", "Technical - ML"}
	lifecyclePhases = []string{"Business and Data Understanding", "Data Preparation", "AI Model Engineering",
		"AI Model Evaluation", "Deployment", "Monitoring and Maintenance"}
)

// checkVersion reads a release's content version, which names the release
// everywhere ("2026.05", "5.6.0"): it must be a word of letters, digits,
// dots, '-', '_' or '+', since an empty or blank one would name no release
// and one with spaces would be ambiguous.
func checkVersion(r *reader, f *fields, key string) string {
	v := f.str(key, true)
	if v == "" {
		if n := f.vals[key]; n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
			r.problem(n, f.obj, f.path(key), "empty version; a release needs one (such as '2026.05') to be told apart from the others")
		}
		return ""
	}
	if !versionRE.MatchString(v) {
		r.problem(f.vals[key], f.obj, f.path(key), "version %q is not a release version: use letters, digits and . - _ + only, with no spaces (such as '2026.05')", v)
		return ""
	}
	return v
}

var versionRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$`)

// enumList reads a list of strings that should come from known, warning
// about (and keeping) each value it does not know.
func (r *reader) enumList(f *fields, id, key string, known []string) []string {
	vals := f.strList(key)
	for i, v := range vals {
		if _, ok := normalizeWord(v, known...); !ok {
			at := f.vals[key]
			if at != nil && i < len(at.Content) {
				at = at.Content[i]
			}
			r.warn(at, id, fmt.Sprintf("%s[%d]", key, i), "unknown %s value %q (known: %s); kept as written", key, v, strings.Join(known, ", "))
		}
	}
	return vals
}

// techniquePattern picks the id pattern for a technique or sub-technique.
func techniquePattern(id string) *regexp.Regexp {
	if subID.MatchString(id) {
		return subID
	}
	return techniqueID
}

// eachObject calls fn for each object of a v6 section, a map keyed by id.
func eachObject(r *reader, top *fields, section string, fn func(id string, f *fields)) {
	n := top.get(section)
	if n == nil {
		r.problem(top.n, "", section, "missing section %q", section)
		return
	}
	s := r.open(n, "", section)
	if s == nil {
		return
	}
	for _, id := range s.keys {
		f := r.open(s.get(id), id, "")
		if f == nil {
			continue
		}
		fn(id, f)
	}
}

func normalizeCaseType(r *reader, f *fields, id, key string) (string, bool) {
	v := f.str(key, false)
	if v == "" {
		return "", false
	}
	w, ok := normalizeWord(v, "Incident", "Exercise")
	switch {
	case ok:
	case r.unknownFields:
		// A newer 6.x release may add a type; keep it as written.
		r.warn(f.vals[key], id, key, "unknown case-study type %q (known: Incident, Exercise); kept as written", v)
	default:
		r.problem(f.vals[key], id, key, "unknown case-study type %q; want Incident or Exercise", v)
	}
	return w, ok
}

func normalizeGranularity(r *reader, f *fields, id, key string) string {
	v := f.str(key, false)
	if v == "" {
		return ""
	}
	if w, ok := normalizeWord(v, "Day", "Month", "Year"); ok {
		return w
	}
	if v == "DATE" {
		return "Day"
	}
	w, ok := normalizeWord(v, "MONTH", "YEAR")
	if !ok {
		r.problem(f.vals[key], id, key, "unknown date granularity %q; want Day, Month or Year", v)
		return v
	}
	return map[string]string{"MONTH": "Month", "YEAR": "Year"}[w]
}

// hasID is any ATLAS value with an id; sortedValues returns them by id.
type hasID interface {
	atlas.Tactic | atlas.Technique | atlas.Mitigation | atlas.CaseStudy
}

func sortedValues[T hasID](m map[string]*T) []T {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		out = append(out, *m[id])
	}
	return out
}
