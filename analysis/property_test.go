package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The brute-force oracles below share no code with the package: coverage walks
// parents with a step counter instead of a visited set, and "breaks" is a
// depth-first search from every source over uncovered steps.

// bruteCovers reports whether mitigation m covers technique tech.
func bruteCovers(k Knowledge, opts Options, m, tech string) bool {
	if tech == "" {
		return false
	}
	cur := tech
	for range len(k.Parents) + 1 {
		for _, x := range k.Mitigates[m] {
			if x == cur {
				return true
			}
		}
		if !opts.InheritFromParent {
			return false
		}
		p, ok := k.Parents[cur]
		if !ok || p == "" {
			return false
		}
		cur = p
	}
	return false
}

// bruteOpen reports whether some source-to-sink route avoids every covered
// step, by depth-first search.
func bruteOpen(ch Chain, covered func(Step) bool) bool {
	byID := map[string]Step{}
	hasIn := map[string]bool{}
	for _, s := range ch.Steps {
		byID[s.ID] = s
		for _, n := range s.Next {
			hasIn[n] = true
		}
	}
	var dfs func(s Step) bool
	dfs = func(s Step) bool {
		if covered(s) {
			return false
		}
		if len(s.Next) == 0 {
			return true
		}
		for _, n := range s.Next {
			if dfs(byID[n]) {
				return true
			}
		}
		return false
	}
	for _, s := range ch.Steps {
		if !hasIn[s.ID] && dfs(s) {
			return true
		}
	}
	return false
}

// bruteBreaks reports whether the mitigations in set break ch.
func bruteBreaks(ch Chain, k Knowledge, opts Options, set []string) bool {
	return !bruteOpen(ch, func(s Step) bool {
		for _, m := range set {
			if bruteCovers(k, opts, m, s.Technique) {
				return true
			}
		}
		return false
	})
}

// bruteOrder is the topological order taking the smallest ready id each time.
func bruteOrder(ch Chain) []string {
	placed := map[string]bool{}
	var order []string
	for len(order) < len(ch.Steps) {
		best := ""
		for _, s := range ch.Steps {
			if placed[s.ID] {
				continue
			}
			ready := true
			for _, p := range ch.Steps {
				if !placed[p.ID] && slices.Contains(p.Next, s.ID) {
					ready = false
				}
			}
			if ready && (best == "" || s.ID < best) {
				best = s.ID
			}
		}
		placed[best] = true
		order = append(order, best)
	}
	return order
}

type randomInstance struct {
	chains  []Chain
	know    Knowledge
	mits    []string
	costs   map[string]float64
	require []string
	exclude []string
}

func randomTechniques(r *rand.Rand) ([]string, map[string]string) {
	var techs []string
	parents := map[string]string{}
	for p := range 1 + r.IntN(5) {
		pid := fmt.Sprintf("T%d", p)
		techs = append(techs, pid)
		for s := range r.IntN(3) {
			sid := fmt.Sprintf("%s.%03d", pid, s+1)
			techs = append(techs, sid)
			parents[sid] = pid
		}
	}
	return techs, parents
}

// randomChain returns a random DAG of 1..maxSteps steps with shuffled ids.
func randomChain(r *rand.Rand, id string, techs []string, maxSteps int) Chain {
	n := 1 + r.IntN(maxSteps)
	ids := r.Perm(26)[:n]
	ch := Chain{ID: id}
	density := 0.2 + 0.5*r.Float64()
	for i := range n {
		s := Step{ID: string(rune('a' + ids[i]))}
		if r.IntN(8) > 0 {
			s.Technique = techs[r.IntN(len(techs))]
		}
		for j := i + 1; j < n; j++ {
			if r.Float64() < density {
				s.Next = append(s.Next, string(rune('a'+ids[j])))
			}
		}
		ch.Steps = append(ch.Steps, s)
	}
	r.Shuffle(len(ch.Steps), func(i, j int) { ch.Steps[i], ch.Steps[j] = ch.Steps[j], ch.Steps[i] })
	return ch
}

func newRandomInstance(r *rand.Rand) randomInstance {
	techs, parents := randomTechniques(r)
	in := randomInstance{
		know:  Knowledge{Mitigates: map[string][]string{}, Parents: parents},
		costs: map[string]float64{},
	}
	cover := 0.1 + 0.3*r.Float64()
	for m := range 1 + r.IntN(8) {
		id := fmt.Sprintf("M%d", m)
		in.mits = append(in.mits, id)
		in.know.Mitigates[id] = nil
		for _, t := range techs {
			if r.Float64() < cover {
				in.know.Mitigates[id] = append(in.know.Mitigates[id], t)
			}
		}
		switch r.IntN(3) {
		case 0: // default cost 1
		case 1:
			in.costs[id] = float64(1 + r.IntN(3))
		default:
			in.costs[id] = 0.1 + 3*r.Float64()
		}
		switch x := r.IntN(12); {
		case x == 0:
			in.require = append(in.require, id)
		case x <= 2:
			in.exclude = append(in.exclude, id)
		}
	}
	for c := range 1 + r.IntN(5) {
		in.chains = append(in.chains, randomChain(r, fmt.Sprintf("C%d", c), techs, 7))
	}
	return in
}

func TestChainMitigationsMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const instances = 3000
	for iter := range instances {
		in := newRandomInstance(r)
		ch := in.chains[0]
		opts := Options{InheritFromParent: iter%2 == 1}
		rep, err := ChainMitigations(context.Background(), ch, in.know, opts)
		if err != nil {
			t.Fatalf("instance %d: %v", iter, err)
		}
		order := bruteOrder(ch)
		if !slices.Equal(rep.Order, order) {
			t.Fatalf("instance %d: Order = %v, want %v", iter, rep.Order, order)
		}
		byID := map[string]Step{}
		for _, s := range ch.Steps {
			byID[s.ID] = s
		}
		coveredByAny := func(s Step) bool {
			for _, m := range in.mits {
				if bruteCovers(in.know, opts, m, s.Technique) {
					return true
				}
			}
			return false
		}
		var uncovered []string
		for _, id := range order {
			if !coveredByAny(byID[id]) {
				uncovered = append(uncovered, id)
			}
		}
		if !slices.Equal(rep.UncoveredSteps, uncovered) {
			t.Fatalf("instance %d: UncoveredSteps = %v, want %v", iter, rep.UncoveredSteps, uncovered)
		}
		if want := !bruteOpen(ch, coveredByAny); rep.Breakable != want {
			t.Fatalf("instance %d: Breakable = %v, want %v", iter, rep.Breakable, want)
		}
		if !rep.Breakable {
			checkRoute(t, ch, rep.OpenRoute, func(s Step) bool { return !coveredByAny(s) })
		}

		listed := map[string]MitigationHits{}
		for _, h := range rep.Breakers {
			listed[h.Mitigation] = h
		}
		partial := map[string]MitigationHits{}
		for _, h := range rep.Partial {
			partial[h.Mitigation] = h
		}
		for _, m := range in.mits {
			var hits []string
			for _, id := range order {
				if bruteCovers(in.know, opts, m, byID[id].Technique) {
					hits = append(hits, id)
				}
			}
			breaks := bruteBreaks(ch, in.know, opts, []string{m})
			h, isBreaker := listed[m]
			p, isPartial := partial[m]
			switch {
			case breaks && !isBreaker:
				t.Fatalf("instance %d: %s breaks chain %+v alone but is not listed", iter, m, ch)
			case !breaks && isBreaker:
				t.Fatalf("instance %d: %s is listed but does not break chain %+v alone", iter, m, ch)
			case !breaks && len(hits) > 0 && !isPartial:
				t.Fatalf("instance %d: %s hits %v but is not in Partial", iter, m, hits)
			case isPartial && !slices.Equal(p.Steps, hits):
				t.Fatalf("instance %d: %s Partial steps %v, want %v", iter, m, p.Steps, hits)
			}
			if !breaks {
				continue
			}
			if !slices.Equal(h.Steps, hits) {
				t.Fatalf("instance %d: %s steps %v, want %v", iter, m, h.Steps, hits)
			}
			// The earliest break: the first prefix of the order whose hits cut every route.
			want := ""
			for i, id := range order {
				prefix := order[:i+1]
				if !bruteOpen(ch, func(s Step) bool {
					return slices.Contains(prefix, s.ID) && bruteCovers(in.know, opts, m, s.Technique)
				}) {
					want = id
					break
				}
			}
			if h.BreaksAt != want {
				t.Fatalf("instance %d: %s BreaksAt = %q, want %q (chain %+v)", iter, m, h.BreaksAt, want, ch)
			}
		}
		pos := map[string]int{}
		for i, id := range order {
			pos[id] = i
		}
		if !slices.IsSortedFunc(rep.Breakers, func(a, b MitigationHits) int {
			if d := pos[a.BreaksAt] - pos[b.BreaksAt]; d != 0 {
				return d
			}
			if a.Mitigation < b.Mitigation {
				return -1
			}
			return 1
		}) {
			t.Fatalf("instance %d: Breakers not ordered by BreaksAt then id: %+v", iter, rep.Breakers)
		}
	}
}

// checkRoute fails unless route is a source-to-sink route of ch whose every
// step satisfies ok.
func checkRoute(t *testing.T, ch Chain, route []string, ok func(Step) bool) {
	t.Helper()
	byID := map[string]Step{}
	hasIn := map[string]bool{}
	for _, s := range ch.Steps {
		byID[s.ID] = s
		for _, n := range s.Next {
			hasIn[n] = true
		}
	}
	if len(route) == 0 || hasIn[route[0]] || len(byID[route[len(route)-1]].Next) != 0 {
		t.Fatalf("route %v of chain %s does not run from a source to a sink", route, ch.ID)
	}
	for i, id := range route {
		s, found := byID[id]
		if !found || !ok(s) {
			t.Fatalf("route %v of chain %s: step %q is unknown or covered", route, ch.ID, id)
		}
		if i > 0 && !slices.Contains(byID[route[i-1]].Next, id) {
			t.Fatalf("route %v of chain %s: %q does not lead to %q", route, ch.ID, route[i-1], id)
		}
	}
}

// bruteMinimal returns the in-scope chains, the least cost and every optimal
// set, by enumerating all subsets of the allowed mitigations.
func bruteMinimal(in randomInstance, opts Options) (scope []Chain, unbreakable []string, best float64, optimal [][]string) {
	var allowed []string
	for _, m := range in.mits {
		if !slices.Contains(in.exclude, m) {
			allowed = append(allowed, m)
		}
	}
	for _, ch := range in.chains {
		if bruteBreaks(ch, in.know, opts, allowed) {
			scope = append(scope, ch)
		} else {
			unbreakable = append(unbreakable, ch.ID)
		}
	}
	best = math.Inf(1)
	for mask := range 1 << len(allowed) {
		var s []string
		cost := 0.0
		for i, m := range allowed {
			if mask&(1<<i) != 0 {
				s = append(s, m)
				c, ok := in.costs[m]
				if !ok {
					c = 1
				}
				cost += c
			}
		}
		missing := false
		for _, m := range in.require {
			if !slices.Contains(s, m) {
				missing = true
			}
		}
		if missing {
			continue
		}
		ok := true
		for _, ch := range scope {
			if !bruteBreaks(ch, in.know, opts, s) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		switch {
		case cost < best-1e-9:
			best, optimal = cost, [][]string{s}
		case cost <= best+1e-9:
			optimal = append(optimal, s)
		}
	}
	return scope, unbreakable, best, optimal
}

func TestMinimalMitigationSetMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const instances = 4000
	var stopped, capped, withAlternatives, cancelled int
	done, cancel := context.WithCancel(context.Background())
	cancel()
	defer func(p int, c bool) { probeNodes, rootCuts = p, c }(probeNodes, rootCuts)
	for iter := range instances {
		// Every sixth also adds zero-half cuts at the LP phase's root.
		rootCuts = iter%6 == 5
		// One instance in three skips the first phase of the search, so
		// that the root LP and its fixing are checked on small instances.
		probeNodes = 3000
		if iter%3 == 2 {
			probeNodes = 1
		}
		in := newRandomInstance(r)
		opts := Options{InheritFromParent: iter%2 == 1}
		req := SetRequest{Costs: in.costs, Require: in.require, Exclude: in.exclude, Alternatives: r.IntN(4)}
		if iter%5 == 0 {
			req.Budget = 1 + r.IntN(4)
		}
		if iter%7 == 0 {
			req.MaxRouteSets = 1 + r.IntN(2)
		}
		ctx := context.Background()
		if iter%11 == 3 {
			ctx = done // a request whose client has gone: answer what it has
		}
		got, err := MinimalMitigationSet(ctx, in.chains, in.know, opts, req)
		if err != nil {
			t.Fatalf("instance %d: %v", iter, err)
		}
		if got.Optimal != (got.Stopped == "") {
			t.Fatalf("instance %d: Optimal %v with Stopped %q", iter, got.Optimal, got.Stopped)
		}
		if got.Stopped == StopCancelled {
			cancelled++
		}
		scope, unbreakable, best, optimal := bruteMinimal(in, opts)

		var scopeIDs, gotUnbreakable []string
		for _, ch := range scope {
			scopeIDs = append(scopeIDs, ch.ID)
		}
		for _, u := range got.Unbreakable {
			gotUnbreakable = append(gotUnbreakable, u.ChainID)
			ch := in.chains[slices.IndexFunc(in.chains, func(c Chain) bool { return c.ID == u.ChainID })]
			checkRoute(t, ch, u.Route, func(s Step) bool {
				for _, m := range in.mits {
					if !slices.Contains(in.exclude, m) && bruteCovers(in.know, opts, m, s.Technique) {
						return false
					}
				}
				return true
			})
		}
		if !slices.Equal(got.InScope, scopeIDs) || !slices.Equal(gotUnbreakable, unbreakable) {
			t.Fatalf("instance %d: scope %v / unbreakable %v, want %v / %v", iter, got.InScope, gotUnbreakable, scopeIDs, unbreakable)
		}
		if len(got.RouteCapHit) > 0 {
			capped++
		}

		tol := 1e-9 * (1 + best)
		sets := append([]MitigationSet{got.Best}, got.Alternatives...)
		seen := map[string]bool{}
		for _, s := range sets {
			ids := memberIDs(s)
			key := fmt.Sprint(ids)
			if seen[key] {
				t.Fatalf("instance %d: set %v returned twice", iter, ids)
			}
			seen[key] = true
			sum := 0.0
			for _, m := range s.Members {
				want, ok := in.costs[m.Mitigation]
				if !ok {
					want = 1
				}
				if m.Cost != want || m.Required != slices.Contains(in.require, m.Mitigation) {
					t.Fatalf("instance %d: member %+v has wrong cost or Required", iter, m)
				}
				if slices.Contains(in.exclude, m.Mitigation) {
					t.Fatalf("instance %d: set %v contains excluded %s", iter, ids, m.Mitigation)
				}
				sum += m.Cost
			}
			if math.Abs(sum-s.Cost) > tol || math.Abs(s.Cost-got.Best.Cost) > tol {
				t.Fatalf("instance %d: set %v costs %v (members sum %v), best %v", iter, ids, s.Cost, sum, got.Best.Cost)
			}
			for _, m := range in.require {
				if !slices.Contains(ids, m) {
					t.Fatalf("instance %d: set %v lacks required %s", iter, ids, m)
				}
			}
			for _, ch := range scope {
				if !bruteBreaks(ch, in.know, opts, ids) {
					t.Fatalf("instance %d: set %v does not break chain %+v", iter, ids, ch)
				}
			}
		}
		if got.LowerBound > best+tol || best > got.Best.Cost+tol {
			t.Fatalf("instance %d: LowerBound %v <= optimum %v <= Best.Cost %v does not hold", iter, got.LowerBound, best, got.Best.Cost)
		}
		if !got.Optimal {
			stopped++
			continue
		}
		if math.Abs(got.Best.Cost-best) > tol || math.Abs(got.LowerBound-best) > tol {
			t.Fatalf("instance %d: Best.Cost %v, LowerBound %v, want optimum %v", iter, got.Best.Cost, got.LowerBound, best)
		}
		if want := min(req.Alternatives+1, len(optimal)); len(sets) != want {
			t.Fatalf("instance %d: %d sets returned, want %d of the %d optimal sets", iter, len(sets), want, len(optimal))
		}
		if len(sets) > 1 {
			withAlternatives++
		}
	}
	t.Logf("%d instances: %d stopped (%d by cancellation), %d hit the route cap, %d with alternatives", instances, stopped, cancelled, capped, withAlternatives)
	if stopped == 0 || cancelled == 0 || capped == 0 || withAlternatives == 0 {
		t.Errorf("the random instances do not exercise every case")
	}
}

// brutePaths enumerates every qualifying path and sorts it by the documented
// ranking.
func brutePaths(ts []Transition, q PathQuery, k Knowledge, opts Options) []Path {
	type agg struct {
		count int
		cases map[string]bool
	}
	edges := map[string]map[string]*agg{}
	for _, t := range ts {
		if edges[t.From] == nil {
			edges[t.From] = map[string]*agg{}
		}
		a := edges[t.From][t.To]
		if a == nil {
			a = &agg{cases: map[string]bool{}}
			edges[t.From][t.To] = a
		}
		a.count += t.Count
		for _, c := range t.CaseStudies {
			a.cases[c] = true
		}
	}
	badMemo := map[string]bool{}
	bad := func(tech string) bool {
		v, ok := badMemo[tech]
		if !ok {
			for _, m := range q.ExcludeMitigatedBy {
				v = v || bruteCovers(k, opts, m, tech)
			}
			badMemo[tech] = v
		}
		return v
	}
	sortedCases := map[*agg][]string{}
	for _, tos := range edges {
		for _, a := range tos {
			var cases []string
			for c := range a.cases {
				cases = append(cases, c)
			}
			sort.Strings(cases)
			sortedCases[a] = cases
		}
	}
	var out []Path
	var walk func(p Path)
	walk = func(p Path) {
		last := p.Techniques[len(p.Techniques)-1]
		if len(p.Hops) > 0 && slices.Contains(q.To, last) {
			out = append(out, p)
		}
		if len(p.Hops) == q.MaxHops {
			return
		}
		for to, a := range edges[last] {
			if a.count < q.MinSupport || slices.Contains(p.Techniques, to) || bad(to) {
				continue
			}
			cases := sortedCases[a]
			np := Path{
				Techniques:   append(slices.Clone(p.Techniques), to),
				Hops:         append(slices.Clone(p.Hops), Hop{From: last, To: to, Count: a.count, CaseStudies: cases}),
				TotalSupport: p.TotalSupport + a.count,
				MinSupport:   a.count,
			}
			if len(p.Hops) > 0 {
				np.MinSupport = min(p.MinSupport, a.count)
			}
			walk(np)
		}
	}
	starts := slices.Clone(q.From)
	sort.Strings(starts)
	starts = slices.Compact(starts)
	for _, s := range starts {
		if !bad(s) {
			walk(Path{Techniques: []string{s}})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.MinSupport != b.MinSupport {
			return a.MinSupport > b.MinSupport
		}
		if a.TotalSupport != b.TotalSupport {
			return a.TotalSupport > b.TotalSupport
		}
		if len(a.Hops) != len(b.Hops) {
			return len(a.Hops) < len(b.Hops)
		}
		return slices.Compare(a.Techniques, b.Techniques) < 0
	})
	for i := range out {
		out[i].ID = fmt.Sprintf("path-%d", i+1)
		if len(out[i].Hops) == 0 {
			out[i].Hops = nil
		}
	}
	return out
}

func randomTransitions(r *rand.Rand, techs []string) []Transition {
	var ts []Transition
	density := 0.1 + 0.35*r.Float64()
	for _, a := range techs {
		for _, b := range techs {
			if r.Float64() >= density {
				continue
			}
			t := Transition{From: a, To: b, Count: r.IntN(5)}
			for range t.Count {
				t.CaseStudies = append(t.CaseStudies, fmt.Sprintf("CS%d", r.IntN(6)))
			}
			ts = append(ts, t)
			if r.IntN(10) == 0 { // the same transition reported twice
				ts = append(ts, Transition{From: a, To: b, Count: 1, CaseStudies: []string{"CSX"}})
			}
		}
	}
	return ts
}

func pickSome(r *rand.Rand, from []string, p float64) []string {
	var out []string
	for _, x := range from {
		if r.Float64() < p {
			out = append(out, x)
		}
	}
	return out
}

func TestAttackPathsMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const instances = 2500
	var nonEmpty, truncated int
	for iter := range instances {
		techs, parents := randomTechniques(r)
		for i := range 4 {
			techs = append(techs, fmt.Sprintf("X%d", i))
		}
		know := Knowledge{Mitigates: map[string][]string{}, Parents: parents}
		var mits []string
		for m := range 1 + r.IntN(4) {
			id := fmt.Sprintf("M%d", m)
			mits = append(mits, id)
			know.Mitigates[id] = pickSome(r, techs, 0.2)
		}
		opts := Options{InheritFromParent: r.IntN(2) == 0}
		ts := randomTransitions(r, techs)
		q := PathQuery{
			From:               pickSome(r, techs, 0.4),
			To:                 pickSome(r, techs, 0.4),
			MaxHops:            1 + r.IntN(4),
			Limit:              MaxPathLimit,
			MinSupport:         r.IntN(3),
			ExcludeMitigatedBy: pickSome(r, mits, 0.2),
		}
		all := brutePaths(ts, q, know, opts)
		if r.IntN(3) == 0 {
			q.Limit = 1 + r.IntN(5)
		}
		if iter%10 == 0 {
			q.MaxExpansions = 1 + r.IntN(10)
		}
		got, err := AttackPaths(context.Background(), ts, q, know, opts)
		if err != nil {
			t.Fatalf("instance %d: %v", iter, err)
		}
		if len(got.Paths) > 0 {
			nonEmpty++
		}
		if got.Truncated {
			truncated++
			// A truncated search returns real paths, ranked, just maybe not the best.
			index := map[string]int{}
			for i, p := range all {
				index[fmt.Sprint(p.Techniques)] = i
			}
			last := -1
			for _, p := range got.Paths {
				i, ok := index[fmt.Sprint(p.Techniques)]
				if !ok || i <= last {
					t.Fatalf("instance %d: truncated result %v is not a ranked subset of the paths", iter, p.Techniques)
				}
				last = i
			}
			continue
		}
		want := all[:min(q.Limit, len(all))]
		if len(got.Paths) != len(want) {
			t.Fatalf("instance %d: %d paths, want %d", iter, len(got.Paths), len(want))
		}
		for i := range want {
			g, w := got.Paths[i], want[i]
			if !slices.Equal(g.Techniques, w.Techniques) || g.MinSupport != w.MinSupport || g.TotalSupport != w.TotalSupport || g.ID != w.ID {
				t.Fatalf("instance %d: path %d = %+v, want %+v", iter, i, g, w)
			}
			for h := range w.Hops {
				if g.Hops[h].Count != w.Hops[h].Count || !slices.Equal(g.Hops[h].CaseStudies, w.Hops[h].CaseStudies) {
					t.Fatalf("instance %d: path %d hop %d = %+v, want %+v", iter, i, h, g.Hops[h], w.Hops[h])
				}
			}
		}

		// The mitigation set breaks every returned path that can be broken.
		var allowed []string
		for _, m := range mits {
			if !slices.Contains(q.ExcludeMitigatedBy, m) {
				allowed = append(allowed, m)
			}
		}
		for _, p := range got.Paths {
			ch := Chain{ID: p.ID}
			for i, tech := range p.Techniques {
				s := Step{ID: fmt.Sprintf("%02d", i), Technique: tech}
				if i+1 < len(p.Techniques) {
					s.Next = []string{fmt.Sprintf("%02d", i+1)}
				}
				ch.Steps = append(ch.Steps, s)
			}
			breakable := bruteBreaks(ch, know, opts, allowed)
			if breakable == slices.Contains(got.Unbreakable, p.ID) {
				t.Fatalf("instance %d: path %s breakable=%v but Unbreakable=%v", iter, p.ID, breakable, got.Unbreakable)
			}
			if breakable && !bruteBreaks(ch, know, opts, memberIDs(got.Mitigation.Best)) {
				t.Fatalf("instance %d: set %v does not break path %v", iter, memberIDs(got.Mitigation.Best), p.Techniques)
			}
		}
	}
	t.Logf("%d instances: %d with paths, %d truncated", instances, nonEmpty, truncated)
	if nonEmpty < instances/4 || truncated == 0 {
		t.Errorf("the random instances do not exercise enough cases")
	}
}

// bruteCyclic reports whether ch's Next links (all known) contain a cycle,
// by trying, from every step, to walk back to it.
func bruteCyclic(ch Chain) bool {
	next := map[string][]string{}
	for _, s := range ch.Steps {
		next[s.ID] = s.Next
	}
	for _, s := range ch.Steps {
		seen := map[string]bool{}
		stack := slices.Clone(s.Next)
		for len(stack) > 0 {
			cur := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if cur == s.ID {
				return true
			}
			if !seen[cur] {
				seen[cur] = true
				stack = append(stack, next[cur]...)
			}
		}
	}
	return false
}

func TestChainValidationMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const instances = 3000
	var cycles, dangling int
	for iter := range instances {
		n := 1 + r.IntN(7)
		ch := Chain{ID: "C"}
		for i := range n {
			s := Step{ID: string(rune('a' + i)), Technique: "T1"}
			for j := range n {
				if r.IntN(5*n) < 4 {
					s.Next = append(s.Next, string(rune('a'+j)))
				}
			}
			ch.Steps = append(ch.Steps, s)
		}
		wantDangling := r.IntN(10) == 0
		if wantDangling {
			s := &ch.Steps[r.IntN(n)]
			s.Next = append(s.Next, "zz")
		}
		_, err := ChainMitigations(context.Background(), ch, Knowledge{Mitigates: map[string][]string{"M1": {"T1"}}}, Options{})
		switch {
		case wantDangling:
			dangling++
			if !errors.Is(err, ErrDanglingStep) {
				t.Fatalf("instance %d: error %v, want ErrDanglingStep for %+v", iter, err, ch)
			}
		case bruteCyclic(ch):
			cycles++
			if !errors.Is(err, ErrCycle) {
				t.Fatalf("instance %d: error %v, want ErrCycle for %+v", iter, err, ch)
			}
			// The loop named in the message is real.
			msg := err.Error()
			loop := strings.Fields(msg[strings.Index(msg, "steps ")+len("steps ") : strings.Index(msg, " form a loop")])
			for i := 0; i+2 < len(loop); i += 2 {
				from, to := loop[i], loop[i+2]
				step := ch.Steps[from[0]-'a']
				if !slices.Contains(step.Next, to) {
					t.Fatalf("instance %d: message %q names link %s -> %s that does not exist", iter, msg, from, to)
				}
			}
		case err != nil:
			t.Fatalf("instance %d: unexpected error %v for acyclic %+v", iter, err, ch)
		}
	}
	t.Logf("%d instances: %d with cycles, %d with dangling links", instances, cycles, dangling)
}

// TestPathGraphAnswersManyQuestions asks one PathGraph several random
// questions in turn, as a server asks the graph it keeps per release: each
// answer must be brute force's and equal to the answer of the function
// AttackPaths, which indexes the transitions afresh, so no question leaves
// anything behind in the graph for the next.
func TestPathGraphAnswersManyQuestions(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const instances = 400
	var compared int
	for iter := range instances {
		techs, parents := randomTechniques(r)
		know := Knowledge{Mitigates: map[string][]string{}, Parents: parents}
		var mits []string
		for m := range 1 + r.IntN(4) {
			id := fmt.Sprintf("M%d", m)
			mits = append(mits, id)
			know.Mitigates[id] = pickSome(r, techs, 0.2)
		}
		ts := randomTransitions(r, techs)
		g, err := NewPathGraph(ts)
		if err != nil {
			t.Fatalf("instance %d: %v", iter, err)
		}
		for question := range 5 {
			opts := Options{InheritFromParent: r.IntN(2) == 0}
			q := PathQuery{
				From:               pickSome(r, techs, 0.4),
				To:                 pickSome(r, techs, 0.4),
				MaxHops:            1 + r.IntN(4),
				Limit:              1 + r.IntN(8),
				MinSupport:         r.IntN(3),
				ExcludeMitigatedBy: pickSome(r, mits, 0.3),
			}
			if question == 4 {
				q.MaxExpansions = 1 + r.IntN(10)
			}
			got, err := g.AttackPaths(context.Background(), q, know, opts)
			if err != nil {
				t.Fatalf("instance %d, question %d: %v", iter, question, err)
			}
			fresh, err := AttackPaths(context.Background(), ts, q, know, opts)
			if err != nil {
				t.Fatalf("instance %d, question %d: %v", iter, question, err)
			}
			if diff := cmp.Diff(fresh, got, ignoreSearchTime); diff != "" {
				t.Fatalf("instance %d, question %d: the graph's answer differs from a fresh one (-fresh +graph):\n%s", iter, question, diff)
			}
			if got.Truncated {
				continue
			}
			all := brutePaths(ts, q, know, opts)
			want := all[:min(q.Limit, len(all))]
			if !slices.EqualFunc(got.Paths, want, func(a, b Path) bool {
				return slices.Equal(a.Techniques, b.Techniques) && a.MinSupport == b.MinSupport && a.TotalSupport == b.TotalSupport && a.ID == b.ID
			}) {
				t.Fatalf("instance %d, question %d: paths %v, want %v", iter, question, pathTechniques(got.Paths), pathTechniques(want))
			}
			compared++
		}
	}
	if compared < instances {
		t.Errorf("only %d answers compared with brute force", compared)
	}
}

// TestInputAttackPathsOnReleases asks attackPaths questions of ATLAS 2026.05
// and of the synthetic 10× release through Input.AttackPaths (transitions
// indexed once, kept between questions) and checks each answer against brute
// force over the release's transitions.
func TestInputAttackPathsOnReleases(t *testing.T) {
	for _, scale := range []int{1, 10} {
		in := releaseInput(t, scale)
		for _, c := range []struct {
			from, to   string
			hops       int
			minSupport int
			exclude    []string
			inherit    bool
		}{
			{"AML.TA0002", "AML.TA0011", 6, 1, nil, false},
			{"AML.TA0002", "AML.TA0011", 4, 1, nil, true},
			{"AML.TA0000", "AML.TA0011", 6, 2, nil, false},
			{"AML.TA0002", "AML.TA0011", 6, 1, []string{"AML.M0000", "AML.M0004"}, true},
			{"AML.TA0003", "AML.TA0005", 4, 1, []string{"AML.M0015"}, false},
		} {
			from, _ := in.Endpoints(c.from)
			to, _ := in.Endpoints(c.to)
			q := PathQuery{From: from, To: to, MaxHops: c.hops, Limit: 100, MinSupport: c.minSupport, ExcludeMitigatedBy: c.exclude}
			if scale > 1 {
				q.MaxHops = min(q.MaxHops, 3) // brute force enumerates every path
			}
			opts := Options{InheritFromParent: c.inherit}
			got, err := in.AttackPaths(context.Background(), q, opts)
			if err != nil {
				t.Fatalf("x%d %+v: %v", scale, c, err)
			}
			if got.Truncated {
				t.Fatalf("x%d %+v: truncated after %d expansions", scale, c, got.Expansions)
			}
			all := brutePaths(in.Transitions, q, in.Knowledge, opts)
			want := all[:min(q.Limit, len(all))]
			if len(want) == 0 {
				t.Fatalf("x%d %+v: no paths at all; the case tests nothing", scale, c)
			}
			if len(got.Paths) != len(want) {
				t.Fatalf("x%d %+v: %d paths, want %d", scale, c, len(got.Paths), len(want))
			}
			for i := range want {
				g, w := got.Paths[i], want[i]
				if !slices.Equal(g.Techniques, w.Techniques) || g.MinSupport != w.MinSupport || g.TotalSupport != w.TotalSupport || g.ID != w.ID {
					t.Fatalf("x%d %+v: path %d = %+v, want %+v", scale, c, i, g, w)
				}
				for h := range w.Hops {
					if g.Hops[h].Count != w.Hops[h].Count || !slices.Equal(g.Hops[h].CaseStudies, w.Hops[h].CaseStudies) {
						t.Fatalf("x%d %+v: path %d hop %d = %+v, want %+v", scale, c, i, h, g.Hops[h], w.Hops[h])
					}
				}
			}
		}
	}
}

// TestInputAttackPathsConcurrently asks one Input the same questions from
// several goroutines at once, the first of them building the path graph, as
// concurrent requests to a server do: every answer must equal the one asked
// alone (run with -race to check the sharing too).
func TestInputAttackPathsConcurrently(t *testing.T) {
	in := releaseInput(t, 1)
	from, _ := in.Endpoints("AML.TA0002")
	to, _ := in.Endpoints("AML.TA0011")
	questions := []PathQuery{
		{From: from, To: to, MaxHops: 6, Limit: 100, MinSupport: 1},
		{From: from, To: to, MaxHops: 4, Limit: 20, MinSupport: 1, ExcludeMitigatedBy: []string{"AML.M0000"}},
	}
	fresh := releaseInput(t, 1) // another Input, so the shared one starts unbuilt
	var want []PathResult
	for _, q := range questions {
		res, err := fresh.AttackPaths(context.Background(), q, Options{InheritFromParent: true})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, res)
	}
	errs := make(chan error, 8)
	for w := range 8 {
		go func() {
			i := w % len(questions)
			got, err := in.AttackPaths(context.Background(), questions[i], Options{InheritFromParent: true})
			if err == nil {
				if diff := cmp.Diff(want[i], got, ignoreSearchTime); diff != "" {
					err = fmt.Errorf("question %d asked concurrently differs (-alone +concurrent):\n%s", i, diff)
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
