// Package readmodel holds complete ATLAS releases in memory and answers the
// read side's questions (objects by id, filtered lists, every relationship)
// from there, with Neo4j the system of record.
//
// A complete release never changes: a release is loaded whole, replaced
// whole (a new sha256) or pruned. So a server may read a release once, keep
// it keyed by version and digest, and answer every later question without a
// round trip, where a generic GraphQL-to-Cypher layer must ask the database
// each time. Which releases are loaded, which is current and their digests
// (the catalogue) is read again when it is older than Options.Poll, by the
// first request that needs it; a switch, replace or prune made through any
// server or the command line is therefore seen by every server within Poll,
// plus the time to read the new release (docs/scale-out.md).
//
// Each release is read with one snapshot read (store.Reader.Snapshot) into
// its domain value, from which package view builds every index and list.
// Full-text search and the ATT&CK side are not held here; they go to Neo4j
// through store.Reader.
package readmodel

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/view"
)

// Options tune a Model.
type Options struct {
	// Poll is how old the catalogue of loaded releases may get before a
	// request reads it again. Zero means DefaultPoll.
	Poll time.Duration
	// Releases is how many complete releases stay in memory, the least
	// recently used going first. Zero means DefaultReleases.
	Releases int
	// ReadTimeout bounds reading one release whole. Zero means two
	// minutes.
	ReadTimeout time.Duration
	// Warm reads the current release in the background as soon as the
	// catalogue names one that is not held (at start, after a switch or a
	// replace), so that no request waits for it. Servers set it.
	Warm bool
}

// Defaults of Options.
const (
	DefaultPoll     = time.Second
	DefaultReleases = 4
)

// ReadingError says that a question gave up (its deadline passed, or it
// was cancelled) while the release it needs was being read into memory. It
// wraps the context's error.
type ReadingError struct {
	Version string
	Err     error
}

func (e *ReadingError) Error() string {
	return fmt.Sprintf("release %s is being read into memory; ask again in a moment", e.Version)
}

// Unwrap returns the context's error.
func (e *ReadingError) Unwrap() error { return e.Err }

// Source is where a Model reads releases: the catalogue of complete
// releases and one release whole. store.Reader is the one the product uses;
// tests of the layers above use releases parsed from files.
type Source interface {
	// Releases lists the complete releases, newest version first.
	Releases(ctx context.Context) ([]view.ReleaseInfo, error)
	// Release describes one complete release ("" for the current one).
	Release(ctx context.Context, version string) (view.ReleaseInfo, error)
	// Snapshot reads the release info names whole.
	Snapshot(ctx context.Context, info view.ReleaseInfo) (*atlas.Release, error)
}

// Model is the in-memory read model over one store. It is safe for
// concurrent use.
type Model struct {
	r   Source
	opt Options
	now func() time.Time

	flight singleflight.Group

	onHeld  func(version string)                         // called after a warm read holds the current release
	prepare func(ctx context.Context, rel *view.Release) // run by a warm read before it holds the release
	onRead  func(Read)                                   // called after each read of a release

	mu      sync.Mutex
	catalog *catalog
	current *view.Release            // the release last served as the current one
	lru     *list.List               // of *view.Release, most recently used first
	held    map[string]*list.Element // by key(version, sha256)
	reads   int                      // releases read from Neo4j, for tests and metrics
}

// catalog is what the store said, at one time, of the complete releases.
type catalog struct {
	at       time.Time
	releases []view.ReleaseInfo // store order: newest version first
	print    string             // every version@sha256, the current one marked
}

// New returns a read model over a store reader.
func New(r Source, opt Options) *Model {
	if opt.Poll <= 0 {
		opt.Poll = DefaultPoll
	}
	if opt.Releases <= 0 {
		opt.Releases = DefaultReleases
	}
	if opt.ReadTimeout <= 0 {
		opt.ReadTimeout = 2 * time.Minute
	}
	return &Model{r: r, opt: opt, now: time.Now, lru: list.New(), held: map[string]*list.Element{}}
}

// Invalidate forgets the catalogue, so that the next request reads it
// again: call it after this process switched, replaced or pruned a release.
func (m *Model) Invalidate() {
	m.mu.Lock()
	m.catalog = nil
	m.mu.Unlock()
}

// Reads is how many releases the model has read from Neo4j so far.
func (m *Model) Reads() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reads
}

type pinKey struct{}

// pin holds the catalogue one request answers from.
type pin struct {
	mu sync.Mutex
	c  *catalog
}

// Pin returns a context under which every question sees one catalogue,
// the one the first question reads: a request that names no release is
// answered from a single current release even when a switch lands while it
// runs. Servers pin each request.
func (m *Model) Pin(ctx context.Context) context.Context {
	if _, ok := ctx.Value(pinKey{}).(*pin); ok {
		return ctx
	}
	return context.WithValue(ctx, pinKey{}, &pin{})
}

// Fingerprint names the catalogue a request sees: every complete release
// with its digest, and which is current. Two requests with the same
// fingerprint read the same content.
func (m *Model) Fingerprint(ctx context.Context) (string, error) {
	c, err := m.catalogue(ctx)
	if err != nil {
		return "", err
	}
	// While a server still answers from the release it held before a
	// switch, the answers are not those of the catalogue's current release.
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := c.find(""); ok && m.opt.Warm && m.current != nil && key(m.current.Info) != key(cur) {
		if _, held := m.held[key(cur)]; !held {
			return c.print + " serving " + key(m.current.Info), nil
		}
	}
	return c.print, nil
}

// catalogue returns the catalogue, reading it again when it is older than
// Poll, or the one the request is pinned to. Concurrent requests share one
// read.
func (m *Model) catalogue(ctx context.Context) (*catalog, error) {
	p, _ := ctx.Value(pinKey{}).(*pin)
	if p == nil {
		return m.fresh(ctx)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.c == nil {
		c, err := m.fresh(ctx)
		if err != nil {
			return nil, err
		}
		p.c = c
	}
	return p.c, nil
}

func (m *Model) fresh(ctx context.Context) (*catalog, error) {
	return m.freshWithin(ctx, m.opt.Poll)
}

// missRefresh is how old the catalogue must be before a question about a
// version it does not list reads it again (see Info).
const missRefresh = 100 * time.Millisecond

// freshWithin returns the catalogue, reading it again when it is older than
// age.
func (m *Model) freshWithin(ctx context.Context, age time.Duration) (*catalog, error) {
	m.mu.Lock()
	c := m.catalog
	m.mu.Unlock()
	if c != nil && m.now().Sub(c.at) < age {
		return c, nil
	}
	v, err := m.shared(ctx, "catalog", func(ctx context.Context) (any, error) {
		at := m.now()
		list, err := m.r.Releases(ctx)
		if err != nil {
			return nil, err
		}
		c := &catalog{at: at, releases: list}
		var b strings.Builder
		for _, r := range list {
			b.WriteString(key(r))
			if r.Current {
				b.WriteString("*")
			}
			b.WriteString(" ")
		}
		c.print = b.String()
		m.mu.Lock()
		m.catalog = c
		m.forget(c)
		m.mu.Unlock()
		if m.opt.Warm {
			m.warm(c)
		}
		return c, nil
	})
	if err != nil {
		if c != nil && ctx.Err() == nil {
			// Neo4j is away: keep answering from the releases held, with
			// the catalogue last read, and try again after Poll. Readiness
			// and /healthz say so; a switch made meanwhile is seen once
			// Neo4j answers again.
			m.mu.Lock()
			stale := *c
			stale.at = m.now()
			m.catalog = &stale
			m.mu.Unlock()
			return &stale, nil
		}
		return nil, err
	}
	return v.(*catalog), nil
}

// shared runs f once for all concurrent callers with the same key, under a
// context of its own (a caller that gives up does not stop the others'
// read), and lets each caller stop waiting when its own context ends.
func (m *Model) shared(ctx context.Context, key string, f func(context.Context) (any, error)) (any, error) {
	ch := m.flight.DoChan(key, func() (any, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.opt.ReadTimeout)
		defer cancel()
		return f(rctx)
	})
	select {
	case res := <-ch:
		return res.Val, res.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Info returns the description of a complete release, "" meaning the
// current one, or a *atlas.NotFoundError.
func (m *Model) Info(ctx context.Context, version string) (view.ReleaseInfo, error) {
	c, err := m.catalogue(ctx)
	if err != nil {
		return view.ReleaseInfo{}, err
	}
	if r, ok := c.find(version); ok {
		return r, nil
	}
	// A version the catalogue does not list may have been loaded since it
	// was read: read it again (at most every missRefresh) before saying no,
	// so that a release just loaded is served at once. Only that version is
	// looked up there; a pinned request keeps its current release.
	if version != "" {
		if fresh, err := m.freshWithin(ctx, missRefresh); err == nil && fresh != c {
			if r, ok := fresh.find(version); ok {
				return r, nil
			}
		}
	}
	return view.ReleaseInfo{}, &atlas.NotFoundError{Kind: "release", ID: version}
}

// find looks a version up, "" for the current release.
func (c *catalog) find(version string) (view.ReleaseInfo, bool) {
	for _, r := range c.releases {
		if (version == "" && r.Current) || (version != "" && r.Version == version) {
			return r, true
		}
	}
	return view.ReleaseInfo{}, false
}

// Infos lists the complete releases, newest version first.
func (m *Model) Infos(ctx context.Context) ([]view.ReleaseInfo, error) {
	c, err := m.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	return c.releases, nil
}

func key(info view.ReleaseInfo) string { return info.Version + "@" + info.SHA256 }

// Release returns the complete release asked for ("" for the current one)
// in memory, reading it from Neo4j the first time.
func (m *Model) Release(ctx context.Context, version string) (*view.Release, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	info, err := m.Info(ctx, version)
	if err != nil {
		return nil, err
	}
	k := key(info)
	m.mu.Lock()
	if e, ok := m.held[k]; ok {
		m.lru.MoveToFront(e)
		rel := e.Value.(*view.Release)
		if version == "" {
			m.current = rel
		}
		m.mu.Unlock()
		return rel, nil
	}
	// A server (Warm) keeps answering "the current release" from the one
	// it holds while the release made current elsewhere is read in the
	// background, and switches once that one is held: no request waits for
	// a switch. The release it holds must still be loaded as it was.
	if version == "" && m.opt.Warm && m.current != nil && m.stillListed(m.current.Info) {
		rel, c := m.current, m.catalog
		m.mu.Unlock()
		m.warm(c)
		return rel, nil
	}
	m.mu.Unlock()
	v, err := m.shared(ctx, "release "+k, func(ctx context.Context) (any, error) { return m.read(ctx, info, false) })
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return nil, &ReadingError{Version: info.Version, Err: err}
		}
		return nil, err
	}
	rel := v.(*view.Release)
	if version == "" {
		m.mu.Lock()
		m.current = rel
		m.mu.Unlock()
	}
	return rel, nil
}

// stillListed reports whether the catalogue last read lists a release with
// the same version and digest. m.mu is held.
func (m *Model) stillListed(info view.ReleaseInfo) bool {
	if m.catalog == nil {
		return false
	}
	for _, r := range m.catalog.releases {
		if key(r) == key(info) {
			return true
		}
	}
	return false
}

// read reads a release whole and holds it; a warm read runs Prepare on it
// first, so that the release serves only once what Prepare builds is ready.
// A replace or prune that lands while it reads shows as a different digest
// afterwards; the read is then done again, and given up with an error after
// three tries.
func (m *Model) read(ctx context.Context, info view.ReleaseInfo, warm bool) (*view.Release, error) {
	start := time.Now()
	m.mu.Lock()
	prepare, onRead := m.prepare, m.onRead
	m.mu.Unlock()
	for try := 0; try < 3; try++ {
		snap, err := m.r.Snapshot(ctx, info)
		if err != nil {
			return nil, err
		}
		rel := view.New(info, snap)
		after, err := m.r.Release(ctx, info.Version)
		if err != nil {
			return nil, err
		}
		if after.SHA256 != info.SHA256 {
			info = after // replaced meanwhile: read the new one
			continue
		}
		if warm && prepare != nil {
			prepare(ctx, rel)
		}
		m.hold(rel)
		if onRead != nil {
			onRead(Read{Version: info.Version, Took: time.Since(start), Warm: warm})
		}
		return rel, nil
	}
	return nil, fmt.Errorf("release %s changed three times while it was being read; try again", info.Version)
}

// Read describes one read of a release into memory, for metrics and
// tests.
type Read struct {
	// Version is the release read.
	Version string
	// Took is the time from the start of the read to the release being
	// held: the snapshot read, the indexes and, for a warm read, what
	// Prepare builds.
	Took time.Duration
	// Warm is true when the background warm-up read it (the release had
	// become current), false when a request started it and waited for it.
	Warm bool
}

// Prepare sets what a warm read builds from a release before it holds it
// (the analysis input, say): the release becomes the current one for
// requests only once f returns, and a request that asks for it meanwhile
// waits for this read rather than starting another. f runs under the read's
// bound (Options.ReadTimeout). Call it before Warm.
func (m *Model) Prepare(f func(ctx context.Context, rel *view.Release)) {
	m.mu.Lock()
	m.prepare = f
	m.mu.Unlock()
}

// OnRead sets what to do after each read of a release into memory, warm or
// started by a request (a metric of the time it took). Call it before Warm.
func (m *Model) OnRead(f func(Read)) {
	m.mu.Lock()
	m.onRead = f
	m.mu.Unlock()
}

// Warm reads the current release into memory in the background, when
// Options.Warm is set; a server calls it at start.
func (m *Model) Warm() {
	if !m.opt.Warm {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), m.opt.ReadTimeout)
		defer cancel()
		_, _ = m.catalogue(ctx) // reading the catalogue warms the current release
	}()
}

// Run reads the catalogue every Poll until ctx ends, so that a switch,
// replace or load made elsewhere is noticed (and, with Warm, the new
// current release read) without waiting for a request. A server runs it
// while it serves.
func (m *Model) Run(ctx context.Context) {
	t := time.NewTicker(m.opt.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = m.fresh(ctx) // errors show on the next request, and in /readyz
		}
	}
}

// warm starts reading the current release of c unless it is held.
func (m *Model) warm(c *catalog) {
	for _, r := range c.releases {
		if !r.Current {
			continue
		}
		m.mu.Lock()
		_, held := m.held[key(r)]
		m.mu.Unlock()
		if !held {
			info := r
			// Joined before warm returns (DoChan does not wait), so that a
			// request that reads this catalogue and asks for the release
			// waits for this read, Prepare included, rather than reading it
			// itself.
			ch := m.flight.DoChan("release "+key(info), func() (any, error) {
				ctx, cancel := context.WithTimeout(context.Background(), m.opt.ReadTimeout)
				defer cancel()
				return m.read(ctx, info, true)
			})
			go func() {
				res := <-ch
				m.mu.Lock()
				f := m.onHeld
				m.mu.Unlock()
				if res.Err == nil && f != nil {
					f(info.Version)
				}
			}()
		}
	}
}

// forget drops the releases the catalogue no longer lists with their
// digest (pruned or replaced), so their memory goes at once. m.mu is held.
func (m *Model) forget(c *catalog) {
	live := make(map[string]bool, len(c.releases))
	for _, r := range c.releases {
		live[key(r)] = true
	}
	for k, e := range m.held {
		if !live[k] {
			m.lru.Remove(e)
			delete(m.held, k)
		}
	}
}

func (m *Model) hold(rel *view.Release) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	k := key(rel.Info)
	if e, ok := m.held[k]; ok {
		m.lru.MoveToFront(e)
		return
	}
	m.held[k] = m.lru.PushFront(rel)
	for m.lru.Len() > m.opt.Releases {
		last := m.lru.Back()
		m.lru.Remove(last)
		delete(m.held, key(last.Value.(*view.Release).Info))
	}
}

// OnHeld sets what to do once a warm read holds a current release (read
// what depends on it, such as the actor directory). Call it before Warm.
func (m *Model) OnHeld(f func(version string)) {
	m.mu.Lock()
	m.onHeld = f
	m.mu.Unlock()
}

// Held says, without any I/O, which release the last catalogue read names
// current and whether it is held in memory: current is "" when no
// catalogue was read yet or none is current.
func (m *Model) Held() (current string, held bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.catalog == nil {
		return "", false
	}
	r, ok := m.catalog.find("")
	if !ok {
		return "", false
	}
	_, held = m.held[key(r)]
	return r.Version, held
}
