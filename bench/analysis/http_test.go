package main

import (
	"log/slog"
	"testing"
	"time"
)

// TestAccessLogTakesTheRequestDuration checks that the bench reads the
// server's own timing from its access-log line ("request" with
// duration_ms), ignores other lines, and says so when no line came.
func TestAccessLogTakesTheRequestDuration(t *testing.T) {
	a := &accessLog{durations: make(chan time.Duration, 1), wait: 50 * time.Millisecond}
	log := slog.New(a)
	log.Info("serving", "duration_ms", 99.0)
	log.Info("request", "request_id", "r1", "status", 200, "duration_ms", 12.5, "cypher_queries", 1)
	d, ok := a.take()
	if !ok || d != 12500*time.Microsecond {
		t.Fatalf("take = %v, %v; want 12.5ms, true", d, ok)
	}
	if d, ok := a.take(); ok {
		t.Fatalf("take after the only line = %v, true; want nothing", d)
	}
}
