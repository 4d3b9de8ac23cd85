package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/store"
)

// heldPool is a store whose driver has one connection, which the test
// holds in an open transaction until release: every query of the server
// waits for the pool, as under overload, while Neo4j is perfectly up.
func heldPool(t *testing.T, acquire time.Duration) (st *store.Store, release func()) {
	t.Helper()
	cfg := neo4jtest.Config(t)
	ctx := context.Background()
	d, err := store.ConnectServing(ctx, cfg, store.ServingOptions{PoolSize: 1, AcquireTimeout: acquire, RetryTime: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sess := d.NewSession(ctx, neo4j.SessionConfig{DatabaseName: cfg.Database})
	tx, err := sess.BeginTransaction(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Run(ctx, "RETURN 1", nil); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			_ = tx.Close(ctx)
			_ = sess.Close(ctx)
		})
	}
	t.Cleanup(func() { release(); d.Close(ctx) })
	return store.New(d, cfg.Database), release
}

func TestBusyPoolIsNotAnOutage(t *testing.T) {
	setup(t)
	st, release := heldPool(t, 50*time.Millisecond)
	_, url := newServer(t, st, server.Config{RetryInterval: time.Hour})
	r := post(t, url, `{ releases { version } }`, nil)
	// No root field could run: the answer says so over HTTP too, with no
	// data entry, like a refusal at admission.
	checkError(t, r, http.StatusServiceUnavailable, server.CodeOverloaded)
	if r.header.Get("Retry-After") == "" {
		t.Error("OVERLOADED during execution without Retry-After")
	}
	if v := metric(t, url, "atlasgraph_neo4j_up"); v != 1 {
		t.Errorf("atlasgraph_neo4j_up = %v after a pool wait, want 1: the breaker opened", v)
	}
	release()
	// Had the breaker opened, this would be UNAVAILABLE for an hour.
	data(t, url, `{ releases { version } }`, &map[string]any{})
}

// clientFrom is an HTTP client whose connections come from ip, a loopback
// address of its own, so that the server sees a distinct client.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{DialContext: d.DialContext}}
}

func postAs(t *testing.T, c *http.Client, url, query string) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	res, err := c.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return response{}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, header: res.Header, raw: b}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Errorf("answer is not JSON (%d): %s", res.StatusCode, b)
	}
	return r
}

// waitMetric polls /metrics until name reaches v.
func waitMetric(t *testing.T, url, name string, v float64) {
	t.Helper()
	for range 2000 {
		if metric(t, url, name) == v {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s never reached %v", name, v)
}

func TestOverloadIsRefusedPerClient(t *testing.T) {
	setup(t)
	st, release := heldPool(t, 30*time.Second)
	_, url := newServer(t, st, server.Config{Admission: server.Admission{Concurrent: 2, Queue: 1, PerClient: 1, Wait: 30 * time.Second}})
	a, b, c, d := clientFrom("127.0.0.2"), clientFrom("127.0.0.3"), clientFrom("127.0.0.4"), clientFrom("127.0.0.5")
	const q = `{ releases { version } }`
	var wg sync.WaitGroup
	answers := make(chan response, 3)
	send := func(c *http.Client) {
		wg.Add(1)
		go func() { defer wg.Done(); answers <- postAs(t, c, url, q) }()
	}
	send(a) // runs, blocked on the pool
	waitMetric(t, url, "atlasgraph_graphql_running", 1)
	t.Run("a client over its share gets 429", func(t *testing.T) {
		r := postAs(t, a, url, q)
		checkError(t, r, http.StatusTooManyRequests, server.CodeOverloaded)
		if r.header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
	send(b) // runs: another client
	waitMetric(t, url, "atlasgraph_graphql_running", 2)
	send(c) // waits
	waitMetric(t, url, "atlasgraph_graphql_waiting", 1)
	t.Run("a full server gets 503", func(t *testing.T) {
		r := postAs(t, d, url, q)
		checkError(t, r, http.StatusServiceUnavailable, server.CodeOverloaded)
		if r.header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
	release()
	wg.Wait()
	close(answers)
	for r := range answers {
		if r.status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("an admitted request answered %d: %s", r.status, r.raw)
		}
	}
	if n := metric(t, url, `atlasgraph_graphql_overloaded_total{reason="client"}`); n != 1 {
		t.Errorf("refused for the client's share: %v, want 1", n)
	}
	if !strings.Contains(string(postAs(t, d, url, q).raw), "2026.05") {
		t.Error("not answering after the overload")
	}
}
