package readmodel_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/readmodel"
	"github.com/atlasgraph/atlasgraph/view"
)

// The model is tested over a source in memory that behaves as the catalogue
// in Neo4j does (store_test checks that Reader.Snapshot reads back what was
// loaded): releases loaded, switched, replaced and pruned behind the
// model's back, and a database that goes away.

func parse(t *testing.T, rel string) *atlas.Release {
	t.Helper()
	path, err := rawatlas.Shared(rel)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := loader.Parse(path, b, loader.Limits{})
	if err != nil {
		t.Fatalf("parse %s: %v", rel, err)
	}
	return r
}

// source is a catalogue of releases in memory.
type source struct {
	mu        sync.Mutex
	rels      []*atlas.Release // loaded, in load order
	current   string
	down      error         // every call fails with it when set
	gate      chan struct{} // when set, Snapshot waits for it to close
	snapshots int
}

func newSource(rels ...*atlas.Release) *source {
	s := &source{}
	for _, r := range rels {
		s.load(r, true)
	}
	return s
}

func (s *source) load(r *atlas.Release, current bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rels = slices.DeleteFunc(s.rels, func(x *atlas.Release) bool { return x.Version == r.Version })
	s.rels = append(s.rels, r)
	if current {
		s.current = r.Version
	}
}

func (s *source) use(version string) {
	s.mu.Lock()
	s.current = version
	s.mu.Unlock()
}

func (s *source) prune(version string) {
	s.mu.Lock()
	s.rels = slices.DeleteFunc(s.rels, func(x *atlas.Release) bool { return x.Version == version })
	s.mu.Unlock()
}

func (s *source) setDown(err error) {
	s.mu.Lock()
	s.down = err
	s.mu.Unlock()
}

func (s *source) infoOf(r *atlas.Release) view.ReleaseInfo {
	return view.ReleaseInfo{Version: r.Version, SHA256: r.SHA256, Format: string(r.Format), Status: view.StatusComplete, Current: r.Version == s.current}
}

func (s *source) Releases(context.Context) ([]view.ReleaseInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down != nil {
		return nil, s.down
	}
	var out []view.ReleaseInfo
	for _, r := range s.rels {
		out = append(out, s.infoOf(r))
	}
	slices.SortFunc(out, func(a, b view.ReleaseInfo) int { return atlas.CompareVersions(b.Version, a.Version) })
	return out, nil
}

func (s *source) Release(_ context.Context, version string) (view.ReleaseInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down != nil {
		return view.ReleaseInfo{}, s.down
	}
	for _, r := range s.rels {
		if r.Version == version || (version == "" && r.Version == s.current) {
			return s.infoOf(r), nil
		}
	}
	return view.ReleaseInfo{}, &atlas.NotFoundError{Kind: "release", ID: version}
}

func (s *source) Snapshot(ctx context.Context, info view.ReleaseInfo) (*atlas.Release, error) {
	s.mu.Lock()
	gate := s.gate
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snapshots++
	if s.down != nil {
		return nil, s.down
	}
	for _, r := range s.rels {
		if r.Version == info.Version {
			return r, nil
		}
	}
	return nil, &atlas.NotFoundError{Kind: "release", ID: info.Version}
}

// eventually waits up to ten seconds for ok.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen after 10s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func versionOf(t *testing.T, m *readmodel.Model, ctx context.Context) string {
	t.Helper()
	r, err := m.Release(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	return r.Version()
}

// TestOneReadPerRelease: every question about a release is answered from
// the one snapshot read of it.
func TestOneReadPerRelease(t *testing.T) {
	old, cur := parse(t, "atlas/ATLAS-5.6.0.yaml"), parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	src := newSource(old, cur)
	m := readmodel.New(src, readmodel.Options{})
	ctx := context.Background()
	for range 3 {
		for _, v := range []string{"", old.Version, cur.Version} {
			r, err := m.Release(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Technique(r.Atlas.Techniques[0].ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if m.Reads() != 2 || src.snapshots != 2 {
		t.Errorf("reads = %d, snapshots = %d; want 2 (one per release)", m.Reads(), src.snapshots)
	}
	if _, err := m.Release(ctx, "0.0.1"); !errors.Is(err, atlas.ErrNotFound) {
		t.Errorf("an unknown release: %v, want ErrNotFound", err)
	}
}

// TestFollowsChanges switches, replaces and prunes releases behind the
// model's back (as another server or the command line would) and checks
// that it answers from the new state once its catalogue is older than Poll,
// and at once after Invalidate.
func TestFollowsChanges(t *testing.T) {
	old, cur := parse(t, "atlas/ATLAS-5.6.0.yaml"), parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	src := newSource(old, cur)
	m := readmodel.New(src, readmodel.Options{Poll: 20 * time.Millisecond})
	ctx := context.Background()
	if v := versionOf(t, m, ctx); v != cur.Version {
		t.Fatalf("current = %s, want %s", v, cur.Version)
	}
	src.use(old.Version)
	eventually(t, "switch", func() bool { return versionOf(t, m, ctx) == old.Version })
	src.use(cur.Version)

	// A replace (same version, new content: another digest) is read anew.
	changed := *old
	changed.Techniques = slices.Clone(old.Techniques)
	changed.Techniques[0].Name = "Renamed by the test"
	changed.SHA256 = strings.Repeat("ab", 32)
	src.load(&changed, false)
	m.Invalidate()
	r, err := m.Release(ctx, old.Version)
	if err != nil {
		t.Fatal(err)
	}
	if te, err := r.Technique(old.Techniques[0].ID); err != nil || te.Name != "Renamed by the test" {
		t.Fatalf("after replace and Invalidate: %+v, %v", te, err)
	}

	// A prune is seen: the version is not found any more.
	src.prune(old.Version)
	eventually(t, "prune", func() bool {
		_, err := m.Release(ctx, old.Version)
		var nf *atlas.NotFoundError
		return errors.As(err, &nf) && nf.Kind == "release"
	})
}

// TestCancelledWaiter asks for a release with a context that ends at once:
// the caller gets its context's error, and the read it started still
// completes for the next caller.
func TestCancelledWaiter(t *testing.T) {
	m := readmodel.New(newSource(parse(t, "atlas/v6/ATLAS-2026.05.yaml")), readmodel.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Release(ctx, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: %v, want context.Canceled", err)
	}
	if v := versionOf(t, m, context.Background()); v != "2026.05" {
		t.Fatalf("next request: %s", v)
	}
}

// TestPin checks that a pinned request answers every question from the
// catalogue its first question read, even when the current release is
// switched meanwhile, while an unpinned question sees the switch.
func TestPin(t *testing.T) {
	old, cur := parse(t, "atlas/ATLAS-5.6.0.yaml"), parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	src := newSource(old, cur)
	m := readmodel.New(src, readmodel.Options{})
	ctx := context.Background()
	req := m.Pin(ctx)
	if v := versionOf(t, m, req); v != cur.Version {
		t.Fatalf("first question: %s", v)
	}
	src.use(old.Version)
	m.Invalidate()
	if v := versionOf(t, m, req); v != cur.Version {
		t.Errorf("pinned request after the switch: %s; want %s", v, cur.Version)
	}
	if v := versionOf(t, m, ctx); v != old.Version {
		t.Errorf("unpinned question after the switch: %s; want %s", v, old.Version)
	}
}

// TestWarmSwitchesOnceHeld: a server's model reads the current release
// without being asked, and when another process makes a new release
// current it keeps answering from the release it holds (with a fingerprint
// that says so) until the new one is held, then switches.
func TestWarmSwitchesOnceHeld(t *testing.T) {
	old, cur := parse(t, "atlas/ATLAS-5.6.0.yaml"), parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	src := newSource(old, cur)
	m := readmodel.New(src, readmodel.Options{Warm: true, Poll: 10 * time.Millisecond})
	held := make(chan string, 4)
	m.OnHeld(func(v string) { held <- v })
	m.Warm()
	if v := <-held; v != cur.Version {
		t.Fatalf("warm read %s, want %s", v, cur.Version)
	}
	ctx := context.Background()
	if v, ok := m.Held(); v != cur.Version || !ok {
		t.Fatalf("Held() = %s, %v", v, ok)
	}
	if v := versionOf(t, m, ctx); v != cur.Version {
		t.Fatalf("current = %s", v)
	}
	before, _ := m.Fingerprint(ctx)

	// The switch is seen while the new release cannot be read yet: the
	// old one keeps answering, at once.
	gate := make(chan struct{})
	src.mu.Lock()
	src.gate = gate
	src.mu.Unlock()
	src.use(old.Version)
	time.Sleep(30 * time.Millisecond) // older than Poll
	start := time.Now()
	if v := versionOf(t, m, ctx); v != cur.Version {
		t.Errorf("during the read of the new release: answered from %s, want the held %s", v, cur.Version)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a question during the read waited %s", d)
	}
	during, _ := m.Fingerprint(ctx)
	if during == before || !strings.Contains(during, "serving "+cur.Version) {
		t.Errorf("fingerprint during the switch %q does not say it still serves %s (before: %q)", during, cur.Version, before)
	}
	if _, ok := m.Held(); ok {
		t.Errorf("Held() says the new current release is held before it was read")
	}
	close(gate)
	if v := <-held; v != old.Version {
		t.Fatalf("warm read %s, want %s", v, old.Version)
	}
	eventually(t, "switch once held", func() bool { return versionOf(t, m, ctx) == old.Version })
}

// TestNewReleaseAtOnce checks that a release loaded behind the model's back
// is found by the first question that names it, without waiting for Poll.
func TestNewReleaseAtOnce(t *testing.T) {
	cur, old := parse(t, "atlas/v6/ATLAS-2026.05.yaml"), parse(t, "atlas/ATLAS-5.6.0.yaml")
	src := newSource(cur)
	m := readmodel.New(src, readmodel.Options{Poll: time.Hour})
	ctx := context.Background()
	versionOf(t, m, ctx)
	src.load(old, false)
	time.Sleep(150 * time.Millisecond) // the catalogue is older than a miss may refresh
	if r, err := m.Release(ctx, old.Version); err != nil || r.Version() != old.Version {
		t.Errorf("the new release: %v, %v", r, err)
	}
	if _, err := m.Release(ctx, "0.0.1"); !errors.Is(err, atlas.ErrNotFound) {
		t.Errorf("an unknown release: %v", err)
	}
}

// TestRun checks that a running warm model reads a release made current
// elsewhere without any question being asked.
func TestRun(t *testing.T) {
	cur, old := parse(t, "atlas/v6/ATLAS-2026.05.yaml"), parse(t, "atlas/ATLAS-5.6.0.yaml")
	src := newSource(cur)
	src.load(old, false)
	m := readmodel.New(src, readmodel.Options{Warm: true, Poll: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.Run(ctx)
	eventually(t, "the current release read", func() bool { return m.Reads() >= 1 })
	src.use(old.Version)
	eventually(t, "the release made current elsewhere read", func() bool { return m.Reads() >= 2 })
	reads := m.Reads()
	if v := versionOf(t, m, ctx); v != old.Version || m.Reads() != reads {
		t.Errorf("after the switch: %s; reads %d→%d (want it held already)", v, reads, m.Reads())
	}
}

// TestAnswersWhileDatabaseAway: when the catalogue cannot be read, the
// releases held keep answering from the catalogue last read.
func TestAnswersWhileDatabaseAway(t *testing.T) {
	src := newSource(parse(t, "atlas/v6/ATLAS-2026.05.yaml"))
	m := readmodel.New(src, readmodel.Options{Poll: 5 * time.Millisecond})
	ctx := context.Background()
	versionOf(t, m, ctx)
	down := errors.New("connection refused")
	src.setDown(down)
	time.Sleep(20 * time.Millisecond)
	if v := versionOf(t, m, ctx); v != "2026.05" {
		t.Errorf("while the database is away: %s", v)
	}
	// A release never held cannot be answered.
	m2 := readmodel.New(src, readmodel.Options{})
	if _, err := m2.Release(ctx, ""); !errors.Is(err, down) {
		t.Errorf("nothing held and the database away: %v, want its error", err)
	}
}

// TestDeadlineWhileReading: a question whose deadline passes while the
// release it needs is being read is told so (ReadingError, wrapping the
// context's error), not that it asked too much.
func TestDeadlineWhileReading(t *testing.T) {
	src := newSource(parse(t, "atlas/v6/ATLAS-2026.05.yaml"))
	gate := make(chan struct{})
	src.gate = gate
	defer close(gate)
	m := readmodel.New(src, readmodel.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := m.Release(ctx, "")
	var re *readmodel.ReadingError
	if !errors.As(err, &re) || re.Version != "2026.05" || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v (%T), want a ReadingError of 2026.05 wrapping the deadline", err, err)
	}
	if !strings.Contains(err.Error(), "being read into memory") {
		t.Errorf("message %q", err)
	}
}

// TestPreparedBeforeServed: a warm read builds what Prepare asks before the
// release serves as the current one, and a request that names the new
// release while that read runs waits for it (one snapshot, one prepare)
// rather than reading it a second time.
func TestPreparedBeforeServed(t *testing.T) {
	old, cur := parse(t, "atlas/ATLAS-5.6.0.yaml"), parse(t, "atlas/v6/ATLAS-2026.05.yaml")
	src := newSource(old, cur)
	m := readmodel.New(src, readmodel.Options{Warm: true, Poll: 10 * time.Millisecond})
	var mu sync.Mutex
	prepared := map[string]int{} // prepares per version
	var reads []readmodel.Read
	release := make(chan struct{}) // the prepare of old waits for it
	m.Prepare(func(_ context.Context, rel *view.Release) {
		if rel.Version() == old.Version {
			<-release
		}
		mu.Lock()
		prepared[rel.Version()]++
		mu.Unlock()
	})
	m.OnRead(func(r readmodel.Read) {
		mu.Lock()
		reads = append(reads, r)
		mu.Unlock()
	})
	held := make(chan string, 4)
	m.OnHeld(func(v string) { held <- v })
	m.Warm()
	if v := <-held; v != cur.Version {
		t.Fatalf("warm read %s, want %s", v, cur.Version)
	}
	ctx := context.Background()
	if v := versionOf(t, m, ctx); v != cur.Version {
		t.Fatalf("current = %s", v)
	}

	src.use(old.Version)
	time.Sleep(30 * time.Millisecond) // older than Poll
	// Seeing the switch starts the warm read of old, which stops in Prepare.
	if v := versionOf(t, m, ctx); v != cur.Version {
		t.Fatalf("while the new current release is prepared: answered from %s, want the held %s", v, cur.Version)
	}
	asked := make(chan *view.Release, 1)
	go func() {
		r, err := m.Release(ctx, old.Version) // names it: waits for the warm read
		if err != nil {
			t.Error(err)
		}
		asked <- r
	}()
	time.Sleep(50 * time.Millisecond)
	if v := versionOf(t, m, ctx); v != cur.Version {
		t.Errorf("before its Prepare returned, %s served as the current release", v)
	}
	select {
	case <-asked:
		t.Fatal("a request for the release being prepared was answered before Prepare returned")
	default:
	}
	close(release)
	if r := <-asked; r == nil || r.Version() != old.Version {
		t.Fatalf("request for %s answered with %v", old.Version, r)
	}
	if v := <-held; v != old.Version {
		t.Fatalf("warm read %s, want %s", v, old.Version)
	}
	eventually(t, "switch once held", func() bool { return versionOf(t, m, ctx) == old.Version })

	mu.Lock()
	defer mu.Unlock()
	if prepared[old.Version] != 1 || prepared[cur.Version] != 1 {
		t.Errorf("prepares per version = %v, want one each", prepared)
	}
	if len(reads) != 2 || !reads[0].Warm || !reads[1].Warm || reads[1].Version != old.Version || reads[1].Took <= 0 {
		t.Errorf("reads = %+v, want two warm reads, the second of %s", reads, old.Version)
	}
	if src.snapshots != 2 {
		t.Errorf("%d snapshots read, want 2 (one per release)", src.snapshots)
	}
}
