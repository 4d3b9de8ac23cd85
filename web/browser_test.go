package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/attack"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/internal/rawattack"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/server"
	"github.com/atlasgraph/atlasgraph/store"
)

// The browser tests load every view of the UI in Debian's headless
// Chromium, against a real server over a real Neo4j holding ATLAS 2026.05
// (current) and 4.5.0 (for the diff), and check what is drawn against
// counts computed here from the release files. Screenshots go to the test's
// artifact directory (go test -artifacts), or to $ATLASGRAPH_SCREENSHOTS
// when set (docs/screenshots is refreshed with
// ATLASGRAPH_SCREENSHOTS=$PWD/docs/screenshots).

const (
	current    = "atlas/v6/ATLAS-2026.05.yaml"
	older      = "atlas/ATLAS-4.5.0.yaml"
	attackFile = "attack/enterprise-attack-18.1.json"
)

// chromiumPath finds the browser, or stops the test: under CI a missing
// browser is a failure, elsewhere a skip that says how to install it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("ATLASGRAPH_CHROMIUM"), "chromium", "chromium-browser"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium is not installed; run scripts/chromium.sh (Debian's chromium package) to run the browser tests"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// load empties the test database and loads the two releases, the newer
// one current, and ATT&CK 18.1, and returns the server's URL, the two
// releases as the files give them, and what the ATT&CK bundle says.
func load(t *testing.T) (string, *rawatlas.Release, *rawatlas.Release, *rawattack.Expected) {
	t.Helper()
	base, _, raw, old, exp := loadApp(t)
	return base, raw, old, exp
}

// loadApp is load that also returns the application service behind the server.
func loadApp(t *testing.T) (string, *app.Service, *rawatlas.Release, *rawatlas.Release, *rawattack.Expected) {
	t.Helper()
	st, _ := neo4jtest.Store(t)
	ctx := context.Background()
	var raws []*rawatlas.Release
	for _, rel := range []string{older, current} {
		path := loadShared(t, st, rel, rel == current)
		raw, err := rawatlas.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, raw)
	}
	bundlePath, err := rawatlas.Shared(attackFile)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := attack.Open(ctx, bundlePath, "", nil)
	if err != nil {
		t.Fatalf("read %s: %v", attackFile, err)
	}
	if _, err := st.LoadAttack(ctx, bundle, store.LoadOptions{Current: store.CurrentAlways}); err != nil {
		t.Fatalf("load %s: %v", attackFile, err)
	}
	atlasPath, _ := rawatlas.Shared(current)
	exp, err := rawattack.Read(bundlePath, atlasPath)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.New(ctx, st, app.Config{Serving: true, TxTimeout: server.DefaultTimeouts().Transaction, ThreatModels: true})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{App: svc, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL, svc, raws[1], raws[0], exp
}

// loadShared loads the ATLAS release file rel of ../shared/data into the
// test store, current or not, and returns the file's path.
func loadShared(t *testing.T, st *store.Store, rel string, current bool) string {
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
	if _, err := st.Load(context.Background(), r, store.LoadOptions{Current: store.CurrentWhen(current)}); err != nil {
		t.Fatalf("load %s: %v", rel, err)
	}
	return path
}

// browser is one Chromium tab at 1280×800 with a fresh profile.
type browser struct {
	ctx  context.Context
	base string
	shot string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	exe := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("start chromium (%s): %v", exe, err)
	}
	dir := os.Getenv("ATLASGRAPH_SCREENSHOTS")
	if dir == "" {
		dir = t.ArtifactDir()
	}
	return &browser{ctx: ctx, base: base, shot: dir}
}

// open loads the page at a fragment from scratch and waits until the view
// has drawn; it fails the test if the view reports an error.
func (b *browser) open(t *testing.T, hash string) {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(b.base+"/"+hash)); err != nil {
		t.Fatalf("open %s: %v", hash, err)
	}
	b.waitDrawn(t, 0)
}

// renders is how many times the page has drawn a view.
func (b *browser) renders(t *testing.T) int {
	t.Helper()
	var n int
	b.eval(t, `window.atlasgraph ? window.atlasgraph.renders : 0`, &n)
	return n
}

// waitDrawn waits until the page has drawn more than after views.
func (b *browser) waitDrawn(t *testing.T, after int) {
	t.Helper()
	cond := fmt.Sprintf(`window.atlasgraph && window.atlasgraph.renders > %d && window.atlasgraph.state !== 'loading'`, after)
	var err error
	for try := 0; try < 5; try++ {
		// A navigation can replace the page's JavaScript context under a
		// poll that started in the old one; poll again in the new one.
		if _, err = chromedp.Run(b.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(60*time.Second))); err == nil || !strings.Contains(err.Error(), "Cannot find context") {
			break
		}
		chromedp.Do(b.ctx, chromedp.Sleep(100*time.Millisecond))
	}
	if err != nil {
		t.Fatalf("the view did not finish drawing: %v", err)
	}
	var state, msg string
	b.eval(t, `window.atlasgraph.state`, &state)
	b.eval(t, `window.atlasgraph.error`, &msg)
	if state != "ready" {
		t.Fatalf("the view ended in state %q: %s", state, msg)
	}
}

// eval runs JavaScript in the page and decodes its JSON-able result.
func (b *browser) eval(t *testing.T, js string, out any) {
	t.Helper()
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[json.RawMessage](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("evaluate %s: decode %s: %v", js, raw, err)
		}
	}
}

func (b *browser) count(t *testing.T, selector string) int {
	t.Helper()
	var n int
	b.eval(t, fmt.Sprintf(`document.querySelectorAll(%q).length`, selector), &n)
	return n
}

func (b *browser) click(t *testing.T, selector string) {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(selector))); err != nil {
		t.Fatalf("click %s: %v", selector, err)
	}
}

func (b *browser) hash(t *testing.T) string {
	t.Helper()
	var h string
	b.eval(t, `location.hash`, &h)
	return h
}

// screenshot saves the viewport as NAME.png.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	b.eval(t, `window.scrollTo(0, 0), document.activeElement && document.activeElement.blur(), true`, nil)
	chromedp.Do(b.ctx, chromedp.Sleep(250*time.Millisecond)) // let the canvas paint
	buf, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(b.shot, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.shot, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// graphCounts is what Cytoscape drew: nodes (column headings aside) and edges.
func (b *browser) graphCounts(t *testing.T) (nodes, edges int) {
	t.Helper()
	var c struct{ Nodes, Edges int }
	b.eval(t, `(() => { const cy = window.atlasgraph.cy; return cy ? {nodes: cy.nodes().not('.column').length, edges: cy.edges().length} : {nodes: -1, edges: -1}; })()`, &c)
	return c.Nodes, c.Edges
}

func (b *browser) metric(t *testing.T, name string) float64 {
	t.Helper()
	var v float64
	b.eval(t, fmt.Sprintf(`window.atlasgraph.metrics[%q] ?? -1`, name), &v)
	return v
}

func TestBrowser(t *testing.T) {
	chromiumPath(t) // fail or skip before loading anything
	base, raw, old, exp := load(t)
	b := newBrowser(t, base)

	t.Run("matrix", func(t *testing.T) { testMatrix(t, b, raw) })
	t.Run("technique", func(t *testing.T) { testTechnique(t, b, raw) })
	t.Run("paths", func(t *testing.T) { testPaths(t, b, raw) })
	t.Run("case study", func(t *testing.T) { testCaseStudy(t, b, raw) })
	t.Run("diff", func(t *testing.T) { testDiff(t, b, raw, old) })
	t.Run("actors", func(t *testing.T) { testActors(t, b, raw, exp) })
	t.Run("threat model", func(t *testing.T) { testThreatModel(t, b) })
	t.Run("unknown id", func(t *testing.T) {
		if err := chromedp.Do(b.ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(b.base+"/#/technique/AML.T9999")); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`window.atlasgraph && window.atlasgraph.state === 'error'`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			t.Fatalf("an unknown technique did not end in an error: %v", err)
		}
		var text string
		b.eval(t, `document.querySelector('[role=alert]').textContent`, &text)
		if !strings.Contains(text, "AML.T9999") {
			t.Errorf("the error %q does not name the id", text)
		}
	})
	t.Run("200 nodes", func(t *testing.T) { measureLarge(t, b) })
}

// matrixCells is how many cells the matrix should draw: each top-level
// technique once under each tactic it achieves, and each sub-technique
// under its parent in each of those columns (or only in the columns it
// names itself, when it names any).
func matrixCells(raw *rawatlas.Release) (total int, perTactic map[string]int, realized int) {
	perTactic = map[string]int{}
	own := map[string][]string{}
	for k := range raw.Achieves {
		own[k[0]] = append(own[k[0]], k[1])
	}
	for tech := range raw.Techniques {
		if _, sub := raw.Parent[tech]; sub {
			continue
		}
		for _, tac := range own[tech] {
			perTactic[tac]++
			total++
			if raw.Maturity[tech] == "Realized" {
				realized++
			}
			for s, p := range raw.Parent {
				if p != tech || (len(own[s]) > 0 && !raw.Achieves[[2]string{s, tac}]) {
					continue
				}
				total++
				if raw.Maturity[s] == "Realized" {
					realized++
				}
			}
		}
	}
	return total, perTactic, realized
}

func testMatrix(t *testing.T, b *browser, raw *rawatlas.Release) {
	b.open(t, "#/matrix?subs=all") // every technique expanded: every cell drawn
	total, perTactic, realized := matrixCells(raw)
	var heads []string
	b.eval(t, `[...document.querySelectorAll('.col')].map(c => c.dataset.tactic)`, &heads)
	if strings.Join(heads, ",") != strings.Join(raw.Order, ",") {
		t.Errorf("tactic columns %v, want matrix order %v", heads, raw.Order)
	}
	if got := b.count(t, ".matrix .cell"); got != total {
		t.Errorf("matrix cells = %d, want %d", got, total)
	}
	for tac, n := range perTactic {
		if got := b.count(t, fmt.Sprintf(`.col[data-tactic=%q] .cell:not(.sub)`, tac)); got != n {
			t.Errorf("techniques under %s = %d, want %d", tac, got, n)
		}
	}
	// The evidence badge of each technique is the number of case studies
	// with a step using it.
	uses := map[string]map[string]bool{}
	for cs, steps := range raw.Steps {
		for _, s := range steps {
			if uses[s.Technique] == nil {
				uses[s.Technique] = map[string]bool{}
			}
			uses[s.Technique][cs] = true
		}
	}
	var badges map[string]int
	b.eval(t, `Object.fromEntries([...document.querySelectorAll('.cell')].map(c => [c.dataset.id, Number(c.dataset.own)]))`, &badges)
	for id := range raw.Techniques {
		if badges[id] != len(uses[id]) && (badges[id] != 0 || len(uses[id]) != 0) {
			if _, drawn := badges[id]; drawn {
				t.Errorf("badge of %s = %d, want %d case studies", id, badges[id], len(uses[id]))
			}
		}
	}
	b.screenshot(t, "matrix")

	// Shading by maturity goes into the URL, and the URL brings it back.
	n := b.renders(t)
	if err := chromedp.Do(b.ctx, chromedp.SetValue(chromedp.CSS("#shade"), "maturity")); err != nil {
		t.Fatal(err)
	}
	b.eval(t, `document.getElementById('shade').dispatchEvent(new Event('change')), true`, nil)
	b.waitDrawn(t, n)
	h := b.hash(t)
	if !strings.Contains(h, "shade=maturity") {
		t.Fatalf("URL after shading by maturity = %q", h)
	}
	b.open(t, h)
	if got := b.count(t, ".cell.ev-5"); got != realized {
		t.Errorf("Realized cells after reload = %d, want %d", got, realized)
	}
	var sel string
	b.eval(t, `document.getElementById('shade').value`, &sel)
	if sel != "maturity" {
		t.Errorf("shade select after reload = %q", sel)
	}

	// Keyboard: arrow keys move between cells, Enter opens the technique.
	b.open(t, "#/matrix")
	var first, next string
	b.eval(t, `(() => { const c = document.querySelector('.col .cell'); c.focus(); return c.dataset.id; })()`, &first)
	// ArrowDown passes a technique's sub-technique toggle on its way to the next cell.
	for i := 0; i < 2 && next == ""; i++ {
		if err := chromedp.Do(b.ctx, chromedp.KeyEvent(kb.ArrowDown)); err != nil {
			t.Fatal(err)
		}
		b.eval(t, `document.activeElement.dataset.id || ''`, &next)
	}
	if next == "" || next == first {
		t.Fatalf("ArrowDown from %s left the focus on %q", first, next)
	}
	n = b.renders(t)
	if err := chromedp.Do(b.ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	b.waitDrawn(t, n)
	if h := b.hash(t); h != "#/technique/"+next {
		t.Errorf("Enter on %s went to %q", next, h)
	}
}

func testTechnique(t *testing.T, b *browser, raw *rawatlas.Release) {
	const id = "AML.T0051"
	b.open(t, "#/matrix")
	n := b.renders(t)
	b.click(t, fmt.Sprintf(`.cell[data-id=%q]`, id))
	b.waitDrawn(t, n)
	if h := b.hash(t); h != "#/technique/"+id {
		t.Fatalf("clicking %s went to %q", id, h)
	}
	var title string
	b.eval(t, `document.querySelector('h1').textContent`, &title)
	if !strings.Contains(title, raw.Techniques[id]) {
		t.Errorf("page title %q lacks %q", title, raw.Techniques[id])
	}
	mits := 0
	for k := range raw.Mitigates {
		if k[1] == id {
			mits++
		}
	}
	if got := b.count(t, "#mitigations dt"); got != mits {
		t.Errorf("mitigations listed = %d, want %d", got, mits)
	}
	before, after := 0, 0
	for k := range raw.Transitions() {
		if k[1] == id {
			before++
		}
		if k[0] == id {
			after++
		}
	}
	if got := b.count(t, "#table-before tbody tr"); got != before {
		t.Errorf("techniques before = %d, want %d", got, before)
	}
	if got := b.count(t, "#table-after tbody tr"); got != after {
		t.Errorf("techniques after = %d, want %d", got, after)
	}
	if nodes, edges := b.graphCounts(t); nodes != before+after+1 || edges != before+after {
		t.Errorf("neighbourhood graph has %d nodes and %d edges, want %d and %d", nodes, edges, before+after+1, before+after)
	}
	b.screenshot(t, "technique")
}

// simplePaths lists the technique paths from one technique to another
// along the observed transitions, at most hops hops, visiting a technique
// once.
func simplePaths(raw *rawatlas.Release, from, to string, hops int) [][]string {
	next := map[string][]string{}
	for k := range raw.Transitions() {
		next[k[0]] = append(next[k[0]], k[1])
	}
	var out [][]string
	var walk func(path []string)
	walk = func(path []string) {
		last := path[len(path)-1]
		if last == to && len(path) > 1 {
			out = append(out, append([]string(nil), path...))
			return
		}
		if len(path)-1 == hops {
			return
		}
		for _, n := range next[last] {
			if !contains(path, n) {
				walk(append(path, n))
			}
		}
	}
	walk([]string{from})
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func testPaths(t *testing.T, b *browser, raw *rawatlas.Release) {
	// A start and an end with fewer paths than the page limit, so that the
	// count does not depend on the ranking.
	from, to, hops := "AML.T0000", "AML.T0048", 4
	want := simplePaths(raw, from, to, hops)
	if len(want) < 2 || len(want) > 50 {
		t.Fatalf("the test needs 2 to 50 paths from %s to %s in %s; it has %d", from, to, raw.Version, len(want))
	}
	techs, hopSet := map[string]bool{}, map[string]bool{}
	for _, p := range want {
		for i, id := range p {
			techs[id] = true
			if i > 0 {
				hopSet[p[i-1]+">"+id] = true
			}
		}
	}
	// Typed by name, as a user would.
	b.open(t, "#/paths")
	n := b.renders(t)
	if err := chromedp.Do(b.ctx,
		chromedp.SendKeys(chromedp.CSS("#from"), raw.Techniques[from]),
		chromedp.SendKeys(chromedp.CSS("#to"), to),
		chromedp.SetValue(chromedp.CSS("#hops"), fmt.Sprint(hops)),
		chromedp.Click(chromedp.CSS(`#paths-form button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	b.waitDrawn(t, n)
	if got := b.count(t, "#paths-table tbody tr"); got != len(want) {
		t.Errorf("paths listed = %d, want %d", got, len(want))
	}
	// A technique is drawn once per step it takes on some path; count techniques and hops.
	var drawn struct{ Techs, Hops int }
	b.eval(t, `(() => { const cy = window.atlasgraph.cy;
		return { techs: new Set(cy.nodes('.pnode').map(n => n.data('tech'))).size,
			hops: new Set(cy.edges().flatMap(e => e.data('hops').map(h => h.from + '>' + h.to))).size }; })()`, &drawn)
	if drawn.Techs != len(techs) || drawn.Hops != len(hopSet) {
		t.Errorf("graph has %d techniques and %d hops, want %d and %d", drawn.Techs, drawn.Hops, len(techs), len(hopSet))
	}
	t.Logf("paths %s→%s: %d paths, %d nodes drawn in %.0f ms", from, to, len(want), len(techs), b.metric(t, "layoutMs"))

	// The minimal breaking set is one click away; every path it breaks has
	// a technique one of its members mitigates.
	b.click(t, "#apply-minimal")
	var state struct {
		Mit    []string
		Broken []string
		Open   []string
		Hash   string
	}
	read := func() {
		b.eval(t, `({mit: [...document.querySelectorAll('#mit-list input:checked')].map(i => i.value),
			broken: [...document.querySelectorAll('#paths-table tr.broken')].map(r => r.dataset.path),
			open: [...document.querySelectorAll('#paths-table tbody tr:not(.broken)')].map(r => r.dataset.path),
			hash: location.hash})`, &state)
	}
	read()
	if len(state.Mit) == 0 {
		t.Fatal("applying the minimal set checked no mitigation")
	}
	brokenBy := func(path string) bool {
		for _, tech := range strings.Split(path, "->") {
			for _, m := range state.Mit {
				if _, ok := raw.Mitigates[[2]string{m, tech}]; ok {
					return true
				}
			}
		}
		return false
	}
	for _, p := range state.Broken {
		if !brokenBy(p) {
			t.Errorf("path %s is shown broken but no checked mitigation covers it", p)
		}
	}
	for _, p := range state.Open {
		if brokenBy(p) {
			t.Errorf("path %s is shown open but a checked mitigation covers it", p)
		}
	}
	if !strings.Contains(state.Hash, "mit=") {
		t.Errorf("the toggled mitigations are not in the URL %q", state.Hash)
	}
	b.screenshot(t, "paths")

	// The URL restores the view: same mitigations, same broken paths.
	saved := state
	b.open(t, saved.Hash)
	read()
	sort.Strings(saved.Mit)
	sort.Strings(state.Mit)
	if strings.Join(state.Mit, ",") != strings.Join(saved.Mit, ",") || len(state.Broken) != len(saved.Broken) {
		t.Errorf("reloading %s gave mitigations %v and %d broken paths, want %v and %d", saved.Hash, state.Mit, len(state.Broken), saved.Mit, len(saved.Broken))
	}

	// A larger search for the layout figure: first tactic to last.
	b.open(t, fmt.Sprintf("#/paths?from=%s&to=%s&hops=6&limit=500", raw.Order[0], raw.Order[len(raw.Order)-1]))
	nodes, edges := b.graphCounts(t)
	t.Logf("paths %s→%s, 6 hops, limit 500: %d nodes, %d edges drawn in %.0f ms", raw.Order[0], raw.Order[len(raw.Order)-1], nodes, edges, b.metric(t, "layoutMs"))
}

func testCaseStudy(t *testing.T, b *browser, raw *rawatlas.Release) {
	const cs = "AML.CS0000"
	b.open(t, "#/case-study")
	if got := b.count(t, "#cs-table tbody tr"); got != len(raw.CaseStudies) {
		t.Errorf("case studies listed = %d, want %d", got, len(raw.CaseStudies))
	}
	n := b.renders(t)
	b.click(t, fmt.Sprintf(`#cs-table a[href="#/case-study/%s"]`, cs))
	b.waitDrawn(t, n)
	steps := raw.Steps[cs]
	links := 0
	for _, s := range steps {
		links += len(s.Next)
	}
	if links == 0 { // an old-style chain: one step after another
		links = len(steps) - 1
	}
	if nodes, edges := b.graphCounts(t); nodes != len(steps) || edges != links {
		t.Errorf("chain has %d steps and %d links, want %d and %d", nodes, edges, len(steps), links)
	}
	if got := b.count(t, "#steps-table tbody tr"); got != len(steps) {
		t.Errorf("steps table has %d rows, want %d", got, len(steps))
	}
	// Picking a mitigation marks the steps it covers.
	var mit string
	b.eval(t, `document.querySelector('#breakers .mit-btn').dataset.mit`, &mit)
	b.click(t, "#breakers .mit-btn")
	covered := 0
	for _, s := range steps {
		if _, ok := raw.Mitigates[[2]string{mit, s.Technique}]; ok {
			covered++
		}
	}
	if got := b.count(t, "#steps-table tr.hit"); got != covered || covered == 0 {
		t.Errorf("%s marks %d steps, want %d (non-zero)", mit, got, covered)
	}
	h := b.hash(t)
	if !strings.Contains(h, "m="+mit) {
		t.Errorf("the picked mitigation is not in the URL %q", h)
	}
	b.screenshot(t, "case-study")
	b.open(t, h)
	if got := b.count(t, "#steps-table tr.hit"); got != covered {
		t.Errorf("after reloading %s, %d steps are marked, want %d", h, got, covered)
	}
}

func testDiff(t *testing.T, b *browser, raw, old *rawatlas.Release) {
	b.open(t, fmt.Sprintf("#/diff?from=%s&to=%s", old.Version, raw.Version))
	diff := func(a, b map[string]string) (n int) {
		for id := range b {
			if _, ok := a[id]; !ok {
				n++
			}
		}
		return n
	}
	for _, c := range []struct {
		kind     string
		old, new map[string]string
	}{
		{"tactics", old.Tactics, raw.Tactics},
		{"techniques", old.Techniques, raw.Techniques},
		{"mitigations", old.Mitigations, raw.Mitigations},
		{"caseStudies", old.CaseStudies, raw.CaseStudies},
	} {
		var got [2]int
		b.eval(t, fmt.Sprintf(`(() => { const r = document.querySelector('#diff-summary tr[data-kind=%q]'); return [Number(r.querySelector('.add').textContent), Number(r.querySelector('.rem').textContent)]; })()`, c.kind), &got)
		if got[0] != diff(c.old, c.new) || got[1] != diff(c.new, c.old) {
			t.Errorf("%s added/removed = %v, want [%d %d]", c.kind, got, diff(c.old, c.new), diff(c.new, c.old))
		}
		if added := b.count(t, fmt.Sprintf("#diff-%s tr.add", c.kind)); added != diff(c.old, c.new) {
			t.Errorf("%s table lists %d added, want %d", c.kind, added, diff(c.old, c.new))
		}
	}
	b.screenshot(t, "diff")
}

// actorTechniques is the set of ATLAS techniques the ATT&CK group going by
// name uses: through ATT&CK (the rule of docs/attack.md, computed by
// rawattack from the bundle) and through the case studies whose actor is
// the group's name or one of its aliases.
func actorTechniques(t *testing.T, raw *rawatlas.Release, exp *rawattack.Expected, name string) (string, map[string]bool) {
	t.Helper()
	gids := exp.ByName[rawattack.Norm(name)]
	if len(gids) != 1 {
		t.Fatalf("%q names %d ATT&CK groups, want 1", name, len(gids))
	}
	g := exp.Groups[gids[0]]
	names := map[string]bool{rawattack.Norm(g.Name): true}
	for _, a := range g.Aliases {
		names[rawattack.Norm(a)] = true
	}
	set := map[string]bool{}
	for id := range exp.Atlas[g.ID] {
		set[id] = true
	}
	for cs, text := range raw.ActorText {
		if names[rawattack.Norm(text)] {
			for _, s := range raw.Steps[cs] {
				set[s.Technique] = true
			}
		}
	}
	return g.Name, set
}

func testActors(t *testing.T, b *browser, raw *rawatlas.Release, exp *rawattack.Expected) {
	// Typed by an alias and in lower case, as a user would.
	typed := []string{"Forest Blizzard", "aquatic panda"}
	var want []string
	sets := make([]map[string]bool, len(typed))
	for i, name := range typed {
		var canonical string
		canonical, sets[i] = actorTechniques(t, raw, exp, name)
		want = append(want, canonical)
		if len(sets[i]) == 0 {
			t.Fatalf("%s uses no ATLAS technique in %s", canonical, raw.Version)
		}
	}
	union, shared := map[string]bool{}, 0
	for id := range sets[0] {
		union[id] = true
		if sets[1][id] {
			shared++
		}
	}
	for id := range sets[1] {
		union[id] = true
	}
	b.open(t, "#/actors")
	if got := b.count(t, "#actors-table tbody tr"); got < len(exp.Groups) {
		t.Errorf("actors listed = %d, want at least the %d ATT&CK groups", got, len(exp.Groups))
	}
	for _, name := range typed {
		n := b.renders(t)
		if err := chromedp.Do(b.ctx, chromedp.SetValue(chromedp.CSS("#actor-input"), name),
			chromedp.Click(chromedp.CSS(`#actor-form button[type=submit]`))); err != nil {
			t.Fatal(err)
		}
		b.waitDrawn(t, n)
	}
	var chips []string
	b.eval(t, `[...document.querySelectorAll('#actor-chips li')].map(li => li.firstChild.textContent)`, &chips)
	if strings.Join(chips, ",") != strings.Join(want, ",") {
		t.Errorf("selected actors %v, want %v", chips, want)
	}
	if nodes, edges := b.graphCounts(t); nodes != len(union)+2 || edges != len(sets[0])+len(sets[1]) {
		t.Errorf("graph has %d nodes and %d links, want %d and %d", nodes, edges, len(union)+2, len(sets[0])+len(sets[1]))
	}
	if got := b.count(t, "#actor-techniques tbody tr.shared"); got != shared {
		t.Errorf("shared techniques = %d, want %d", got, shared)
	}
	// The Navigator layer the export button fetches colours exactly these techniques.
	b.click(t, "#export-layer")
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`!!window.atlasgraph.metrics.layerTechniques`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("no layer was exported: %v", err)
	}
	var layer []string
	b.eval(t, `window.atlasgraph.metrics.layerTechniques`, &layer)
	inLayer := map[string]bool{}
	for _, id := range layer {
		inLayer[id] = true
	}
	if len(inLayer) != len(union) {
		t.Errorf("the layer has %d techniques, want %d", len(inLayer), len(union))
	}
	for id := range union {
		if !inLayer[id] {
			t.Errorf("the layer lacks %s", id)
		}
	}
	h := b.hash(t)
	b.screenshot(t, "actors")
	b.open(t, h)
	if got := b.count(t, "#actor-techniques tbody tr"); got != len(union) {
		t.Errorf("after reloading %s the table has %d techniques, want %d", h, got, len(union))
	}
}

// measureLarge draws a graph of 200 techniques and 400 hops with the
// page's own graph code, then taps a node, and reports both times. It
// asserts what is drawn, not how fast.
func measureLarge(t *testing.T, b *browser) {
	b.open(t, "#/threat-model")
	var m struct {
		Nodes, Edges int
		LayoutMs     float64
		TapMs        float64
		BareMs       float64
		Faded        int
	}
	b.eval(t, `(async () => {
		const g = await import('/ui/js/graph.js');
		const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
		const items = [];
		for (let i = 0; i < 200; i++) items.push({id: 'T' + i, col: i % 14 + 1});
		const { pos } = g.columns(items, { dx: 175, dy: 60 });
		const els = items.map(it => ({group: 'nodes', data: {id: it.id, label: g.label(it.id, 'Technique number ' + it.id)}, position: pos[it.id]}));
		for (let i = 0; i < 400; i++) { const a = i % 200, c = (i * 7 + 13) % 200; if (a !== c) els.push({group: 'edges', data: {id: 'e' + i, source: 'T' + a, target: 'T' + c, label: String(i % 5 + 1)}}); }
		const cytoscape = (await import('/ui/vendor/cytoscape.esm.min.js')).default;
		const layouts = [], taps = [], bare = [];
		let out;
		for (let run = 0; run < 5; run++) {
			const box = document.createElement('div');
			box.style.cssText = 'width:1240px;height:600px';
			document.getElementById('main').append(box);
			// Baseline, measured alternately in the same page: Cytoscape with its default style.
			let t0 = performance.now();
			const plain = cytoscape({ container: box, elements: els, layout: { name: 'preset' } });
			await frame();
			bare.push(performance.now() - t0);
			plain.destroy();
			const status = { metrics: {} };
			t0 = performance.now();
			const cy = g.drawGraph(box, els, { status });
			await frame();
			layouts.push(performance.now() - t0);
			const t1 = performance.now();
			g.spotlight(cy, cy.getElementById('T' + (run * 17 + 5)).closedNeighborhood());
			await frame();
			taps.push(performance.now() - t1);
			out = {nodes: cy.nodes().length, edges: cy.edges().length, faded: cy.elements('.faded').length};
			cy.destroy();
			box.remove();
		}
		const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
		return {...out, layoutMs: median(layouts), tapMs: median(taps), bareMs: median(bare)};
	})()`, &m)
	if m.Nodes != 200 || m.Faded == 0 {
		t.Errorf("drew %d nodes with %d faded after a tap, want 200 and some", m.Nodes, m.Faded)
	}
	t.Logf("200 nodes, %d edges, median of 5: layout to first painted frame %.0f ms (Cytoscape with its default style: %.0f ms, ratio %.2f); tap to repainted spotlight %.0f ms",
		m.Edges, m.LayoutMs, m.BareMs, m.LayoutMs/max(m.BareMs, 1), m.TapMs)
}

// testThreatModel evaluates testdata/chatbot.yaml through the page when the
// server has the threat-model API, and checks that the page says there is
// none when it has not (the API arrives with the threatmodel branch).
func testThreatModel(t *testing.T, b *browser) {
	b.open(t, "#/threat-model")
	var hasAPI bool
	b.eval(t, `fetch('/graphql', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({query: '{ threatModels { id } }'})}).then(r => r.json()).then(d => !d.errors)`, &hasAPI)
	if !hasAPI {
		if b.count(t, "#pending") != 1 {
			t.Error("the server answers no threat-model queries and the view does not say so")
		}
		t.Log("this server answers no threat-model queries: checked that the view says so")
		return
	}
	yaml, err := os.ReadFile("testdata/chatbot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	n := b.renders(t)
	b.eval(t, fmt.Sprintf(`document.getElementById('tm-yaml').value = %s, true`, jsString(string(yaml))), nil)
	b.click(t, "#tm-form button[type=submit]")
	b.waitDrawn(t, n)
	h := b.hash(t)
	if !strings.HasPrefix(h, "#/threat-model/draft?y=") {
		t.Fatalf("evaluating a file went to %q", h)
	}
	var sum []string
	b.eval(t, `[...document.querySelectorAll('#tm-summary .stat-n')].map(e => e.textContent)`, &sum)
	if len(sum) != 7 {
		t.Fatalf("summary shows %v", sum)
	}
	// Each tab lists as many items as the summary counts, and its URL restores it.
	for _, c := range []struct {
		tab, rows string
		stat      int
	}{
		{"techniques", "#tm-techniques tbody tr", 0},
		{"paths", "#tm-paths tbody tr", 5},
	} {
		n := b.renders(t)
		b.click(t, "#tab-"+c.tab)
		b.waitDrawn(t, n)
		th := b.hash(t)
		if !strings.Contains(th, "tab="+c.tab) {
			t.Errorf("the %s tab is not in the URL %q", c.tab, th)
		}
		if got := b.count(t, c.rows); fmt.Sprint(got) != sum[c.stat] {
			t.Errorf("%s tab lists %d rows, the summary says %s", c.tab, got, sum[c.stat])
		}
		if c.tab == "techniques" {
			b.screenshot(t, "threat-model-draft")
		}
		b.open(t, th)
		if got := b.count(t, c.rows); fmt.Sprint(got) != sum[c.stat] {
			t.Errorf("after reloading %s: %d rows, want %s", th, got, sum[c.stat])
		}
	}
	var incidents string
	b.eval(t, `document.querySelectorAll('#tm-summary .stat-n')[4].textContent`, &incidents)
	n = b.renders(t)
	b.click(t, "#tab-incidents")
	b.waitDrawn(t, n)
	if got := b.count(t, "#tm-incidents tbody tr"); !strings.HasSuffix(incidents, fmt.Sprintf("/%d", got)) {
		t.Errorf("incidents tab lists %d, the summary says %s", got, incidents)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
