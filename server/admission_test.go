package server

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func newTestAdmission(cfg Admission) *admission {
	return newAdmission(cfg, newMetrics(prometheus.NewRegistry()))
}

// TestAdmissionTakesTurns fills the server with one client's requests and
// checks that a second client's waiting request is served in turn, that a
// client over its share is refused 429 and a full queue 503.
func TestAdmissionTakesTurns(t *testing.T) {
	a := newTestAdmission(Admission{Concurrent: 2, Queue: 3, PerClient: 3, Wait: time.Hour})
	far := time.Now().Add(time.Hour)
	ctx := context.Background()
	x1, o := a.acquire(ctx, "x", far)
	if o != nil {
		t.Fatal(o.msg)
	}
	x2, o := a.acquire(ctx, "x", far)
	if o != nil {
		t.Fatal(o.msg)
	}
	got := make(chan string, 4)
	wait := func(key string) {
		release, o := a.acquire(ctx, key, far)
		if o != nil {
			got <- key + " refused"
			return
		}
		got <- key
		_ = release // kept: the slot stays taken until the test ends
	}
	go wait("x") // x3 waits first
	waitFor(t, a, 1)
	go wait("y") // then y1
	waitFor(t, a, 2)
	if _, o := a.acquire(ctx, "x", far); o == nil || o.status != http.StatusTooManyRequests {
		t.Fatalf("x's 4th request: %+v, want 429", o)
	}
	go wait("z")
	waitFor(t, a, 3)
	if _, o := a.acquire(ctx, "w", far); o == nil || o.status != http.StatusServiceUnavailable {
		t.Fatalf("request with the queue full: %+v, want 503", o)
	}
	x1()
	x1() // a second release is a no-op
	if first := <-got; first != "x" {
		t.Errorf("first served %q, want x (it waited first)", first)
	}
	x2()
	if second := <-got; second != "y" {
		t.Errorf("second served %q, want y (x had its turn)", second)
	}
}

func TestAdmissionGivesUpAtTheDeadline(t *testing.T) {
	a := newTestAdmission(Admission{Concurrent: 1, Queue: 1, PerClient: 1, Wait: time.Hour})
	release, o := a.acquire(context.Background(), "x", time.Now().Add(time.Hour))
	if o != nil {
		t.Fatal(o.msg)
	}
	// The deadline has passed: y is refused, not left waiting.
	if _, o := a.acquire(context.Background(), "y", time.Now()); o == nil || o.status != http.StatusServiceUnavailable {
		t.Fatalf("got %+v, want 503", o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, o := a.acquire(ctx, "y", time.Now().Add(time.Hour)); o == nil {
		t.Fatal("a cancelled request was admitted")
	}
	release()
	if len(a.clients) != 0 || a.waiting != 0 || a.running != 0 {
		t.Errorf("state left behind: %d clients, %d waiting, %d running", len(a.clients), a.waiting, a.running)
	}
}

// waitFor waits until n requests wait for a slot.
func waitFor(t *testing.T, a *admission, n int) {
	t.Helper()
	for range 10000 {
		a.mu.Lock()
		w := a.waiting
		a.mu.Unlock()
		if w == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("never %d waiting", n)
}
