package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/store"
)

const release = "atlas/v6/ATLAS-2026.05.yaml"

// env is the state the tests of this package share: Neo4j emptied and
// loaded once with 2026.05, a store over it, and the file as rawatlas reads
// it (the expected answers).
type env struct {
	store *store.Store
	raw   *rawatlas.Release
	path  string
}

var (
	shared     *env
	sharedErr  string
	sharedOnce sync.Once
)

// setup returns the shared environment, loading 2026.05 the first time.
func setup(t *testing.T) *env {
	t.Helper()
	cfg := neo4jtest.Config(t) // the test instance; fails when it cannot start
	sharedOnce.Do(func() {
		sharedErr = "setup failed"
		ctx := context.Background()
		// The driver lives as long as the test process: tests share it.
		d, err := store.ConnectServing(ctx, cfg, store.ServingOptions{})
		if err != nil {
			sharedErr = err.Error()
			return
		}
		neo4jtest.Reset(t, d, cfg.Database)
		path, err := rawatlas.Shared(release)
		if err != nil {
			sharedErr = err.Error()
			return
		}
		b, err := os.ReadFile(path)
		if err != nil {
			sharedErr = err.Error()
			return
		}
		rel, _, err := loader.Parse(path, b, loader.Limits{})
		if err != nil {
			sharedErr = err.Error()
			return
		}
		st := store.New(d, cfg.Database)
		if _, err := st.Load(ctx, rel, store.LoadOptions{Current: store.CurrentAlways}); err != nil {
			sharedErr = err.Error()
			return
		}
		raw, err := rawatlas.Read(path)
		if err != nil {
			sharedErr = err.Error()
			return
		}
		shared, sharedErr = &env{store: st, raw: raw, path: path}, ""
	})
	if shared == nil {
		t.Fatalf("test environment: %s", sharedErr)
	}
	return shared
}

// newServer starts an httptest server over st with cfg (Store and Logger
// filled in) and returns its URL. Logs go to the test log.
func newServer(t *testing.T, st *store.Store, cfg server.Config, ac ...app.Config) (*server.Server, string) {
	t.Helper()
	s, err := server.New(testConfig(t, st, cfg, ac...))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts.URL
}

// testConfig is cfg over st with the test defaults: generous timeouts
// unless cfg sets some, and logs to the test log. The application layer is
// opened over st as a server opens it, with what ac asks besides (threat
// models, a release poll).
func testConfig(t *testing.T, st *store.Store, cfg server.Config, ac ...app.Config) server.Config {
	t.Helper()
	if cfg.Timeouts == (server.Timeouts{}) {
		// Tests that are not about deadlines get generous ones: on a loaded
		// 2-core machine a cold first query can take seconds, and a test
		// asserts answers, never times.
		cfg.Timeouts = server.DefaultTimeouts()
		cfg.Timeouts.Transaction, cfg.Timeouts.Request, cfg.Timeouts.Write = 50*time.Second, 60*time.Second, 70*time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	var a app.Config
	if len(ac) > 0 {
		a = ac[0]
	}
	a.Serving, a.Logger = true, cfg.Logger
	if a.TxTimeout == 0 {
		a.TxTimeout = cfg.Timeouts.Transaction
	}
	svc, err := app.New(context.Background(), st, a)
	if err != nil {
		t.Fatal(err)
	}
	cfg.App = svc
	return cfg
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// gqlError is one error of a GraphQL response.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (e gqlError) code() string { s, _ := e.Extensions["code"].(string); return s }

type response struct {
	status int
	header http.Header
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
	raw    []byte
}

// post sends a GraphQL request and decodes the answer.
func post(t *testing.T, url, query string, vars map[string]any) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return postRaw(t, url+"/graphql", "application/json", body)
}

func postRaw(t *testing.T, url, contentType string, body []byte) response {
	t.Helper()
	res, err := http.Post(url, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, header: res.Header, raw: b}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("answer is not JSON (%d): %s", res.StatusCode, b)
	}
	return r
}

// data posts a query that must succeed and decodes its data into v.
func data(t *testing.T, url, query string, v any) {
	t.Helper()
	r := post(t, url, query, nil)
	if len(r.Errors) > 0 || r.status != http.StatusOK {
		t.Fatalf("query %s\nanswered %d: %s", query, r.status, r.raw)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// platforms reads each technique's platforms straight from the file.
func platforms(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Techniques map[string]struct {
			Platforms []string `yaml:"platforms"`
		} `yaml:"techniques"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for id, te := range doc.Techniques {
		out[id] = te.Platforms
	}
	return out
}

type idOnly struct {
	ID string `json:"id"`
}

func ids(v []idOnly) []string {
	out := make([]string, 0, len(v))
	for _, x := range v {
		out = append(out, x.ID)
	}
	return out
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

// metric reads one sample of the server's /metrics, 0 when absent.
func metric(t *testing.T, url, name string) float64 {
	t.Helper()
	_, body, _ := get(t, url+"/metrics")
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			var v float64
			if err := json.Unmarshal([]byte(rest), &v); err != nil {
				t.Fatalf("metric %s: %q", name, rest)
			}
			return v
		}
	}
	return 0
}

// waitReady polls /readyz until it answers 200, for at most a minute: what
// a client (a load balancer) does before sending requests.
func waitReady(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		status, body, _ := get(t, url+"/readyz")
		if status == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not ready after a minute: %d %s", status, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
