package server

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/atlasgraph/atlasgraph/app"
)

// health tracks whether Neo4j answers, so that requests fail fast while it
// does not. When a query finds Neo4j unreachable the server is marked
// down: GraphQL requests are answered UNAVAILABLE at once, without waiting
// on the driver. After the retry interval, the next request pings Neo4j
// first; if the ping succeeds the server is up again, with no restart.
type health struct {
	app      *app.Service
	interval time.Duration
	log      *slog.Logger
	metrics  *metrics

	downSince atomic.Int64 // unix nanoseconds of the last failure; 0 while up
	probing   atomic.Bool  // one request at a time pings
}

func newHealth(a *app.Service, interval time.Duration, log *slog.Logger, m *metrics) *health {
	return &health{app: a, interval: interval, log: log, metrics: m}
}

// markDown records that Neo4j could not be reached.
func (h *health) markDown(err error) {
	if h.downSince.Swap(time.Now().UnixNano()) == 0 {
		h.log.Warn("Neo4j is unreachable; answering UNAVAILABLE until it is back", "err", err)
		h.metrics.neo4jUp.Set(0)
	}
}

func (h *health) markUp() {
	if h.downSince.Swap(0) != 0 {
		h.log.Info("Neo4j is reachable again")
		h.metrics.neo4jUp.Set(1)
	}
}

// allow reports whether a request may go to Neo4j: always while up; while
// down, only one request per retry interval, and only once a ping works.
func (h *health) allow(ctx context.Context) bool {
	since := h.downSince.Load()
	if since == 0 {
		return true
	}
	if time.Since(time.Unix(0, since)) < h.interval || !h.probing.CompareAndSwap(false, true) {
		return false
	}
	defer h.probing.Store(false)
	if _, err := h.ping(ctx); err != nil {
		return false
	}
	return true
}

// ping asks Neo4j which release is current, within a short timeout, and
// records the outcome.
func (h *health) ping(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	current, err := h.app.Ping(ctx)
	if err != nil {
		h.markDown(err)
		return "", err
	}
	h.markUp()
	return current, nil
}

// serveReady answers /readyz: 200 when the current release (and the actor
// directory over it) is held in memory, so that a request is answered like
// any later one; 503 otherwise, with a JSON body saying what is missing.
// It stays 200 while Neo4j is briefly away if the releases held can still
// answer; /healthz says how Neo4j is.
func (h *health) serveReady(w http.ResponseWriter, r *http.Request) {
	rd := h.app.Ready(r.Context())
	if !rd.Ready {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "release": nullable(rd.Release), "reason": rd.Reason})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "release": rd.Release})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// serveHealth answers /healthz: the process is alive (always 200), and
// whether Neo4j answers now ("ok" or "unreachable": a ping of at most two
// seconds, which also opens or closes the breaker).
func (h *health) serveHealth(w http.ResponseWriter, r *http.Request) {
	neo4j := "ok"
	if _, err := h.ping(r.Context()); err != nil {
		neo4j = "unreachable"
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "neo4j": neo4j})
}
