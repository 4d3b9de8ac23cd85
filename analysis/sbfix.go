package analysis

// Fixings from strong branching. Strong branching (branchPick) solves, for
// each candidate option, the LP of the child that takes it and of the child
// that leaves it out (each a valid bound, even when stopped after sbPivots
// pivots: the dual simplex stays dual feasible). A child whose bound shows
// it holds nothing wanted needs no node: the option can be fixed the other
// way at once. Every such fixing is valid at the node on its own, so all of
// them hold together (a subtree with more fixings only has a higher bound).
//
// The search used to branch on the first such candidate, which cost a node
// for the settled child (its LP solved again in full) and stopped strong
// branching there. Now strong branching goes on through its candidates,
// gathering every fixing, and the node continues as one child with all of
// them applied (its LP solved again, its reduced-cost fixing and branching
// done anew): one node instead of one per settled child.

// sbFixings turns the gathering of strong-branching fixings on (a
// variable for tests and measurements).
var sbFixings = true

// sbFixed is what branchPick returns when it found fixings (in s.sbFix)
// instead of an option to branch on.
const sbFixed int32 = -2

// sbFixing is one option whose strong-branching child taking it (up) or
// leaving it out (down) holds nothing wanted.
type sbFixing struct {
	o        int32
	up, down bool
}

// applySBFixings applies the fixings in s.sbFix to the current node, whose
// bound is b, and searches the node that results; it leaves the node as it
// found it. A node where some option can be neither taken nor left out, or
// where leaving options out leaves a row without options, holds nothing
// wanted.
func (s *coverSearch) applySBFixings(b float64) {
	fix := append([]sbFixing(nil), s.sbFix...)
	s.sbFixNodes++
	var t trail
	defer func() { s.undo(t) }()
	for _, f := range fix {
		switch {
		case f.up && f.down:
			return
		case f.up:
			t = append(t, -f.o-1)
			if !s.exclude(f.o) {
				return
			}
		default:
			s.take(f.o)
			t = append(t, f.o)
		}
	}
	if s.uncov == 0 {
		s.record()
		return
	}
	s.dfs(b)
}
