package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"go.yaml.in/yaml/v3"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/auth"
	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/store"
	"github.com/atlasgraph/atlasgraph/threatmodel"
)

// followBound is how long a server may take to follow a release change
// made elsewhere before the scale-out test calls it a failure. It is a
// generous correctness bound, not a timing assertion: the documented bound
// (docs/scale-out.md) is the release poll interval plus the time to read
// the new release, seconds on a busy machine.
const followBound = 30 * time.Second

// legacyRelease is the second release the scale-out test loads beside the
// shared 2026.05: the smallest legacy file, so that its loads are quick.
const legacyRelease = "atlas/ATLAS-4.5.0.yaml"

// process starts what one `atlasgraph serve` process is: its own driver
// (to uri), its own store and server, and a real HTTP listener on a free
// port of 127.0.0.1 served by Server.Serve. The test's end stops it the
// way a signal stops the command (the context is cancelled) and closes its
// driver. with, when not nil, gives the server's configuration over its
// store. It returns the server's base URL. Whatever `atlasgraph serve`
// wires into a server (a read model of releases, its poll interval) must
// be wired here too, with serve's defaults, or the scale-out tests check
// less than production runs.
func process(t *testing.T, uri string, with func(*store.Store) (server.Config, app.Config)) string {
	t.Helper()
	cfg := neo4jtest.Config(t)
	cfg.URI = uri
	ctx, cancel := context.WithCancel(context.Background())
	d, err := store.ConnectServing(ctx, cfg, store.ServingOptions{})
	if err != nil {
		cancel()
		t.Fatalf("connect over %s: %v", uri, err)
	}
	st := store.New(d, cfg.Database)
	var sc server.Config
	var ac app.Config
	if with != nil {
		sc, ac = with(st)
	}
	s, err := server.New(testConfig(t, st, sc, ac))
	if err != nil {
		cancel()
		d.Close(context.Background())
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		d.Close(context.Background())
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server on %s: %v", ln.Addr(), err)
		}
		d.Close(context.Background())
	})
	return "http://" + ln.Addr().String()
}

// routingURI is the test instance's URI with the neo4j:// scheme, the one
// clusters and Aura are reached by (the driver asks the server for a
// routing table and sends reads to readers and writes to the writer).
func routingURI(t *testing.T, cfg *config.Neo4j) string {
	t.Helper()
	scheme, rest, ok := strings.Cut(cfg.URI, "://")
	if !ok || scheme != "bolt" {
		t.Fatalf("the test instance's NEO4J_URI %q is not bolt://", cfg.URI)
	}
	return "neo4j://" + rest
}

// cliStore is what a command like `atlasgraph releases use` opens: a
// store over its own driver (here over the routing URI, so that its writes
// take the driver's writer routing). The driver closes when the test ends.
func cliStore(t *testing.T) *store.Store {
	t.Helper()
	cfg := neo4jtest.Config(t)
	cfg.URI = routingURI(t, cfg)
	d, err := store.Connect(context.Background(), cfg)
	if err != nil {
		t.Fatalf("connect over %s: %v", cfg.URI, err)
	}
	t.Cleanup(func() { d.Close(context.Background()) })
	return store.New(d, cfg.Database)
}

// view is what the scale-out test asks a server about one release: its
// version and digest, the name of one technique, every technique id and
// the coverage gaps (an analysis answer, computed from a cached input).
type view struct {
	Version, SHA256 string
	Name            string
	Techniques      []string // sorted
	Gaps            []string // sorted
	GapsRelease     string
}

const viewQuery = `query($r: String, $t: ID!) {
  release(version: $r) { version sha256 }
  technique(id: $t, release: $r) { name }
  techniques(release: $r) { id }
  coverageGaps(release: $r) { release techniques { technique { id } } }
}`

// ask sends viewQuery for release version (nil: the current one) and
// technique tech, and returns the answer as a view along with the raw
// response.
func ask(t *testing.T, url string, version *string, tech string) (view, response) {
	t.Helper()
	r := post(t, url, viewQuery, map[string]any{"r": version, "t": tech})
	var got struct {
		Release *struct {
			Version string
			SHA256  string `json:"sha256"`
		}
		Technique    *struct{ Name string }
		Techniques   []idOnly
		CoverageGaps *struct {
			Release    string
			Techniques []struct{ Technique idOnly }
		}
	}
	if len(r.Data) > 0 {
		if err := json.Unmarshal(r.Data, &got); err != nil {
			t.Fatalf("decode %s: %v", r.Data, err)
		}
	}
	var v view
	if got.Release != nil {
		v.Version, v.SHA256 = got.Release.Version, got.Release.SHA256
	}
	if got.Technique != nil {
		v.Name = got.Technique.Name
	}
	v.Techniques = sorted(ids(got.Techniques))
	if got.CoverageGaps != nil {
		v.GapsRelease = got.CoverageGaps.Release
		for _, g := range got.CoverageGaps.Techniques {
			v.Gaps = append(v.Gaps, g.Technique.ID)
		}
		v.Gaps = sorted(v.Gaps)
	}
	return v, r
}

// expect computes the view of the release file at path from the file
// itself: its sha256, and rawatlas's reading of its content. Coverage gaps
// are the techniques no mitigation lists (the API's default, without
// inheritance from parents).
func expect(t *testing.T, path, tech string) view {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rawatlas.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	v := view{Version: raw.Version, SHA256: hex.EncodeToString(sum[:]), Name: raw.Techniques[tech], GapsRelease: raw.Version}
	covered := map[string]bool{}
	for k := range raw.Mitigates {
		covered[k[1]] = true
	}
	for id := range raw.Techniques {
		v.Techniques = append(v.Techniques, id)
		if !covered[id] {
			v.Gaps = append(v.Gaps, id)
		}
	}
	v.Techniques, v.Gaps = sorted(v.Techniques), sorted(v.Gaps)
	if v.Name == "" || len(v.Gaps) == 0 || len(v.Gaps) == len(v.Techniques) {
		t.Fatalf("%s: technique %s named %q, %d gaps of %d techniques: pick other test data", path, tech, v.Name, len(v.Gaps), len(v.Techniques))
	}
	return v
}

// load parses the release file at path and loads it through st without
// making it current (a newer release stays current), replacing a release
// of the same version loaded from other content when replace is set.
func load(t *testing.T, st *store.Store, path string, replace bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rel, _, err := loader.Parse(path, b, loader.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(context.Background(), rel, store.LoadOptions{Current: store.CurrentNever, Replace: replace}); err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
}

// checkStore checks that the store holds want's release with want's digest.
func checkStore(t *testing.T, st *store.Store, want view) {
	t.Helper()
	info, err := st.Release(context.Background(), want.Version)
	if err != nil {
		t.Fatal(err)
	}
	if info.SHA256 != want.SHA256 {
		t.Fatalf("the store has %s with sha256 %s, the file %s", want.Version, info.SHA256, want.SHA256)
	}
}

// follow asks each server until it answers want, and fails when one does
// not within followBound of the change (made at since). Every answer on
// the way must be the one before the change (old) or want: a server may
// lag, never answer wrongly. An answer mixing both (root fields read from
// two releases) fails: a request is pinned to one catalogue of releases
// (readmodel.Model.Pin), so all its root fields see the same current one.
func follow(t *testing.T, what string, urls map[string]string, version *string, tech string, old, want view, since time.Time) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(urls)) {
		asked := 0
		for {
			got, r := ask(t, urls[name], version, tech)
			asked++
			if len(r.Errors) > 0 {
				t.Fatalf("after the %s, server %s answered with errors: %s", what, name, r.raw)
			}
			if cmp.Equal(got, want) {
				t.Logf("after the %s, server %s answered the new content %s after %s (%d questions asked)",
					what, name, want.Version, time.Since(since).Round(time.Millisecond), asked)
				break
			}
			if !cmp.Equal(got, old) {
				if got.Version == "" || (got.Version != old.Version && got.Version != want.Version) {
					t.Fatalf("after the %s, server %s answered release %q, neither %s nor %s: %s", what, name, got.Version, old.Version, want.Version, r.raw)
				}
				t.Fatalf("after the %s, server %s answered content mixing %s and %s (-before +after):\n%s", what, name, old.Version, want.Version, cmp.Diff(old, got))
			}
			if time.Since(since) > followBound {
				t.Fatalf("server %s still answers the content from before the %s %s later (-answer +store):\n%s", name, what, followBound, cmp.Diff(got, want))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// rewrite writes a copy of the release file at path into dir with technique
// tech renamed and the mitigation that alone covers the most techniques
// removed (so that the coverage gaps grow), and returns the copy's path.
// It edits the YAML tree, so the copy is another valid release of the same
// version.
func rewrite(t *testing.T, path, dir, tech string) string {
	t.Helper()
	raw, err := rawatlas.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string][]string{} // technique -> mitigations listing it
	for k := range raw.Mitigates {
		by[k[1]] = append(by[k[1]], k[0])
	}
	alone := map[string]int{}
	for _, ms := range by {
		if len(ms) == 1 {
			alone[ms[0]]++
		}
	}
	drop := ""
	for _, m := range slices.Sorted(maps.Keys(raw.Mitigations)) {
		if drop == "" || alone[m] > alone[drop] {
			drop = m
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	renamed, dropped := 0, 0
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.SequenceNode {
			kept := n.Content[:0]
			for _, c := range n.Content {
				if id, name := field(c, "id"), field(c, "name"); id != nil && name != nil && id.Value == drop {
					dropped++
					continue
				}
				kept = append(kept, c)
			}
			n.Content = kept
		}
		if id, name := field(n, "id"), field(n, "name"); id != nil && name != nil && id.Value == tech {
			name.Value += " (renamed for the scale-out test)"
			renamed++
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	if renamed != 1 || dropped != 1 {
		t.Fatalf("%s: renamed %d objects %s and dropped %d objects %s, want one each", path, renamed, tech, dropped, drop)
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, filepath.Base(path))
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// field is the value node of key in mapping node n, nil when n is not a
// mapping or has no such key.
func field(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// Two atlasgraph servers over one Neo4j, as two processes behind a load
// balancer: each has its own driver (A over bolt://, B over the routing
// URI neo4j://) and whatever each caches. A switch of the current release,
// a replacement and a prune made elsewhere (through the store, as the
// `atlasgraph releases use`, `load --replace` and `releases prune`
// commands do, in another "process") must show in both servers' answers
// within a bounded time (docs/scale-out.md); the test polls for it, so it
// holds whether a server caches nothing or follows changes by polling.
// Expected answers come from the release files and the store.
func TestTwoServersFollowReleaseSwitch(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	cli := cliStore(t)
	legacyPath, err := rawatlas.Shared(legacyRelease)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := cli.Release(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	legacyRaw, err := rawatlas.Read(legacyPath)
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

	// A technique of both releases, with different names when there is one.
	var tech string
	for _, id := range slices.Sorted(maps.Keys(e.raw.Techniques)) {
		name, ok := legacyRaw.Techniques[id]
		if !ok {
			continue
		}
		if tech == "" {
			tech = id
		}
		if name != e.raw.Techniques[id] {
			tech = id
			break
		}
	}
	if tech == "" {
		t.Fatalf("no technique is in both %s and %s", e.path, legacyPath)
	}
	current, legacy := expect(t, e.path, tech), expect(t, legacyPath, tech)
	if current.Version != cur.Version {
		t.Fatalf("the current release is %s, the shared setup loads %s", cur.Version, current.Version)
	}
	load(t, cli, legacyPath, false)
	checkStore(t, cli, current)
	checkStore(t, cli, legacy)

	urls := map[string]string{
		"A (bolt://)":  process(t, neo4jtest.Config(t).URI, nil),
		"B (neo4j://)": process(t, routingURI(t, neo4jtest.Config(t)), nil),
	}
	legacyVersion := &legacy.Version

	// Warm both: ask each several times for the current release and for
	// the staged one, so that whatever a server caches is filled.
	for name, url := range urls {
		for range 3 {
			for _, c := range []struct {
				version *string
				want    view
			}{{nil, current}, {legacyVersion, legacy}} {
				got, r := ask(t, url, c.version, tech)
				if len(r.Errors) > 0 {
					t.Fatalf("server %s: %s", name, r.raw)
				}
				if diff := cmp.Diff(c.want, got); diff != "" {
					t.Fatalf("server %s answers other content than the file (-file +answer):\n%s", name, diff)
				}
			}
		}
	}

	// Switch the current release elsewhere, then back. Each delay is
	// counted from the moment the change was committed (its call
	// returned), not from its start.
	if err := cli.SetCurrent(ctx, legacy.Version); err != nil {
		t.Fatal(err)
	}
	since := time.Now()
	follow(t, "switch to "+legacy.Version, urls, nil, tech, current, legacy, since)
	if err := cli.SetCurrent(ctx, current.Version); err != nil {
		t.Fatal(err)
	}
	since = time.Now()
	follow(t, "switch back to "+current.Version, urls, nil, tech, legacy, current, since)

	// Replace the staged release (the current one cannot be replaced) with
	// other content of the same version: one technique renamed, one
	// mitigation fewer.
	changedPath := rewrite(t, legacyPath, t.TempDir(), tech)
	changed := expect(t, changedPath, tech)
	if changed.Version != legacy.Version || changed.SHA256 == legacy.SHA256 || changed.Name == legacy.Name || cmp.Equal(changed.Gaps, legacy.Gaps) {
		t.Fatalf("the changed copy is not a changed copy of %s: %+v", legacy.Version, changed)
	}
	load(t, cli, changedPath, true)
	since = time.Now()
	checkStore(t, cli, changed)
	follow(t, "replacement of "+legacy.Version, urls, legacyVersion, tech, legacy, changed, since)

	// Prune it: both answer NOT_FOUND with the store's message, not what
	// they read before.
	if _, err := cli.Prune(ctx, legacy.Version); err != nil {
		t.Fatal(err)
	}
	since = time.Now()
	if _, err := cli.Release(ctx, legacy.Version); err == nil {
		t.Fatalf("the store still has %s after the prune", legacy.Version)
	}
	msg := (&atlas.NotFoundError{Kind: "release", ID: legacy.Version}).Error()
	for _, name := range slices.Sorted(maps.Keys(urls)) {
		asked := 0
		for {
			got, r := ask(t, urls[name], legacyVersion, tech)
			asked++
			if len(r.Errors) > 0 {
				for _, e := range r.Errors {
					if e.code() != server.CodeNotFound || e.Message != msg {
						t.Fatalf("after the prune, server %s answered %s, want NOT_FOUND errors saying %q", name, r.raw, msg)
					}
				}
				if got.Name != "" || len(got.Techniques) > 0 || len(got.Gaps) > 0 {
					t.Fatalf("after the prune, server %s answered content of %s beside its errors: %s", name, legacy.Version, r.raw)
				}
				t.Logf("after the prune of %s, server %s answered NOT_FOUND after %s (%d questions asked)", legacy.Version, name, time.Since(since).Round(time.Millisecond), asked)
				break
			} else if !cmp.Equal(got, changed) {
				t.Fatalf("after the prune, server %s answered neither the pruned content nor NOT_FOUND (-pruned +answer):\n%s", name, cmp.Diff(changed, got))
			}
			if time.Since(since) > followBound {
				t.Fatalf("server %s still answers %s %s after it was pruned: %s", name, legacy.Version, followBound, r.raw)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// The reads of the API over a routing URI (neo4j://), as a Neo4j cluster or
// Aura is reached, answer exactly what they answer over bolt://: a server
// whose driver routes (reads to readers, writes to the writer) and one
// whose driver talks to one address directly ask the same questions of the
// same database. A standalone Neo4j answers the routing procedure with
// itself in every role, which the test checks first, so the routed driver
// really goes through a routing table.
func TestReadsOverRoutingURI(t *testing.T) {
	e := setup(t)
	cfg := neo4jtest.Config(t)
	routed := routingURI(t, cfg)

	// The routing table a standalone Neo4j gives: itself as router,
	// reader and writer, at the address the test connects to.
	rcfg := neo4jtest.Config(t)
	rcfg.URI = routed
	d, err := store.Connect(context.Background(), rcfg)
	if err != nil {
		t.Fatalf("connect over %s: %v", routed, err)
	}
	t.Cleanup(func() { d.Close(context.Background()) })
	res, err := neo4j.ExecuteQuery(context.Background(), d, `CALL dbms.routing.getRoutingTable({}, $db) YIELD servers RETURN servers`,
		map[string]any{"db": cfg.Database}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase("system"))
	if err != nil || len(res.Records) != 1 {
		t.Fatalf("routing table over %s: %v", routed, err)
	}
	_, hostPort, _ := strings.Cut(routed, "://")
	roles := map[string][]any{}
	servers, _ := res.Records[0].Get("servers")
	for _, s := range servers.([]any) {
		s := s.(map[string]any)
		roles[s["role"].(string)] = append(roles[s["role"].(string)], s["addresses"].([]any)...)
	}
	if want := []any{hostPort}; !cmp.Equal(roles["ROUTE"], want) || !cmp.Equal(roles["READ"], want) || !cmp.Equal(roles["WRITE"], want) {
		t.Fatalf("routing table of the test Neo4j %v, want %s in every role", roles, hostPort)
	}

	urlBolt, urlRouted := process(t, cfg.URI, nil), process(t, routed, nil)

	// Ids from the file: a technique and a mitigation with the most links,
	// the first and last tactics of the matrix, a case study with steps.
	raw := e.raw
	most := func(m map[string]string, side int) string {
		n := map[string]int{}
		for k := range raw.Mitigates {
			n[k[side]]++
		}
		best := ""
		for _, id := range slices.Sorted(maps.Keys(m)) {
			if best == "" || n[id] > n[best] {
				best = id
			}
		}
		return best
	}
	tech, mit := most(raw.Techniques, 1), most(raw.Mitigations, 0)
	first, last := raw.Order[0], raw.Order[len(raw.Order)-1]
	var cs string
	for _, id := range slices.Sorted(maps.Keys(raw.CaseStudies)) {
		if len(raw.Steps[id]) > 1 {
			cs = id
			break
		}
	}
	word, _, _ := strings.Cut(raw.Techniques[tech], " ")
	queries := map[string]string{
		"releases": `{ releases { version format sha256 current counts { tactics techniques mitigations caseStudies steps actors } } release { version sha256 current } }`,
		"tactic":   `{ tactic(id: "` + first + `") { id name position techniques { id name } } }`,
		"technique": `{ technique(id: "` + tech + `") { id name maturity platforms tactics { id } parent { id } subtechniques { id }
			mitigations { mitigation { id } description } caseStudies { id } } }`,
		"mitigation": `{ mitigation(id: "` + mit + `") { id name categories lifecyclePhases techniques { technique { id } description } } }`,
		"case study": `{ caseStudy(id: "` + cs + `") { id name type actorText actors { id name } steps { stepId technique { id } tactic { id } leadsTo { stepId } } } }`,
		"actors":     qActors,
		"lists":      `{ tactics { id name } techniques { id name tactics { id } parent { id } } mitigations { id name } caseStudies { id name type } }`,
		"filtered":   `{ techniques(filter: {tactic: "` + last + `"}) { id } }`,
		"page":       `{ techniquesConnection(first: 5) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }`,
		"search":     `{ search(text: "` + word + `", first: 10) { kind id name score } }`,
		"chain": `{ chainMitigations(caseStudy: "` + cs + `") { breakable mitigations { mitigation { id } hits { stepId } earliestBreak { stepId } }
			uncoveredSteps { stepId } } }`,
		"minimal set": `{ minimalMitigationSet { optimal mitigations { id } unbreakable { id } } }`,
		"paths":       `{ attackPaths(from: "` + first + `", to: "` + last + `", maxHops: 5, limit: 20) { paths { techniques { id } support } truncated } }`,
		"choke points": `{ chokePoints { release techniques { technique { id } chains cuts paths } mitigations { mitigation { id } breaksChains breaksPaths hitsChains }
			pathsCounted } }`,
		"gaps":      `{ coverageGaps { release techniques { technique { id } caseStudyCount } } }`,
		"not found": `{ technique(id: "AML.T9999") { id } }`,
	}
	for _, name := range slices.Sorted(maps.Keys(queries)) {
		t.Run(name, func(t *testing.T) {
			q := queries[name]
			want, got := post(t, urlBolt, q, nil), post(t, urlRouted, q, nil)
			if name == "not found" {
				if len(got.Errors) != 1 || got.Errors[0].code() != server.CodeNotFound || !strings.Contains(got.Errors[0].Message, "AML.T9999") {
					t.Errorf("over %s: %s, want a NOT_FOUND error naming AML.T9999", routed, got.raw)
				}
			} else if len(want.Errors) > 0 || len(got.Errors) > 0 || len(want.Data) < 50 {
				t.Fatalf("query %s\nover bolt:// answered %s\nover neo4j:// answered %s", q, want.raw, got.raw)
			}
			var w, g any
			_ = json.Unmarshal(want.Data, &w)
			_ = json.Unmarshal(got.Data, &g)
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("query %s answers differently over %s (-bolt +neo4j):\n%s", q, routed, diff)
			}
			ew, eg := make([]string, 0), make([]string, 0)
			for _, e := range want.Errors {
				ew = append(ew, e.code()+": "+e.Message)
			}
			for _, e := range got.Errors {
				eg = append(eg, e.code()+": "+e.Message)
			}
			if diff := cmp.Diff(ew, eg); diff != "" {
				t.Errorf("query %s fails differently over %s (-bolt +neo4j):\n%s", q, routed, diff)
			}
		})
	}

	// And both agree with the file.
	var got struct{ Technique technique }
	data(t, urlRouted, qTechnique, &got)
	if diff := cmp.Diff(expectTechnique(e, platforms(t, e.path), "AML.T0051"), got.Technique, equateEmpty); diff != "" {
		t.Errorf("technique over %s differs from the file (-file +api):\n%s", routed, diff)
	}
}

// Threat models written through one server read back through another at
// once, with no wait: servers keep no copy of them, and their reads go to
// the writer of a cluster (docs/scale-out.md). A write naming a version
// another server has moved on from is refused.
func TestThreatModelsReadBackAcrossServers(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	policy, err := auth.Parse("test", auth.Digest(editorToken)+" editor ed\n", true)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.EnsureThreatModelSchema(ctx); err != nil {
		t.Fatal(err)
	}
	with := func(*store.Store) (server.Config, app.Config) {
		return server.Config{Auth: policy}, app.Config{ThreatModels: true}
	}
	a, b := process(t, neo4jtest.Config(t).URI, with), process(t, routingURI(t, neo4jtest.Config(t)), with)
	const id = "scale-out"
	t.Cleanup(func() {
		if _, v, err := e.store.GetModel(context.Background(), id); err == nil {
			_ = e.store.DeleteModel(context.Background(), id, v)
		}
	})

	yml := template(t, "rag-chatbot")
	m, err := threatmodel.Parse(id, []byte(yml), threatmodel.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var comps []string
	for _, c := range m.Components {
		comps = append(comps, c.ID)
	}
	type model struct {
		Version    int
		Name       string
		Components []idOnly
	}
	read := func(url string) model {
		t.Helper()
		r := postTM(t, url, editorToken, `{ threatModel(id: "`+id+`") { version name components { id } } }`, nil)
		var got struct{ ThreatModel *model }
		if len(r.Errors) > 0 || json.Unmarshal(r.Data, &got) != nil || got.ThreatModel == nil {
			t.Fatalf("read %s: %s", id, r.raw)
		}
		return *got.ThreatModel
	}
	check := func(where string, got model, version int, name string) {
		t.Helper()
		if got.Version != version || got.Name != name || !cmp.Equal(sorted(ids(got.Components)), sorted(comps)) {
			t.Errorf("%s: %+v, want version %d named %q with components %v", where, got, version, name, comps)
		}
	}

	if r := postTM(t, a, editorToken, importQ, map[string]any{"id": id, "yaml": yml}); len(r.Errors) > 0 {
		t.Fatalf("import through A: %s", r.raw)
	}
	check("read through B right after the import through A", read(b), 1, m.Name)

	const renamed = "renamed through B"
	if r := postTM(t, b, editorToken, `mutation($n: String) { updateThreatModel(id: "`+id+`", version: 1, name: $n) { version } }`,
		map[string]any{"n": renamed}); len(r.Errors) > 0 {
		t.Fatalf("update through B: %s", r.raw)
	}
	check("read through A right after the update through B", read(a), 2, renamed)

	r := postTM(t, a, editorToken, `mutation { updateThreatModel(id: "`+id+`", version: 1, name: "stale") { version } }`, nil)
	if len(r.Errors) == 0 || r.Errors[0].code() != server.CodeConflict {
		t.Errorf("a write through A naming version 1 after B wrote version 2: %s, want CONFLICT", r.raw)
	}
	check("read through B after the refused write", read(b), 2, renamed)
}
