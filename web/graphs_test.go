package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
)

// TestGraphs checks the readability of the graph views (issue 21, items 3
// and 4) and the prevent-only switch (issue 19, item 3) in headless
// Chromium against the real server: every hop of a 50-path answer is drawn
// and points left to right, labels are at least 11 px, the path table names
// techniques, a node's actions re-query and expand, the keyboard reaches
// them, the prevent-only switch changes what breaks exactly as the server's
// chain analysis says and lands in the URL, and no actor link passes behind
// a node.
func TestGraphs(t *testing.T) {
	chromiumPath(t)
	base, raw, _, _ := load(t)
	b := newBrowser(t, base)
	t.Run("paths drawn left to right", func(t *testing.T) { testPathsLeftToRight(t, b, base, raw) })
	t.Run("node actions by keyboard", func(t *testing.T) { testPathNodeActions(t, b, raw) })
	t.Run("prevent only on paths", func(t *testing.T) { testPathsPreventOnly(t, b, base) })
	t.Run("prevent only on a case study", func(t *testing.T) { testCaseStudyPreventOnly(t, b, base) })
	t.Run("actor links clear of nodes", func(t *testing.T) { testActorGeometry(t, b) })
	t.Run("case-study links clear of steps", func(t *testing.T) { testCaseStudyGeometry(t, b, raw) })
	t.Run("narrow window", func(t *testing.T) { testNarrow(t, b) })
}

// graphQL posts one query to the server and decodes its data into out.
func graphQL(t *testing.T, base, query string, vars map[string]any, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	res, err := http.Post(base+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) > 0 {
		t.Fatalf("graphql %s: %v", query, r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatal(err)
	}
}

type apiPath struct {
	ID         string
	Techniques []struct{ ID string }
	Hops       []struct{ From, To struct{ ID string } }
}

func attackPaths(t *testing.T, base, from, to string, preventOnly bool) []apiPath {
	t.Helper()
	var d struct{ AttackPaths struct{ Paths []apiPath } }
	graphQL(t, base, `query($f: ID!, $t: ID!, $po: Boolean) { attackPaths(from: $f, to: $t, preventOnly: $po) { paths { id techniques { id } hops { from { id } to { id } } } } }`,
		map[string]any{"f": from, "t": to, "po": preventOnly}, &d)
	return d.AttackPaths.Paths
}

// drawnNode is a node of the drawn graph, in graph coordinates.
type drawnNode struct {
	ID, Tech      string
	X, Y, W, H    float64
	FontPx        float64
	Extra, More   bool
	Column, Cut   bool
	LabelRendered string
}

type drawnEdge struct {
	ID, Source, Target string
	FontPx             float64
	Points             [][2]float64
}

// drawn reads every node and edge Cytoscape drew, with the label sizes as
// rendered (style size times zoom) and each edge's polyline (endpoints and
// bends).
func (b *browser) drawn(t *testing.T) (map[string]drawnNode, []drawnEdge) {
	t.Helper()
	var g struct {
		Nodes []drawnNode
		Edges []drawnEdge
	}
	b.eval(t, `(() => {
		const cy = window.atlasgraph.cy, z = cy.zoom();
		const px = (e) => parseFloat(e.style('font-size')) * z;
		return {
			nodes: cy.nodes().map((n) => { const bb = n.boundingBox({ includeLabels: false, includeOverlays: false });
				return { id: n.id(), tech: n.data('tech') || '', x: n.position('x'), y: n.position('y'), w: bb.w, h: bb.h, fontPx: px(n),
					extra: n.hasClass('extra'), more: n.hasClass('more'), column: n.hasClass('column'), cut: n.hasClass('cut'), labelRendered: n.data('label') }; }),
			edges: cy.edges().map((e) => {
				const pts = [e.sourceEndpoint(), ...(e.segmentPoints() || []), e.targetEndpoint()].map((p) => [p.x, p.y]);
				return { id: e.id(), source: e.source().id(), target: e.target().id(), fontPx: px(e), points: pts };
			}),
		};
	})()`, &g)
	nodes := map[string]drawnNode{}
	for _, n := range g.Nodes {
		nodes[n.ID] = n
	}
	return nodes, g.Edges
}

func testPathsLeftToRight(t *testing.T, b *browser, base string, raw *rawatlas.Release) {
	from, to := raw.Order[0], raw.Order[len(raw.Order)-1]
	want := attackPaths(t, base, from, to, false)
	if len(want) != 50 {
		t.Fatalf("the test needs 50 paths from %s to %s; the API gives %d", from, to, len(want))
	}
	b.open(t, fmt.Sprintf("#/paths?from=%s&to=%s", from, to))
	nodes, edges := b.drawn(t)
	edgeBy := map[string]drawnEdge{}
	for _, e := range edges {
		edgeBy[e.Source+">"+e.Target] = e
	}
	var rows []string
	b.eval(t, `[...document.querySelectorAll('#paths-table tbody tr')].map(r => r.dataset.path)`, &rows)
	if len(rows) != len(want) {
		t.Fatalf("table lists %d paths, want %d", len(rows), len(want))
	}
	hops, backwards := 0, 0
	for i, p := range want {
		var ids []string
		for _, tech := range p.Techniques {
			ids = append(ids, tech.ID)
		}
		if rows[i] != strings.Join(ids, "->") {
			t.Errorf("row %d is %s, want %s", i+1, rows[i], strings.Join(ids, "->"))
		}
		for j := 1; j < len(ids); j++ {
			hops++
			a, z := fmt.Sprintf("%s@%d", ids[j-1], j-1), fmt.Sprintf("%s@%d", ids[j], j)
			na, okA := nodes[a]
			nz, okZ := nodes[z]
			if !okA || !okZ {
				t.Errorf("path %d: hop %s -> %s: node missing (drawn: %v %v)", i+1, a, z, okA, okZ)
				continue
			}
			if _, ok := edgeBy[a+">"+z]; !ok {
				t.Errorf("path %d: hop %s -> %s is not drawn", i+1, ids[j-1], ids[j])
			}
			if nz.X <= na.X {
				backwards++
				t.Errorf("path %d: hop %s -> %s points right to left (x %.0f -> %.0f)", i+1, ids[j-1], ids[j], na.X, nz.X)
			}
		}
	}
	t.Logf("50 paths %s -> %s: %d hops drawn, %d pointing right to left, %d nodes", from, to, hops, backwards, len(nodes))
	// Every drawn hop points right and runs behind no node (it stays in
	// the gap between two step columns).
	for _, e := range edges {
		if nodes[e.Source].X >= nodes[e.Target].X {
			t.Errorf("edge %s points right to left", e.ID)
		}
		if n, ok := behindNode(e, nodes); ok {
			t.Errorf("hop %s passes behind %s", e.ID, n)
		}
	}
	minFont := 1e9
	for _, n := range nodes {
		if !n.Column {
			minFont = min(minFont, n.FontPx)
		}
		if n.More {
			t.Errorf("50 paths fold techniques into %s; every technique should be drawn", n.ID)
		}
	}
	for _, e := range edges {
		minFont = min(minFont, e.FontPx)
	}
	if minFont < 11 {
		t.Errorf("smallest label at 50 paths is %.1f px, want at least 11", minFont)
	}
	t.Logf("smallest label at 50 paths: %.1f px", minFont)
	// The table names the techniques, not only their ids.
	var texts []string
	b.eval(t, `[...document.querySelectorAll('#paths-table tbody tr')].map(r => r.cells[1].textContent)`, &texts)
	for i, p := range want {
		for _, tech := range p.Techniques {
			if name := raw.Techniques[tech.ID]; !strings.Contains(texts[i], name) {
				t.Errorf("row %d does not name %s (%q): %q", i+1, tech.ID, name, texts[i])
			}
		}
	}
	if b.count(t, ".graph-pane .graph-legend") != 1 {
		t.Error("the path graph has no legend")
	}
	var grabbable bool
	b.eval(t, `window.atlasgraph.cy.nodes('.pnode').every(n => n.grabbable())`, &grabbable)
	if !grabbable {
		t.Error("the path graph's nodes cannot be dragged")
	}
	b.screenshot(t, "paths-50")

	// 500 paths: crowded steps fold into "+n more", labels stay readable, and
	// "Show all" lands in the URL and draws every technique.
	b.open(t, fmt.Sprintf("#/paths?from=%s&to=%s&hops=6&limit=500", from, to))
	nodes, edges = b.drawn(t)
	more := 0
	for _, n := range nodes {
		if n.More {
			more++
		}
		if !n.Column && n.FontPx < 11 {
			t.Errorf("at 500 paths the label of %s is %.1f px", n.ID, n.FontPx)
		}
	}
	for _, e := range edges {
		if nodes[e.Source].X >= nodes[e.Target].X {
			t.Errorf("at 500 paths edge %s points right to left", e.ID)
		}
	}
	if more == 0 {
		t.Error("500 paths fold no step into \"+n more\"")
	}
	t.Logf("500 paths: %d nodes drawn (%d \"more\" nodes), %d edges; layout %.1f ms, Cytoscape %.0f ms", len(nodes), more, len(edges), b.metric(t, "modelMs"), b.metric(t, "layoutMs"))
	n := b.renders(t)
	b.click(t, "#show-all")
	b.waitDrawn(t, n)
	if h := b.hash(t); !strings.Contains(h, "all=1") {
		t.Errorf("show all is not in the URL %q", h)
	}
	nodes, _ = b.drawn(t)
	for _, n := range nodes {
		if n.More {
			t.Errorf("after show all, %s still folds techniques", n.ID)
		}
	}
}

// key sends one key press to the focused element.
func (b *browser) key(t *testing.T, k string) {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.KeyEvent(k)); err != nil {
		t.Fatal(err)
	}
}

func testPathNodeActions(t *testing.T, b *browser, raw *rawatlas.Release) {
	from, to := raw.Order[0], raw.Order[len(raw.Order)-1]
	b.open(t, fmt.Sprintf("#/paths?from=%s&to=%s", from, to))
	// Zoom in: the graph is drawn again, larger, and the zoom is in the URL.
	b.click(t, "#zoom-in")
	var zoom float64
	b.eval(t, `window.atlasgraph.cy.zoom()`, &zoom)
	if h := b.hash(t); zoom <= 1 || !strings.Contains(h, "z=1.15") {
		t.Errorf("zoom in: zoom %.2f, URL %q", zoom, h)
	}
	// Keyboard only: Tab reaches the graph (it is focusable), the arrow keys
	// walk it, Enter offers the node's actions.
	var focusable bool
	b.eval(t, `document.getElementById('paths-graph').tabIndex === 0`, &focusable)
	if !focusable {
		t.Fatal("the path graph cannot take focus")
	}
	b.eval(t, `document.getElementById('paths-graph').focus(), true`, nil)
	b.key(t, kb.ArrowRight)
	b.key(t, kb.ArrowRight)
	b.key(t, "\r")
	var picked struct {
		Node, Tech string
		Actions    []string
	}
	b.eval(t, `(() => { const n = window.atlasgraph.cy.nodes('.cursor'); return { node: n.id(), tech: n.data('tech') || '',
		actions: [...document.querySelectorAll('#graph-info button')].map(b => b.id) }; })()`, &picked)
	if !strings.HasSuffix(picked.Node, "@2") {
		t.Errorf("two ArrowRight from the first node reached %q, want a node of step 3", picked.Node)
	}
	if !slices.Contains(picked.Actions, "node-paths-from") || !slices.Contains(picked.Actions, "node-expand") {
		t.Fatalf("Enter on %s offers %v", picked.Node, picked.Actions)
	}
	if h := b.hash(t); !strings.Contains(h, "node="+url.QueryEscape(picked.Node)) && !strings.Contains(h, "node="+picked.Node) {
		t.Errorf("the picked node is not in the URL %q", h)
	}

	// "Expand neighbours", by keyboard: the neighbours are drawn one step
	// before and after, the expansion lands in the URL.
	before, _ := b.drawn(t)
	n := b.renders(t)
	b.eval(t, `document.getElementById('node-expand').focus(), true`, nil)
	b.key(t, "\r")
	b.waitDrawn(t, n)
	h := b.hash(t)
	if !strings.Contains(h, "x=") {
		t.Errorf("the expansion is not in the URL %q", h)
	}
	after, edges := b.drawn(t)
	extra := 0
	for _, nd := range after {
		if nd.Extra {
			extra++
		}
	}
	if extra == 0 || len(after) <= len(before) {
		t.Errorf("expanding %s added %d neighbours (%d nodes before, %d after)", picked.Node, extra, len(before), len(after))
	}
	for _, e := range edges {
		if after[e.Source].X >= after[e.Target].X {
			t.Errorf("after expanding, edge %s points right to left", e.ID)
		}
	}

	// "Paths to impact from here" asks the API again, from this technique.
	b.eval(t, fmt.Sprintf(`(() => { const cy = window.atlasgraph.cy; cy.getElementById(%q).emit('tap'); return true; })()`, picked.Node), nil)
	n = b.renders(t)
	b.eval(t, `document.getElementById('node-paths-from').focus(), true`, nil)
	b.key(t, "\r")
	b.waitDrawn(t, n)
	h = b.hash(t)
	if !strings.Contains(h, "from="+picked.Tech) || !strings.Contains(h, "to="+to) {
		t.Fatalf("paths from here went to %q, want from=%s to=%s", h, picked.Tech, to)
	}
	var starts []string
	b.eval(t, `[...document.querySelectorAll('#paths-table tbody tr')].map(r => r.dataset.path.split('->')[0])`, &starts)
	if len(starts) == 0 {
		t.Fatalf("no path from %s", picked.Tech)
	}
	for _, s := range starts {
		if s != picked.Tech {
			t.Errorf("a path from %s starts at %s", picked.Tech, s)
			break
		}
	}
}

// brokenRows reads which paths the table shows broken.
func (b *browser) brokenRows(t *testing.T) (mit []string, broken map[string]bool) {
	t.Helper()
	var st struct {
		Mit    []string
		Broken []string
	}
	b.eval(t, `({mit: [...document.querySelectorAll('#mit-list input:checked')].map(i => i.value),
		broken: [...document.querySelectorAll('#paths-table tr.broken')].map(r => r.dataset.path)})`, &st)
	broken = map[string]bool{}
	for _, p := range st.Broken {
		broken[p] = true
	}
	return st.Mit, broken
}

// serverBreaks asks the server's chain analysis, for one path as a chain of
// techniques, which mitigations break it under the given rule.
func serverBreaks(t *testing.T, base string, techs []string, preventOnly bool) map[string]string {
	t.Helper()
	var d struct {
		ChainMitigations struct {
			Mitigations []struct {
				Mitigation struct{ ID string }
				Effect     string
			}
		}
	}
	graphQL(t, base, `query($t: [ID!]!, $po: Boolean) { chainMitigations(techniques: $t, preventOnly: $po) { mitigations { mitigation { id } effect } } }`,
		map[string]any{"t": techs, "po": preventOnly}, &d)
	out := map[string]string{}
	for _, m := range d.ChainMitigations.Mitigations {
		out[m.Mitigation.ID] = m.Effect
	}
	return out
}

func testPathsPreventOnly(t *testing.T, b *browser, base string) {
	const from, to = "AML.TA0002", "AML.TA0011"
	b.open(t, fmt.Sprintf("#/paths?from=%s&to=%s", from, to))
	b.click(t, "#apply-minimal")
	check := func(po bool) (broken int) {
		t.Helper()
		_, shown := b.brokenRows(t)
		var ticked []string
		b.eval(t, `new URLSearchParams(location.hash.split('?')[1]).get('mit').split(',')`, &ticked)
		if len(ticked) == 0 {
			t.Fatal("no mitigation ticked")
		}
		for _, p := range attackPaths(t, base, from, to, po) {
			var techs []string
			for _, x := range p.Techniques {
				techs = append(techs, x.ID)
			}
			breaks := serverBreaks(t, base, techs, po)
			want := false
			for _, m := range ticked {
				if _, ok := breaks[m]; ok {
					want = true
				}
			}
			id := strings.Join(techs, "->")
			if shown[id] != want {
				t.Errorf("preventOnly=%v, ticked %v: path %s shown broken=%v, the server's chain analysis says %v", po, ticked, id, shown[id], want)
			}
			if want {
				broken++
			}
		}
		return broken
	}
	literal := check(false)
	effects := map[string]string{}
	b.eval(t, `Object.fromEntries([...document.querySelectorAll('#mit-list li')].map(li => [li.dataset.mit, li.querySelector('.effect')?.textContent || '']))`, &effects)
	for m, e := range effects {
		if e == "" {
			t.Errorf("mitigation %s is listed without its effect", m)
		}
	}
	// The switch: it lands in the URL, keeps the ticks, and the server's rule decides.
	n := b.renders(t)
	b.click(t, "#prevent-only")
	b.waitDrawn(t, n)
	h := b.hash(t)
	if !strings.Contains(h, "po=1") || !strings.Contains(h, "mit=") {
		t.Fatalf("after the prevent-only switch the URL is %q, want po=1 and the ticks", h)
	}
	prevent := check(true)
	if prevent == literal {
		t.Errorf("the prevent-only switch changed nothing: %d paths broken either way", literal)
	}
	t.Logf("the minimal literal set breaks %d of 50 paths literally, %d under prevent only", literal, prevent)
	b.screenshot(t, "paths-prevent-only")
	// The URL restores it.
	b.open(t, h)
	var on bool
	b.eval(t, `document.getElementById('prevent-only').checked`, &on)
	if !on || b.metric(t, "broken") != float64(prevent) {
		t.Errorf("reloading %s: switch %v, %v broken, want on and %d", h, on, b.metric(t, "broken"), prevent)
	}
}

func testCaseStudyPreventOnly(t *testing.T, b *browser, base string) {
	const cs = "AML.CS0016"
	breakers := func(po bool) map[string]string {
		var d struct {
			ChainMitigations struct {
				Mitigations []struct {
					Mitigation struct{ ID string }
					Effect     string
				}
			}
		}
		graphQL(t, base, `query($c: ID!, $po: Boolean) { chainMitigations(caseStudy: $c, preventOnly: $po) { mitigations { mitigation { id } effect } } }`, map[string]any{"c": cs, "po": po}, &d)
		out := map[string]string{}
		for _, m := range d.ChainMitigations.Mitigations {
			out[m.Mitigation.ID] = m.Effect
		}
		return out
	}
	shown := func() map[string]string {
		out := map[string]string{}
		b.eval(t, `Object.fromEntries([...document.querySelectorAll('#breakers .mit-btn')].map(b => [b.dataset.mit, b.querySelector('.effect')?.textContent || '']))`, &out)
		return out
	}
	b.open(t, "#/case-study/"+cs)
	lit := shown()
	if want := breakers(false); !sameMap(lit, want) {
		t.Errorf("literal: the page lists breakers %v, the server %v", lit, want)
	}
	if b.count(t, ".graph-pane .graph-legend") != 1 {
		t.Error("the case-study graph has no legend")
	}
	n := b.renders(t)
	b.click(t, "#prevent-only")
	b.waitDrawn(t, n)
	if h := b.hash(t); !strings.Contains(h, "po=1") {
		t.Errorf("the switch is not in the URL %q", h)
	}
	po := shown()
	if want := breakers(true); !sameMap(po, want) {
		t.Errorf("prevent only: the page lists breakers %v, the server %v", po, want)
	}
	if sameMap(po, lit) {
		t.Errorf("prevent only lists the same breakers as the literal rule: %v", po)
	}
	// A cut is green with its words: picking the first breaker marks the step where it breaks.
	b.click(t, "#breakers .mit-btn")
	var lbl string
	b.eval(t, `window.atlasgraph.cy.nodes('.cut').map(n => n.data('label')).join('|')`, &lbl)
	if !strings.Contains(lbl, "breaks here") {
		t.Errorf("the step where the chain breaks is labelled %q", lbl)
	}
	b.screenshot(t, "case-study-prevent-only")
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// segmentHitsBox says whether the segment p-q passes through the inside of
// the box (shrunk by 1 unit, so touching an edge is not passing behind).
func segmentHitsBox(p, q [2]float64, x1, y1, x2, y2 float64) bool {
	x1, y1, x2, y2 = x1+1, y1+1, x2-1, y2-1
	// Liang-Barsky clipping.
	t0, t1 := 0.0, 1.0
	dx, dy := q[0]-p[0], q[1]-p[1]
	for _, c := range [][2]float64{{-dx, p[0] - x1}, {dx, x2 - p[0]}, {-dy, p[1] - y1}, {dy, y2 - p[1]}} {
		if c[0] == 0 {
			if c[1] < 0 {
				return false
			}
			continue
		}
		r := c[1] / c[0]
		if c[0] < 0 {
			t0 = max(t0, r)
		} else {
			t1 = min(t1, r)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

// behindNode names a node (other than the edge's own two) that a segment
// of the edge passes through.
func behindNode(e drawnEdge, nodes map[string]drawnNode) (string, bool) {
	for _, n := range nodes {
		if n.ID == e.Source || n.ID == e.Target || n.Column {
			continue
		}
		for i := 1; i < len(e.Points); i++ {
			if segmentHitsBox(e.Points[i-1], e.Points[i], n.X-n.W/2, n.Y-n.H/2, n.X+n.W/2, n.Y+n.H/2) {
				return n.ID, true
			}
		}
	}
	return "", false
}

func testActorGeometry(t *testing.T, b *browser) {
	b.open(t, "#/actors?ids=apt28,aquatic-panda")
	nodes, edges := b.drawn(t)
	behind := 0
	for _, e := range edges {
		if n, ok := behindNode(e, nodes); ok {
			behind++
			t.Errorf("link %s passes behind %s", e.ID, n)
		}
	}
	minFont := 1e9
	for _, n := range nodes {
		minFont = min(minFont, n.FontPx)
	}
	if minFont < 11 {
		t.Errorf("smallest actor-graph label is %.1f px, want at least 11", minFont)
	}
	t.Logf("actor graph: %d links, %d pass behind a node, smallest label %.1f px", len(edges), behind, minFont)
	if b.count(t, ".graph-pane .graph-legend") != 1 {
		t.Error("the actor graph has no legend")
	}
	// Who uses what, from the graph: Enter on an actor names its techniques.
	b.eval(t, `document.getElementById('actors-graph').focus(), true`, nil)
	b.key(t, kb.Home)
	var first string
	b.eval(t, `window.atlasgraph.cy.nodes('.cursor').id()`, &first)
	for i := 0; i < 3 && !strings.HasPrefix(first, "actor:"); i++ {
		b.key(t, kb.ArrowRight)
		b.eval(t, `window.atlasgraph.cy.nodes('.cursor').id()`, &first)
	}
	if !strings.HasPrefix(first, "actor:") {
		t.Fatalf("the arrow keys did not reach an actor (at %q)", first)
	}
	b.key(t, "\r")
	var text string
	b.eval(t, `document.getElementById('actor-info').textContent`, &text)
	uses := 0
	for _, e := range edges {
		if e.Source == first {
			uses++
		}
	}
	if !strings.Contains(text, fmt.Sprintf("uses %d technique", uses)) {
		t.Errorf("Enter on %s says %q, want it to name its %d techniques", first, text, uses)
	}
}

// testCaseStudyGeometry opens every case study: no link passes behind a
// step, none points backwards within a band, and labels are 11 px or more.
func testCaseStudyGeometry(t *testing.T, b *browser, raw *rawatlas.Release) {
	ids := make([]string, 0, len(raw.CaseStudies))
	for id := range raw.CaseStudies {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	links := 0
	for _, id := range ids {
		b.open(t, "#/case-study/"+id)
		nodes, edges := b.drawn(t)
		links += len(edges)
		for _, e := range edges {
			if n, ok := behindNode(e, nodes); ok {
				t.Errorf("%s: link %s passes behind %s", id, e.ID, n)
			}
		}
		for _, n := range nodes {
			if n.FontPx < 11 {
				t.Errorf("%s: the label of %s is %.1f px", id, n.ID, n.FontPx)
			}
		}
	}
	t.Logf("%d case studies, %d links, checked", len(ids), links)
}

// testNarrow opens the graph views 390 px wide: the views' content never
// makes the page scroll sideways (a wide graph scrolls inside its box).
func testNarrow(t *testing.T, b *browser) {
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	defer chromedp.Do(b.ctx, chromedp.EmulateViewport(1280, 800))
	for _, h := range []string{"#/paths?from=AML.TA0002&to=AML.TA0011", "#/actors?ids=apt28,aquatic-panda", "#/case-study/AML.CS0016"} {
		b.open(t, h)
		chromedp.Do(b.ctx, chromedp.Sleep(100*time.Millisecond))
		var w struct{ Main, View int }
		b.eval(t, `({main: document.getElementById('main').scrollWidth, view: window.innerWidth})`, &w)
		if w.Main > w.View {
			t.Errorf("%s at 390 px: the view is %d px wide", h, w.Main)
		}
	}
}
