package analysis

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Limits and defaults of [AttackPaths].
const (
	// MaxPathHops is the largest PathQuery.MaxHops accepted.
	MaxPathHops = 8
	// MaxPathLimit is the largest PathQuery.Limit accepted.
	MaxPathLimit = 500
	// DefaultMaxExpansions is the expansion cap used when
	// PathQuery.MaxExpansions is 0.
	DefaultMaxExpansions = 1_000_000
)

// A Transition is an observed move from one technique to the next: Count
// case studies (listed in CaseStudies) have a step using From that leads to a
// step using To.
type Transition struct {
	From, To    string
	Count       int
	CaseStudies []string
}

// PathQuery says which attack paths [AttackPaths] looks for.
type PathQuery struct {
	// From and To are the technique ids a path may start and end at (the
	// caller expands a tactic into its techniques).
	From, To []string
	// MaxHops is the most transitions a path may take, 1 to MaxPathHops.
	MaxHops int
	// Limit is the most paths returned, 1 to MaxPathLimit.
	Limit int
	// MinSupport is the least Count a transition needs to be followed.
	MinSupport int
	// ExcludeMitigatedBy lists mitigations: a path never visits a technique
	// any of them covers, start and end included.
	ExcludeMitigatedBy []string
	// MaxExpansions caps the path extensions tried; 0 means
	// DefaultMaxExpansions. Reaching it sets PathResult.Truncated.
	MaxExpansions int
	// Costs and Budget are passed to [MinimalMitigationSet] for the set that
	// breaks the returned paths.
	Costs  map[string]float64
	Budget int
}

// A Hop is one transition of a [Path].
type Hop struct {
	From, To string
	// Count is the transition's support.
	Count int
	// CaseStudies are the case studies that show the transition, sorted.
	CaseStudies []string
}

// A Path is a sequence of techniques linked by observed transitions.
type Path struct {
	// ID is "path-N", N being the path's 1-based rank.
	ID string
	// Techniques are the technique ids visited, start first.
	Techniques []string
	// Hops are the transitions taken, one fewer than Techniques.
	Hops []Hop
	// MinSupport is the least Count among the hops.
	MinSupport int
	// TotalSupport is the sum of the hops' Counts.
	TotalSupport int
}

// PathResult is what [AttackPaths] finds.
type PathResult struct {
	// Paths are ranked best first (see [AttackPaths]).
	Paths []Path
	// Truncated reports that the expansion cap or the context stopped the
	// search, so better paths than some of those returned may exist.
	Truncated bool
	// Stopped says what stopped the search: "" when it finished, otherwise
	// StopBudget (the expansion cap), StopCancelled or StopDeadline.
	Stopped StopReason
	// Expansions is the number of path extensions tried.
	Expansions int
	// Mitigation is the least-cost set of mitigations breaking every returned
	// path that can be broken; each path is a linear chain whose id is the
	// path's ID.
	Mitigation SetResult
	// Unbreakable lists the IDs of returned paths no mitigation covers at all.
	Unbreakable []string
}

// edge is a merged transition of a [PathGraph].
type edge struct {
	to    int
	count int
	cases []string // sorted, without repeats
}

// candidate is a complete path under consideration.
type candidate struct {
	nodes []int
	hops  []*edge
	min   int
	sum   int
}

// A PathGraph holds observed transitions indexed for [PathGraph.AttackPaths]:
// the techniques numbered in id order and, per technique, its outgoing
// transitions merged (repeated transitions' counts summed, their case
// studies sorted without repeats; self-transitions dropped), strongest
// first. Building it reads every transition once; a question then costs
// what its search visits plus a pass over the techniques, not a new pass
// over the transitions. It never changes once built, so one PathGraph can
// serve concurrent questions. It does not know mitigations: those come
// with each question.
type PathGraph struct {
	names []string // technique ids, sorted
	index map[string]int
	adj   [][]edge
}

// NewPathGraph indexes transitions for [PathGraph.AttackPaths]. It keeps no
// reference to transitions. Errors (an empty technique id, a negative
// count) wrap [ErrInvalidInput].
func NewPathGraph(transitions []Transition) (*PathGraph, error) {
	seen := make(map[string]bool, len(transitions))
	for _, t := range transitions {
		if t.From == "" || t.To == "" {
			return nil, fmt.Errorf("%w: a transition has an empty technique id (%q -> %q)", ErrInvalidInput, t.From, t.To)
		}
		if t.Count < 0 {
			return nil, fmt.Errorf("%w: transition %q -> %q has count %d; counts cannot be negative", ErrInvalidInput, t.From, t.To, t.Count)
		}
		seen[t.From], seen[t.To] = true, true
	}
	g := &PathGraph{names: sortedKeys(seen)}
	g.index = make(map[string]int, len(g.names))
	for i, t := range g.names {
		g.index[t] = i
	}
	g.adj = make([][]edge, len(g.names))
	// Merge repeated transitions into one edge each.
	at := make(map[[2]int]int, len(transitions)) // (from, to) -> position in adj[from]
	for _, t := range transitions {
		from, to := g.index[t.From], g.index[t.To]
		if from == to {
			continue
		}
		i, ok := at[[2]int{from, to}]
		if !ok {
			i = len(g.adj[from])
			at[[2]int{from, to}] = i
			g.adj[from] = append(g.adj[from], edge{to: to})
		}
		e := &g.adj[from][i]
		e.count += t.Count
		e.cases = append(e.cases, t.CaseStudies...)
	}
	for v := range g.adj {
		for i := range g.adj[v] {
			e := &g.adj[v][i]
			slices.Sort(e.cases)
			e.cases = slices.Clip(slices.Compact(e.cases))
		}
		// Strong transitions first, so good paths fill the top early.
		slices.SortFunc(g.adj[v], func(a, b edge) int {
			if a.count != b.count {
				return b.count - a.count
			}
			return a.to - b.to
		})
	}
	return g, nil
}

// AttackPaths finds the best-supported paths over observed transitions from a
// technique in q.From to a technique in q.To. A path has 1 to q.MaxHops hops,
// visits each technique at most once, follows only transitions with Count >=
// q.MinSupport (transitions repeated in the input are merged, counts summed;
// self-transitions are ignored) and never visits a technique covered by a
// mitigation in q.ExcludeMitigatedBy. Paths are ranked by evidence: the
// higher least hop Count first, then the higher sum of Counts, then fewer
// hops, then technique ids in lexical order. Work is bounded by
// q.MaxExpansions; a depth-first search prunes techniques that cannot reach
// q.To in the hops left, and partial paths whose least count or best
// reachable sum of counts (precomputed per technique and hops left) cannot
// beat the worst of the q.Limit paths kept. It also returns the least-cost
// mitigation set breaking the returned paths ([MinimalMitigationSet] with
// q.Costs, q.Budget and q.ExcludeMitigatedBy excluded) and the paths nothing
// can break. It does not weigh paths by anything but transition counts, and
// a truncated search may miss better paths than those it returns. When ctx is
// cancelled or passes its deadline, the search stops (Truncated, with Stopped
// saying why) and the paths found so far are returned with a mitigation set
// from a search stopped as early. Errors wrap [ErrInvalidInput].
//
// It indexes the transitions on every call; to ask several questions of
// the same transitions, build a [PathGraph] once (or use
// [Input.AttackPaths]), which gives the same answers.
func AttackPaths(ctx context.Context, transitions []Transition, q PathQuery, k Knowledge, opts Options) (PathResult, error) {
	if err := checkPathQuery(q, k); err != nil {
		return PathResult{}, err
	}
	g, err := NewPathGraph(transitions)
	if err != nil {
		return PathResult{}, err
	}
	return g.attackPaths(ctx, q, k, opts)
}

// AttackPaths answers q as the function [AttackPaths] does over the
// transitions g was built from.
func (g *PathGraph) AttackPaths(ctx context.Context, q PathQuery, k Knowledge, opts Options) (PathResult, error) {
	if err := checkPathQuery(q, k); err != nil {
		return PathResult{}, err
	}
	return g.attackPaths(ctx, q, k, opts)
}

// checkPathQuery checks a question before any work is done.
func checkPathQuery(q PathQuery, k Knowledge) error {
	if q.MaxHops < 1 || q.MaxHops > MaxPathHops {
		return fmt.Errorf("%w: max hops is %d; ask for 1 to %d", ErrInvalidInput, q.MaxHops, MaxPathHops)
	}
	if q.Limit < 1 || q.Limit > MaxPathLimit {
		return fmt.Errorf("%w: limit is %d; ask for 1 to %d paths", ErrInvalidInput, q.Limit, MaxPathLimit)
	}
	if q.MaxExpansions < 0 {
		return fmt.Errorf("%w: expansion cap is %d; give a positive cap, or 0 for the default", ErrInvalidInput, q.MaxExpansions)
	}
	for _, m := range q.ExcludeMitigatedBy {
		if _, ok := k.Mitigates[m]; !ok {
			return fmt.Errorf("%w: excluded mitigation %q is not a known mitigation; check the id", ErrInvalidInput, m)
		}
	}
	return nil
}

// blocked marks the techniques of g covered by a mitigation in excluded
// (with opts.InheritFromParent, also those whose parent, or its parent, is
// covered), as coverage.anyIn decides it; nil when excluded is empty.
func (g *PathGraph) blocked(excluded []string, k Knowledge, opts Options) []bool {
	if len(excluded) == 0 {
		return nil
	}
	direct := map[string]bool{}
	for _, m := range excluded {
		for _, t := range k.Mitigates[m] {
			direct[t] = true
		}
	}
	out := make([]bool, len(g.names))
	for v, t := range g.names {
		if !opts.InheritFromParent {
			out[v] = direct[t]
			continue
		}
		seen := map[string]bool{}
		for cur := t; cur != "" && !seen[cur]; cur = k.Parents[cur] {
			seen[cur] = true
			if direct[cur] {
				out[v] = true
				break
			}
		}
	}
	return out
}

func (g *PathGraph) attackPaths(ctx context.Context, q PathQuery, k Knowledge, opts Options) (PathResult, error) {
	maxExp := q.MaxExpansions
	if maxExp == 0 {
		maxExp = DefaultMaxExpansions
	}
	n := len(g.names)
	blocked := g.blocked(q.ExcludeMitigatedBy, k, opts)
	allowed := func(v int) bool { return blocked == nil || !blocked[v] }

	// gain[h][v]: the largest sum of counts over walks of at most h hops
	// from v that end at a target (-1: none), following usable transitions
	// only. Walks may repeat techniques, so it never underestimates a path's
	// gain; gain[h][v] < 0 also means v cannot reach a target in h hops (a
	// BFS distance bound, for free).
	target := make([]bool, n)
	for _, t := range q.To {
		if v, ok := g.index[t]; ok {
			target[v] = allowed(v)
		}
	}
	usable := func(e *edge) bool { return e.count >= q.MinSupport && allowed(e.to) }
	cells := make([]int, (q.MaxHops+1)*n)
	gain := make([][]int, q.MaxHops+1)
	for h := range gain {
		gain[h] = cells[h*n : (h+1)*n : (h+1)*n]
		for v := range n {
			gain[h][v] = -1
			if target[v] {
				gain[h][v] = 0
			}
			if h == 0 || !allowed(v) {
				continue
			}
			for i := range g.adj[v] {
				e := &g.adj[v][i]
				if gn := gain[h-1][e.to]; gn >= 0 && e.count+gn > gain[h][v] && usable(e) {
					gain[h][v] = e.count + gn
				}
			}
		}
	}

	s := &pathSearch{
		ctx: ctx,
		adj: g.adj, gain: gain, target: target, names: g.names,
		minSupport: q.MinSupport, blocked: blocked,
		maxHops: q.MaxHops, maxExp: maxExp,
		top:     &pathHeap{names: g.names},
		limit:   q.Limit,
		visited: make([]bool, n),
	}
	starts := make([]int, 0, len(q.From))
	for _, t := range q.From {
		if v, ok := g.index[t]; ok {
			starts = append(starts, v)
		}
	}
	slices.Sort(starts) // ascending index is ascending id
	starts = slices.Compact(starts)
	const noHop = 1 << 62 // the least count of a path without hops
	for _, v := range starts {
		if !allowed(v) || gain[q.MaxHops][v] < 0 || s.truncated {
			continue
		}
		s.visited[v] = true
		s.nodes = append(s.nodes[:0], v)
		s.extend(v, 0, noHop, 0)
		s.visited[v] = false
	}

	cands := s.top.items
	slices.SortFunc(cands, func(a, b *candidate) int { return compareCandidates(a, b, g.names) })
	res := PathResult{Truncated: s.truncated, Stopped: s.stopped, Expansions: s.expansions, Paths: make([]Path, 0, len(cands))}
	chains := make([]Chain, len(cands))
	for r, c := range cands {
		p := Path{ID: "path-" + strconv.Itoa(r+1), MinSupport: c.min, TotalSupport: c.sum,
			Techniques: make([]string, len(c.nodes)), Hops: make([]Hop, len(c.hops))}
		ch := Chain{ID: p.ID, Steps: make([]Step, len(c.nodes))}
		for i, v := range c.nodes {
			p.Techniques[i] = g.names[v]
			ch.Steps[i] = Step{ID: strconv.Itoa(i), Technique: g.names[v]}
			if i > 0 {
				e := c.hops[i-1]
				p.Hops[i-1] = Hop{From: g.names[c.nodes[i-1]], To: g.names[v], Count: e.count, CaseStudies: slices.Clone(e.cases)}
				ch.Steps[i-1].Next = []string{ch.Steps[i].ID}
			}
		}
		res.Paths = append(res.Paths, p)
		chains[r] = ch
	}
	if len(res.Paths) == 0 {
		res.Paths = nil
	}
	var err error
	res.Mitigation, err = MinimalMitigationSet(ctx, chains, k, opts, SetRequest{
		Costs: q.Costs, Exclude: q.ExcludeMitigatedBy, Budget: q.Budget,
	})
	if err != nil {
		return PathResult{}, fmt.Errorf("mitigation set for the paths: %w", err)
	}
	for _, u := range res.Mitigation.Unbreakable {
		res.Unbreakable = append(res.Unbreakable, u.ChainID)
	}
	return res, nil
}

// pathSearch is the state of one depth-first path search.
type pathSearch struct {
	ctx        context.Context
	stopped    StopReason
	adj        [][]edge
	minSupport int
	blocked    []bool // nil: nothing blocked
	gain       [][]int
	target     []bool
	names      []string
	maxHops    int
	maxExp     int
	limit      int
	top        *pathHeap
	visited    []bool
	nodes      []int
	hops       []*edge
	expansions int
	truncated  bool
}

func (s *pathSearch) extend(v, depth, minSup, sum int) {
	for i := range s.adj[v] {
		e := &s.adj[v][i]
		w := e.to
		left := s.maxHops - depth - 1
		if s.visited[w] || s.gain[left][w] < 0 || e.count < s.minSupport || s.blocked != nil && s.blocked[w] {
			continue
		}
		m, total := min(minSup, e.count), sum+e.count
		// Extending never raises the least count and adds at most gain to the
		// sum, so skip what cannot beat the worst path kept.
		if s.top.Len() == s.limit {
			worst := s.top.items[0]
			if m < worst.min || m == worst.min && total+s.gain[left][w] < worst.sum {
				continue
			}
		}
		if s.expansions == s.maxExp {
			s.truncated, s.stopped = true, StopBudget
			return
		}
		if s.expansions%1024 == 0 {
			if st := ctxStop(s.ctx); st != "" {
				s.truncated, s.stopped = true, st
				return
			}
		}
		s.expansions++
		s.nodes = append(s.nodes, w)
		s.hops = append(s.hops, e)
		if s.target[w] {
			s.offer(m, total)
		}
		if left > 0 {
			s.visited[w] = true
			s.extend(w, depth+1, m, total)
			s.visited[w] = false
		}
		s.nodes = s.nodes[:len(s.nodes)-1]
		s.hops = s.hops[:len(s.hops)-1]
		if s.truncated {
			return
		}
	}
}

// offer puts the current path in the top if it ranks high enough, copying it
// only then.
func (s *pathSearch) offer(minSup, sum int) {
	c := candidate{nodes: s.nodes, hops: s.hops, min: minSup, sum: sum}
	if s.top.Len() == s.limit {
		if compareCandidates(&c, s.top.items[0], s.names) >= 0 {
			return
		}
		// Replace the worst kept path in place, reusing its slices.
		worst := s.top.items[0]
		worst.nodes = append(worst.nodes[:0], s.nodes...)
		worst.hops = append(worst.hops[:0], s.hops...)
		worst.min, worst.sum = minSup, sum
		heap.Fix(s.top, 0)
		return
	}
	c.nodes, c.hops = slices.Clone(s.nodes), slices.Clone(s.hops)
	heap.Push(s.top, &c)
}

// compareCandidates orders paths best first: higher least count, higher sum,
// fewer hops, then technique ids in lexical order.
func compareCandidates(a, b *candidate, names []string) int {
	switch {
	case a.min != b.min:
		return b.min - a.min
	case a.sum != b.sum:
		return b.sum - a.sum
	case len(a.nodes) != len(b.nodes):
		return len(a.nodes) - len(b.nodes)
	}
	for i := range a.nodes {
		if c := strings.Compare(names[a.nodes[i]], names[b.nodes[i]]); c != 0 {
			return c
		}
	}
	return 0
}

// pathHeap keeps the worst kept path on top.
type pathHeap struct {
	names []string
	items []*candidate
}

func (h *pathHeap) Len() int { return len(h.items) }
func (h *pathHeap) Less(i, j int) bool {
	return compareCandidates(h.items[i], h.items[j], h.names) > 0
}
func (h *pathHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *pathHeap) Push(x any)    { h.items = append(h.items, x.(*candidate)) }
func (h *pathHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
