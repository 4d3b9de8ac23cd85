package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/view"
)

// TestDeadlineIsNotAnOutage reads with a context whose deadline has
// passed: the driver reports that as a connectivity error, which a server
// would take for Neo4j being down and fail every client for.
func TestDeadlineIsNotAnOutage(t *testing.T) {
	d, cfg := neo4jtest.Driver(t)
	st := store.New(d, cfg.Database)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := store.NewReader(st, store.ReaderOptions{}).Snapshot(ctx, view.ReleaseInfo{Version: "2026.05"})
	if err == nil {
		t.Fatal("read with an expired context succeeded")
	}
	if errors.Is(err, atlas.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v: want context.DeadlineExceeded, not atlas.ErrUnavailable", err)
	}
}
