package upstream_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/upstream"
)

// The manifest as atlas-data publishes it, newest first, with one release
// in a format major this atlasgraph does not read.
const manifest = `- release: '2027.01'
  release-date: '2027-01-28'
  versions:
  - format-version: 7.0.0
    path: v7/ATLAS-2027.01.yaml
- release: '2026.06'
  release-date: '2026-06-24'
  versions:
  - format-version: 6.1.0
    path: v6/ATLAS-2026.06.yaml
- release: '2026.05'
  release-date: '2026-05-27'
  versions:
  - format-version: 6.0.0
    path: v6/ATLAS-2026.05.yaml
- release: '5.6.0'
  release-date: '2026-01-10'
  versions:
  - format-version: 5.0.0
    path: dist/ATLAS.yaml
`

func server(t *testing.T, hits *atomic.Int64) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/dist/manifest.yaml", func(w http.ResponseWriter, r *http.Request) {
		if hits != nil {
			hits.Add(1)
		}
		w.Write([]byte(manifest))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestCheck(t *testing.T) {
	srv := server(t, nil)
	f := loader.Fetcher{Client: srv.Client()}
	tests := []struct {
		name      string
		loaded    []string
		current   string
		wantNewer []string
	}{
		{"current is 2026.05", []string{"5.6.0", "2026.05"}, "2026.05", []string{"2027.01", "2026.06"}},
		{"current is the newest", []string{"2027.01"}, "2027.01", []string{}},
		{"current is legacy", []string{"5.6.0"}, "5.6.0", []string{"2027.01", "2026.06", "2026.05"}},
		{"nothing loaded", nil, "", []string{"2027.01", "2026.06", "2026.05", "5.6.0"}},
		{"current not upstream", []string{"2026.05.1"}, "2026.05.1", []string{"2027.01", "2026.06"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := upstream.Check(context.Background(), f, srv.URL+"/dist/", tt.loaded, tt.current)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Newest != "2027.01" || len(rep.Releases) != 4 {
				t.Errorf("newest %q, %d releases", rep.Newest, len(rep.Releases))
			}
			if !slices.Equal(rep.NewerThanCurrent, tt.wantNewer) {
				t.Errorf("newer = %v, want %v", rep.NewerThanCurrent, tt.wantNewer)
			}
			for _, r := range rep.Releases {
				if r.Loaded != slices.Contains(tt.loaded, r.Name) || r.Current != (r.Name == tt.current) {
					t.Errorf("%s: loaded %v current %v", r.Name, r.Loaded, r.Current)
				}
				if r.Readable != (r.Name != "2027.01") {
					t.Errorf("%s: readable %v", r.Name, r.Readable)
				}
				if r.Date == "" {
					t.Errorf("%s has no date", r.Name)
				}
			}
		})
	}
	if _, err := upstream.Check(context.Background(), f, srv.URL+"/nowhere/", nil, ""); err == nil {
		t.Error("a missing manifest gave no error")
	}
}

// The checker finds the newer release in the background and Latest reads
// it without waiting; offline, it never touches the network.
func TestChecker(t *testing.T) {
	var hits atomic.Int64
	srv := server(t, &hits)
	done := make(chan upstream.Status, 1)
	c := &upstream.Checker{
		Fetcher: loader.Fetcher{Client: srv.Client()}, Upstream: srv.URL + "/dist/",
		Loaded:  func(context.Context) ([]string, string, error) { return []string{"2026.05"}, "2026.05", nil },
		Checked: func(s upstream.Status) { done <- s },
	}
	if _, ok := c.Latest(); ok {
		t.Error("Latest reports a result before any check")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.Start(ctx)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the background check did not run")
	}
	st, ok := c.Latest()
	if !ok || st.Newest != "2027.01" || !slices.Equal(st.NewerThanCurrent, []string{"2027.01", "2026.06"}) || st.Err != nil {
		t.Errorf("Latest = %+v, %v", st, ok)
	}

	var offHits atomic.Int64
	off := server(t, &offHits)
	oc := &upstream.Checker{Fetcher: loader.Fetcher{Client: off.Client()}, Upstream: off.URL + "/dist/", Offline: true,
		Loaded: func(context.Context) ([]string, string, error) { return nil, "", nil }}
	oc.Start(ctx)
	if _, ok := oc.Latest(); ok {
		t.Error("an offline checker reports a result")
	}
	if offHits.Load() != 0 {
		t.Errorf("an offline checker read the manifest %d times", offHits.Load())
	}
}

// On a machine that cannot reach the upstream, the same failure is logged
// at WARN once, not at every interval; a different failure is logged again.
func TestCheckerLogsARepeatedFailureOnce(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &logs}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	checks := make(chan upstream.Status, 8)
	var calls atomic.Int64
	c := &upstream.Checker{
		Fetcher: loader.Fetcher{Client: &http.Client{}}, Upstream: "http://127.0.0.1:1/dist/", Interval: 20 * time.Millisecond,
		Loaded: func(context.Context) ([]string, string, error) {
			if calls.Add(1) > 3 {
				return nil, "", errors.New("store unavailable")
			}
			return nil, "", errors.New("no route to the upstream")
		},
		Logger: logger, Checked: func(s upstream.Status) {
			select {
			case checks <- s:
			default:
			}
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.Start(ctx)
	for i := 0; i < 5; i++ {
		select {
		case <-checks:
		case <-time.After(30 * time.Second):
			t.Fatal("the background check did not run")
		}
	}
	cancel()
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if n := strings.Count(out, "no route to the upstream"); n != 1 {
		t.Errorf("the repeated failure was logged %d times at WARN, want 1:\n%s", n, out)
	}
	if n := strings.Count(out, "store unavailable"); n != 1 {
		t.Errorf("a new failure was logged %d times at WARN, want 1:\n%s", n, out)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
