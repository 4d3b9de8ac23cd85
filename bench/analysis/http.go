package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/store"
)

// pathsQuery is the attackPaths question of issue 9 as a client asks it:
// Reconnaissance to Impact, at most 6 hops, the top 100 paths with their
// techniques' names, each hop's evidence, and the mitigations breaking them.
const pathsQuery = `query($release: String) {
  attackPaths(from: "AML.TA0002", to: "AML.TA0011", maxHops: 6, limit: 100, release: $release) {
    release truncated expansions
    paths { id support totalSupport techniques { id name } hops { from { id } to { id } count caseStudies } }
    mitigationSet { cost optimal members { mitigation { id name } chains } }
    unbreakable
  }
}`

// bareQuery is the same question selecting none of the paths: the server
// still looks the release up, computes the paths and their mitigation set
// and maps the answer, but gqlgen marshals almost nothing, so the
// difference to pathsQuery is what marshalling the paths costs.
const bareQuery = `query($release: String) {
  attackPaths(from: "AML.TA0002", to: "AML.TA0011", maxHops: 6, limit: 100, release: $release) { release truncated expansions }
}`

// accessLog keeps the duration the server's own access log gives its last
// request: the time spent in the server, from reading the request to the
// last byte written, which is what "server side" means in the figures.
type accessLog struct {
	durations chan time.Duration
	wait      time.Duration // how long take waits for the line
}

func (a *accessLog) Enabled(context.Context, slog.Level) bool { return true }
func (a *accessLog) WithAttrs([]slog.Attr) slog.Handler       { return a }
func (a *accessLog) WithGroup(string) slog.Handler            { return a }
func (a *accessLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "request" {
		return nil
	}
	r.Attrs(func(at slog.Attr) bool {
		if at.Key == "duration_ms" {
			select {
			case a.durations <- time.Duration(at.Value.Float64() * float64(time.Millisecond)):
			default: // nobody asked: a request the bench did not send
			}
			return false
		}
		return true
	})
	return nil
}

// take waits for the access log line of the request just answered: the
// server logs it after the last byte is written, so possibly after the
// client has read the response.
func (a *accessLog) take() (time.Duration, bool) {
	select {
	case d := <-a.durations:
		return d, true
	case <-time.After(a.wait):
		return 0, false
	}
}

// httpServer is atlasgraph's GraphQL server (server.New, server.Serve: the
// same handler, middleware and access log as `atlasgraph serve`) on a
// loopback port, and a client for it.
type httpServer struct {
	url    string
	client *http.Client
	log    *accessLog
	stop   context.CancelFunc
	done   chan error
}

func startServer(ctx context.Context, st *store.Store, responseCache bool) (*httpServer, error) {
	log := &accessLog{durations: make(chan time.Duration, 1), wait: 5 * time.Second}
	svc, err := app.New(ctx, st, app.Config{Serving: true, TxTimeout: server.DefaultTimeouts().Transaction})
	if err != nil {
		return nil, err
	}
	cfg := server.Config{App: svc, Logger: slog.New(log)}
	if !responseCache {
		cfg.ResponseCacheBytes = -1
	}
	srv, err := server.New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sctx, stop := context.WithCancel(ctx)
	h := &httpServer{url: "http://" + ln.Addr().String() + "/graphql", client: &http.Client{}, log: log, stop: stop, done: make(chan error, 1)}
	go func() { h.done <- srv.Serve(sctx, ln) }()
	return h, nil
}

func (h *httpServer) close() {
	h.stop()
	<-h.done
}

// attackPaths asks the path question (pathsQuery or bareQuery) about
// release and returns the duration the server logged and the response's
// size.
func (h *httpServer) attackPaths(ctx context.Context, query, release string) (time.Duration, int, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"release": release}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := h.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return 0, 0, err
	}
	var out struct {
		Data struct {
			AttackPaths struct {
				Paths      []json.RawMessage `json:"paths"`
				Expansions int               `json:"expansions"`
			} `json:"attackPaths"`
		} `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(b, &out); err != nil || res.StatusCode != http.StatusOK || len(out.Errors) > 0 {
		return 0, 0, fmt.Errorf("attackPaths through the server: status %d: %.300s", res.StatusCode, b)
	}
	if out.Data.AttackPaths.Expansions == 0 || query == pathsQuery && len(out.Data.AttackPaths.Paths) == 0 {
		return 0, 0, fmt.Errorf("attackPaths through the server: no paths in %.300s", b)
	}
	d, ok := h.log.take()
	if !ok {
		return 0, 0, fmt.Errorf("attackPaths through the server: the access log did not give the request's duration")
	}
	return d, len(b), nil
}
