package view

import "time"

// ReleaseInfo describes one release in the database, or what an
// interrupted operation left of one (Status other than StatusComplete).
type ReleaseInfo struct {
	Version string
	Format  string
	SHA256  string
	Source  string
	// Name, Description and Modified describe the release as its file does.
	Name        string
	Description string
	Modified    string
	// FormatVersion is the v6 format-version of the file ("" for legacy).
	// Extra, ExtraSections and ExtraRelationships are JSON text of what the
	// file holds that this version does not model (see atlas.Release).
	FormatVersion      string
	Extra              string
	ExtraSections      string
	ExtraRelationships string
	// Status is StatusComplete for a usable release; the other statuses
	// are listed by Store.Releases only.
	Status   string
	Current  bool
	LoadedAt time.Time
	Counts   ReleaseCounts
	// Key is the value of the release property of the nodes when it is
	// not Version: the staging key of a replace (VERSION#staging-ID).
	Key string
	// Nodes counts the nodes of a release that is not complete.
	Nodes int
	// Operation names the operation under way (StatusInProgress):
	// "loading", "replacing", "pruning" or "switching to".
	Operation string
}

// Statuses of ReleaseInfo.
const (
	// StatusComplete is a usable release.
	StatusComplete = "complete"
	// StatusInProgress is a release that a live operation is writing or
	// deleting now; Operation says which.
	StatusInProgress = "in-progress"
	// StatusIncomplete is a release an interrupted load or prune left
	// half-written; the next load or prune of its version removes it.
	StatusIncomplete = "incomplete"
	// StatusLeftover is nodes no release owns: what an interrupted replace
	// staged (Key VERSION#staging-ID), or orphans. The next load or prune
	// of the version removes them.
	StatusLeftover = "leftover"
)

// ReleaseCounts are the numbers of nodes of each kind in a release.
type ReleaseCounts struct {
	Tactics, Techniques, Mitigations, CaseStudies, Steps, Actors int
}

// Maturities are the maturity values a technique filter accepts.
var Maturities = []string{"Feasible", "Demonstrated", "Realized"}
