package threatmodel

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/atlasgraph/atlasgraph/analysis"
)

// maxRecommendRounds bounds the lazy constraint generation of [eval.recommend];
// each round adds at least one open path, so hitting it is only possible
// on graphs far larger than ATLAS's.
const maxRecommendRounds = 200

// pathsPerRound is how many open paths one round adds at most.
const pathsPerRound = 25

// recommend is phase 4: the least-cost set of further mitigations that
// breaks every open incident and every residual path within the hop bound,
// all of them, not only the listed ones. It solves over the open incidents,
// then looks for a path the answer leaves open, adds it, and solves again,
// until none is left. Paths no allowed mitigation can cut are reported as
// unbreakable and never added.
func (e *eval) recommend(ctx context.Context) error {
	e.rep.RecommendationOptimal = true
	know := e.candidateKnowledge()
	cuttable := map[string]bool{} // techniques some allowed mitigation cuts
	for mid, ts := range know.Mitigates {
		if mid == inPlace {
			continue
		}
		for _, t := range ts {
			cuttable[t] = true
		}
	}
	var chains []analysis.Chain
	for _, ic := range e.incChains {
		if ic.open {
			chains = append(chains, ic.chain)
		}
	}
	// The listed residual paths are constraints from the start: every one
	// the solver can break is broken, and the others are reported.
	for _, rp := range e.rep.ResidualPaths {
		if !rp.Accepted {
			ch := analysis.ChainFromTechniques(rp.Techniques)
			ch.ID = rp.ID
			chains = append(chains, ch)
		}
	}
	req := analysis.SetRequest{Require: []string{inPlace}, Costs: e.costs(know), Exclude: e.excluded(know)}
	seen := map[string]bool{}
	for _, rp := range e.rep.ResidualPaths {
		seen[strings.Join(rp.Techniques, " ")] = true
	}
	var res analysis.SetResult
	generated := 0
	for round := 0; ; round++ {
		if len(chains) == 0 {
			return nil
		}
		var err error
		res, err = analysis.MinimalMitigationSet(ctx, chains, know, analysis.Options{}, req)
		if err != nil {
			return fmt.Errorf("recommended mitigations: %w", err)
		}
		if !res.Optimal {
			e.rep.RecommendationOptimal = false
		}
		chosen := map[string]bool{}
		for _, mem := range res.Best.Members {
			if mem.Mitigation != inPlace {
				chosen[mem.Mitigation] = true
			}
		}
		found := e.openPaths(chosen, cuttable, pathsPerRound)
		added := 0
		for _, p := range found {
			key := strings.Join(p, " ")
			if seen[key] {
				continue
			}
			seen[key] = true
			generated++
			ch := analysis.ChainFromTechniques(p)
			ch.ID = fmt.Sprintf("open-path-%d", generated)
			chains = append(chains, ch)
			added++
		}
		if added == 0 {
			break
		}
		if round == maxRecommendRounds || ctx.Err() != nil {
			e.rep.RecommendationOptimal = false
			break
		}
	}
	e.orderRecommendations(res, chains, know)
	for _, u := range res.Unbreakable {
		if strings.HasPrefix(u.ChainID, "open-path-") {
			continue
		}
		var techs []string
		for _, ch := range chains {
			if ch.ID != u.ChainID {
				continue
			}
			byStep := map[string]string{}
			for _, s := range ch.Steps {
				byStep[s.ID] = s.Technique
			}
			for _, s := range u.Route {
				// A near incident's steps that do not apply here are blank
				// pass-throughs: the route is judged on the applicable ones.
				if byStep[s] == "" {
					continue
				}
				techs = append(techs, e.techOfPseudo(byStep[s]))
			}
		}
		e.rep.Unbreakable = append(e.rep.Unbreakable, UnbreakableItem{ID: u.ChainID, Techniques: nonNil(techs)})
	}
	sort.Slice(e.rep.Unbreakable, func(i, j int) bool { return e.rep.Unbreakable[i].ID < e.rep.Unbreakable[j].ID })
	return nil
}

// techOfPseudo turns an incident step's pseudo technique ("CS/STEP") back
// into its technique; a plain technique id is returned as is.
func (e *eval) techOfPseudo(p string) string {
	if cs, step, ok := strings.Cut(p, "/"); ok {
		for _, ic := range e.incChains {
			if ic.chain.ID != cs {
				continue
			}
			for _, si := range ic.steps {
				if si.id == step {
					return si.technique
				}
			}
		}
	}
	return p
}

// candidateKnowledge maps every mitigation of the release to what
// implementing it on every component would cut: open applicable techniques
// (for paths) and open incident steps (their pseudo techniques). inPlace
// holds what is already cut or accepted.
func (e *eval) candidateKnowledge() analysis.Knowledge {
	k := analysis.Knowledge{Mitigates: map[string][]string{}}
	var done []string
	for _, t := range e.ids {
		if e.status[t] != StatusResidual {
			done = append(done, t)
		}
	}
	for _, mid := range e.links.Mitigations {
		k.Mitigates[mid] = nil
	}
	for _, t := range e.ids {
		if e.status[t] != StatusResidual {
			continue
		}
		side := e.byTech[t].Side
		for _, le := range e.byTech[t].Effects {
			if e.cutsEverywhere(le, t, side) {
				k.Mitigates[le.Mitigation] = append(k.Mitigates[le.Mitigation], t)
			}
		}
	}
	for _, ic := range e.incChains {
		if !ic.open {
			continue
		}
		for _, si := range ic.steps {
			if !si.applicable {
				continue
			}
			if _, ok := e.stepCut(si.technique, si.side); ok || e.accepted[si.technique] {
				done = append(done, si.pseudo)
				continue
			}
			for _, le := range e.byTech[si.technique].Effects {
				if e.cutsEverywhere(le, si.technique, si.side) {
					k.Mitigates[le.Mitigation] = append(k.Mitigates[le.Mitigation], si.pseudo)
				}
			}
		}
	}
	k.Mitigates[inPlace] = done
	return k
}

func (e *eval) costs(k analysis.Knowledge) map[string]float64 {
	out := map[string]float64{}
	for mid, c := range e.m.Preferences.Costs {
		if _, ok := k.Mitigates[mid]; ok {
			out[mid] = c
		}
	}
	return out
}

func (e *eval) excluded(k analysis.Knowledge) []string {
	var out []string
	for _, mid := range e.m.Preferences.Exclude {
		if _, ok := k.Mitigates[mid]; ok && !slices.Contains(out, mid) {
			out = append(out, mid)
		}
	}
	return out
}

// openPaths finds up to limit attack paths, within the hop bound, from an
// entry to a goal technique over techniques still open once chosen is
// implemented everywhere, not accepted, each through at least one
// technique some allowed mitigation cuts. Paths follow the release's
// transitions, never repeat a technique and take at least one hop, as
// residual paths do.
func (e *eval) openPaths(chosen, cuttable map[string]bool, limit int) [][]string {
	open := e.openTechniques(chosen)
	for t := range e.accepted {
		delete(open, t)
	}
	adj := map[string][]string{}
	for _, tr := range e.in.Transitions {
		if tr.From != tr.To && open[tr.From] && open[tr.To] {
			adj[tr.From] = append(adj[tr.From], tr.To)
		}
	}
	goal := map[string]bool{}
	for _, t := range tacticTechs(e.in, GoalTactics, open) {
		goal[t] = true
	}
	starts := tacticTechs(e.in, EntryTactics, open)
	h := e.opt.MaxPathHops
	const far = 1 << 30
	// toGoal[v]: fewest hops from v to a goal (0 when v is one); toCut[v]:
	// fewest hops from v to a goal through a cuttable technique.
	toGoal, toCut := map[string]int{}, map[string]int{}
	for v := range open {
		toGoal[v], toCut[v] = far, far
		if goal[v] {
			toGoal[v] = 0
		}
	}
	for range h + 1 {
		for v := range open {
			for _, w := range adj[v] {
				toGoal[v] = min(toGoal[v], toGoal[w]+1)
			}
		}
	}
	for v := range open {
		if cuttable[v] {
			toCut[v] = toGoal[v]
		}
	}
	for range h + 1 {
		for v := range open {
			for _, w := range adj[v] {
				toCut[v] = min(toCut[v], toCut[w]+1)
			}
		}
	}
	var out [][]string
	path := []string{}
	onPath := map[string]bool{}
	var dfs func(v string, depth int, hasCut bool)
	dfs = func(v string, depth int, hasCut bool) {
		if len(out) >= limit {
			return
		}
		if depth > 0 && goal[v] && hasCut {
			out = append(out, slices.Clone(path))
		}
		if depth == h {
			return
		}
		for _, w := range adj[v] {
			if onPath[w] {
				continue
			}
			left := h - depth - 1
			wCut := hasCut || cuttable[w]
			if (wCut && toGoal[w] > left) || (!wCut && toCut[w] > left) {
				continue
			}
			onPath[w] = true
			path = append(path, w)
			dfs(w, depth+1, wCut)
			path = path[:len(path)-1]
			onPath[w] = false
			if len(out) >= limit {
				return
			}
		}
	}
	for _, s := range starts {
		onPath[s] = true
		path = append(path[:0], s)
		dfs(s, 0, cuttable[s])
		onPath[s] = false
	}
	return out
}

// orderRecommendations lists the chosen set in implementation order: each
// next item is the one adding most (incidents broken, then paths removed,
// then techniques cut), and says what it adds.
func (e *eval) orderRecommendations(res analysis.SetResult, chains []analysis.Chain, know analysis.Knowledge) {
	var left []string
	chainsOf := map[string][]string{}
	for _, mem := range res.Best.Members {
		if mem.Mitigation != inPlace {
			left = append(left, mem.Mitigation)
			chainsOf[mem.Mitigation] = mem.Chains
		}
	}
	// covered[chain] holds the step techniques cut so far on each chain.
	done := map[string]bool{}
	for _, t := range know.Mitigates[inPlace] {
		done[t] = true
	}
	brokenNow := func(ch analysis.Chain, cut map[string]bool) bool { return chainCut(ch, cut) }
	broken := map[string]bool{}
	for _, ch := range chains {
		if brokenNow(ch, done) {
			broken[ch.ID] = true
		}
	}
	techCut := map[string]bool{}
	for len(left) > 0 {
		type cand struct {
			id        string
			incidents []string
			paths     int
			techs     []string
			cut       map[string]bool
		}
		var best *cand
		for _, mid := range left {
			c := &cand{id: mid, cut: map[string]bool{}}
			for t := range done {
				c.cut[t] = true
			}
			for _, t := range know.Mitigates[mid] {
				c.cut[t] = true
			}
			for _, ch := range chains {
				if broken[ch.ID] || !brokenNow(ch, c.cut) {
					continue
				}
				if strings.Contains(ch.ID, "path-") {
					c.paths++
				} else {
					c.incidents = append(c.incidents, ch.ID)
				}
			}
			for _, t := range know.Mitigates[mid] {
				if !strings.Contains(t, "/") && !techCut[t] {
					c.techs = append(c.techs, t)
				}
			}
			better := best == nil ||
				len(c.incidents) > len(best.incidents) ||
				len(c.incidents) == len(best.incidents) && (c.paths > best.paths ||
					c.paths == best.paths && (len(c.techs) > len(best.techs) ||
						len(c.techs) == len(best.techs) && c.id < best.id))
			if better {
				best = c
			}
		}
		for t := range best.cut {
			done[t] = true
		}
		for _, ch := range chains {
			if !broken[ch.ID] && brokenNow(ch, done) {
				broken[ch.ID] = true
			}
		}
		for _, t := range best.techs {
			techCut[t] = true
		}
		left = slices.DeleteFunc(left, func(s string) bool { return s == best.id })
		slices.Sort(best.incidents)
		slices.Sort(best.techs)
		e.rep.RecommendedMitigations = append(e.rep.RecommendedMitigations, e.recommendation(best.id, chainsOf[best.id], know, Adds{IncidentsBroken: nonNil(best.incidents), ResidualPathsRemoved: best.paths, TechniquesCut: nonNil(best.techs)}))
	}
}

func (e *eval) recommendation(mid string, chains []string, know analysis.Knowledge, adds Adds) Recommendation {
	techs := map[string]bool{}
	effect := EffectDetect // only when every link it cuts with detects
	for _, t := range know.Mitigates[mid] {
		t = e.techOfPseudo(t)
		techs[t] = true
		for _, le := range e.byTech[t].Effects {
			if le.Mitigation == mid && le.Effect == EffectPrevent {
				effect = EffectPrevent
			}
		}
	}
	r := Recommendation{ID: mid, Name: e.mitName[mid], Effect: string(effect), Adds: adds, Techniques: sortedKeys(techs), Incidents: []string{}, Paths: []string{}}
	for _, c := range chains {
		switch {
		case strings.HasPrefix(c, "open-path-"):
		case strings.HasPrefix(c, "path-"):
			r.Paths = append(r.Paths, c)
		default:
			r.Incidents = append(r.Incidents, c)
			r.Evidence = append(r.Evidence, Evidence{Release: e.ver, CaseStudy: c, Effect: string(effect)})
		}
	}
	for _, t := range r.Techniques {
		ev := Evidence{Release: e.ver, Technique: t}
		for _, le := range e.byTech[t].Effects {
			if le.Mitigation == mid {
				ev.Effect, ev.ViaParent, ev.Rationale = string(le.Effect), le.ViaParent, le.Why
			}
		}
		r.Evidence = append(r.Evidence, ev)
	}
	return r
}

// chainCut reports whether every route of ch (from a step nothing leads to,
// to a step that leads nowhere) holds a step whose technique is in cut. The
// chains here are acyclic (case studies and paths the solver accepted).
func chainCut(ch analysis.Chain, cut map[string]bool) bool {
	idx := make(map[string]int, len(ch.Steps))
	for i, s := range ch.Steps {
		idx[s.ID] = i
	}
	hasPred := make([]bool, len(ch.Steps))
	for _, s := range ch.Steps {
		for _, n := range s.Next {
			if j, ok := idx[n]; ok {
				hasPred[j] = true
			}
		}
	}
	// open[i]: an uncut route runs from step i to a sink (0 unknown, 1
	// yes, 2 no).
	open := make([]int8, len(ch.Steps))
	var walk func(i int) bool
	walk = func(i int) bool {
		if open[i] != 0 {
			return open[i] == 1
		}
		open[i] = 2
		s := ch.Steps[i]
		if s.Technique != "" && cut[s.Technique] {
			return false
		}
		sink := true
		for _, n := range s.Next {
			j, ok := idx[n]
			if !ok {
				continue
			}
			sink = false
			if walk(j) {
				open[i] = 1
				return true
			}
		}
		if sink {
			open[i] = 1
		}
		return open[i] == 1
	}
	for i := range ch.Steps {
		if !hasPred[i] && walk(i) {
			return false
		}
	}
	return true
}
