package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/internal/rawattack"
)

// The expectations here are computed in this file from the rule files and
// the model file read as plain YAML, and from the release as rawatlas reads
// it: no threatmodel, analysis, loader or store code is involved in them.

const modelAsOf = "2026-06-01"

var (
	entryTactics = []string{"AML.TA0004", "AML.TA0000"}
	goalTactics  = []string{"AML.TA0011", "AML.TA0010"}
)

type reportJSON struct {
	Release              string
	ApplicableTechniques []struct {
		ID, Status string
		Components []string
		Evidence   []struct{ Release, Rule, Component, Control string }
	}
	Incidents []struct {
		CaseStudy       string
		Match           string
		StepsApplicable int
		StepsTotal      int
		Broken          bool
		Accepted        bool
		Evidence        []struct{ Release, CaseStudy string }
	}
	ResidualPaths []struct {
		ID         string
		Techniques []string
		Accepted   bool
	}
	PathsTruncated         bool
	RecommendedMitigations []struct{ ID string }
	Unbreakable            []struct{ ID string }
}

// rawRule is a rule file entry as plain YAML.
type rawRule struct {
	ID           string
	When         map[string]any
	Techniques   []string
	Organisation bool
}

// organisation is where organisation-level rules put their techniques.
const organisation = "(organisation)"

// rawSemantics is threatmodel/semantics/*.yaml read as plain YAML.
type rawSemantics struct {
	Mitigations []struct {
		ID, Effect, Acts string
		OutsidersOnly    string `yaml:"outsidersOnly"` // true, downstream or empty
		Links            []struct {
			Technique, Effect string
			Modalities        []string
		}
	}
	Tactics []struct {
		Tactic, Side string
	}
	Techniques []struct {
		Technique, Side string
	}
	Steps []struct {
		CaseStudy string `yaml:"caseStudy"`
		Step      string
		Technique string
		Side      string
	}
}

func readRawSemantics(t *testing.T) rawSemantics {
	t.Helper()
	var out rawSemantics
	for _, f := range []string{"effects", "placement", "steps"} {
		b, err := os.ReadFile("../../threatmodel/semantics/" + f + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// side is where a technique's steps happen: its own entry, its parent's,
// else attacker when every tactic it achieves is an attacker tactic.
func (sem rawSemantics) side(raw *rawatlas.Release, tech string) string {
	for _, x := range []string{tech, raw.Parent[tech]} {
		for _, e := range sem.Techniques {
			if x != "" && e.Technique == x {
				return e.Side
			}
		}
	}
	attacker := map[string]bool{}
	for _, e := range sem.Tactics {
		attacker[e.Tactic] = e.Side == "attacker"
	}
	n := 0
	for k := range raw.Achieves {
		if k[0] != tech {
			continue
		}
		n++
		if !attacker[k[1]] {
			return "defender"
		}
	}
	if n == 0 {
		return "defender"
	}
	return "attacker"
}

// stepSide is a case-study step's own side while it keeps its technique.
func (sem rawSemantics) stepSide(raw *rawatlas.Release, cs, step, tech string) string {
	for _, e := range sem.Steps {
		if e.CaseStudy == cs && e.Step == step && e.Technique == tech {
			return e.Side
		}
	}
	return sem.side(raw, tech)
}

// cuts reports whether mitigation mit, implemented on component comp,
// cuts technique tech at side: a prevent link (direct, else the parent's)
// of a mitigation acting on the system, not at an attacker-side step, and
// acting on that component (access controls not on public components, access
// control on using a model neither on those outsiders reach through flows,
// modality-limited links only on those modalities).
func (sem rawSemantics) cuts(raw *rawatlas.Release, mit, tech, side string, comp *rawComp, reached bool) bool {
	key := tech
	if _, ok := raw.Mitigates[[2]string{mit, tech}]; !ok {
		key = raw.Parent[tech]
		if _, ok := raw.Mitigates[[2]string{mit, key}]; key == "" || !ok {
			return false
		}
	}
	if side == "attacker" {
		return false
	}
	for _, m := range sem.Mitigations {
		if m.ID != mit {
			continue
		}
		for _, l := range m.Links {
			if l.Technique != key {
				continue
			}
			if l.Effect != "prevent" || m.Acts != "system" {
				return false
			}
			if comp == nil {
				return len(l.Modalities) == 0
			}
			flag := func(p string) bool { b, _ := comp.Properties[p].(bool); return b }
			public := comp.Kind == "external-party" || flag("internetFacing") || flag("acceptsUntrustedContent") || flag("unauthenticated")
			if m.OutsidersOnly == "true" && public || m.OutsidersOnly == "downstream" && (public || reached) {
				return false
			}
			if len(l.Modalities) > 0 {
				mod, _ := comp.Properties["modality"].(string)
				if mod == "" {
					mod = "text"
				}
				return slices.Contains(l.Modalities, mod)
			}
			return true
		}
	}
	return false
}

func readRawRules(t *testing.T) []rawRule {
	t.Helper()
	files, err := filepath.Glob("../../threatmodel/rules/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("rule files: %v", err)
	}
	var out []rawRule
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Rules []rawRule }
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		out = append(out, doc.Rules...)
	}
	return out
}

type rawComp struct {
	ID, Kind   string
	Properties map[string]any
}
type rawFlow struct {
	From, To      string
	TrustBoundary bool `yaml:"trustBoundary"`
}
type rawControl struct {
	Mitigation, Status string
	Scope              []string
}
type rawAccepted struct{ Technique, Expires string }
type rawModelFile struct {
	Components    []rawComp
	Flows         []rawFlow
	Controls      []rawControl
	AcceptedRisks []rawAccepted `yaml:"acceptedRisks"`
}

func strs(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// fires is an independent reading of a rule condition.
func fires(when map[string]any, c rawComp, m rawModelFile) bool {
	flag := func(p string) bool { b, _ := c.Properties[p].(bool); return b }
	if k := strs(when["kinds"]); len(k) > 0 && !slices.Contains(k, c.Kind) {
		return false
	}
	for _, p := range strs(when["all"]) {
		if !flag(p) {
			return false
		}
	}
	if a := strs(when["any"]); len(a) > 0 && !slices.ContainsFunc(a, flag) {
		return false
	}
	if slices.ContainsFunc(strs(when["none"]), flag) {
		return false
	}
	kindOf := map[string]string{}
	for _, o := range m.Components {
		kindOf[o.ID] = o.Kind
	}
	if eq, ok := when["equals"].(map[string]any); ok {
		for k, v := range eq {
			if c.Properties[k] != v {
				return false
			}
		}
	}
	// A component that gives no modality is not spared by a modalities
	// condition.
	if ms := strs(when["modalities"]); len(ms) > 0 {
		if mod, _ := c.Properties["modality"].(string); mod != "" && !slices.Contains(ms, mod) {
			return false
		}
	}
	for _, dir := range []string{"upstream", "downstream"} {
		up, ok := when[dir].(map[string]any)
		if !ok {
			continue
		}
		props := map[string]map[string]any{}
		for _, o := range m.Components {
			props[o.ID] = o.Properties
		}
		seen, queue, found := map[string]bool{c.ID: true}, []string{c.ID}, false
		for len(queue) > 0 && !found {
			v := queue[0]
			queue = queue[1:]
			for _, f := range m.Flows {
				near, far := f.To, f.From
				if dir == "downstream" {
					near, far = f.From, f.To
				}
				if near != v || seen[far] {
					continue
				}
				seen[far] = true
				queue = append(queue, far)
				if k := strs(up["kinds"]); len(k) > 0 && !slices.Contains(k, kindOf[far]) {
					continue
				}
				if a := strs(up["any"]); len(a) > 0 && !slices.ContainsFunc(a, func(p string) bool { b, _ := props[far][p].(bool); return b }) {
					continue
				}
				found = true
			}
		}
		if !found {
			return false
		}
	}
	for _, dir := range []string{"inbound", "outbound"} {
		fc, ok := when[dir].(map[string]any)
		if !ok {
			continue
		}
		found := false
		for _, f := range m.Flows {
			self, other := f.To, f.From
			if dir == "outbound" {
				self, other = f.From, f.To
			}
			if self != c.ID {
				continue
			}
			if tb, ok := fc["trustBoundary"].(bool); ok && tb != f.TrustBoundary {
				continue
			}
			if k := strs(fc["kinds"]); len(k) > 0 && !slices.Contains(k, kindOf[other]) {
				continue
			}
			found = true
		}
		if !found {
			return false
		}
	}
	return true
}

// expected is the independent answer for one model.
type expected struct {
	status    map[string]string
	comps     map[string][]string
	incidents map[string]bool // case study -> broken
	accepted  map[string]bool // incident -> accepted
	match     map[string]string
	done      map[string]map[string]bool // incident -> step -> cut by the controls or accepted
	// cutBy says whether mitigation m, implemented everywhere, cuts a
	// technique at a side on every component it applies to.
	cutBy func(m, tech, side string) bool
}

func computeExpected(t *testing.T, raw *rawatlas.Release, rm *rawModel, rules []rawRule, m rawModelFile) expected {
	t.Helper()
	sem := readRawSemantics(t)
	e := expected{status: map[string]string{}, comps: map[string][]string{}, incidents: map[string]bool{}, accepted: map[string]bool{}, match: map[string]string{}, done: map[string]map[string]bool{}}
	for _, c := range m.Components {
		for _, r := range rules {
			if !fires(r.When, c, m) {
				continue
			}
			where := c.ID
			if r.Organisation {
				where = organisation
			}
			for _, tech := range r.Techniques {
				if _, ok := raw.Techniques[tech]; ok && !slices.Contains(e.comps[tech], where) {
					e.comps[tech] = append(e.comps[tech], where)
				}
			}
		}
	}
	// A parent no case study records itself is not listed where one of its
	// sub-techniques applies (an umbrella), unless an accepted risk names it.
	recorded, named := map[string]bool{}, map[string]bool{}
	for _, steps := range raw.Steps {
		for _, s := range steps {
			recorded[s.Technique] = true
		}
	}
	for _, a := range m.AcceptedRisks {
		named[a.Technique] = true
	}
	// ... only where one of the sub-techniques that apply is recorded;
	// the other way round, a sub-technique no case study records is
	// grouped under its listed parent, unless an accepted risk names it or
	// a control of the model is linked to it.
	umbrellas, grouped := map[string]bool{}, map[string]bool{}
	for tech := range e.comps {
		if p := raw.Parent[tech]; p != "" && e.comps[p] != nil && !recorded[p] && !named[p] && recorded[tech] {
			umbrellas[p] = true
		}
	}
	for tech := range e.comps {
		p := raw.Parent[tech]
		if p == "" || e.comps[p] == nil || umbrellas[p] || recorded[tech] || named[tech] {
			continue
		}
		controlled := false
		for _, c := range m.Controls {
			if _, ok := raw.Mitigates[[2]string{c.Mitigation, tech}]; ok {
				controlled = true
			}
		}
		if !controlled {
			grouped[tech] = true
		}
	}
	for p := range umbrellas {
		delete(e.comps, p)
	}
	for tech := range grouped {
		delete(e.comps, tech)
	}
	comp := func(id string) *rawComp {
		for i := range m.Components {
			if m.Components[i].ID == id {
				return &m.Components[i]
			}
		}
		return nil
	}
	// reached: the components outsiders reach, public ones and all that
	// public ones feed through flows, to any depth.
	reached := map[string]bool{}
	for _, c := range m.Components {
		b := func(p string) bool { v, _ := c.Properties[p].(bool); return v }
		if c.Kind == "external-party" || b("internetFacing") || b("acceptsUntrustedContent") || b("unauthenticated") {
			reached[c.ID] = true
		}
	}
	for grew := true; grew; {
		grew = false
		for _, f := range m.Flows {
			if reached[f.From] && !reached[f.To] {
				reached[f.To], grew = true, true
			}
		}
	}
	accepted := map[string]bool{}
	for _, a := range m.AcceptedRisks {
		if a.Expires >= modelAsOf {
			accepted[a.Technique] = true
		}
	}
	// cutAt: the implemented controls cut tech at side on every component.
	cutAt := func(tech, side string) bool {
		for _, c := range e.comps[tech] {
			ok := false
			for _, ctl := range m.Controls {
				covers := len(ctl.Scope) == 0 || slices.Contains(ctl.Scope, c)
				if ctl.Status == "implemented" && covers && sem.cuts(raw, ctl.Mitigation, tech, side, comp(c), reached[c]) {
					ok = true
				}
			}
			if !ok {
				return false
			}
		}
		return true
	}
	e.cutBy = func(mit, tech, side string) bool {
		for _, c := range e.comps[tech] {
			if !sem.cuts(raw, mit, tech, side, comp(c), reached[c]) {
				return false
			}
		}
		return len(e.comps[tech]) > 0
	}
	for tech := range e.comps {
		switch {
		case cutAt(tech, sem.side(raw, tech)):
			e.status[tech] = "mitigated"
		case accepted[tech]:
			e.status[tech] = "accepted"
		default:
			e.status[tech] = "residual"
		}
	}
	for cs, steps := range raw.Steps {
		if len(steps) < 2 {
			continue
		}
		applicable := 0
		for _, s := range steps {
			if e.status[s.Technique] != "" {
				applicable++
			}
		}
		if float64(applicable) < 0.6*float64(len(steps)) {
			continue
		}
		e.match[cs] = "exact"
		if applicable < len(steps) {
			e.match[cs] = "partial"
		}
		blocked, blockedOrAccepted := map[string]bool{}, map[string]bool{}
		for id, s := range steps {
			if e.status[s.Technique] == "" {
				continue
			}
			blocked[id] = cutAt(s.Technique, sem.stepSide(raw, cs, id, s.Technique))
			blockedOrAccepted[id] = blocked[id] || accepted[s.Technique]
		}
		routes := rm.routes(cs)
		e.done[cs] = blockedOrAccepted
		e.incidents[cs] = rawCuts(routes, blocked)
		e.accepted[cs] = !e.incidents[cs] && rawCuts(routes, blockedOrAccepted)
	}
	return e
}

func inTactics(raw *rawatlas.Release, tech string, tactics []string) bool {
	for _, ta := range tactics {
		if raw.Achieves[[2]string{tech, ta}] {
			return true
		}
	}
	return false
}

// TestModelReportEndToEnd loads ATLAS 2026.05 into Neo4j and, for each
// template, runs model init, check and report through the command line and
// compares the JSON report with the computation above.
func TestModelReportEndToEnd(t *testing.T) {
	env, raw := analyzeEnv(t)
	rm := newRawModel(raw)
	rules := readRawRules(t)
	trans := raw.Transitions()
	dir := t.TempDir()
	for _, name := range []string{"rag-chatbot", "agent-with-tools", "training-pipeline", "fraud-classifier"} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(dir, name+".yaml")
			if _, _, err := runCLI(t, env, "model", "init", "--template", name, "-o", file); err != nil {
				t.Fatal(err)
			}
			if out, _, err := runCLI(t, env, "model", "check", file); err != nil || !strings.Contains(out, "valid on ATLAS 2026.05") {
				t.Fatalf("check: %v %s", err, out)
			}
			out, _, err := runCLI(t, env, "model", "report", file, "--format", "json", "--as-of", modelAsOf)
			if err != nil {
				t.Fatal(err)
			}
			var rep reportJSON
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(file)
			var mf rawModelFile
			if err := yaml.Unmarshal(b, &mf); err != nil {
				t.Fatal(err)
			}
			want := computeExpected(t, raw, rm, rules, mf)

			got := map[string]string{}
			for _, a := range rep.ApplicableTechniques {
				got[a.ID] = a.Status
				comps := slices.Clone(want.comps[a.ID])
				sort.Strings(comps)
				if !slices.Equal(a.Components, comps) {
					t.Errorf("%s components %v, want %v", a.ID, a.Components, comps)
				}
				for _, ev := range a.Evidence {
					if ev.Control != "" {
						continue // what a control does to it, not why it applies
					}
					if ev.Release != "2026.05" || ev.Rule == "" || !slices.Contains(comps, ev.Component) {
						t.Errorf("%s evidence %+v", a.ID, ev)
					}
				}
			}
			if d := cmp.Diff(want.status, got); d != "" {
				t.Errorf("applicable techniques and statuses (-want +got):\n%s", d)
			}

			gotInc, gotAcc, gotMatch := map[string]bool{}, map[string]bool{}, map[string]string{}
			for _, i := range rep.Incidents {
				gotInc[i.CaseStudy] = i.Broken
				gotAcc[i.CaseStudy] = i.Accepted
				gotMatch[i.CaseStudy] = i.Match
				if len(i.Evidence) == 0 || i.Evidence[0].CaseStudy != i.CaseStudy {
					t.Errorf("incident %s has no evidence", i.CaseStudy)
				}
			}
			if d := cmp.Diff(want.incidents, gotInc); d != "" {
				t.Errorf("incidents and broken (-want +got):\n%s", d)
			}
			if d := cmp.Diff(want.accepted, gotAcc); d != "" {
				t.Errorf("incidents cut by accepted risks (-want +got):\n%s", d)
			}
			if d := cmp.Diff(want.match, gotMatch); d != "" {
				t.Errorf("incident matches (-want +got):\n%s", d)
			}

			// Residual paths: valid, and all of them when fewer than the limit.
			open := func(tech string) bool { s := want.status[tech]; return s == "residual" || s == "accepted" }
			valid := func(p []string) bool {
				if len(p) < 2 || !inTactics(raw, p[0], entryTactics) || !inTactics(raw, p[len(p)-1], goalTactics) {
					return false
				}
				seen := map[string]bool{}
				for i, tech := range p {
					if !open(tech) || seen[tech] {
						return false
					}
					seen[tech] = true
					if i > 0 && len(trans[[2]string{p[i-1], tech}]) == 0 {
						return false
					}
				}
				return true
			}
			gotPaths := map[string]bool{}
			for _, p := range rep.ResidualPaths {
				if !valid(p.Techniques) {
					t.Errorf("residual path %v is not a path over open techniques from entry to goal", p.Techniques)
				}
				acc := slices.ContainsFunc(p.Techniques, func(s string) bool { return want.status[s] == "accepted" })
				if acc != p.Accepted {
					t.Errorf("path %v accepted = %v, want %v", p.Techniques, p.Accepted, acc)
				}
				gotPaths[strings.Join(p.Techniques, ">")] = true
			}
			// Every path of up to 6 hops, ranked as docs/analysis.md says
			// (largest least support, then largest sum, then fewest hops):
			// the report holds the best 20, equal up to ties on ids.
			if !rep.PathsTruncated {
				all := allPaths(raw, trans, open, 6)
				rank := func(p []string) [3]int {
					least, sum := 1<<30, 0
					for i := 1; i < len(p); i++ {
						n := len(trans[[2]string{p[i-1], p[i]}])
						least, sum = min(least, n), sum+n
					}
					return [3]int{-least, -sum, len(p) - 1}
				}
				var keys [][3]int
				for _, p := range all {
					keys = append(keys, rank(p))
				}
				sort.Slice(keys, func(i, j int) bool { return slices.Compare(keys[i][:], keys[j][:]) < 0 })
				keys = keys[:min(20, len(keys))]
				var gotKeys [][3]int
				for _, p := range rep.ResidualPaths {
					gotKeys = append(gotKeys, rank(p.Techniques))
				}
				sort.Slice(gotKeys, func(i, j int) bool { return slices.Compare(gotKeys[i][:], gotKeys[j][:]) < 0 })
				if d := cmp.Diff(keys, gotKeys); d != "" {
					t.Errorf("residual paths are not the best %d of %d (ranks -want +got):\n%s", len(keys), len(all), d)
				}
				if len(all) < 20 {
					var wantPaths []string
					for _, p := range all {
						wantPaths = append(wantPaths, strings.Join(p, ">"))
					}
					sort.Strings(wantPaths)
					if d := cmp.Diff(wantPaths, sortedSet(gotPaths)); d != "" {
						t.Errorf("residual paths (-want +got):\n%s", d)
					}
				}
			}

			// Recommendations break every remaining incident (at its steps
			// that apply here, each on its own side) and every residual path
			// within 6 hops, listed or not, and no smaller set does. A route
			// is a bit mask of the mitigations that would cut one of its
			// steps; done routes hold a step already cut or accepted.
			sem := readRawSemantics(t)
			bit := map[string]uint64{}
			for i, mit := range rm.mits {
				bit[mit] = 1 << i
			}
			maskOf := func(tech, side string) uint64 {
				var mask uint64
				for _, mit := range rm.mits {
					if want.cutBy(mit, tech, side) {
						mask |= bit[mit]
					}
				}
				return mask
			}
			routes := map[uint64]bool{} // breakable routes, by mask
			unbreakable := 0
			addRoute := func(mask uint64, done bool) {
				switch {
				case done:
				case mask == 0:
					unbreakable++
				default:
					routes[mask] = true
				}
			}
			for cs, broken := range want.incidents {
				if broken || want.accepted[cs] {
					continue
				}
				for _, r := range rm.routes(cs) {
					var mask uint64
					done := false
					for _, st := range r {
						tech := raw.Steps[cs][st].Technique
						done = done || want.done[cs][st]
						if want.status[tech] != "" {
							mask |= maskOf(tech, sem.stepSide(raw, cs, st, tech))
						}
					}
					addRoute(mask, done)
				}
			}
			var paths [][]string
			if rep.PathsTruncated {
				for _, p := range rep.ResidualPaths {
					paths = append(paths, p.Techniques)
				}
			} else {
				paths = allPaths(raw, trans, open, 6)
			}
			for _, p := range paths {
				if slices.ContainsFunc(p, func(s string) bool { return want.status[s] == "accepted" }) {
					continue
				}
				var mask uint64
				for _, tech := range p {
					mask |= maskOf(tech, sem.side(raw, tech))
				}
				addRoute(mask, false)
			}
			breaks := func(set []string) bool {
				var m uint64
				for _, mit := range set {
					m |= bit[mit]
				}
				for r := range routes {
					if r&m == 0 {
						return false
					}
				}
				return true
			}
			var rec []string
			for _, r := range rep.RecommendedMitigations {
				rec = append(rec, r.ID)
			}
			if !breaks(rec) {
				t.Errorf("the recommended mitigations %v leave a remaining incident or path unbroken", rec)
			}
			if !rep.PathsTruncated && len(rec) > 0 && anySubsetBreaks(rm.mits, len(rec)-1, breaks) {
				t.Errorf("a set of %d mitigations breaks everything, but %d were recommended", len(rec)-1, len(rec))
			}
			if (len(rec) == 0) != (len(routes) == 0) {
				t.Errorf("%d recommendations for %d breakable remaining routes", len(rec), len(routes))
			}
		})
	}
}

// allPaths enumerates every simple path of 1..maxHops transitions over open
// techniques from an entry-tactic technique to a goal-tactic technique.
func allPaths(raw *rawatlas.Release, trans map[[2]string][]string, open func(string) bool, maxHops int) [][]string {
	next := map[string][]string{}
	for k := range trans {
		if open(k[0]) && open(k[1]) {
			next[k[0]] = append(next[k[0]], k[1])
		}
	}
	var out [][]string
	var walk func(p []string)
	walk = func(p []string) {
		last := p[len(p)-1]
		if len(p) > 1 && inTactics(raw, last, goalTactics) {
			out = append(out, slices.Clone(p))
		}
		if len(p) > maxHops {
			return
		}
		for _, n := range next[last] {
			if !slices.Contains(p, n) {
				walk(append(p, n))
			}
		}
	}
	for tech := range raw.Techniques {
		if open(tech) && inTactics(raw, tech, entryTactics) {
			walk([]string{tech})
		}
	}
	return out
}

func anySubsetBreaks(mits []string, k int, breaks func([]string) bool) bool {
	var rec func(start int, set []string) bool
	rec = func(start int, set []string) bool {
		if len(set) == k {
			return breaks(set)
		}
		for i := start; i < len(mits); i++ {
			if rec(i+1, append(set, mits[i])) {
				return true
			}
		}
		return false
	}
	return rec(0, nil)
}

func sortedSet(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestModelCheckErrors checks that the command line reports a bad model with
// its place and exit status 1, and that --fail-on exits with 3.
func TestModelCheckErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("components:\n  - id: a\n    kind: toaster\nflows:\n  - {from: a, to: b}\n"), 0o644)
	_, _, err := runCLI(t, nil, "model", "check", bad, "--structure-only")
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), bad+`:3:11: component "a": unknown kind "toaster"`) || !strings.Contains(err.Error(), bad+`:5:19: flow to "b"`) {
		t.Errorf("check: %v", err)
	}
	_, _, err = runCLI(t, nil, "model", "report", bad, "--format", "pdf")
	if err == nil || exitCode(err) != 2 {
		t.Errorf("bad format: %v", err)
	}
	_, _, err = runCLI(t, nil, "model", "init", "--template", "toaster", "-o", filepath.Join(dir, "x.yaml"))
	if err == nil || exitCode(err) != 2 {
		t.Errorf("bad template: %v", err)
	}
	good := filepath.Join(dir, "rag.yaml")
	if _, _, err := runCLI(t, nil, "model", "init", "--template", "rag-chatbot", "-o", good); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, nil, "model", "init", "--template", "rag-chatbot", "-o", good); err == nil {
		t.Error("init overwrote a file without --force")
	}
	rel := shared(t, release0526)
	out, _, err := runCLI(t, nil, "model", "report", good, "--atlas", rel, "--format", "sarif", "--sarif-root", dir, "--fail-on", "incident", "--as-of", modelAsOf)
	if err == nil || exitCode(err) != 3 || !strings.Contains(out, `"version": "2.1.0"`) {
		t.Errorf("--fail-on incident: exit %v, output %.80s", err, out)
	}
}

// TestModelReportNamesATTACKGroups loads ATT&CK beside ATLAS and checks that
// a report names, for each ATT&CK group using an applicable technique (as
// the bundle says, read by rawattack), that group with those techniques.
func TestModelReportNamesATTACKGroups(t *testing.T) {
	env := testEnv(t)
	neo4jtest.Store(t)
	atlasPath := shared(t, release0526)
	attackPath := shared(t, "attack/enterprise-attack-18.1.json")
	exp, err := rawattack.Read(attackPath, atlasPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, env, "load", atlasPath, "--attack", attackPath); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "agent.yaml")
	if _, _, err := runCLI(t, env, "model", "init", "--template", "agent-with-tools", "-o", file); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, env, "model", "report", file, "--format", "json", "--as-of", modelAsOf)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		ApplicableTechniques []struct{ ID string }
		Actors               []struct {
			ID, Source string
			Techniques []string
			Evidence   []struct{ Release, Technique string }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	applicable := map[string]bool{}
	for _, a := range rep.ApplicableTechniques {
		applicable[a.ID] = true
	}
	got := map[string][]string{}
	for _, a := range rep.Actors {
		for _, tech := range a.Techniques {
			if !applicable[tech] {
				t.Errorf("actor %s (%s) lists %s, which is not applicable", a.ID, a.Source, tech)
			}
		}
		if a.Source == "attack" {
			got[a.ID] = a.Techniques
			if len(a.Evidence) == 0 || a.Evidence[0].Release != "2026.05" {
				t.Errorf("ATT&CK actor %s has no evidence", a.ID)
			}
		}
	}
	n := 0
	for g, techs := range exp.Atlas {
		for tech := range techs {
			if !applicable[tech] {
				continue
			}
			n++
			if !slices.Contains(got[g], tech) {
				t.Errorf("group %s uses applicable %s through ATT&CK, but the report does not say so (it has %v)", g, tech, got[g])
			}
		}
	}
	if n == 0 {
		t.Fatal("no ATT&CK group uses an applicable technique: the test proves nothing")
	}
}
