package store_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/view"
)

// The fault tests run every release operation (load, replace, prune,
// switch) on 2026.05 while 4.5.0 is current, and interrupt it at its
// checkpoints: in process (the operation returns an error there, as on
// Ctrl-C or a lost connection) and in a child process that kills itself
// there with SIGKILL, plus a child killed by this process mid-load. After
// each fault every release must be complete and readable, or not listed
// as usable, and the next operation on the version must succeed and leave
// nothing behind.

const (
	operated  = "2026.05"
	bystander = "4.5.0"
	// faultTxRows makes a 2026.05 load commit several transactions, so
	// faults between them leave partial content behind, as a large
	// release does.
	faultTxRows = 300
	childEnv    = "ATLASGRAPH_FAULT_CHILD"
)

// faultFigures are printed for docs/reliability-store.md.
var faultFigures struct {
	sync.Mutex
	injected, survived map[string]int
}

func countFault(kind string, ok bool) {
	faultFigures.Lock()
	defer faultFigures.Unlock()
	if faultFigures.injected == nil {
		faultFigures.injected, faultFigures.survived = map[string]int{}, map[string]int{}
	}
	faultFigures.injected[kind]++
	if ok {
		faultFigures.survived[kind]++
	}
}

// fingerprint sums up what is stored under a release key: nodes,
// relationships and the length of every name, so other content of the
// same size differs.
type fingerprint struct{ Nodes, Rels, Names int }

func fingerprintOf(t *testing.T, d neo4j.DriverWithContext, key string) fingerprint {
	t.Helper()
	p := map[string]any{"key": key}
	return fingerprint{
		Nodes: neo4jtest.Count(t, d, database(), `MATCH (n) WHERE n.release = $key AND NOT n:Release RETURN count(n) AS n`, p),
		Rels:  neo4jtest.Count(t, d, database(), `MATCH ()-[e]->() WHERE e.release = $key RETURN count(e) AS n`, p),
		Names: neo4jtest.Count(t, d, database(), `MATCH (n) WHERE n.release = $key AND NOT n:Release RETURN coalesce(sum(size(n.name)), 0) AS n`, p),
	}
}

// checkClean asserts the database holds only complete releases: no node
// without a complete release, no live lease, exactly one current release.
func checkClean(t *testing.T, s *store.Store, d neo4j.DriverWithContext) bool {
	t.Helper()
	ok := true
	if n := neo4jtest.Count(t, d, database(), `MATCH (n) WHERE n.release IS NOT NULL AND NOT n:Release
AND NOT EXISTS { MATCH (r:Release {version: n.release, status: 'complete'}) } RETURN count(n) AS n`, nil); n != 0 {
		t.Errorf("%d nodes belong to no complete release", n)
		ok = false
	}
	if n := neo4jtest.Count(t, d, database(), `MATCH (r:Release) WHERE r.status <> 'complete' RETURN count(r) AS n`, nil); n != 0 {
		t.Errorf("%d releases are not complete", n)
		ok = false
	}
	if n := neo4jtest.Count(t, d, database(), `MATCH (l:ReleaseLease) WHERE l.holder IS NOT NULL RETURN count(l) AS n`, nil); n != 0 {
		t.Errorf("%d leases are held after every operation ended", n)
		ok = false
	}
	if n := neo4jtest.Count(t, d, database(), `MATCH (r:Release {current: true}) RETURN count(r) AS n`, nil); n != 1 {
		t.Errorf("%d releases are current, want 1", n)
		ok = false
	}
	list, err := s.Releases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		if r.Status != view.StatusComplete {
			t.Errorf("Releases lists %s %s (%d nodes) after clean-up", r.Version, r.Status, r.Nodes)
			ok = false
		}
	}
	return ok
}

func current(t *testing.T, s *store.Store) string {
	t.Helper()
	info, err := s.Release(context.Background(), "")
	if err != nil {
		t.Fatalf("current release: %v", err)
	}
	return info.Version
}

// faultWorld is the state the fault tests start from and check against.
type faultWorld struct {
	s                    *store.Store
	d                    neo4j.DriverWithContext
	old, next, changed   *atlas.Release
	fpOld, fpNext, fpChg fingerprint
}

func newFaultWorld(t *testing.T) *faultWorld {
	t.Helper()
	s, d := neo4jtest.Store(t)
	s.SetTxRows(faultTxRows)
	w := &faultWorld{s: s, d: d}
	w.old, _ = parse(t, "atlas/ATLAS-4.5.0.yaml")
	w.next, _ = parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	w.changed = changedCopy(w.next)
	load(t, s, w.old, store.LoadOptions{Current: store.CurrentAlways})
	w.fpOld = fingerprintOf(t, d, bystander)
	load(t, s, w.changed, store.LoadOptions{Current: store.CurrentNever})
	w.fpChg = fingerprintOf(t, d, operated)
	if _, err := s.Prune(context.Background(), operated); err != nil {
		t.Fatal(err)
	}
	load(t, s, w.next, store.LoadOptions{Current: store.CurrentNever})
	w.fpNext = fingerprintOf(t, d, operated)
	if w.fpNext == w.fpChg || w.fpNext.Nodes == 0 {
		t.Fatalf("the changed content has the same fingerprint as the original: %+v", w.fpNext)
	}
	return w
}

// changedCopy is other content of the same version: one tactic renamed.
func changedCopy(r *atlas.Release) *atlas.Release {
	c := *r
	c.SHA256 = "changed-" + r.SHA256
	c.Tactics = append(c.Tactics[:0:0], r.Tactics...)
	c.Tactics[0].Name += " (renamed)"
	return &c
}

// faultOp is one operation under test: the state it starts from, the
// operation, the check right after it was interrupted at a point, and the
// next operation that must succeed and tidy up.
type faultOp struct {
	name    string
	prepare func(t *testing.T, w *faultWorld)
	run     func(s *store.Store, w *faultWorld) error
	// after checks the state right after the fault; done says whether
	// the fault struck after the operation had taken effect.
	after   func(t *testing.T, w *faultWorld, done bool)
	recover func(t *testing.T, w *faultWorld) error
	// effective lists the points from which the operation has taken
	// effect.
	effective []string
}

func faultOps() []faultOp {
	return []faultOp{
		{
			name: "load",
			prepare: func(t *testing.T, w *faultWorld) {
				ensureCurrent(t, w, bystander)
				if _, err := w.s.Prune(context.Background(), operated); err != nil && !errors.Is(err, atlas.ErrNotFound) {
					t.Fatal(err)
				}
			},
			run: func(s *store.Store, w *faultWorld) error {
				_, err := s.Load(context.Background(), w.next, store.LoadOptions{})
				return err
			},
			after: func(t *testing.T, w *faultWorld, done bool) {
				complete := isComplete(t, w.s, operated)
				if complete != done {
					t.Errorf("2026.05 complete = %v, want %v", complete, done)
				}
				if complete {
					checkReadable(t, w, w.next)
				} else if c := current(t, w.s); c != bystander {
					t.Errorf("current = %s after an interrupted load, want %s", c, bystander)
				}
			},
			recover: func(t *testing.T, w *faultWorld) error {
				res, err := w.s.Load(context.Background(), w.next, store.LoadOptions{})
				if err == nil && (!res.Current || fingerprintOf(t, w.d, operated) != w.fpNext) {
					t.Errorf("the load after the fault: current %v, %+v, want %+v", res.Current, fingerprintOf(t, w.d, operated), w.fpNext)
				}
				return err
			},
			effective: []string{"load:complete", "load:before-current", "switch:statement"},
		},
		{
			name: "replace",
			prepare: func(t *testing.T, w *faultWorld) {
				ensureCurrent(t, w, bystander)
				if _, err := w.s.Load(context.Background(), w.next, store.LoadOptions{Current: store.CurrentNever, Replace: true}); err != nil {
					t.Fatal(err)
				}
			},
			run: func(s *store.Store, w *faultWorld) error {
				_, err := s.Load(context.Background(), w.changed, store.LoadOptions{Current: store.CurrentNever, Replace: true})
				return err
			},
			after: func(t *testing.T, w *faultWorld, done bool) {
				if !isComplete(t, w.s, operated) {
					t.Errorf("2026.05 is not complete after an interrupted replace")
					return
				}
				if done {
					checkReadable(t, w, w.changed)
				} else {
					checkReadable(t, w, w.next)
				}
			},
			recover: func(t *testing.T, w *faultWorld) error {
				_, err := w.s.Load(context.Background(), w.changed, store.LoadOptions{Current: store.CurrentNever, Replace: true})
				if err == nil && fingerprintOf(t, w.d, operated) != w.fpChg {
					t.Errorf("the replace after the fault left %+v, want %+v", fingerprintOf(t, w.d, operated), w.fpChg)
				}
				return err
			},
			effective: []string{"replace:switched", "load:before-current"},
		},
		{
			name: "prune",
			prepare: func(t *testing.T, w *faultWorld) {
				ensureCurrent(t, w, bystander)
				ensureLoaded(t, w)
			},
			run: func(s *store.Store, w *faultWorld) error {
				_, err := s.Prune(context.Background(), operated)
				return err
			},
			after: func(t *testing.T, w *faultWorld, done bool) {
				if isComplete(t, w.s, operated) {
					checkReadable(t, w, w.next)
				}
			},
			recover: func(t *testing.T, w *faultWorld) error {
				_, err := w.s.Prune(context.Background(), operated)
				if err == nil && fingerprintOf(t, w.d, operated).Nodes != 0 {
					t.Errorf("nodes of 2026.05 are left after the prune")
				}
				return err
			},
		},
		{
			name: "switch",
			prepare: func(t *testing.T, w *faultWorld) {
				ensureLoaded(t, w)
				ensureCurrent(t, w, bystander)
			},
			run: func(s *store.Store, w *faultWorld) error { return s.SetCurrent(context.Background(), operated) },
			after: func(t *testing.T, w *faultWorld, done bool) {
				c := current(t, w.s)
				if (c == operated) != done || (c != operated && c != bystander) {
					t.Errorf("current = %s after an interrupted switch (taken effect: %v)", c, done)
				}
				checkReadable(t, w, w.next)
			},
			recover: func(t *testing.T, w *faultWorld) error {
				err := w.s.SetCurrent(context.Background(), operated)
				if err == nil && current(t, w.s) != operated {
					t.Errorf("the switch after the fault did not take")
				}
				return err
			},
			effective: []string{"switch:done"},
		},
	}
}

func ensureCurrent(t *testing.T, w *faultWorld, version string) {
	t.Helper()
	if err := w.s.SetCurrent(context.Background(), version); err != nil {
		t.Fatal(err)
	}
}

func ensureLoaded(t *testing.T, w *faultWorld) {
	t.Helper()
	if _, err := w.s.Load(context.Background(), w.next, store.LoadOptions{Current: store.CurrentNever, Replace: true}); err != nil {
		t.Fatal(err)
	}
}

func isComplete(t *testing.T, s *store.Store, version string) bool {
	t.Helper()
	_, err := s.Release(context.Background(), version)
	if err != nil && !errors.Is(err, atlas.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// checkReadable reads the operated release back whole and compares it
// with the file it came from, and checks the bystander is untouched.
func checkReadable(t *testing.T, w *faultWorld, want *atlas.Release) {
	t.Helper()
	got, err := w.s.Snapshot(context.Background(), operated)
	if err != nil {
		t.Errorf("2026.05 is listed but cannot be read: %v", err)
		return
	}
	if diff := cmp.Diff(want, got, equateEmpty); diff != "" {
		t.Errorf("2026.05 differs from its file:\n%.2000s", diff)
	}
	fp := w.fpNext
	if want == w.changed {
		fp = w.fpChg
	}
	if got := fingerprintOf(t, w.d, operated); got != fp {
		t.Errorf("2026.05 holds %+v, want %+v (nodes beside the release?)", got, fp)
	}
}

// points runs op once without faults and returns its checkpoints in order.
func points(t *testing.T, w *faultWorld, op faultOp) []string {
	t.Helper()
	op.prepare(t, w)
	var seen []string
	w.s.SetFault(func(p string) error { seen = append(seen, p); return nil })
	defer w.s.SetFault(nil)
	if err := op.run(w.s, w); err != nil {
		t.Fatalf("%s without faults: %v", op.name, err)
	}
	return seen
}

// pick keeps every checkpoint but thins out the repeated ones (statements,
// committed transactions, delete batches) to their first, middle and last
// occurrence, to keep the test within minutes.
func pick(seen []string) []int {
	total := map[string]int{}
	for _, p := range seen {
		total[p]++
	}
	nth := map[string]int{}
	var out []int
	for i, p := range seen {
		k, n := nth[p], total[p]
		nth[p]++
		if k == 0 || k == n/2 || k == n-1 {
			out = append(out, i)
		}
	}
	return out
}

var errInjected = errors.New("injected fault")

// TestInterruptEveryOperationAtEveryPoint interrupts each operation at its
// checkpoints, in process.
func TestInterruptEveryOperationAtEveryPoint(t *testing.T) {
	w := newFaultWorld(t)
	for _, op := range faultOps() {
		t.Run(op.name, func(t *testing.T) {
			seen := points(t, w, op)
			t.Logf("%s checkpoints: %v", op.name, seen)
			for _, i := range pick(seen) {
				ok := t.Run(fmt.Sprintf("%s#%d", seen[i], i), func(t *testing.T) {
					op.prepare(t, w)
					n := 0
					w.s.SetFault(func(p string) error {
						n++
						if n == i+1 {
							return fmt.Errorf("%w at %s", errInjected, p)
						}
						return nil
					})
					err := op.run(w.s, w)
					w.s.SetFault(nil)
					if !errors.Is(err, errInjected) {
						t.Fatalf("%s interrupted at %s (#%d): error %v, want the injected fault", op.name, seen[i], i, err)
					}
					op.after(t, w, effectiveAt(op, seen, i))
					checkLeftoversListed(t, w)
					if err := op.recover(t, w); err != nil {
						t.Errorf("%s after a fault at %s (#%d): %v", op.name, seen[i], i, err)
					}
					checkClean(t, w.s, w.d)
					if fp := fingerprintOf(t, w.d, bystander); fp != w.fpOld {
						t.Errorf("4.5.0 changed: %+v, want %+v", fp, w.fpOld)
					}
				})
				countFault("interrupt "+op.name, ok)
				if !ok {
					return
				}
			}
		})
	}
	logFigures(t)
}

// effectiveAt says whether the operation had taken effect when checkpoint
// i was reached.
func effectiveAt(op faultOp, seen []string, i int) bool {
	for k := 0; k <= i; k++ {
		for _, e := range op.effective {
			if seen[k] == e {
				return true
			}
		}
	}
	return false
}

func logFigures(t *testing.T) {
	faultFigures.Lock()
	defer faultFigures.Unlock()
	for k, n := range faultFigures.injected {
		t.Logf("FIGURES %s: %d faults injected, %d survived", k, n, faultFigures.survived[k])
	}
}

// child runs this test binary as a separate process performing op and
// killing itself with SIGKILL at checkpoint #at (-1: never), or, with
// progress, printing a line per committed transaction for the parent to
// kill it.
func child(t *testing.T, op string, at int, progress bool) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFaultChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s:%d:%v", childEnv, op, at, progress))
	cmd.Stderr = os.Stderr
	return cmd
}

// TestFaultChild is the body of the child processes of the crash tests;
// run directly it only checks that it is not a child.
func TestFaultChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		return
	}
	parts := strings.Split(spec, ":")
	op, progress := parts[0], parts[2] == "true"
	at, _ := strconv.Atoi(parts[1])
	d, cfg := neo4jtest.Driver(t)
	s := store.New(d, cfg.Database)
	s.SetTxRows(faultTxRows)
	s.SetLeaseTTL(1500 * time.Millisecond)
	w := &faultWorld{s: s, d: d}
	w.next, _ = parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	w.changed = changedCopy(w.next)
	n := 0
	s.SetFault(func(p string) error {
		if n == at {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Minute)
		}
		n++
		if progress && p == "load:committed" {
			fmt.Println("committed")
		}
		return nil
	})
	for _, o := range faultOps() {
		if o.name == op {
			if err := o.run(s, w); err != nil {
				t.Fatalf("child %s: %v", op, err)
			}
			t.Fatalf("child %s ran to the end without being killed", op)
		}
	}
	t.Fatalf("unknown child operation %q", op)
}

// afterCrash checks the state a killed process left. Its lease is still
// in the database, but the process is gone and was on this host: the next
// operation sees that, takes the lease over at once, succeeds and tidies
// up. (A holder on another host is waited for until its lease lapses:
// TestLeaseOfADeadHolderLapses.)
func afterCrash(t *testing.T, w *faultWorld, op faultOp, done bool, point string) {
	t.Helper()
	op.after(t, w, done)
	checkLeftoversListed(t, w)
	if n := neo4jtest.Count(t, w.d, database(), `MATCH (l:ReleaseLease) WHERE l.holder IS NOT NULL RETURN count(l) AS n`, nil); n != 1 {
		t.Errorf("%d leases are held after the crash, want the dead process's one", n)
	}
	if err := op.recover(t, w); err != nil {
		t.Errorf("%s right after a crash at %s: %v", op.name, point, err)
	}
	checkClean(t, w.s, w.d)
	if fp := fingerprintOf(t, w.d, bystander); fp != w.fpOld {
		t.Errorf("4.5.0 changed: %+v, want %+v", fp, w.fpOld)
	}
}

// TestCrashAtCheckpoints kills a child process (SIGKILL, from itself) at
// checkpoints of each operation: inside write transactions, between them,
// and between the last write and the switch.
func TestCrashAtCheckpoints(t *testing.T) {
	w := newFaultWorld(t)
	crashes := map[string][]string{
		"load":    {"load:registered", "load:statement", "load:committed", "load:written", "load:before-current"},
		"replace": {"load:statement", "load:committed", "replace:staged", "replace:switch-statement", "replace:switched"},
		"prune":   {"prune:marked", "prune:label"},
		"switch":  {"switch:statement"},
	}
	for _, op := range faultOps() {
		t.Run(op.name, func(t *testing.T) {
			seen := points(t, w, op)
			for _, point := range crashes[op.name] {
				// The third occurrence of a repeated point, else the only one.
				i, nth := -1, 0
				for k, p := range seen {
					if p == point {
						i, nth = k, nth+1
						if nth == 3 {
							break
						}
					}
				}
				if i < 0 {
					t.Fatalf("%s never reaches %s: %v", op.name, point, seen)
				}
				ok := t.Run(point, func(t *testing.T) {
					op.prepare(t, w)
					out, err := child(t, op.name, i, false).Output()
					var exit *exec.ExitError
					if !errors.As(err, &exit) || !exit.Sys().(syscall.WaitStatus).Signaled() {
						t.Fatalf("the child %s at %s was not killed: %v\n%s", op.name, point, err, out)
					}
					afterCrash(t, w, op, effectiveAt(op, seen, i), point)
				})
				countFault("crash "+op.name, ok)
			}
		})
	}
	logFigures(t)
}

// TestKill9LoaderMidLoad kills a loading (and a replacing) child process
// with SIGKILL from outside after some committed transactions of batches,
// as an operator would: the partial release is listed as incomplete (or a
// leftover) with its node count, and the next prune (or replace) removes
// every node it left at once: the dead loader was on this host.
func TestKill9LoaderMidLoad(t *testing.T) {
	w := newFaultWorld(t)
	ops := faultOps()
	for _, c := range []struct {
		op      faultOp
		batches int
	}{{ops[0], 1}, {ops[0], 3}, {ops[0], 5}, {ops[1], 1}, {ops[1], 4}} {
		ok := t.Run(fmt.Sprintf("%s-after-%d-transactions", c.op.name, c.batches), func(t *testing.T) {
			c.op.prepare(t, w)
			cmd := child(t, c.op.name, -1, true)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(stdout)
			seen := 0
			for seen < c.batches && sc.Scan() {
				if sc.Text() == "committed" {
					seen++
				}
			}
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
			if seen < c.batches {
				t.Fatalf("the child %s committed %d transactions, want %d", c.op.name, seen, c.batches)
			}
			// What it left is listed, with its nodes.
			list, err := w.s.Releases(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var left []string
			nodes := 0
			for _, r := range list {
				if r.Status != view.StatusComplete {
					left = append(left, fmt.Sprintf("%s %s %s %s %d nodes", r.Version, r.Key, r.Status, r.Operation, r.Nodes))
					nodes += r.Nodes
				}
				if r.Status == view.StatusInProgress {
					t.Errorf("%s is listed in progress, but its loader is dead", r.Version)
				}
			}
			if nodes == 0 {
				t.Errorf("a loader killed after %d transactions left nothing listed: %v", c.batches, list)
			}
			t.Logf("killed %s after %d transactions; listed: %v", c.op.name, c.batches, left)
			op := c.op
			if op.name == "load" {
				// The case: kill -9 of the loader, then prune.
				op = faultOp{name: "prune", after: func(*testing.T, *faultWorld, bool) {}, recover: ops[2].recover}
			}
			afterCrash(t, w, op, false, fmt.Sprintf("transaction %d", c.batches))
		})
		countFault("kill -9 "+c.op.name, ok)
	}
	logFigures(t)
}

// checkLeftoversListed asserts that every node no complete release owns
// is listed by Releases, in an entry that is not complete.
func checkLeftoversListed(t *testing.T, w *faultWorld) {
	t.Helper()
	orphans := neo4jtest.Count(t, w.d, database(), `MATCH (n) WHERE n.release IS NOT NULL AND NOT n:Release
AND NOT EXISTS { MATCH (r:Release {version: n.release, status: 'complete'}) } RETURN count(n) AS n`, nil)
	list, err := w.s.Releases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	listed := 0
	for _, r := range list {
		if r.Status != view.StatusComplete {
			listed += r.Nodes
		}
	}
	if listed != orphans {
		t.Errorf("%d nodes belong to no complete release, Releases lists %d: %+v", orphans, listed, list)
	}
}
