package analysis

import (
	"math/rand/v2"
	"slices"
	"time"
)

// Primal heuristics run inside the tree of the LP phase.
//
// On the synthetic 100x releases with unit costs the root's LP bound
// rounds to within 1-3 of the optimum, and the search spends most of its
// nodes looking for the optimum, not proving it (seed 3: found at tree node
// 1,751 of 1,890, after which the proof took 139 nodes). Depth-first search
// reaches a cover only at a leaf, through the options its branching took; a
// dive from an inner node's LP solution reaches one at once, through the
// options the LP favours below that node.
//
// treeDive is one LP dive (dive, the root's) from the current node, with a
// local search from its cover, run when treeDiveGap nodes have passed since
// the last one. The gap doubles after each dive that finds nothing better
// (up to treeDiveMaxGap), so that dives stay a bounded share of the tree's
// LP work on instances where the incumbent is already optimal; a better
// cover restarts the phase (offer), which resets the gap.

// treeDiveFirstGap is the gap of a phase's first tree dive, in nodes.
var treeDiveFirstGap = 10

// treeDiveMaxGap caps the gap between tree dives.
var treeDiveMaxGap = 160

// treeDives turns the dives inside the tree on (a variable for tests and
// measurements).
var treeDives = false

// maybeTreeDive runs a dive from the current node when it is due; x is
// the node's LP solution. It leaves the node as it found it and may set
// s.stopped (a better cover restarts the phase).
func (s *coverSearch) maybeTreeDive(x []float64) {
	if !treeDives || s.sub || s.noLP || x == nil || s.stopped != "" || s.nodes == s.rootAt {
		return
	}
	if s.treeGap == 0 || s.treeGapAt != s.rootAt {
		// A new phase (a restart): dives begin again at the first gap.
		s.treeGap, s.treeGapAt, s.lastTreeDive = treeDiveFirstGap, s.rootAt, s.rootAt
	}
	if s.nodes-s.lastTreeDive < s.treeGap {
		return
	}
	s.lastTreeDive = s.nodes
	s.treeDivesRun++
	saveU, saveRC, saveBest, saveWarm := slices.Clone(s.u), slices.Clone(s.rc), slices.Clone(s.bestU), s.warm
	defer func() {
		copy(s.u, saveU)
		copy(s.rc, saveRC)
		copy(s.bestU, saveBest)
		s.warm = saveWarm
	}()
	b0 := s.bestCost
	var t0 time.Time
	if traceSearch != nil {
		t0 = time.Now()
	}
	r := rand.New(rand.NewPCG(uint64(s.nodes), 13))
	cover := s.dive(slices.Clone(x), r, 0)
	if cover != nil && s.stopped == "" && s.bestCost >= b0 {
		copy(s.rc, saveRC)
		s.localSearchFrom(cover, ilsDiveIterations)
	}
	if traceSearch != nil {
		traceSearch("tree dive at node %d (gap %d): best %v -> %v, %v", s.nodes, s.treeGap, b0, s.bestCost, time.Since(t0))
	}
	if s.bestCost >= b0 {
		s.treeGap = min(2*s.treeGap, treeDiveMaxGap)
	}
}

// restartInTree: a better cover found below the root restarts the phase
// (a variable for measurements).
var restartInTree = true

// childOrder: of the two children of an option branched on, the one with
// the lower estimated bound goes first (a variable for measurements).
var childOrder = false
