package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/internal/rawattack"
)

// The matrix at 1440×900, as the issue checks it from outside: every tactic column within
// the window, cells inside their columns, one Tab stop, sub-techniques under a toggle with
// their evidence counted on the collapsed parent, and layers: actors added by an alias, a
// case study, a release diff, an imported Navigator 4.3 file, a comparison, the export,
// and the URL restoring them.
func TestMatrixLayers(t *testing.T) {
	chromiumPath(t)
	base, svc, raw, old, exp := loadApp(t)
	b := newBrowser(t, base)
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(1440, 900)); err != nil {
		t.Fatal(err)
	}
	t.Run("fits 1440", func(t *testing.T) { testMatrixFits(t, b, raw) })
	t.Run("collapse", func(t *testing.T) { testMatrixCollapse(t, b, raw) })
	t.Run("actor layers", func(t *testing.T) { testActorLayers(t, b, raw, exp) })
	t.Run("other layers", func(t *testing.T) { testOtherLayers(t, b, raw, old) })
	t.Run("import", func(t *testing.T) { testLayerImport(t, b, raw) })
	t.Run("threat model", func(t *testing.T) { testThreatModelLayer(t, b, svc) })
	t.Run("first draw", func(t *testing.T) { measureMatrix(t, b) })
	t.Run("390", func(t *testing.T) {
		if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(390, 844)); err != nil {
			t.Fatal(err)
		}
		defer chromedp.Do(b.ctx, chromedp.EmulateViewport(1440, 900))
		b.open(t, "#/matrix?layers=a:apt28")
		// The matrix scrolls inside its own box; nothing of the view reaches past the window
		// (the header is web-a11y's, checked by its tests).
		var over struct{ Main, Box, Page int }
		b.eval(t, `(() => { const m = document.getElementById('main'); return {main: m.scrollWidth - m.clientWidth,
		  box: Math.round(document.getElementById('matrix-scroll').getBoundingClientRect().right - window.innerWidth),
		  page: document.documentElement.scrollWidth - window.innerWidth}; })()`, &over)
		if over.Main > 0 || over.Box > 0 {
			t.Errorf("at 390 px the matrix view is wider than the window: %+v", over)
		}
		if over.Page > 0 {
			t.Logf("at 390 px the page is %d px too wide (the header, until web-a11y's branch is merged)", over.Page)
		}
		b.screenshot(t, "matrix-390")
	})
}

// geometry checks that every column lies within the window and every visible cell within
// its column; it returns the number of columns.
func geometry(t *testing.T, b *browser) int {
	t.Helper()
	return geometryIn(t, b, true)
}

// geometryIn is geometry; window false skips the window check (wide mode scrolls its box).
func geometryIn(t *testing.T, b *browser, window bool) int {
	t.Helper()
	var g struct {
		Cols, Width, ScrollWidth int
		Outside                  []string
		Sticking                 []string
	}
	b.eval(t, `(() => {
	  const W = window.innerWidth;
	  const out = [], stick = [];
	  const cols = [...document.querySelectorAll('#matrix .col')];
	  for (const c of cols) {
	    const r = c.getBoundingClientRect();
	    if (r.left < -0.5 || r.right > W + 0.5) out.push(c.dataset.tactic + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
	    for (const el of c.querySelectorAll('li:not([hidden]) .mx-row')) {
	      const e = el.getBoundingClientRect();
	      if (e.left < r.left - 0.5 || e.right > r.right + 0.5) stick.push(c.dataset.tactic + ' ' + el.querySelector('.cell').dataset.id + ' by ' + Math.round(Math.max(r.left - e.left, e.right - r.right)) + 'px');
	    }
	  }
	  return {cols: cols.length, width: W, scrollWidth: document.documentElement.scrollWidth, outside: out, sticking: stick};
	})()`, &g)
	if len(g.Outside) > 0 && window {
		t.Errorf("at %d px, tactic columns outside the window: %v", g.Width, g.Outside)
	}
	if len(g.Sticking) > 0 {
		t.Errorf("cells sticking out of their column: %v", g.Sticking)
	}
	if g.ScrollWidth > g.Width {
		t.Errorf("the page is %d px wide in a %d px window", g.ScrollWidth, g.Width)
	}
	return g.Cols
}

func testMatrixFits(t *testing.T, b *browser, raw *rawatlas.Release) {
	for _, hash := range []string{"#/matrix", "#/matrix?subs=all"} {
		b.open(t, hash)
		if n := geometry(t, b); n != len(raw.Order) {
			t.Errorf("%s: %d columns, want %d", hash, n, len(raw.Order))
		}
	}
	b.screenshot(t, "matrix-1440")
	// One Tab stop for the whole grid.
	if n := b.count(t, `#matrix [tabindex="0"]`); n != 1 {
		t.Errorf("%d Tab stops in the grid, want 1", n)
	}
	if n := b.count(t, `#matrix a:not([tabindex="-1"]):not([tabindex="0"]), #matrix button:not([tabindex])`); n != 0 {
		t.Errorf("%d grid items outside the roving tabindex", n)
	}
	// Wide mode goes in the URL and scrolls inside its own box, not the page.
	b.click(t, "#matrix-wide")
	if h := b.hash(t); !strings.Contains(h, "wide=1") {
		t.Errorf("URL after ticking wide = %q", h)
	}
	b.open(t, b.hash(t))
	var wide struct {
		Wide       bool
		Box, Width int
		PageScroll int
	}
	b.eval(t, `(() => { const m = document.getElementById('matrix'); const s = document.getElementById('matrix-scroll');
	  return {wide: m.classList.contains('wide'), box: s.scrollWidth, width: s.clientWidth, pageScroll: document.documentElement.scrollWidth - window.innerWidth}; })()`, &wide)
	if !wide.Wide || wide.Box <= wide.Width || wide.PageScroll > 0 {
		t.Errorf("wide mode after reload: %+v (want wide, the box scrolling, not the page)", wide)
	}
	b.click(t, "#expand-all")
	geometryIn(t, b, false)
}

func caseStudiesUsing(raw *rawatlas.Release) map[string]map[string]bool {
	uses := map[string]map[string]bool{}
	for cs, steps := range raw.Steps {
		for _, s := range steps {
			if uses[s.Technique] == nil {
				uses[s.Technique] = map[string]bool{}
			}
			uses[s.Technique][cs] = true
		}
	}
	return uses
}

func testMatrixCollapse(t *testing.T, b *browser, raw *rawatlas.Release) {
	b.open(t, "#/matrix")
	uses := caseStudiesUsing(raw)
	// Collapsed by default: no sub-technique shown; each parent's badge counts its own
	// case studies plus those only its sub-techniques show.
	if n := b.count(t, "#matrix li[data-parent]:not([hidden])"); n != 0 {
		t.Errorf("%d sub-techniques shown by default, want 0 (collapsed)", n)
	}
	var cells []struct {
		ID         string
		Own, Extra int
		Badge, Vh  string
		HasToggle  bool
		AriaExpand string
	}
	b.eval(t, `[...document.querySelectorAll('#matrix li:not([hidden]) .cell')].map(c => ({id: c.dataset.id, own: +c.dataset.own, extra: +c.dataset.extra,
	  badge: c.querySelector('.badge')?.textContent || '', vh: c.querySelector('.mx-vh').textContent,
	  hasToggle: !!c.parentElement.querySelector('.mx-toggle'), ariaExpand: c.parentElement.querySelector('.mx-toggle')?.getAttribute('aria-expanded') || ''}))`, &cells)
	checked := 0
	for _, c := range cells {
		own := len(uses[c.ID])
		all := map[string]bool{}
		for cs := range uses[c.ID] {
			all[cs] = true
		}
		subs := 0
		for s, p := range raw.Parent {
			if p == c.ID {
				subs++
				for cs := range uses[s] {
					all[cs] = true
				}
			}
		}
		extra := len(all) - own
		if c.Own != own || c.Extra != extra {
			t.Errorf("%s: own %d + %d in sub-techniques, want %d + %d", c.ID, c.Own, c.Extra, own, extra)
		}
		if c.HasToggle != (subs > 0) || (subs > 0 && c.AriaExpand != "false") {
			t.Errorf("%s: toggle %v aria-expanded %q with %d sub-techniques", c.ID, c.HasToggle, c.AriaExpand, subs)
		}
		if extra > 0 {
			checked++
			if c.Badge != fmt.Sprintf("%d+%d", own, extra) || !strings.Contains(c.Vh, fmt.Sprintf("%d + %d in sub-techniques", own, extra)) {
				t.Errorf("%s: badge %q, text %q; want %d+%d said in words", c.ID, c.Badge, c.Vh, own, extra)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no collapsed technique gets evidence from its sub-techniques; the check checked nothing")
	}
	// The example: LLM Prompt Injection.
	var pi struct{ Own, Extra int }
	b.eval(t, `(() => { const c = document.querySelector('#matrix .cell[data-id="AML.T0051"]'); return {own: +c.dataset.own, extra: +c.dataset.extra}; })()`, &pi)
	if pi.Extra == 0 {
		t.Errorf("AML.T0051 collapsed shows no sub-technique evidence: %+v", pi)
	}

	// Expand one technique: its sub-techniques appear, the URL keeps it, a reload restores it.
	subsOf := 0
	for _, p := range raw.Parent {
		if p == "AML.T0051" {
			subsOf++
		}
	}
	b.eval(t, `document.querySelector('#matrix .mx-toggle[data-toggle="AML.T0051"]').click(), true`, nil)
	shown := b.count(t, `#matrix li[data-parent="AML.T0051"]:not([hidden])`)
	cols := b.count(t, `#matrix .mx-toggle[data-toggle="AML.T0051"]`)
	if shown < subsOf || shown == 0 {
		t.Errorf("after expanding AML.T0051: %d sub-technique cells shown in %d columns, want %d per column", shown, cols, subsOf)
	}
	h := b.hash(t)
	if !strings.Contains(h, "open=AML.T0051") {
		t.Fatalf("URL after expanding = %q", h)
	}
	var focused string
	b.eval(t, `document.activeElement.dataset.toggle || ''`, &focused)
	if focused != "AML.T0051" {
		t.Errorf("focus after the toggle is on %q, want the toggle", focused)
	}
	b.open(t, h)
	if got := b.count(t, `#matrix li[data-parent="AML.T0051"]:not([hidden])`); got != shown {
		t.Errorf("after reload %d sub-technique cells shown, want %d", got, shown)
	}
	if got := b.count(t, `#matrix li[data-parent]:not([data-parent="AML.T0051"]):not([hidden])`); got != 0 {
		t.Errorf("after reload %d other sub-techniques shown", got)
	}
	geometry(t, b)

	// Keyboard: - on the technique hides its sub-techniques, + shows them, focus stays on it.
	b.eval(t, `document.querySelector('#matrix .cell[data-id="AML.T0051"]').focus(), true`, nil)
	for _, k := range []struct {
		key  string
		want bool
	}{{"-", false}, {"+", true}} {
		if err := chromedp.Do(b.ctx, chromedp.KeyEvent(k.key)); err != nil {
			t.Fatal(err)
		}
		var st struct {
			Shown int
			Focus string
		}
		b.eval(t, `({shown: document.querySelectorAll('#matrix li[data-parent="AML.T0051"]:not([hidden])').length, focus: document.activeElement.dataset.id || ''})`, &st)
		if (st.Shown > 0) != k.want || st.Focus != "AML.T0051" {
			t.Errorf("after %q: %d sub-technique cells shown, focus on %q", k.key, st.Shown, st.Focus)
		}
	}
}

// layerIDs are the techniques the cells mark with layer n (directly, not through a sub-technique).
func layerIDs(t *testing.T, b *browser, n int) map[string]bool {
	t.Helper()
	var ids []string
	b.eval(t, fmt.Sprintf(`[...document.querySelectorAll('#matrix .cell')].filter(c => c.dataset.layers.split(' ').includes('%d')).map(c => c.dataset.id)`, n), &ids)
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out
}

func sameSet(t *testing.T, what string, got, want map[string]bool) {
	t.Helper()
	var missing, extra []string
	for id := range want {
		if !got[id] {
			missing = append(missing, id)
		}
	}
	for id := range got {
		if !want[id] {
			extra = append(extra, id)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Errorf("%s: missing %v, not expected %v", what, missing, extra)
	}
}

func addLayer(t *testing.T, b *browser, kind, text string) {
	t.Helper()
	n := b.renders(t)
	b.eval(t, fmt.Sprintf(`(() => { const k = document.getElementById('layer-kind'); k.value = %s; k.dispatchEvent(new Event('change'));
	  document.getElementById('layer-input').value = %s; document.getElementById('layer-form').requestSubmit(); return true; })()`, jsString(kind), jsString(text)), nil)
	cond := fmt.Sprintf(`window.atlasgraph.renders > %d || !!document.querySelector('#layer-msg [role=alert]')`, n)
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("adding %s %q: %v", kind, text, err)
	}
	var msg string
	b.eval(t, `document.querySelector('#layer-msg [role=alert]')?.textContent || ''`, &msg)
	if msg != "" {
		t.Fatalf("adding %s %q: %s", kind, text, msg)
	}
	b.waitDrawn(t, n)
}

func testActorLayers(t *testing.T, b *browser, raw *rawatlas.Release, exp *rawattack.Expected) {
	b.open(t, "#/matrix?subs=all")
	name1, want1 := actorTechniques(t, raw, exp, "Forest Blizzard")
	name2, want2 := actorTechniques(t, raw, exp, "aquatic panda")
	addLayer(t, b, "a", "Forest Blizzard") // an alias of APT28
	var legend []string
	b.eval(t, `[...document.querySelectorAll('#layer-legend .mx-layer strong')].map(s => s.textContent)`, &legend)
	if len(legend) != 1 || !strings.Contains(legend[0], name1) {
		t.Fatalf("after adding Forest Blizzard the legend reads %v, want a layer named %s", legend, name1)
	}
	sameSet(t, name1+" layer", layerIDs(t, b, 1), want1)
	addLayer(t, b, "a", "aquatic panda")
	sameSet(t, name2+" layer", layerIDs(t, b, 2), want2)
	shared := map[string]bool{}
	for id := range want1 {
		if want2[id] {
			shared[id] = true
		}
	}
	var sharedIDs []string
	b.eval(t, `[...document.querySelectorAll('#matrix .cell.mx-shared')].map(c => c.dataset.id)`, &sharedIDs)
	got := map[string]bool{}
	for _, id := range sharedIDs {
		got[id] = true
	}
	sameSet(t, "shared techniques", got, shared)
	if len(shared) > 0 && b.count(t, "#layer-keys .mk-shared") != 1 {
		t.Error("the legend does not explain the shared mark")
	}
	b.screenshot(t, "matrix-actors")

	// Compare: intersection of the two, shading by the comparison score.
	n := b.renders(t)
	b.eval(t, `(() => { document.getElementById('cmp-op').value = 'intersection'; document.getElementById('cmp-form').requestSubmit(); return true; })()`, nil)
	b.waitDrawn(t, n)
	h := b.hash(t)
	if !strings.Contains(h, "cmp=1%2C2%2Cintersection") && !strings.Contains(h, "cmp=1,2,intersection") {
		t.Fatalf("URL after comparing = %q", h)
	}
	checkCmp := func(when string) {
		t.Helper()
		var text string
		b.eval(t, `document.getElementById('cmp-result')?.textContent || ''`, &text)
		if !strings.Contains(text, fmt.Sprintf(": %d techniques", len(shared))) {
			t.Errorf("%s: comparison reads %q, want %d techniques", when, text, len(shared))
		}
		var shaded []string
		b.eval(t, `[...document.querySelectorAll('#matrix .cell:not(.ev-0)')].map(c => c.dataset.id)`, &shaded)
		got := map[string]bool{}
		for _, id := range shaded {
			got[id] = true
		}
		sameSet(t, when+": cells shaded by the intersection", got, shared)
	}
	checkCmp("compared")
	// Union then difference, computed by the server from the scores.
	for _, c := range []struct {
		op   string
		want map[string]bool
	}{{"union", union(want1, want2)}, {"difference", minus(want1, want2)}} {
		n := b.renders(t)
		b.eval(t, fmt.Sprintf(`(() => { document.getElementById('cmp-op').value = %q; document.getElementById('cmp-form').requestSubmit(); return true; })()`, c.op), nil)
		b.waitDrawn(t, n)
		var shaded []string
		b.eval(t, `[...document.querySelectorAll('#matrix .cell:not(.ev-0)')].map(c => c.dataset.id)`, &shaded)
		got := map[string]bool{}
		for _, id := range shaded {
			got[id] = true
		}
		sameSet(t, c.op, got, c.want)
	}
	// The URL restores the layers and the comparison.
	b.open(t, h)
	checkCmp("after reload")
	sameSet(t, "layer 1 after reload", layerIDs(t, b, 1), want1)
	// Shading by evidence while a comparison stands is kept too.
	n = b.renders(t)
	b.eval(t, `(() => { const s = document.getElementById('shade'); s.value = 'evidence'; s.dispatchEvent(new Event('change')); return true; })()`, nil)
	b.waitDrawn(t, n)
	b.open(t, b.hash(t))
	var sel string
	b.eval(t, `document.getElementById('shade').value`, &sel)
	if sel != "evidence" || b.count(t, "#cmp-result") != 1 {
		t.Errorf("after choosing evidence with a comparison and reloading: shade %q, comparison shown %d", sel, b.count(t, "#cmp-result"))
	}
	b.open(t, h)

	// Export of what is shown: the comparison, as a Navigator 4.3 layer.
	b.eval(t, `(() => { window.atlasgraph.metrics.exported = ''; document.getElementById('layers-export').click(); return true; })()`, nil)
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`!!window.atlasgraph.metrics.exported`)); err != nil {
		t.Fatal(err)
	}
	var file string
	b.eval(t, `window.atlasgraph.metrics.exported`, &file)
	var layer struct {
		Versions   struct{ Layer string }
		Domain     string
		Techniques []struct {
			TechniqueID string
			Score       *float64
		}
	}
	if err := json.Unmarshal([]byte(file), &layer); err != nil {
		t.Fatal(err)
	}
	scored := map[string]bool{}
	for _, te := range layer.Techniques {
		if te.Score != nil {
			scored[te.TechniqueID] = true
		}
	}
	if layer.Versions.Layer != "4.3" || layer.Domain != "atlas-atlas" {
		t.Errorf("exported layer: format %q domain %q", layer.Versions.Layer, layer.Domain)
	}
	sameSet(t, "exported techniques", scored, shared)
}

func union(a, b map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func minus(a, b map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		if !b[k] {
			out[k] = true
		}
	}
	return out
}

func testOtherLayers(t *testing.T, b *browser, raw, old *rawatlas.Release) {
	// A case study: the techniques of its steps.
	b.open(t, "#/matrix?subs=all&layers=cs:AML.CS0000,diff:"+old.Version)
	want := map[string]bool{}
	for _, s := range raw.Steps["AML.CS0000"] {
		want[s.Technique] = true
	}
	if len(want) == 0 {
		t.Fatal("AML.CS0000 has no steps in the release file")
	}
	sameSet(t, "case-study layer", layerIDs(t, b, 1), want)
	// A release diff: every technique added since the older release is marked added.
	var added []string
	b.eval(t, `[...document.querySelectorAll('#matrix .cell')].filter(c => c.dataset.layers.split(' ').includes('2') && c.querySelector('.mk[data-layer="2"]').textContent.endsWith('+')).map(c => c.dataset.id)`, &added)
	gotAdded := map[string]bool{}
	for _, id := range added {
		gotAdded[id] = true
	}
	wantAdded := map[string]bool{}
	for id := range raw.Techniques {
		if _, ok := old.Techniques[id]; !ok {
			wantAdded[id] = true
		}
	}
	sameSet(t, "techniques marked added", gotAdded, wantAdded)
	if b.count(t, `#layer-keys .mk-outside`) == 0 {
		t.Error("the legend does not explain the diff marks")
	}
}

func testLayerImport(t *testing.T, b *browser, raw *rawatlas.Release) {
	b.open(t, "#/matrix?subs=all")
	fixture, err := filepath.Abs(filepath.Join("testdata", "layer-atlas-4.3.json"))
	if err != nil {
		t.Fatal(err)
	}
	n := b.renders(t)
	if err := chromedp.Do(b.ctx, chromedp.SetUploadFiles(chromedp.CSS("#layer-file"), []string{fixture})); err != nil {
		t.Fatal(err)
	}
	b.waitDrawn(t, n)
	var name, warn string
	b.eval(t, `document.querySelector('#layer-legend .mx-layer strong')?.textContent || ''`, &name)
	b.eval(t, `document.querySelector('#layer-legend .mx-warn')?.textContent || ''`, &warn)
	if !strings.Contains(name, "Support bot exposure") {
		t.Errorf("imported layer named %q", name)
	}
	if !strings.Contains(warn, "AML.T9999") {
		t.Errorf("the unknown id is not reported: %q", warn)
	}
	// Enabled entries the release has, each in the columns it names.
	want := map[string]bool{"AML.T0051": true, "AML.T0051.000": true, "AML.T0043": true, "AML.T0024": true}
	sameSet(t, "imported layer", layerIDs(t, b, 1), want)
	if n := b.count(t, `#matrix .col[data-tactic="AML.TA0010"] .cell[data-id="AML.T0024"][data-layers="1"]`); n != 1 {
		t.Errorf("AML.T0024 is not marked under Exfiltration (its tactic in the file)")
	}
	var marked []string
	b.eval(t, `[...document.querySelectorAll('#matrix .cell[data-id="AML.T0024"]')].filter(c => c.dataset.layers === '1').map(c => c.closest('.col').dataset.tactic)`, &marked)
	if len(marked) != 1 {
		t.Errorf("AML.T0024 marked in columns %v, want Exfiltration only", marked)
	}
	h := b.hash(t)
	if !strings.Contains(h, "file%3Alayer-atlas-4.3.json") && !strings.Contains(h, "file:layer-atlas-4.3.json") {
		t.Errorf("URL after the import = %q", h)
	}
	// A reload cannot bring the file back; the view still draws and asks for it.
	b.open(t, h)
	var msg string
	b.eval(t, `document.querySelector('#layer-legend .mx-layer.bad')?.textContent || ''`, &msg)
	if !strings.Contains(msg, "import it again") {
		t.Errorf("after a reload the imported layer's entry reads %q", msg)
	}

	// A file that is not a layer: the error names the file and the field; nothing breaks.
	broken, _ := filepath.Abs(filepath.Join("testdata", "layer-broken.json"))
	if _, err := os.Stat(broken); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b.ctx, chromedp.SetUploadFiles(chromedp.CSS("#layer-file"), []string{broken})); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`!!document.querySelector('#layer-msg [role=alert]')`)); err != nil {
		t.Fatal(err)
	}
	b.eval(t, `document.querySelector('#layer-msg').textContent`, &msg)
	if !strings.Contains(msg, "layer-broken.json") || !strings.Contains(msg, "techniques[0].score") {
		t.Errorf("the error for a broken file reads %q", msg)
	}
	b.screenshot(t, "matrix-import")
}

// A stored threat model as a layer: its applicable techniques, each marked with its status
// (residual !, mitigated ✓, accepted ~) as the report the server computes gives it.
func testThreatModelLayer(t *testing.T, b *browser, svc *app.Service) {
	ctx := context.Background()
	data, err := os.ReadFile(filepath.Join("testdata", "chatbot.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := app.ParseModel("chatbot.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateModel(ctx, "matrix-chatbot", m); err != nil {
		t.Fatal(err)
	}
	rep, err := svc.ReportModel(ctx, m, app.ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	glyph := map[string]string{"residual": "!", "mitigated": "✓", "accepted": "~"}
	want := map[string]bool{}
	for _, a := range rep.ApplicableTechniques {
		want[a.ID+" "+glyph[a.Status]] = true
	}
	if len(want) == 0 {
		t.Fatal("the model has no applicable technique; the check checks nothing")
	}
	b.open(t, "#/matrix?subs=all")
	addLayer(t, b, "tm", "matrix-chatbot")
	var marks []string
	b.eval(t, `[...document.querySelectorAll('#matrix .mk[data-layer="1"]:not(.mk-sub)')].map(m => m.closest('.cell').dataset.id + ' ' + m.textContent.slice(1))`, &marks)
	got := map[string]bool{}
	for _, x := range marks {
		got[x] = true
	}
	sameSet(t, "threat-model layer (id status)", got, want)
	if b.count(t, "#layer-keys .mk-risk") == 0 && strings.Contains(fmt.Sprint(want), "!") {
		t.Error("the legend does not explain the residual mark")
	}
	b.screenshot(t, "matrix-threat-model")
}

// measureMatrix logs, without asserting, the median time from navigation to the drawn matrix
// (5 loads each, alternating): plain, and with two actor layers and their comparison.
func measureMatrix(t *testing.T, b *browser) {
	hashes := []string{"#/matrix", "#/matrix?layers=a:apt28,a:aquatic-panda&cmp=1,2,union"}
	times := make([][]float64, len(hashes))
	for run := 0; run < 5; run++ {
		for i, h := range hashes {
			b.open(t, h)
			var ms float64
			b.eval(t, `performance.now()`, &ms)
			times[i] = append(times[i], ms)
		}
	}
	for i, h := range hashes {
		sort.Float64s(times[i])
		t.Logf("matrix drawn %s: median %.0f ms of %d loads (min %.0f, max %.0f)", h, times[i][2], len(times[i]), times[i][0], times[i][4])
	}
}
