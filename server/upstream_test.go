package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/server"
)

// TestUpstreamStatus runs the real background check against a local copy
// of upstream's release list and checks that the API's current release
// and /metrics say a newer release exists, and that nothing is said when
// the check is off.
func TestUpstreamStatus(t *testing.T) {
	e := setup(t) // 2026.05 loaded and current
	const manifest = `- release: '2026.07'
  release-date: '2026-07-29'
  versions:
  - format-version: 6.0.0
    path: v6/ATLAS-2026.07.yaml
- release: '2026.06'
  release-date: '2026-06-24'
  versions:
  - format-version: 6.0.0
    path: v6/ATLAS-2026.06.yaml
- release: '2026.05'
  release-date: '2026-05-27'
  versions:
  - format-version: 6.0.0
    path: v6/ATLAS-2026.05.yaml
`
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/dist/manifest.yaml" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, manifest)
	}))
	t.Cleanup(up.Close)

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.DiscardHandler)
	svc, err := app.New(ctx, e.store, app.Config{})
	if err != nil {
		t.Fatal(err)
	}
	checker := svc.UpstreamChecker(up.URL+"/dist/", false, log)
	checker.Start(ctx)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, ok := checker.Latest(); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the upstream check never succeeded")
		}
		time.Sleep(20 * time.Millisecond)
	}

	_, url := newServer(t, e.store, server.Config{Upstream: checker})
	var got struct {
		Release struct {
			Version  string
			Upstream *struct {
				Newest           string
				NewerThanCurrent []string
				NewerAvailable   bool
			}
		}
	}
	data(t, url, `{ release { version upstream { newest newerThanCurrent newerAvailable checkedAt } } }`, &got)
	u := got.Release.Upstream
	if got.Release.Version != "2026.05" || u == nil || u.Newest != "2026.07" || !u.NewerAvailable ||
		!slices.Equal(u.NewerThanCurrent, []string{"2026.07", "2026.06"}) {
		t.Fatalf("release %s upstream %+v, want 2026.06 and 2026.07 newer than 2026.05", got.Release.Version, u)
	}
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "atlasgraph_upstream_newer_releases 2") || !strings.Contains(string(body), "atlasgraph_upstream_checked_timestamp_seconds ") {
		t.Errorf("/metrics lacks the upstream gauges:\n%s", grepLines(string(body), "upstream"))
	}

	// Off: no network, nothing said.
	off := svc.UpstreamChecker(up.URL+"/dist/", true, log)
	off.Start(ctx)
	_, urlOff := newServer(t, e.store, server.Config{Upstream: off})
	got.Release.Upstream = nil
	data(t, urlOff, `{ release { version upstream { newest } } }`, &got)
	if got.Release.Upstream != nil {
		t.Errorf("an offline server says %+v about upstream", got.Release.Upstream)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
