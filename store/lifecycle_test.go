package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/view"
)

// database is the test Neo4j's database; NEO4J_DATABASE belongs to the
// user's own Neo4j and is ignored.
func database() string { return neo4jtest.Database }

// TestInterruptedLoadKeepsCurrent stops a load of 2026.05 after each of its
// batches in turn: 5.6.0 must stay current and whole every time, 2026.05
// must never be listed, and a later full load must succeed.
func TestInterruptedLoadKeepsCurrent(t *testing.T) {
	s, d := neo4jtest.Store(t)
	old, _ := parse(t, "atlas/ATLAS-5.6.0.yaml")
	next, _ := parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	load(t, s, old, store.LoadOptions{Current: store.CurrentAlways})
	want, err := s.Snapshot(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}

	// Count the batches of a full load first.
	batches := 0
	for stop := 1; ; stop++ {
		ctx, cancel := context.WithCancel(context.Background())
		seen := 0
		_, err := s.Load(ctx, next, store.LoadOptions{Current: store.CurrentAlways, Progress: func(store.Progress) {
			seen++
			if seen == stop {
				cancel()
			}
		}})
		cancel()
		if err == nil {
			// stop exceeded the number of batches: the load went through.
			batches = stop - 1
			break
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted after batch %d: error %v, want context.Canceled", stop, err)
		}
		info, err := s.Release(context.Background(), "")
		if err != nil || info.Version != "5.6.0" {
			t.Fatalf("after an interrupted load (batch %d) the current release is %q (%v), want 5.6.0", stop, info.Version, err)
		}
		list, _ := s.Releases(context.Background())
		for _, r := range list {
			if r.Version == "2026.05" && r.Status == view.StatusComplete {
				t.Fatalf("the half-written 2026.05 is listed as complete after batch %d", stop)
			}
		}
		if stop == 3 || stop == 7 {
			got, err := s.Snapshot(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("current release changed by an interrupted load:\n%s", diff)
			}
		}
		if stop > 50 {
			t.Fatal("the load never completed")
		}
	}
	if batches < 10 {
		t.Errorf("only %d batches were interrupted; want one per label and relationship type", batches)
	}
	info, _ := s.Release(context.Background(), "")
	if info.Version != "2026.05" {
		t.Errorf("after the full load the current release is %q", info.Version)
	}
	// Nothing of the interrupted loads is left over.
	if n := neo4jtest.Count(t, d, database(), `MATCH (n:Step {release: '2026.05'}) RETURN count(n) AS n`, nil); n != 449 {
		t.Errorf("2026.05 has %d steps, want 449", n)
	}
}

func TestReplacePruneAndConflicts(t *testing.T) {
	s, d := neo4jtest.Store(t)
	ctx := context.Background()
	a, _ := parse(t, "atlas/ATLAS-5.6.0.yaml")
	b, _ := parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	load(t, s, a, store.LoadOptions{Current: store.CurrentAlways})
	load(t, s, b, store.LoadOptions{Current: store.CurrentNever})

	// Same version, other content.
	changed := *b
	changed.SHA256 = "0000"
	changed.Tactics = append(changed.Tactics[:0:0], b.Tactics...)
	changed.Tactics[0].Name = "Renamed"
	if _, err := s.Load(ctx, &changed, store.LoadOptions{}); !errors.Is(err, atlas.ErrConflict) {
		t.Errorf("loading other content under a loaded version: %v, want atlas.ErrConflict", err)
	}
	res, err := s.Load(ctx, &changed, store.LoadOptions{Replace: true, Current: store.CurrentNever})
	if err != nil || res.Unchanged {
		t.Fatalf("replace: %+v, %v", res, err)
	}
	got, _ := s.Snapshot(ctx, "2026.05")
	if got.Tactics[0].Name != "Renamed" {
		t.Errorf("replace did not take: %q", got.Tactics[0].Name)
	}
	// The current release is never replaced in place.
	changedA := *a
	changedA.SHA256 = "1111"
	if _, err := s.Load(ctx, &changedA, store.LoadOptions{Replace: true}); !errors.Is(err, atlas.ErrConflict) {
		t.Errorf("replacing the current release: %v, want atlas.ErrConflict", err)
	}
	// Prune refuses the current release and removes another one whole.
	if _, err := s.Prune(ctx, "5.6.0"); !errors.Is(err, atlas.ErrConflict) {
		t.Errorf("prune current: %v, want atlas.ErrConflict", err)
	}
	if _, err := s.Prune(ctx, "2026.05"); err != nil {
		t.Fatal(err)
	}
	if n := neo4jtest.Count(t, d, database(), `MATCH (n {release: '2026.05'}) RETURN count(n) AS n`, nil); n != 0 {
		t.Errorf("%d nodes of the pruned release are left", n)
	}
	if n := neo4jtest.Count(t, d, database(), `MATCH (n:Release {version: '2026.05'}) RETURN count(n) AS n`, nil); n != 0 {
		t.Errorf("the pruned release node is left")
	}
	if _, err := s.Prune(ctx, "2026.05"); !errors.Is(err, atlas.ErrNotFound) {
		t.Errorf("prune twice: %v, want atlas.ErrNotFound", err)
	}
	// The remaining release is untouched.
	want, _ := parse(t, "atlas/ATLAS-5.6.0.yaml")
	still, err := s.Snapshot(ctx, "5.6.0")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, still, equateEmpty); diff != "" {
		t.Errorf("5.6.0 changed:\n%s", diff)
	}
	if _, err := s.Snapshot(ctx, "2026.05"); !errors.Is(err, atlas.ErrNotFound) {
		t.Errorf("snapshot of a pruned release: %v", err)
	}
}

// TestDiffBetweenReleases compares the diff of each pair of loaded
// releases with the one computed from the files.
func TestDiffBetweenReleases(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	raw := map[string]*rawatlas.Release{}
	for _, name := range rawatlas.Releases {
		r, rr := parse(t, name)
		load(t, s, r, store.LoadOptions{})
		raw[r.Version] = rr
	}
	pairs := [][2]string{{"4.5.0", "5.5.0"}, {"5.5.0", "5.6.0"}, {"5.6.0", "2026.05"}, {"2026.05", "4.5.0"}}
	nonEmpty := 0
	for _, p := range pairs {
		d, err := diffOf(context.Background(), s, p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(rawDiff(raw[p[0]], raw[p[1]]), d, equateEmpty, cmpopts.IgnoreFields(atlas.Step{}, "Description")); diff != "" {
			t.Errorf("%s -> %s differs from the files (-files +graph):\n%s", p[0], p[1], diff)
		}
		if !d.Empty() {
			nonEmpty++
		}
		t.Logf("%s -> %s: techniques +%d -%d ~%d, mitigates +%d -%d, steps %d", p[0], p[1], len(d.Techniques.Added),
			len(d.Techniques.Removed), len(d.Techniques.Renamed), len(d.Mitigates.Added), len(d.Mitigates.Removed), len(d.Steps))
	}
	if nonEmpty < 2 {
		t.Errorf("only %d of the pairs differ; the test would not notice a diff that finds nothing", nonEmpty)
	}
}

// TestConcurrentSwitchesLeaveOneCurrent switches the current release from
// several goroutines at once: exactly one release must end up current.
func TestConcurrentSwitchesLeaveOneCurrent(t *testing.T) {
	s, d := neo4jtest.Store(t)
	versions := []string{}
	for _, name := range rawatlas.Releases {
		r, _ := parse(t, name)
		load(t, s, r, store.LoadOptions{})
		versions = append(versions, r.Version)
	}
	errs := make(chan error, 40)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for i := 0; i < 5; i++ {
				errs <- s.SetCurrent(context.Background(), versions[(g+i)%len(versions)])
			}
		}(g)
	}
	for i := 0; i < 40; i++ {
		if err := <-errs; err != nil {
			t.Errorf("switch: %v", err)
		}
	}
	if n := neo4jtest.Count(t, d, database(), `MATCH (r:Release {current: true}) RETURN count(r) AS n`, nil); n != 1 {
		t.Errorf("%d releases are current, want 1", n)
	}
}
