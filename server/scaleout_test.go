package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/readmodel"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/store"
)

// Two servers over one Neo4j, each with its own driver and its own releases
// in memory: a switch of the current release, a replacement and a prune made
// through one (its store, as `atlasgraph releases` and `load` do) are seen by
// the other once its catalogue of releases is read again (--release-poll,
// 1s by default; here 100ms). The test waits for each change (up to 30s)
// rather than assume it is instantaneous.
func TestScaleOutCachesFollowReleaseChanges(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	cfg := neo4jtest.Config(t)
	d, err := store.ConnectServing(ctx, cfg, store.ServingOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close(context.Background()) })
	other := store.New(d, cfg.Database) // "server A"'s store
	_, urlB := newServer(t, e.store, server.Config{Releases: readmodel.Options{Poll: 100 * time.Millisecond}})
	eventually := func(what string, ok func() bool) {
		t.Helper()
		start := time.Now()
		for !ok() {
			if time.Since(start) > 30*time.Second {
				t.Fatalf("%s: not seen by the other server after 30s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("%s: seen after %s", what, time.Since(start).Round(time.Millisecond))
	}

	b, err := os.ReadFile(e.path)
	if err != nil {
		t.Fatal(err)
	}
	const version = "2099.01-scaleout"
	variant := func(dropMitigations int) {
		t.Helper()
		rel, _, err := loader.Parse(e.path, b, loader.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		rel.Version = version
		rel.Mitigations = rel.Mitigations[min(dropMitigations, len(rel.Mitigations)):]
		// The digest names the content: another content, another digest.
		sum := sha256.Sum256(fmt.Appendf(slices.Clone(b), "\n# variant %d\n", dropMitigations))
		rel.SHA256 = hex.EncodeToString(sum[:])
		if _, err := other.Load(ctx, rel, store.LoadOptions{Replace: true, Current: store.CurrentNever}); err != nil {
			t.Fatalf("load %s: %v", version, err)
		}
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_ = other.SetCurrent(ctx, "2026.05")
		_, _ = other.Prune(ctx, version)
	})

	gaps := func(release string) (string, []string) {
		t.Helper()
		var got struct {
			CoverageGaps struct {
				Release    string
				Techniques []struct{ Technique struct{ ID string } }
			}
		}
		q := `{ coverageGaps { release techniques { technique { id } } } }`
		if release != "" {
			q = `{ coverageGaps(release: "` + release + `") { release techniques { technique { id } } } }`
		}
		data(t, urlB, q, &got)
		var ids []string
		for _, g := range got.CoverageGaps.Techniques {
			ids = append(ids, g.Technique.ID)
		}
		return got.CoverageGaps.Release, ids
	}

	rel0, gaps0 := gaps("") // B caches the current release, 2026.05
	if rel0 != "2026.05" {
		t.Fatalf("current release %q, want 2026.05", rel0)
	}

	// A variant without its first five mitigations leaves more gaps.
	variant(5)
	if err := other.SetCurrent(ctx, version); err != nil {
		t.Fatal(err)
	}
	var rel1 string
	var gaps1 []string
	eventually("switch", func() bool { rel1, gaps1 = gaps(""); return rel1 == version })
	if rel1 != version || len(gaps1) <= len(gaps0) {
		t.Fatalf("after the switch through another server: release %q with %d gaps, want %s with more than %d", rel1, len(gaps1), version, len(gaps0))
	}

	// Replace it (not current) with content without any mitigation: every
	// technique is then a gap.
	if err := other.SetCurrent(ctx, "2026.05"); err != nil {
		t.Fatal(err)
	}
	eventually("switch back", func() bool { rel, _ := gaps(""); return rel == "2026.05" })
	variant(1 << 30)
	var gaps2 []string
	eventually("replace", func() bool { _, gaps2 = gaps(version); return len(gaps2) > len(gaps1) })
	if len(gaps2) <= len(gaps1) || !containsAll(gaps2, gaps1) {
		t.Fatalf("after the replacement through another server: %d gaps, want more than the %d of the replaced content, and all of them", len(gaps2), len(gaps1))
	}

	// Prune it: B must answer NOT_FOUND, not its cached input.
	if _, err := other.Prune(ctx, version); err != nil {
		t.Fatal(err)
	}
	var r response
	eventually("prune", func() bool {
		r = post(t, urlB, `{ coverageGaps(release: "`+version+`") { release } }`, nil)
		return len(r.Errors) > 0
	})
	if len(r.Errors) == 0 || r.Errors[0].code() != "NOT_FOUND" || !strings.Contains(r.Errors[0].Message, version) {
		t.Fatalf("after the prune through another server: %s", r.raw)
	}
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// The reads of the API over a routing URI (neo4j://), as a cluster or Aura
// is reached: a single Neo4j answers routing requests too.
func TestReadsOverRoutingURI(t *testing.T) {
	e := setup(t)
	cfg := neo4jtest.Config(t)
	_, rest, ok := strings.Cut(cfg.URI, "://")
	if !ok {
		t.Fatalf("NEO4J_URI %q has no scheme", cfg.URI)
	}
	cfg.URI = "neo4j://" + rest
	ctx := context.Background()
	d, err := store.ConnectServing(ctx, cfg, store.ServingOptions{})
	if err != nil {
		t.Fatalf("connect over %s: %v", cfg.URI, err)
	}
	t.Cleanup(func() { d.Close(context.Background()) })
	_, url := newServer(t, store.New(d, cfg.Database), server.Config{})

	var got struct {
		Technique struct {
			ID      string
			Name    string
			Tactics []struct{ ID string }
		}
		CoverageGaps struct{ Release string }
		Releases     []struct{ Version string }
	}
	data(t, url, `{ technique(id: "AML.T0051") { id name tactics { id } } coverageGaps { release } releases { version } }`, &got)
	tactics := 0
	for k := range e.raw.Achieves {
		if k[0] == "AML.T0051" || k[1] == "AML.T0051" {
			tactics++
		}
	}
	if name := e.raw.Techniques["AML.T0051"]; got.Technique.ID != "AML.T0051" || got.Technique.Name != name || len(got.Technique.Tactics) != tactics || tactics == 0 {
		t.Errorf("technique over %s: %+v, the file has name %q and %d tactics", cfg.URI, got.Technique, name, tactics)
	}
	if got.CoverageGaps.Release != "2026.05" || len(got.Releases) == 0 {
		t.Errorf("over %s: coverageGaps release %q, %d releases", cfg.URI, got.CoverageGaps.Release, len(got.Releases))
	}
}
