package atlas

import (
	"errors"
	"fmt"
)

// The kinds of failure every layer reports, checked with errors.Is. A
// package wraps one with what went wrong (fmt.Errorf("%w: ...", ErrBadInput));
// the application layer (package app) turns them into its Error, with a
// code, which every face presents.
var (
	// ErrNotFound means a release, or an object of a release, is not there.
	ErrNotFound = errors.New("not found")
	// ErrBadInput means a caller's argument cannot be used: a search text
	// that is not a query, an unknown maturity. The message says which.
	ErrBadInput = errors.New("bad input")
	// ErrConflict means a release of that version is loaded from other
	// content, a change named a stale version, or an id is taken.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable means the database could not be reached.
	ErrUnavailable = errors.New("neo4j unavailable")
	// ErrTimeout means the database stopped a query at its time-out.
	ErrTimeout = errors.New("query timed out")
	// ErrBusy means every connection to the database is in use by this
	// process; the database itself may be fine.
	ErrBusy = errors.New("all connections to Neo4j are busy")
)

// NotFoundError says that a release, or an object of a release, is not
// there. It wraps ErrNotFound, and its message is fit to show a user.
type NotFoundError struct {
	// Kind is "release", "tactic", "technique", "mitigation", "case study"
	// or "actor".
	Kind string
	// ID is the id or version asked for; "" with Kind "release" means the
	// current release.
	ID string
	// Release is the version that was searched, for objects.
	Release string
}

func (e *NotFoundError) Error() string {
	switch {
	case e.Kind == "release" && e.ID == "":
		return "no release is current; load one with atlasgraph load"
	case e.Kind == "release":
		return fmt.Sprintf("release %q is not loaded; see atlasgraph releases", e.ID)
	default:
		return fmt.Sprintf("%s %q is not in release %s", e.Kind, e.ID, e.Release)
	}
}

// Unwrap makes errors.Is(err, ErrNotFound) hold.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }
