package server_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/store"
)

const (
	cacheHits   = `atlasgraph_graphql_response_cache_total{result="hit"}`
	cacheMisses = `atlasgraph_graphql_response_cache_total{result="miss"}`
)

// TestResponseCache checks that a query reading complete releases only is
// answered from the cache the second time with the same bytes, that queries
// reading anything else always run, and that a switch, a load and a prune
// made behind the server's back reach the answers.
func TestResponseCache(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	_, url := newServer(t, e.store, server.Config{}, app.Config{Releases: app.ReleaseOptions{Poll: 100 * time.Millisecond}})
	counts := func() (hits, misses float64) {
		return metric(t, url, cacheHits), metric(t, url, cacheMisses)
	}

	q := `{ techniques { id name tactics { id } } technique(id: "AML.T0051") { name } }`
	first := post(t, url, q, nil)
	h0, m0 := counts()
	second := post(t, url, q, nil)
	h1, m1 := counts()
	if len(first.Errors) > 0 || string(first.Data) != string(second.Data) {
		t.Fatalf("cached answer differs:\n%s\n%s", first.raw, second.raw)
	}
	if h1 != h0+1 || m1 != m0 {
		t.Errorf("second ask: hits %v→%v, misses %v→%v; want one more hit", h0, h1, m0, m1)
	}
	var got struct{ Techniques []struct{ ID string } }
	if err := json.Unmarshal(second.Data, &got); err != nil || len(got.Techniques) != len(e.raw.Techniques) {
		t.Fatalf("cached answer has %d techniques, the file %d (%v)", len(got.Techniques), len(e.raw.Techniques), err)
	}

	// The ATLAS actors of a case study are release data.
	cs := `{ caseStudy(id: "AML.CS0000") { id actors { id name caseStudies { id } } } }`
	post(t, url, cs, nil)
	h2, _ := counts()
	if r := post(t, url, cs, nil); len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	if h3, _ := counts(); h3 != h2+1 {
		t.Errorf("%s was not answered from the cache", cs)
	}

	// Other data always runs: the actor directory (ATT&CK loads apart),
	// search, the current release's description (upstream status).
	for _, q := range []string{`{ actors { id } }`, `{ techniques { id actors { actor { id } } } }`, `{ caseStudy(id: "AML.CS0000") { actors { techniques { technique { id } } } } }`,
		`{ search(text: "prompt") { id } }`, `{ release { version } }`, `query { ...F } fragment F on Query { actors { id } }`} {
		before, mb := counts()
		post(t, url, q, nil)
		post(t, url, q, nil)
		if after, ma := counts(); after != before || ma != mb {
			t.Errorf("%s went through the cache (hits %v→%v, misses %v→%v)", q, before, after, mb, ma)
		}
	}

	// A release loaded and made current behind the server's back is seen.
	path, err := rawatlas.Shared("atlas/ATLAS-4.5.0.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	legacy, _, err := loader.Parse(path, b, loader.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Load(ctx, legacy, store.LoadOptions{Current: store.CurrentAlways}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = e.store.SetCurrent(context.Background(), "2026.05")
		_, _ = e.store.Prune(context.Background(), legacy.Version)
	})
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the cached answer is still served after 30s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("switch", func() bool {
		r := post(t, url, q, nil)
		var got struct{ Techniques []struct{ ID string } }
		_ = json.Unmarshal(r.Data, &got)
		return len(r.Errors) == 0 && len(got.Techniques) == len(legacy.Techniques)
	})
	if err := e.store.SetCurrent(ctx, "2026.05"); err != nil {
		t.Fatal(err)
	}
	pinned := `{ technique(id: "AML.T0051", release: "4.5.0") { name } }`
	if r := post(t, url, pinned, nil); len(r.Errors) > 0 {
		t.Fatalf("4.5.0 while loaded: %s", r.raw)
	}
	if _, err := e.store.Prune(ctx, legacy.Version); err != nil {
		t.Fatal(err)
	}
	waitFor("prune", func() bool {
		r := post(t, url, pinned, nil)
		return len(r.Errors) > 0 && r.Errors[0].code() == "NOT_FOUND"
	})
}
