package server

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/atlas"
)

// TestCutShortIsNotAnOutage: an error that says "unavailable" from a
// request whose own deadline passed must not open the breaker for every
// client; it is the request's time limit.
func TestCutShortIsNotAnOutage(t *testing.T) {
	svc, err := app.FromReleases()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{App: svc})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	e := s.presentError(ctx, fmt.Errorf("read case studies: %w: ConnectivityError: context deadline exceeded", atlas.ErrUnavailable))
	if code := e.Extensions["code"]; code != CodeLimitExceeded {
		t.Errorf("code %v, want %s: %s", code, CodeLimitExceeded, e.Message)
	}
	if s.health.downSince.Load() != 0 {
		t.Error("the breaker opened for a request that ran out of time")
	}
	// A live request that meets a real outage still opens it.
	s.presentError(context.Background(), fmt.Errorf("%w: connection refused", atlas.ErrUnavailable))
	if s.health.downSince.Load() == 0 {
		t.Error("a real outage did not open the breaker")
	}
}
