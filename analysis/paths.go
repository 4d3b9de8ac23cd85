package analysis

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
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

type edge struct {
	to    int
	count int
	cases []string
}

// candidate is a complete path under consideration.
type candidate struct {
	nodes []int
	hops  []*edge
	min   int
	sum   int
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
func AttackPaths(ctx context.Context, transitions []Transition, q PathQuery, k Knowledge, opts Options) (PathResult, error) {
	if q.MaxHops < 1 || q.MaxHops > MaxPathHops {
		return PathResult{}, fmt.Errorf("%w: max hops is %d; ask for 1 to %d", ErrInvalidInput, q.MaxHops, MaxPathHops)
	}
	if q.Limit < 1 || q.Limit > MaxPathLimit {
		return PathResult{}, fmt.Errorf("%w: limit is %d; ask for 1 to %d paths", ErrInvalidInput, q.Limit, MaxPathLimit)
	}
	if q.MaxExpansions < 0 {
		return PathResult{}, fmt.Errorf("%w: expansion cap is %d; give a positive cap, or 0 for the default", ErrInvalidInput, q.MaxExpansions)
	}
	maxExp := q.MaxExpansions
	if maxExp == 0 {
		maxExp = DefaultMaxExpansions
	}
	cov := newCoverage(k, opts)
	excludedMits, err := mitigationSet(cov, q.ExcludeMitigatedBy, "excluded")
	if err != nil {
		return PathResult{}, err
	}

	// Index the techniques.
	seen := map[string]bool{}
	for _, t := range transitions {
		if t.From == "" || t.To == "" {
			return PathResult{}, fmt.Errorf("%w: a transition has an empty technique id (%q -> %q)", ErrInvalidInput, t.From, t.To)
		}
		if t.Count < 0 {
			return PathResult{}, fmt.Errorf("%w: transition %q -> %q has count %d; counts cannot be negative", ErrInvalidInput, t.From, t.To, t.Count)
		}
		seen[t.From], seen[t.To] = true, true
	}
	for _, t := range slices.Concat(q.From, q.To) {
		seen[t] = true
	}
	names := sortedKeys(seen)
	index := make(map[string]int, len(names))
	for i, t := range names {
		index[t] = i
	}
	n := len(names)
	allowed := make([]bool, n)
	for i, t := range names {
		allowed[i] = t != "" && !cov.anyIn(t, excludedMits)
	}

	// Merge repeated transitions, then keep the usable ones.
	merged := map[[2]int]*edge{}
	for _, t := range transitions {
		key := [2]int{index[t.From], index[t.To]}
		e := merged[key]
		if e == nil {
			e = &edge{to: key[1]}
			merged[key] = e
		}
		e.count += t.Count
		e.cases = append(e.cases, t.CaseStudies...)
	}
	adj := make([][]*edge, n)
	for key, e := range merged {
		from, to := key[0], key[1]
		if from == to || e.count < q.MinSupport || !allowed[from] || !allowed[to] {
			continue
		}
		slices.Sort(e.cases)
		e.cases = slices.Compact(e.cases)
		adj[from] = append(adj[from], e)
	}
	for v := range adj {
		// Strong transitions first, so good paths fill the top early.
		slices.SortFunc(adj[v], func(a, b *edge) int {
			if a.count != b.count {
				return b.count - a.count
			}
			return a.to - b.to
		})
	}

	// gain[h][v]: the largest sum of counts over walks of at most h hops
	// from v that end at a target (-1: none). Walks may repeat techniques, so
	// it never underestimates a path's gain; gain[h][v] < 0 also means v
	// cannot reach a target in h hops (a BFS distance bound, for free).
	target := make([]bool, n)
	for _, t := range q.To {
		target[index[t]] = allowed[index[t]]
	}
	gain := make([][]int, q.MaxHops+1)
	for h := range gain {
		gain[h] = make([]int, n)
		for v := range n {
			gain[h][v] = -1
			if target[v] {
				gain[h][v] = 0
			}
			if h == 0 {
				continue
			}
			for _, e := range adj[v] {
				if g := gain[h-1][e.to]; g >= 0 && e.count+g > gain[h][v] {
					gain[h][v] = e.count + g
				}
			}
		}
	}

	s := &pathSearch{
		ctx: ctx,
		adj: adj, gain: gain, target: target, names: names,
		maxHops: q.MaxHops, maxExp: maxExp,
		top:     &pathHeap{names: names},
		limit:   q.Limit,
		visited: make([]bool, n),
	}
	starts := map[int]bool{}
	for _, t := range q.From {
		starts[index[t]] = true
	}
	const noHop = 1 << 62 // the least count of a path without hops
	for v := range n {    // ascending index is ascending id
		if !starts[v] || !allowed[v] || gain[q.MaxHops][v] < 0 || s.truncated {
			continue
		}
		s.visited[v] = true
		s.nodes = append(s.nodes[:0], v)
		s.extend(v, 0, noHop, 0)
		s.visited[v] = false
	}

	cands := s.top.items
	slices.SortFunc(cands, func(a, b *candidate) int { return compareCandidates(a, b, names) })
	res := PathResult{Truncated: s.truncated, Stopped: s.stopped, Expansions: s.expansions}
	chains := make([]Chain, len(cands))
	for r, c := range cands {
		p := Path{ID: fmt.Sprintf("path-%d", r+1), MinSupport: c.min, TotalSupport: c.sum}
		ch := Chain{ID: p.ID}
		for i, v := range c.nodes {
			p.Techniques = append(p.Techniques, names[v])
			step := Step{ID: fmt.Sprintf("%d", i), Technique: names[v]}
			if i > 0 {
				e := c.hops[i-1]
				p.Hops = append(p.Hops, Hop{From: names[c.nodes[i-1]], To: names[v], Count: e.count, CaseStudies: slices.Clone(e.cases)})
				ch.Steps[i-1].Next = []string{step.ID}
			}
			ch.Steps = append(ch.Steps, step)
		}
		res.Paths = append(res.Paths, p)
		chains[r] = ch
	}
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
	adj        [][]*edge
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
	for _, e := range s.adj[v] {
		w := e.to
		left := s.maxHops - depth - 1
		if s.visited[w] || s.gain[left][w] < 0 {
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
		heap.Pop(s.top)
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
