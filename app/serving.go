package app

import (
	"context"
	"time"

	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/view"
)

// What a long-running server asks of the service besides the questions:
// readiness, health, the fingerprint of what it serves, and keeping the
// releases it holds in step with the database.

// Readiness says whether the service answers from memory what a request
// needs, and why not.
type Readiness struct {
	// Ready is true when the current release is held in memory and, when
	// an ATT&CK version is loaded, so is the actor directory over both.
	Ready bool `json:"ready"`
	// Release is the current release ("" when none is current or the
	// catalogue was never read).
	Release string `json:"release"`
	// Reason says what is missing, for the /readyz body and logs.
	Reason string `json:"reason,omitempty"`
}

// Ready reports readiness. It reads the catalogue when it is older than
// Poll (one small query), never a release: the server reads those in the
// background (Warm, Run), so a probe stays cheap.
func (s *Service) Ready(ctx context.Context) Readiness {
	if _, err := s.model.Fingerprint(ctx); err != nil {
		return Readiness{Reason: "the catalogue of releases cannot be read: " + ErrorMessage(fail(err))}
	}
	current, held := s.model.Held()
	switch {
	case current == "":
		return Readiness{Reason: "no release is current; load one with atlasgraph load"}
	case !held:
		return Readiness{Release: current, Reason: "release " + current + " is being read into memory"}
	case s.actors != nil && !s.actors.Warm(current):
		return Readiness{Release: current, Reason: "the actor directory of release " + current + " is being read into memory"}
	}
	return Readiness{Ready: true, Release: current}
}

// Holding reports, without any I/O, whether the current release (as the
// catalogue last read names it) is held in memory: a server lets requests
// through while Neo4j is away only then.
func (s *Service) Holding() bool {
	_, held := s.model.Held()
	return held
}

// Ping asks Neo4j which release is current ("" if none): the health check.
func (s *Service) Ping(ctx context.Context) (current string, err error) {
	defer wrap(&err)
	if err := s.db("a health check"); err != nil {
		return "", err
	}
	current, err = s.reader.Ping(ctx)
	return current, fail(err)
}

// Fingerprint names the content a request sees: every complete release
// with its digest, and which is current. Two requests with the same
// fingerprint read the same releases.
func (s *Service) Fingerprint(ctx context.Context) (_ string, err error) {
	defer wrap(&err)
	fp, err := s.model.Fingerprint(ctx)
	return fp, fail(err)
}

// Warm starts reading the current release, with its analysis input, and
// then its actor directory, into memory in the background; a server calls
// it at start. The same happens whenever another release becomes current
// (a load, a switch): the release and its analysis input (indexed for path
// questions) are built before the read model serves it as the current
// release, so the first request after the switch finds them ready, and a
// request that asks for that release meanwhile waits for this build rather
// than starting another.
func (s *Service) Warm() {
	s.model.Prepare(func(_ context.Context, held *view.Release) {
		s.analysis.build(held, s.sem, true)
	})
	s.model.OnHeld(func(version string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		_, _ = s.Analysis(ctx, version) // the analysis input, built once
		if s.actors != nil {
			s.actors.WarmRelease(ctx, version)
		}
	})
	s.model.Warm()
}

// Run keeps the held releases in step with the database until ctx ends:
// it reads the catalogue every Poll and, when the current release changes,
// reads the new one (and, after Warm, its actor directory). A server runs
// it while it serves.
func (s *Service) Run(ctx context.Context) {
	s.model.Run(ctx)
}

// CountQueries returns a context under which every database query made for
// a request calls f, before it is sent: how a server counts the round
// trips of a request.
func CountQueries(ctx context.Context, f func()) context.Context {
	return store.WithQueryObserver(ctx, func(string, map[string]any) { f() })
}
