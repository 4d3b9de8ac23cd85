package main

import (
	"context"
	"encoding/json"
	"math/bits"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/store"
)

// The expectations in this file come from rawatlas, which reads the release
// file as plain YAML maps, and from small computations written here: no
// analysis, loader or store code is involved in them.

const release0526 = "atlas/v6/ATLAS-2026.05.yaml"

// analyzeEnv empties the test Neo4j, loads 2026.05 as the current release
// and returns the CLI environment and the file as rawatlas reads it.
func analyzeEnv(t *testing.T) (map[string]string, *rawatlas.Release) {
	t.Helper()
	s, _ := neo4jtest.Store(t)
	path := shared(t, release0526)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rel, _, err := loader.Parse(path, b, loader.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(context.Background(), rel, store.LoadOptions{Current: store.CurrentAlways}); err != nil {
		t.Fatal(err)
	}
	raw, err := rawatlas.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return testEnv(t), raw
}

// analyzeJSON runs an analyze command with --json and decodes its output.
func analyzeJSON(t *testing.T, env map[string]string, out any, args ...string) {
	t.Helper()
	stdout, _, err := runCLI(t, env, append(append([]string{"analyze"}, args...), "--json")...)
	if err != nil {
		t.Fatalf("analyze %v: %v", args, err)
	}
	if err := json.Unmarshal([]byte(stdout), out); err != nil {
		t.Fatalf("analyze %v: output is not JSON: %v\n%s", args, err, stdout)
	}
}

// rawModel is what the independent computations need, from rawatlas.
type rawModel struct {
	raw      *rawatlas.Release
	mits     []string            // mitigation ids, sorted
	coveredB map[string][]string // technique -> mitigations naming it
}

func newRawModel(raw *rawatlas.Release) *rawModel {
	m := &rawModel{raw: raw, coveredB: map[string][]string{}}
	for id := range raw.Mitigations {
		m.mits = append(m.mits, id)
	}
	sort.Strings(m.mits)
	for k := range raw.Mitigates {
		m.coveredB[k[1]] = append(m.coveredB[k[1]], k[0])
	}
	for t := range m.coveredB {
		sort.Strings(m.coveredB[t])
	}
	return m
}

// covers lists the mitigations covering a technique, following parents
// when inherit is set.
func (m *rawModel) covers(tech string, inherit bool) []string {
	out := slices.Clone(m.coveredB[tech])
	if inherit {
		for p := m.raw.Parent[tech]; p != ""; p = m.raw.Parent[p] {
			out = append(out, m.coveredB[p]...)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// order is the steps of a case study in topological order, ties by id.
func (m *rawModel) order(cs string) []string {
	steps := m.raw.Steps[cs]
	indeg := map[string]int{}
	for id, s := range steps {
		indeg[id] += 0
		for _, n := range s.Next {
			indeg[n]++
		}
	}
	var ready, out []string
	for id, d := range indeg {
		if d == 0 {
			ready = append(ready, id)
		}
	}
	for len(ready) > 0 {
		sort.Strings(ready)
		id := ready[0]
		ready = ready[1:]
		out = append(out, id)
		for _, n := range steps[id].Next {
			if indeg[n]--; indeg[n] == 0 {
				ready = append(ready, n)
			}
		}
	}
	return out
}

// routes enumerates every route of a case study, source to sink.
func (m *rawModel) routes(cs string) [][]string {
	steps := m.raw.Steps[cs]
	hasPred := map[string]bool{}
	for _, s := range steps {
		for _, n := range s.Next {
			hasPred[n] = true
		}
	}
	var out [][]string
	var walk func(path []string)
	walk = func(path []string) {
		last := steps[path[len(path)-1]]
		if len(last.Next) == 0 {
			out = append(out, slices.Clone(path))
			return
		}
		for _, n := range last.Next {
			walk(append(path, n))
		}
	}
	for id := range steps {
		if !hasPred[id] {
			walk([]string{id})
		}
	}
	return out
}

// rawCuts reports whether the blocked steps meet every route.
func rawCuts(routes [][]string, blocked map[string]bool) bool {
	for _, r := range routes {
		if !slices.ContainsFunc(r, func(s string) bool { return blocked[s] }) {
			return false
		}
	}
	return true
}

type wantChain struct {
	Breakable   bool
	Breakers    map[string]string   // mitigation -> earliest break
	Hits        map[string][]string // mitigation -> steps, in order
	Uncovered   []string
	OrderedStep []string
}

func (m *rawModel) chain(cs string, inherit bool) wantChain {
	w := wantChain{Breakers: map[string]string{}, Hits: map[string][]string{}, OrderedStep: m.order(cs)}
	routes := m.routes(cs)
	coveredAny := map[string]bool{}
	for _, id := range w.OrderedStep {
		ms := m.covers(m.raw.Steps[cs][id].Technique, inherit)
		if len(ms) == 0 {
			w.Uncovered = append(w.Uncovered, id)
		}
		for _, mit := range ms {
			w.Hits[mit] = append(w.Hits[mit], id)
			coveredAny[id] = true
		}
	}
	w.Breakable = rawCuts(routes, coveredAny)
	for mit, hits := range w.Hits {
		blocked := map[string]bool{}
		for _, id := range hits {
			blocked[id] = true
			if rawCuts(routes, blocked) {
				w.Breakers[mit] = id
				break
			}
		}
	}
	return w
}

// TestAnalyzeChainMatchesRaw checks `analyze chain` on every case study of
// 2026.05, with and without inheritance, against the file.
func TestAnalyzeChainMatchesRaw(t *testing.T) {
	env, raw := analyzeEnv(t)
	m := newRawModel(raw)
	var ids []string
	for id := range raw.CaseStudies {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, inherit := range []bool{false, true} {
		for _, cs := range ids {
			name := cs
			args := []string{"chain", "--case-study", cs}
			if inherit {
				name += "/inherit"
				args = append(args, "--inherit-from-parent")
			}
			t.Run(name, func(t *testing.T) {
				var got chainJSON
				analyzeJSON(t, env, &got, args...)
				want := m.chain(cs, inherit)
				if got.Release != "2026.05" || got.Chain != cs || got.CaseStudy != cs || got.InheritFromParent != inherit ||
					!slices.Equal(got.Evidence, []string{cs}) {
					t.Errorf("release %q, chain %q, case study %q, evidence %v; want 2026.05, %s, %s, [%s]", got.Release, got.Chain, got.CaseStudy, got.Evidence, cs, cs, cs)
				}
				if got.Breakable != want.Breakable {
					t.Errorf("breakable = %v; want %v", got.Breakable, want.Breakable)
				}
				var order []string
				for _, s := range got.Steps {
					order = append(order, s.StepID)
					if w := raw.Steps[cs][s.StepID]; s.Technique.ID != w.Technique || s.Tactic == nil || s.Tactic.ID != w.Tactic {
						t.Errorf("step %s uses %+v in %+v; the file says %s in %s", s.StepID, s.Technique, s.Tactic, w.Technique, w.Tactic)
					}
				}
				if diff := cmp.Diff(want.OrderedStep, order); diff != "" {
					t.Errorf("step order (-file +cli):\n%s", diff)
				}
				gotBreak, gotHits := map[string]string{}, map[string][]string{}
				for _, b := range slices.Concat(got.Mitigations, got.Partial) {
					for _, h := range b.Hits {
						gotHits[b.Mitigation.ID] = append(gotHits[b.Mitigation.ID], h.StepID)
					}
					if b.EarliestBreak != nil {
						gotBreak[b.Mitigation.ID] = b.EarliestBreak.StepID
					}
				}
				if diff := cmp.Diff(want.Breakers, gotBreak, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("mitigations breaking the chain alone, with the earliest break (-file +cli):\n%s", diff)
				}
				if diff := cmp.Diff(want.Hits, gotHits, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("steps each mitigation hits (-file +cli):\n%s", diff)
				}
				var uncovered []string
				for _, s := range got.UncoveredSteps {
					uncovered = append(uncovered, s.StepID)
				}
				if diff := cmp.Diff(want.Uncovered, uncovered, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("uncovered steps (-file +cli):\n%s", diff)
				}
			})
		}
	}
}

// TestAnalyzeMinimalSetMatchesRaw checks the least-cost set against the
// file: it breaks every breakable case study, the unbreakable ones are
// exactly those with a route no mitigation touches, and no smaller set
// breaks them all (by enumeration over bit masks).
func TestAnalyzeMinimalSetMatchesRaw(t *testing.T) {
	env, raw := analyzeEnv(t)
	m := newRawModel(raw)
	if len(m.mits) > 64 {
		t.Fatalf("%d mitigations do not fit the 64-bit masks of this test", len(m.mits))
	}
	bit := map[string]uint64{}
	for i, id := range m.mits {
		bit[id] = 1 << i
	}
	// Each case study becomes the masks of its routes: a set breaks it
	// when it meets every route mask.
	type chainMasks struct {
		id     string
		routes []uint64
	}
	var chains []chainMasks
	var wantUnbreakable []string
	var ids []string
	for id := range raw.Steps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, cs := range ids {
		c := chainMasks{id: cs}
		breakable := true
		for _, r := range m.routes(cs) {
			var mask uint64
			for _, s := range r {
				for _, mit := range m.covers(raw.Steps[cs][s].Technique, false) {
					mask |= bit[mit]
				}
			}
			if mask == 0 {
				breakable = false
			}
			c.routes = append(c.routes, mask)
		}
		if !breakable {
			wantUnbreakable = append(wantUnbreakable, cs)
			continue
		}
		chains = append(chains, c)
	}
	breaksAll := func(set uint64, excluded uint64) bool {
		for _, c := range chains {
			for _, r := range c.routes {
				if r&^excluded != 0 && r&set == 0 {
					return false
				}
			}
		}
		return true
	}

	var got setJSON
	analyzeJSON(t, env, &got, "minimal-set", "--alternatives", "100")
	var unbreakable []string
	for _, u := range got.Unbreakable {
		unbreakable = append(unbreakable, u.ID)
		if len(u.Route) == 0 {
			t.Errorf("unbreakable %s gives no uncovered route", u.ID)
		}
		for _, s := range u.Route {
			if cov := m.covers(raw.Steps[u.ID][s].Technique, false); len(cov) > 0 {
				t.Errorf("unbreakable %s: step %s of its uncovered route is covered by %v", u.ID, s, cov)
			}
		}
	}
	if diff := cmp.Diff(wantUnbreakable, unbreakable); diff != "" {
		t.Errorf("unbreakable case studies (-file +cli):\n%s", diff)
	}
	if !got.Optimal || got.Release != "2026.05" || len(got.Chains)+len(got.Unbreakable) != len(ids) {
		t.Errorf("optimal %v, release %q, %d case studies in scope and %d unbreakable; want true, 2026.05, %d in all", got.Optimal, got.Release, len(got.Chains), len(got.Unbreakable), len(ids))
	}
	if len(got.Mitigations) != len(got.Members) {
		t.Errorf("%d mitigations but %d members", len(got.Mitigations), len(got.Members))
	}
	if got.SearchSeconds <= 0 || got.SearchSeconds > 600 {
		t.Errorf("searchSeconds %v: want the search's own time, above 0", got.SearchSeconds)
	}
	sets := append([]app.MitigationSetOption{{Cost: got.Cost, Members: got.Members}}, got.Alternatives...)
	var best uint64
	for i, s := range sets {
		var mask uint64
		for _, mem := range s.Members {
			mask |= bit[mem.Mitigation.ID]
		}
		if !breaksAll(mask, 0) {
			t.Errorf("set %d (%v) leaves a breakable case study unbroken", i, s.Members)
		}
		if s.Cost != float64(bits.OnesCount64(mask)) || s.Cost != got.Cost {
			t.Errorf("set %d costs %g with %d members; all costs are 1 and the best costs %g", i, s.Cost, bits.OnesCount64(mask), got.Cost)
		}
		if i == 0 {
			best = mask
		}
	}
	k := bits.OnesCount64(best)
	// Every set of k mitigations that breaks all chains must be listed
	// (there are fewer than 101), and no set of k-1 may break them all.
	var optimal []uint64
	forEachSubset(len(m.mits), k, func(set uint64) {
		if breaksAll(set, 0) {
			optimal = append(optimal, set)
		}
	})
	forEachSubset(len(m.mits), k-1, func(set uint64) {
		if breaksAll(set, 0) {
			t.Errorf("a set of %d mitigations (%b) breaks every chain; the CLI says %d are needed", k-1, set, k)
		}
	})
	if len(optimal) <= 101 && len(optimal) != len(sets) {
		t.Errorf("the CLI lists %d optimal sets; enumeration finds %d", len(sets), len(optimal))
	}

	t.Run("require and exclude", func(t *testing.T) {
		first := got.Members[0].Mitigation.ID
		var r setJSON
		analyzeJSON(t, env, &r, "minimal-set", "--exclude", first, "--require", "AML.M0000", "--cost", "AML.M0001=2.5")
		var mask uint64
		for _, mem := range r.Members {
			mask |= bit[mem.Mitigation.ID]
			if mem.Mitigation.ID == "AML.M0001" && mem.Cost != 2.5 {
				t.Errorf("AML.M0001 costs %g; want 2.5", mem.Cost)
			}
		}
		if mask&bit[first] != 0 || mask&bit["AML.M0000"] == 0 {
			t.Errorf("set %v: want AML.M0000 in and %s out", r.Members, first)
		}
		// Chains only the excluded mitigation could break become unbreakable;
		// every other chain must be broken.
		for _, c := range chains {
			for _, rt := range c.routes {
				if rt&^bit[first] == 0 {
					if !slices.ContainsFunc(r.Unbreakable, func(u app.UnbreakableChain) bool { return u.ID == c.id }) {
						t.Errorf("%s can only be broken by the excluded %s but is not listed as unbreakable", c.id, first)
					}
				} else if rt&mask == 0 {
					t.Errorf("%s is left unbroken", c.id)
				}
			}
		}
	})
}

// forEachSubset calls fn with every k-element subset of n bits.
func forEachSubset(n, k int, fn func(uint64)) {
	var rec func(start, left int, set uint64)
	rec = func(start, left int, set uint64) {
		if left == 0 {
			fn(set)
			return
		}
		for i := start; i <= n-left; i++ {
			rec(i+1, left-1, set|1<<i)
		}
	}
	if k >= 0 {
		rec(0, k, 0)
	}
}

type rawPath struct {
	techs []string
	hops  [][]string // case studies per hop
	min   int
	sum   int
}

// TestAnalyzePathsMatchesRaw enumerates every simple path of up to five hops
// from Reconnaissance to Impact over the file's transitions, ranks them as
// the issue says and compares the top 20 with the CLI.
func TestAnalyzePathsMatchesRaw(t *testing.T) {
	env, raw := analyzeEnv(t)
	trans := raw.Transitions()
	adj := map[string][]string{}
	for k := range trans {
		adj[k[0]] = append(adj[k[0]], k[1])
	}
	from, to := map[string]bool{}, map[string]bool{}
	for k := range raw.Achieves {
		if k[1] == "AML.TA0002" {
			from[k[0]] = true
		}
		if k[1] == "AML.TA0011" {
			to[k[0]] = true
		}
	}
	var all []rawPath
	var walk func(p rawPath)
	walk = func(p rawPath) {
		last := p.techs[len(p.techs)-1]
		if len(p.hops) > 0 && to[last] {
			all = append(all, rawPath{techs: slices.Clone(p.techs), hops: slices.Clone(p.hops), min: p.min, sum: p.sum})
		}
		if len(p.hops) == 5 {
			return
		}
		for _, n := range adj[last] {
			if slices.Contains(p.techs, n) {
				continue
			}
			cases := trans[[2]string{last, n}]
			walk(rawPath{techs: append(p.techs, n), hops: append(p.hops, cases), min: min(p.min, len(cases)), sum: p.sum + len(cases)})
		}
	}
	for f := range from {
		walk(rawPath{techs: []string{f}, min: 1 << 30})
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		switch {
		case a.min != b.min:
			return a.min > b.min
		case a.sum != b.sum:
			return a.sum > b.sum
		case len(a.techs) != len(b.techs):
			return len(a.techs) < len(b.techs)
		}
		return slices.Compare(a.techs, b.techs) < 0
	})
	if len(all) < 20 {
		t.Fatalf("only %d paths in the file; the test wants at least 20", len(all))
	}

	var got pathsJSON
	analyzeJSON(t, env, &got, "paths", "--from", "AML.TA0002", "--to", "AML.TA0011", "--max-hops", "5", "--limit", "20")
	if got.Release != "2026.05" || got.Truncated || len(got.Paths) != 20 {
		t.Fatalf("release %q, truncated %v, %d paths; want 2026.05, false, 20", got.Release, got.Truncated, len(got.Paths))
	}
	for i, p := range got.Paths {
		want := all[i]
		var techs []string
		for _, x := range p.Techniques {
			techs = append(techs, x.ID)
		}
		if diff := cmp.Diff(want.techs, techs); diff != "" {
			t.Errorf("path %d techniques (-file +cli):\n%s", i+1, diff)
			continue
		}
		if p.Support != want.min || p.TotalSupport != want.sum {
			t.Errorf("path %d support %d/%d; want %d/%d", i+1, p.Support, p.TotalSupport, want.min, want.sum)
		}
		for h, hop := range p.Hops {
			if !slices.Equal(hop.CaseStudies, want.hops[h]) || hop.Count != len(want.hops[h]) || hop.From.ID != want.techs[h] || hop.To.ID != want.techs[h+1] {
				t.Errorf("path %d hop %d %s → %s shown by %v (%d); the file says %v", i+1, h+1, hop.From.ID, hop.To.ID, hop.CaseStudies, hop.Count, want.hops[h])
			}
		}
	}
	// The set that breaks the returned paths must meet each of them.
	m := newRawModel(raw)
	set := map[string]bool{}
	for _, mem := range got.MitigationSet.Members {
		set[mem.Mitigation.ID] = true
	}
	for i, p := range got.Paths {
		hit := false
		for _, x := range p.Techniques {
			hit = hit || slices.ContainsFunc(m.covers(x.ID, false), func(mit string) bool { return set[mit] })
		}
		if !hit && !slices.Contains(got.Unbreakable, p.ID) {
			t.Errorf("path %d is neither broken by %v nor listed as unbreakable", i+1, set)
		}
	}
}

var rawMaturityRank = map[string]int{"realized": 3, "demonstrated": 2, "feasible": 1}

// TestAnalyzeGapsMatchesRaw lists the techniques no mitigation names, ranked
// by maturity, then by case studies using them, then by id.
func TestAnalyzeGapsMatchesRaw(t *testing.T) {
	env, raw := analyzeEnv(t)
	m := newRawModel(raw)
	used := map[string][]string{}
	for cs, steps := range raw.Steps {
		seen := map[string]bool{}
		for _, s := range steps {
			if !seen[s.Technique] {
				seen[s.Technique] = true
				used[s.Technique] = append(used[s.Technique], cs)
			}
		}
	}
	type gap struct {
		ID, Name, maturity string
		CaseStudies        []string
	}
	var want []gap
	for id, name := range raw.Techniques {
		if len(m.covers(id, false)) == 0 {
			cases := used[id]
			sort.Strings(cases)
			want = append(want, gap{ID: id, Name: name, maturity: raw.Maturity[id], CaseStudies: cases})
		}
	}
	sort.Slice(want, func(i, j int) bool {
		a, b := want[i], want[j]
		if ra, rb := rawMaturityRank[strings.ToLower(a.maturity)], rawMaturityRank[strings.ToLower(b.maturity)]; ra != rb {
			return ra > rb
		}
		if len(a.CaseStudies) != len(b.CaseStudies) {
			return len(a.CaseStudies) > len(b.CaseStudies)
		}
		return a.ID < b.ID
	})
	var got gapsJSON
	analyzeJSON(t, env, &got, "gaps")
	var gaps []gap
	for _, g := range got.Techniques {
		if g.CaseStudyCount != len(g.CaseStudies) {
			t.Errorf("%s: caseStudyCount %d, %d case studies", g.Technique.ID, g.CaseStudyCount, len(g.CaseStudies))
		}
		gaps = append(gaps, gap{ID: g.Technique.ID, Name: g.Technique.Name, CaseStudies: g.CaseStudies})
	}
	if got.Release != "2026.05" {
		t.Errorf("release %q", got.Release)
	}
	if diff := cmp.Diff(want, gaps, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(gap{})); diff != "" {
		t.Errorf("gaps (-file +cli):\n%s", diff)
	}
}

// TestAnalyzeChokePointsMatchesRaw checks the case-study side of the choke
// points: which case studies use each technique, and which each mitigation
// breaks alone (every 2026.05 chain is linear, so a mitigation breaks a case
// study exactly when it covers one of its steps).
func TestAnalyzeChokePointsMatchesRaw(t *testing.T) {
	env, raw := analyzeEnv(t)
	m := newRawModel(raw)
	techCases, mitCases := map[string][]string{}, map[string][]string{}
	for cs, steps := range raw.Steps {
		if len(m.routes(cs)) != 1 {
			t.Fatalf("%s branches; this test assumes linear chains", cs)
		}
		seenT, seenM := map[string]bool{}, map[string]bool{}
		for _, s := range steps {
			if !seenT[s.Technique] {
				seenT[s.Technique] = true
				techCases[s.Technique] = append(techCases[s.Technique], cs)
			}
			for _, mit := range m.covers(s.Technique, false) {
				if !seenM[mit] {
					seenM[mit] = true
					mitCases[mit] = append(mitCases[mit], cs)
				}
			}
		}
	}
	var got chokeJSON
	analyzeJSON(t, env, &got, "choke-points", "--limit", "1000", "--paths", "0")
	if got.PathsCounted != 0 || got.Release != "2026.05" {
		t.Errorf("%d paths counted, release %q; want none, 2026.05", got.PathsCounted, got.Release)
	}
	gotT, gotM := map[string]int{}, map[string]int{}
	for i, tc := range got.Techniques {
		gotT[tc.Technique.ID] = tc.Chains
		if i > 0 && tc.Chains > got.Techniques[i-1].Chains {
			t.Errorf("technique %d (%s) is on more case studies than the one before", i+1, tc.Technique.ID)
		}
	}
	for i, mc := range got.Mitigations {
		gotM[mc.Mitigation.ID] = mc.BreaksChains
		if i > 0 && mc.BreaksChains > got.Mitigations[i-1].BreaksChains {
			t.Errorf("mitigation %d (%s) breaks more case studies than the one before", i+1, mc.Mitigation.ID)
		}
	}
	counts := func(m map[string][]string) map[string]int {
		out := map[string]int{}
		for k, v := range m {
			out[k] = len(v)
		}
		return out
	}
	if diff := cmp.Diff(counts(techCases), gotT); diff != "" {
		t.Errorf("case studies per technique (-file +cli):\n%s", diff)
	}
	if diff := cmp.Diff(counts(mitCases), gotM); diff != "" {
		t.Errorf("case studies each mitigation breaks (-file +cli):\n%s", diff)
	}

	// With paths, the paths counted are those analyze paths returns.
	var withPaths chokeJSON
	analyzeJSON(t, env, &withPaths, "choke-points", "--limit", "3", "--paths", "20")
	var paths pathsJSON
	analyzeJSON(t, env, &paths, "paths", "--from", "AML.TA0002", "--to", "AML.TA0011", "--limit", "20")
	if withPaths.PathsCounted != len(paths.Paths) {
		t.Errorf("choke-points counted %d paths; analyze paths --from AML.TA0002 --to AML.TA0011 returns %d", withPaths.PathsCounted, len(paths.Paths))
	}
	if len(withPaths.Techniques) != 3 || len(withPaths.Mitigations) != 3 {
		t.Errorf("--limit 3 gave %d techniques and %d mitigations", len(withPaths.Techniques), len(withPaths.Mitigations))
	}
}

// TestAnalyzeText checks that each text report names the release and its
// evidence, and reads as sentences.
func TestAnalyzeText(t *testing.T) {
	env, _ := analyzeEnv(t)
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"chain", "--case-study", "AML.CS0000"}, []string{
			`Chain of case study AML.CS0000 "Evasion of Deep Learning Detector for Malware C&C Traffic", ATLAS release 2026.05: 6 steps.`,
			"S00  Reconnaissance", "NOT COVERED", "breaks at S01", "Steps no mitigation covers: S00.", "Evidence: case study AML.CS0000."}},
		{[]string{"chain", "--techniques", "AML.T0051.001,AML.T0053"}, []string{
			"Chain of the 2 techniques given, ATLAS release 2026.05.", "Evidence: the technique list given",
			"S00 → S01 (AML.T0051.001 → AML.T0053): seen in AML.CS0026"}},
		{[]string{"minimal-set"}, []string{"of ATLAS release 2026.05", "no cheaper set exists", "cannot be broken by any allowed mitigation",
			"Evidence: all 57 case studies with steps, AML.CS0000 to AML.CS0056."}},
		{[]string{"paths", "--from", "AML.TA0002", "--to", "AML.TA0011", "--limit", "3"}, []string{
			"Attack paths in ATLAS release 2026.05 from tactic AML.TA0002 Reconnaissance", "1. path-1:", "Evidence: case studies AML.CS"}},
		{[]string{"choke-points", "--limit", "3"}, []string{"Choke points of ATLAS release 2026.05 over 57 case studies", "1     AML.T"}},
		{[]string{"gaps", "--limit", "3"}, []string{"Techniques no mitigation covers in ATLAS release 2026.05:", "Realized", "raise --limit"}},
		{[]string{"chain", "--case-study", "AML.CS0000", "--inherit-from-parent"}, []string{"a mitigation of a parent technique also covers its sub-techniques"}},
		// Names are accepted where ids are, as show accepts them.
		{[]string{"chain", "--case-study", "PoisonGPT"}, []string{`Chain of case study AML.CS0019 "PoisonGPT"`}},
		{[]string{"paths", "--from", "Reconnaissance", "--to", "impact", "--limit", "1"}, []string{"from tactic AML.TA0002 Reconnaissance", "to tactic AML.TA0011 Impact"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, _, err := runCLI(t, env, append([]string{"analyze"}, tc.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestAnalyzeErrors checks that mistakes are named with what to do, and that
// command-line mistakes exit 2 before Neo4j is asked anything.
func TestAnalyzeErrors(t *testing.T) {
	env, _ := analyzeEnv(t)
	tests := []struct {
		args  []string
		code  int
		wants []string
	}{
		{[]string{"chain", "--case-study", "AML.CS9999"}, 1, []string{`case study "AML.CS9999" is not in release 2026.05`, "AML.CS0000 to AML.CS0056", "atlasgraph releases", "atlasgraph search"}},
		{[]string{"chain", "--techniques", "AML.T0000,AML.T9999"}, 1, []string{`technique "AML.T9999" is not in release 2026.05`}},
		{[]string{"chain"}, 2, []string{"--case-study ID or --techniques"}},
		{[]string{"chain", "--case-study", "AML.CS0000", "--techniques", "AML.T0000"}, 2, []string{"not both"}},
		{[]string{"minimal-set", "--require", "AML.M9999"}, 1, []string{`mitigation "AML.M9999" is not in release 2026.05`, "AML.M0000 to AML.M0034"}},
		{[]string{"minimal-set", "--case-studies", "AML.CS0000,AML.CS7777"}, 1, []string{`case study "AML.CS7777" is not in release 2026.05`}},
		{[]string{"minimal-set", "--cost", "AML.M0000=-1"}, 2, []string{"positive number"}},
		{[]string{"minimal-set", "--cost", "AML.M0099=2"}, 1, []string{`mitigation "AML.M0099" is not in release 2026.05`}},
		{[]string{"minimal-set", "--alternatives", "101"}, 2, []string{"alternatives must be between 0 and 100, got 101"}},
		{[]string{"minimal-set", "--budget", "0"}, 2, []string{"budget must be between 1 and"}},
		{[]string{"minimal-set", "--require", "AML.M0000", "--exclude", "AML.M0000"}, 2, []string{"both required and excluded"}},
		{[]string{"paths", "--from", "AML.TA0002"}, 2, []string{"--from ID and --to ID"}},
		{[]string{"paths", "--from", "AML.TA0002", "--to", "AML.TA0099"}, 1, []string{`tactic or technique "AML.TA0099" is not in release 2026.05`}},
		{[]string{"paths", "--from", "AML.TA0002", "--to", "AML.TA0011", "--max-hops", "9"}, 2, []string{"max hops must be between 1 and 8, got 9"}},
		{[]string{"paths", "--from", "AML.TA0002", "--to", "AML.TA0011", "--limit", "501"}, 2, []string{"limit must be between 1 and 500, got 501"}},
		{[]string{"paths", "--from", "AML.TA0002", "--to", "AML.TA0011", "--exclude-mitigated-by", "AML.M0100"}, 1, []string{`mitigation "AML.M0100" is not in release 2026.05`}},
		{[]string{"choke-points", "--limit", "0"}, 2, []string{"limit must be between 1 and 1000, got 0"}},
		{[]string{"gaps", "--release", "1999.01"}, 1, []string{`release "1999.01" is not loaded; see atlasgraph releases`}},
		{[]string{"frobnicate"}, 2, []string{`unknown command "frobnicate" for "atlasgraph analyze"`}},
		{[]string{"gaps", "extra"}, 2, []string{"takes no arguments"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err := runCLI(t, env, append([]string{"analyze"}, tc.args...)...)
			if err == nil {
				t.Fatal("no error")
			}
			if exitCode(err) != tc.code {
				t.Errorf("exit code %d; want %d (%v)", exitCode(err), tc.code, err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	out, _, err := runCLI(t, nil, "analyze")
	if err != nil || !strings.Contains(out, "minimal-set  The least-cost set") {
		t.Errorf("analyze without a command: %v, %q", err, out)
	}
}
