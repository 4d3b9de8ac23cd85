package store_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/view"
)

// holdAt returns a fault hook that stops its operation at point until
// release is closed, and closes reached when it gets there.
func holdAt(point string) (hook func(string) error, reached, release chan struct{}) {
	reached, release = make(chan struct{}), make(chan struct{})
	var once sync.Once
	return func(p string) error {
		if p == point {
			once.Do(func() { close(reached); <-release })
		}
		return nil
	}, reached, release
}

// wantBusy checks err is a *BusyError naming the version and operation,
// with a message that says what to do.
func wantBusy(t *testing.T, what string, err error, operation string) {
	t.Helper()
	var b *store.BusyError
	if !errors.As(err, &b) || !errors.Is(err, store.ErrReleaseBusy) {
		t.Errorf("%s while %s 2026.05: %v, want a BusyError", what, operation, err)
		return
	}
	if b.Version != operated || b.Operation != operation {
		t.Errorf("%s: busy error names %s %s, want %s %s", what, b.Operation, b.Version, operation, operated)
	}
	for _, w := range []string{"release 2026.05 is busy", "is " + operation + " it", "wait for it to finish", "lapses at", "retry after that"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: %q lacks %q", what, err, w)
		}
	}
}

// TestOperationsOnOneReleaseExcludeEachOther holds each kind of operation
// on 2026.05 in the middle of its work and tries every other kind from
// another store (another holder, as another process would be): exactly
// the one holding the lease goes on, the others get a BusyError; an
// operation on another release is not held up.
func TestOperationsOnOneReleaseExcludeEachOther(t *testing.T) {
	w := newFaultWorld(t)
	ctx := context.Background()
	other := store.New(w.d, neo4jtest.Config(t).Database)
	attempts := map[string]func() error{
		"load": func() error {
			_, err := other.Load(ctx, w.next, store.LoadOptions{Current: store.CurrentNever})
			return err
		},
		"replace": func() error { _, err := other.Load(ctx, w.changed, store.LoadOptions{Replace: true}); return err },
		"prune":   func() error { _, err := other.Prune(ctx, operated); return err },
		"switch":  func() error { return other.SetCurrent(ctx, operated) },
	}
	holders := []struct {
		op, point, operation string
	}{
		{"load", "load:registered", "loading"},
		{"load", "load:committed", "loading"},
		{"replace", "replace:staged", "replacing"},
		{"prune", "prune:label", "pruning"},
	}
	for _, h := range holders {
		t.Run(h.op+"@"+h.point, func(t *testing.T) {
			var op faultOp
			for _, o := range faultOps() {
				if o.name == h.op {
					op = o
				}
			}
			op.prepare(t, w)
			hook, reached, release := holdAt(h.point)
			w.s.SetFault(hook)
			defer w.s.SetFault(nil)
			done := make(chan error, 1)
			go func() { done <- op.run(w.s, w) }()
			select {
			case <-reached:
			case err := <-done:
				t.Fatalf("%s ended before %s: %v", h.op, h.point, err)
			}
			winners := 1
			for name, try := range attempts {
				err := try()
				if err == nil {
					winners++
				}
				wantBusy(t, name, err, h.operation)
			}
			// Another release is not held up.
			if err := other.SetCurrent(ctx, bystander); err != nil {
				t.Errorf("switch to 4.5.0 while %s 2026.05: %v", h.operation, err)
			}
			close(release)
			if err := <-done; err != nil {
				t.Errorf("the %s holding the lease failed: %v", h.op, err)
			}
			if winners != 1 {
				t.Errorf("%d operations went through, want 1", winners)
			}
			countFault("contended "+h.op, !t.Failed())
			w.s.SetFault(nil)
			op.recover(t, w)
			checkClean(t, w.s, w.d)
		})
	}
}

// TestPruneDuringLoadRace starts loads and prunes of one release at the
// same moment, ten times: whatever wins, each operation either succeeds
// or is refused with a clear error, and the release ends up complete and
// equal to its file, or absent with nothing left.
func TestPruneDuringLoadRace(t *testing.T) {
	w := newFaultWorld(t)
	ctx := context.Background()
	db := neo4jtest.Config(t).Database
	refused := 0
	for round := 0; round < 10; round++ {
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for g := 0; g < 4; g++ {
			s := store.New(w.d, db)
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if g%2 == 0 {
					_, errs[g] = s.Load(ctx, w.next, store.LoadOptions{Current: store.CurrentNever})
				} else {
					_, errs[g] = s.Prune(ctx, operated)
				}
			}()
		}
		close(start)
		wg.Wait()
		for g, err := range errs {
			switch {
			case err == nil:
			case errors.Is(err, store.ErrReleaseBusy):
				refused++
			case g%2 == 1 && errors.Is(err, atlas.ErrNotFound):
			default:
				t.Errorf("round %d: operation %d: %v", round, g, err)
			}
		}
		if isComplete(t, w.s, operated) {
			checkReadable(t, w, w.next)
		} else if fp := fingerprintOf(t, w.d, operated); fp.Nodes != 0 {
			t.Errorf("round %d: 2026.05 is gone but %d of its nodes are left", round, fp.Nodes)
		}
		checkClean(t, w.s, w.d)
		countFault("race load/prune", !t.Failed())
	}
	t.Logf("FIGURES race: 10 rounds of 2 loads and 2 prunes at once, %d operations refused as busy", refused)
	if refused == 0 {
		t.Errorf("no operation was ever refused: the rounds did not overlap, the test proves nothing")
	}
}

// TestLeaseOfADeadHolderLapses writes the lease a crashed process would
// leave: the release is refused until it lapses, then taken over; an
// expired one is taken over at once.
func TestLeaseOfADeadHolderLapses(t *testing.T) {
	w := newFaultWorld(t)
	ctx := context.Background()
	setLease := func(ms int) {
		_, err := neo4j.ExecuteQuery(ctx, w.d, `MERGE (l:ReleaseLease {version: $v})
SET l.holder = 'elsewhere:1:dead', l.operation = 'loading', l.since = datetime(), l.expires = datetime() + duration({milliseconds: $ms})`,
			map[string]any{"v": operated, "ms": ms}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(database()))
		if err != nil {
			t.Fatal(err)
		}
	}
	setLease(-1000)
	if _, err := w.s.Prune(ctx, operated); err != nil {
		t.Fatalf("prune with an expired lease: %v", err)
	}
	setLease(1500)
	_, err := w.s.Load(ctx, w.next, store.LoadOptions{Current: store.CurrentNever})
	wantBusy(t, "load", err, "loading")
	for try := 0; errors.Is(err, store.ErrReleaseBusy) && try < 100; try++ {
		time.Sleep(100 * time.Millisecond)
		_, err = w.s.Load(ctx, w.next, store.LoadOptions{Current: store.CurrentNever})
	}
	if err != nil {
		t.Fatalf("load once the lease lapsed: %v", err)
	}
	checkReadable(t, w, w.next)
	checkClean(t, w.s, w.d)
}

// TestLostLeaseStopsTheLoad takes the lease away from a load in the
// middle (as another process does when this one stalled past the lease):
// the load must fail and make nothing visible.
func TestLostLeaseStopsTheLoad(t *testing.T) {
	w := newFaultWorld(t)
	ctx := context.Background()
	if _, err := w.s.Prune(ctx, operated); err != nil {
		t.Fatal(err)
	}
	for _, point := range []string{"load:registered", "load:written"} {
		w.s.SetFault(func(p string) error {
			if p == point {
				_, err := neo4j.ExecuteQuery(ctx, w.d, `MATCH (l:ReleaseLease {version: $v}) SET l.holder = 'thief:2:x', l.expires = datetime() + duration({seconds: 1})`,
					map[string]any{"v": operated}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(database()))
				return err
			}
			return nil
		})
		_, err := w.s.Load(ctx, w.next, store.LoadOptions{})
		w.s.SetFault(nil)
		if err == nil || !strings.Contains(err.Error(), "lease") {
			t.Errorf("a load that lost its lease at %s: %v, want an error about the lease", point, err)
		}
		if isComplete(t, w.s, operated) {
			t.Errorf("a load that lost its lease at %s completed", point)
		}
		if c := current(t, w.s); c != bystander {
			t.Errorf("current = %s", c)
		}
		// The thief's lease lapses; the next load tidies up.
		var res store.LoadResult
		for try := 0; try < 100; try++ {
			if res, err = w.s.Load(ctx, w.next, store.LoadOptions{Current: store.CurrentNever}); !errors.Is(err, store.ErrReleaseBusy) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		// Every batch transaction checks the lease first: a load that lost
		// it before writing its content (load:registered) writes none.
		if point == "load:written" && res.Cleaned == 0 {
			t.Errorf("the load after the lost one removed nothing it left")
		}
		if point == "load:registered" && res.Cleaned != 0 {
			t.Errorf("a load that lost its lease before its batches wrote %d nodes", res.Cleaned)
		}
		checkReadable(t, w, w.next)
		checkClean(t, w.s, w.d)
		if _, err := w.s.Prune(ctx, operated); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPruneOneStagingLeftover interrupts a replace after it staged the
// new content: the old release stays, the staging nodes are listed under
// their key, and pruning that key removes them alone.
func TestPruneOneStagingLeftover(t *testing.T) {
	w := newFaultWorld(t)
	ctx := context.Background()
	w.s.SetFault(func(p string) error {
		if p == "replace:staged" {
			return errInjected
		}
		return nil
	})
	_, err := w.s.Load(ctx, w.changed, store.LoadOptions{Replace: true, Current: store.CurrentNever})
	w.s.SetFault(nil)
	if !errors.Is(err, errInjected) {
		t.Fatalf("replace: %v", err)
	}
	list, err := w.s.Releases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var key string
	for _, r := range list {
		if r.Status == view.StatusLeftover {
			key = r.Key
			if r.Version != operated || !strings.HasPrefix(r.Key, operated+"#staging-") || r.Nodes != w.fpChg.Nodes {
				t.Errorf("leftover listed as %+v, want version %s, a staging key and %d nodes", r, operated, w.fpChg.Nodes)
			}
		}
	}
	if key == "" {
		t.Fatalf("the staged content is not listed: %+v", list)
	}
	if _, err := w.s.Prune(ctx, key); err != nil {
		t.Fatalf("prune %s: %v", key, err)
	}
	checkReadable(t, w, w.next)
	checkClean(t, w.s, w.d)
	if _, err := w.s.Prune(ctx, key); !errors.Is(err, atlas.ErrNotFound) {
		t.Errorf("prune %s twice: %v, want atlas.ErrNotFound", key, err)
	}
}

func TestVersionsThatCannotBeStored(t *testing.T) {
	s, _ := neo4jtest.Store(t)
	r, _ := parse(t, "atlas/ATLAS-4.5.0.yaml")
	for _, v := range []string{"", "  ", "4.5.0#staging-x"} {
		bad := *r
		bad.Version = v
		if _, err := s.Load(context.Background(), &bad, store.LoadOptions{}); !errors.Is(err, atlas.ErrBadInput) {
			t.Errorf("load version %q: %v, want atlas.ErrBadInput", v, err)
		}
	}
	if list, _ := s.Releases(context.Background()); len(list) != 0 {
		t.Errorf("something was stored: %+v", list)
	}
}

// TestTakeoverEndsTheDeadHoldersTransactions is the race of a loader killed
// with SIGKILL: its last transaction is still open on the server when a
// prune takes over its lapsed lease. The prune must end that transaction
// before it deletes, so that nothing of the version appears after it
// reports done. Without that, the dead holder's commit below succeeds and
// its node is there after the prune.
func TestTakeoverEndsTheDeadHoldersTransactions(t *testing.T) {
	s, d := neo4jtest.Store(t)
	ctx := context.Background()
	next, _ := parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	load(t, s, next, store.LoadOptions{Current: store.CurrentNever})

	const ghost = "elsewhere:1:killed"
	if _, err := neo4j.ExecuteQuery(ctx, d, `MERGE (l:ReleaseLease {version: $v})
SET l.holder = $ghost, l.operation = 'loading', l.since = datetime(), l.expires = datetime() - duration({seconds: 1})`,
		map[string]any{"v": operated, "ghost": ghost}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(database())); err != nil {
		t.Fatal(err)
	}
	// The dead loader's transaction: written, not yet committed, tagged
	// with its lease as the store tags every write under a lease.
	sess := d.NewSession(ctx, neo4j.SessionConfig{DatabaseName: database(), AccessMode: neo4j.AccessModeWrite})
	defer sess.Close(ctx)
	tx, err := sess.BeginTransaction(ctx, neo4j.WithTxMetadata(map[string]any{"atlasgraphLease": ghost}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Run(ctx, `CREATE (:Technique {release: $v, id: 'AML.T9999', name: 'written by a dead loader'})`, map[string]any{"v": operated}); err != nil {
		t.Fatal(err)
	}

	if _, err := s.Prune(ctx, operated); err != nil {
		t.Fatalf("prune taking over a lapsed lease: %v", err)
	}
	if err := tx.Commit(ctx); err == nil {
		t.Errorf("the dead holder's transaction committed after the prune took its lease over")
	}
	if n := neo4jtest.Count(t, d, database(), `MATCH (n {release: $v}) RETURN count(n) AS n`, map[string]any{"v": operated}); n != 0 {
		t.Errorf("%d nodes of %s after the prune reported done, want 0", n, operated)
	}
}

// TestWritesUnderALeaseAreTagged holds a load inside one of its batch
// transactions and looks at the server's transactions: the open one
// carries the lease's holder, as the takeover above relies on.
func TestWritesUnderALeaseAreTagged(t *testing.T) {
	s, d := neo4jtest.Store(t)
	ctx := context.Background()
	next, _ := parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	hook, reached, release := holdAt("load:statement")
	s.SetFault(hook)
	done := make(chan error, 1)
	go func() {
		_, err := s.Load(ctx, next, store.LoadOptions{Current: store.CurrentNever})
		done <- err
	}()
	select {
	case <-reached:
	case err := <-done:
		t.Fatalf("the load ended before its first batch: %v", err)
	}
	holders := neo4jtest.Count(t, d, database(), `SHOW TRANSACTIONS YIELD metaData
WHERE metaData.atlasgraphLease STARTS WITH $host RETURN count(*) AS n`, map[string]any{"host": hostname(t) + ":"})
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if holders != 1 {
		t.Errorf("%d open transactions tagged with a lease of this host during the load's batch, want 1", holders)
	}
}

func hostname(t *testing.T) string {
	t.Helper()
	h, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return h
}
