package server_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
)

// buildCount is the number of builds of kind (release, analysis) started
// by started (warm, request) that a server's /metrics reports.
func buildCount(t *testing.T, url, kind, started string) float64 {
	t.Helper()
	return metric(t, url, `atlasgraph_release_build_seconds_count{kind="`+kind+`",started="`+started+`"}`)
}

// TestFirstRequestAfterSwitchIsWarm: when another process makes a release
// current, the server reads it and builds its analysis input in the
// background, before it serves it; the first requests that see the new
// current release (a lookup, then an analysis question) are answered from
// what was built then, and no request builds anything itself
// (atlasgraph_release_build_seconds counts who started each build).
func TestFirstRequestAfterSwitchIsWarm(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	cli := cliStore(t)
	legacyPath, err := rawatlas.Shared(legacyRelease)
	if err != nil {
		t.Fatal(err)
	}
	legacyRaw, err := rawatlas.Read(legacyPath)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := cli.Release(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Leave the shared database as setup made it.
		ctx := context.Background()
		if err := cli.SetCurrent(ctx, cur.Version); err != nil {
			t.Errorf("switch back to %s: %v", cur.Version, err)
		}
		if _, err := cli.Prune(ctx, legacyRaw.Version); err != nil && !errors.Is(err, atlas.ErrNotFound) {
			t.Errorf("prune %s: %v", legacyRaw.Version, err)
		}
	})
	load(t, cli, legacyPath, false)

	url := process(t, neo4jtest.Config(t).URI, nil)
	waitReady(t, url)
	// At start the current release and its analysis input were built by
	// the server, not by a request.
	if n := buildCount(t, url, "release", "warm"); n != 1 {
		t.Errorf("warm release builds at start = %v, want 1", n)
	}
	if n := buildCount(t, url, "analysis", "warm"); n != 1 {
		t.Errorf("warm analysis builds at start = %v, want 1", n)
	}

	type answer struct {
		Release      struct{ Version string }
		CoverageGaps struct{ Release string }
	}
	const q = `{ release { version } coverageGaps { release } }`
	var got answer
	data(t, url, q, &got)
	if got.Release.Version != e.raw.Version || got.CoverageGaps.Release != e.raw.Version {
		t.Fatalf("before the switch: %+v, want %s", got, e.raw.Version)
	}

	if err := cli.SetCurrent(ctx, legacyRaw.Version); err != nil {
		t.Fatal(err)
	}
	// Ask the analysis question until it answers from the new release:
	// until the new release is held the server answers from the one it
	// holds, so the first answer from the new one is the first request
	// that uses it, and it must find the analysis input built.
	deadline := time.Now().Add(followBound)
	for {
		data(t, url, `{ coverageGaps { release } }`, &got)
		if got.CoverageGaps.Release == legacyRaw.Version {
			break
		}
		if got.CoverageGaps.Release != e.raw.Version {
			t.Fatalf("during the switch: answered from %q", got.CoverageGaps.Release)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server still answers from %s %s after the switch to %s", got.CoverageGaps.Release, followBound, legacyRaw.Version)
		}
		time.Sleep(20 * time.Millisecond)
	}
	data(t, url, q, &got)
	if got.Release.Version != legacyRaw.Version || got.CoverageGaps.Release != legacyRaw.Version {
		t.Fatalf("after the switch: %+v, want %s", got, legacyRaw.Version)
	}
	for _, kind := range []string{"release", "analysis"} {
		if n := buildCount(t, url, kind, "warm"); n != 2 {
			t.Errorf("warm %s builds after the switch = %v, want 2 (one per current release)", kind, n)
		}
		if n := buildCount(t, url, kind, "request"); n != 0 {
			t.Errorf("%s builds started by a request = %v, want 0: a request built what the switch should have", kind, n)
		}
	}
}
