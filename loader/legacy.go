package loader

import (
	"fmt"
	"sort"

	"go.yaml.in/yaml/v3"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/yamlpos"
)

var legacySections = map[string]bool{"id": true, "name": true, "version": true, "matrices": true, "case-studies": true}

// parseLegacy reads the legacy layout (4.x and 5.x ATLAS.yaml): lists of
// objects that carry their own links, and case studies with an ordered
// procedure. Steps get the ids v6 gives them (S00, S01, ... in procedure
// order) and each leads to the next, so both layouts of the same content
// give the same release.
func parseLegacy(r *reader, top *fields) *atlas.Release {
	rel := &atlas.Release{}
	for _, k := range top.keys {
		if !legacySections[k] {
			r.problem(top.vals[k], "", k, "unknown section %q in a legacy release", k)
		}
	}
	rel.Version = checkVersion(r, top, "version")
	top.get("id")
	rel.Name = top.str("name", false)

	matrices := top.seq("matrices")
	if len(matrices) != 1 {
		r.problem(top.vals["matrices"], "", "matrices", "want exactly one matrix, got %d", len(matrices))
		if len(matrices) == 0 {
			return rel
		}
	}
	m := r.open(matrices[0], "", "matrices[0]")
	if m == nil {
		return rel
	}
	m.get("id")
	m.get("name")

	tactics := map[string]*atlas.Tactic{}
	techniques := map[string]*atlas.Technique{}
	mitigations := map[string]*atlas.Mitigation{}
	cases := map[string]*atlas.CaseStudy{}
	at := map[string]*yaml.Node{}

	// The id of a legacy object is a field; the list position says where
	// to look when it is missing.
	each := func(list []*yaml.Node, section string, fn func(id string, f *fields)) {
		for i, n := range list {
			f := r.open(n, "", fmt.Sprintf("%s[%d]", section, i))
			if f == nil {
				continue
			}
			id := f.str("id", false)
			if id == "" {
				r.problem(n, "", fmt.Sprintf("%s[%d]", section, i), "object has no id")
				continue
			}
			f.obj = id
			if prev, dup := at[id]; dup {
				r.problem(n, id, "id", "duplicate id; first defined at line %d", prev.Line)
				continue
			}
			at[id] = n
			fn(id, f)
		}
	}

	each(m.seq("tactics"), "tactics", func(id string, f *fields) {
		t := &atlas.Tactic{Object: r.object(f, id, "tactic", tacticID, legacyFields), Position: len(tactics) + 1}
		t.Extra = f.extra()
		tactics[id] = t
	})
	type techLinks struct {
		tactics []string
		parent  string
		f       *fields
	}
	links := map[string]techLinks{}
	each(m.seq("techniques"), "techniques", func(id string, f *fields) {
		t := &atlas.Technique{Object: r.object(f, id, "technique", techniquePattern(id), legacyFields)}
		if mat := f.str("maturity", false); mat != "" {
			w, ok := normalizeWord(mat, maturities...)
			if !ok {
				r.problem(f.vals["maturity"], id, "maturity", "unknown maturity %q; want one of feasible, demonstrated, realized", mat)
			}
			t.Maturity = w
		}
		t.Platforms = f.strList("platforms")
		links[id] = techLinks{tactics: f.strList("tactics"), parent: f.str("subtechnique-of", false), f: f}
		t.Extra = f.extra()
		techniques[id] = t
	})
	// Links are resolved once every technique is known, whatever the order.
	for id, l := range links {
		t := techniques[id]
		for i, ta := range l.tactics {
			if _, ok := tactics[ta]; !ok {
				r.problem(l.f.vals["tactics"].Content[i], id, fmt.Sprintf("tactics[%d]", i), "unknown tactic %q", ta)
				continue
			}
			t.Tactics = append(t.Tactics, ta)
		}
		if l.parent != "" {
			pn := l.f.vals["subtechnique-of"]
			if _, ok := techniques[l.parent]; !ok {
				r.problem(pn, id, "subtechnique-of", "unknown parent technique %q", l.parent)
			} else if sm := subID.FindStringSubmatch(id); sm == nil || sm[1] != l.parent {
				r.problem(pn, id, "subtechnique-of", "%q cannot specialize %q: a sub-technique's id is its parent's id plus .NNN", id, l.parent)
			} else {
				t.Parent = l.parent
			}
		} else if subID.MatchString(id) {
			r.problem(at[id], id, "subtechnique-of", "sub-technique has no subtechnique-of naming its parent")
		}
	}
	// Legacy sub-techniques list no tactics: they achieve their parent's.
	for _, t := range techniques {
		if t.Parent != "" && len(t.Tactics) == 0 {
			t.Tactics = append(t.Tactics, techniques[t.Parent].Tactics...)
		}
		if len(links[t.ID].tactics) == 0 && t.Parent == "" {
			r.problem(at[t.ID], t.ID, "tactics", "technique achieves no tactic; list at least one")
		}
		sort.Strings(t.Tactics)
	}

	each(m.seq("mitigations"), "mitigations", func(id string, f *fields) {
		mi := &atlas.Mitigation{Object: r.object(f, id, "mitigation", mitigationID, legacyFields)}
		mi.Categories = f.strList("category")
		lifecycleKey := "ml-lifecycle"
		if !f.has(lifecycleKey) && f.has("ML-lifecycle") {
			lifecycleKey = "ML-lifecycle"
		}
		addUse := func(n *yaml.Node, field string) {
			u := r.open(n, id, field)
			if u == nil {
				return
			}
			tid := u.str("id", true)
			if _, ok := techniques[tid]; !ok && tid != "" {
				r.problem(u.vals["id"], id, field, "unknown technique %q", tid)
				return
			}
			mi.Mitigates = append(mi.Mitigates, atlas.Mitigates{Technique: tid, Description: u.str("use", false)})
		}
		for i, n := range f.seq("techniques") {
			addUse(n, fmt.Sprintf("techniques[%d]", i))
		}
		// 5.6.0 has two mitigations with {id, use} entries inside
		// ml-lifecycle by mistake; v6 made them mitigates links, and so do we.
		for i, n := range f.seq(lifecycleKey) {
			field := fmt.Sprintf("%s[%d]", lifecycleKey, i)
			switch {
			case n.Kind == yaml.ScalarNode && n.Tag != "!!null":
				mi.LifecyclePhases = append(mi.LifecyclePhases, n.Value)
			case n.Kind == yaml.MappingNode:
				addUse(n, field)
			default:
				r.problem(n, id, field, "want a lifecycle phase name, got %s", yamlpos.Kind(n))
			}
		}
		mi.Mitigates = r.dedupeMitigates(id, at[id], mi.Mitigates)
		mi.Extra = f.extra()
		mitigations[id] = mi
	})
	m.extraSectionsAreErrors(r)

	each(top.seq("case-studies"), "case-studies", func(id string, f *fields) {
		c := &atlas.CaseStudy{Object: r.object(f, id, "case-study", caseStudyID, objectFields{"summary", "created_date", "modified_date", "ATT&CK-reference"})}
		c.Type, _ = normalizeCaseType(r, f, id, "case-study-type")
		c.ActorText = f.str("actor", false)
		c.Target = f.str("target", false)
		c.Reporter = f.str("reporter", false)
		c.Date = f.date("incident-date")
		c.DateGranularity = normalizeGranularity(r, f, id, "incident-date-granularity")
		procedure := f.seq("procedure")
		stepAt := map[string]*yaml.Node{}
		for i, n := range procedure {
			field := fmt.Sprintf("procedure[%d]", i)
			sf := r.open(n, id, field)
			if sf == nil {
				continue
			}
			s := atlas.Step{
				ID:          fmt.Sprintf("S%02d", i),
				Technique:   sf.str("technique", true),
				Tactic:      sf.str("tactic", true),
				Description: sf.str("description", false),
				LeadsTo:     []string{},
			}
			if i+1 < len(procedure) {
				s.LeadsTo = []string{fmt.Sprintf("S%02d", i+1)}
			}
			if _, ok := techniques[s.Technique]; !ok && s.Technique != "" {
				r.problem(sf.vals["technique"], id, field+".technique", "unknown technique %q", s.Technique)
			}
			if _, ok := tactics[s.Tactic]; !ok && s.Tactic != "" {
				r.problem(sf.vals["tactic"], id, field+".tactic", "unknown tactic %q", s.Tactic)
			}
			stepAt[s.ID] = n
			c.Steps = append(c.Steps, s)
		}
		c.Extra = f.extra()
		cases[id] = c
	})

	rel.Tactics = sortedValues(tactics)
	sort.SliceStable(rel.Tactics, func(i, j int) bool { return rel.Tactics[i].Position < rel.Tactics[j].Position })
	rel.Techniques = sortedValues(techniques)
	rel.Mitigations = sortedValues(mitigations)
	rel.CaseStudies = sortedValues(cases)
	return rel
}

// extraSectionsAreErrors reports keys of a legacy matrix that are not
// tactics, techniques or mitigations: unknown object types.
func (f *fields) extraSectionsAreErrors(r *reader) {
	for _, k := range f.keys {
		if !f.used[k] {
			r.problem(f.vals[k], "", f.path(k), "unknown section %q in a legacy matrix; want tactics, techniques and mitigations", k)
		}
	}
}
