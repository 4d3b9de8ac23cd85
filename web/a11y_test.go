package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/store"
)

// The accessibility tests run axe-core (vendored under testdata/axe, never
// served) on every view once its data has loaded, and check that the page
// reflows on a phone and at 200% zoom and that the keyboard reaches every
// control. They also measure how long each view takes to its first content,
// without asserting it (docs/web.md, "Accessibility" and "Drawing speed").

// axeTags are the rule sets run: WCAG 2.0 and 2.1, levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// a11yModel is the id under which the test stores testdata/chatbot.yaml.
const a11yModel = "a11y-chatbot"

// a11yView is one state of the UI to check: a name for the report, the
// URL fragment that restores it and, optionally, a control to click first.
type a11yView struct{ name, hash, click string }

// a11yViews lists every view in a state where its data is shown; draft is
// the URL of the evaluated chatbot model.
func a11yViews(draft string) []a11yView {
	vs := []a11yView{
		{"matrix", "#/matrix", ""},
		{"matrix by maturity", "#/matrix?shade=maturity", ""},
		{"technique", "#/technique/AML.T0051", ""},
		{"mitigation", "#/mitigation/AML.M0015", ""},
		{"actors list", "#/actors", ""},
		{"actors with ids", "#/actors?ids=apt28,aquatic-panda", ""},
		{"attack paths", "#/paths?from=AML.TA0002&to=AML.T0048&hops=5&limit=50", ""},
		{"attack paths, minimal set applied", "#/paths?from=AML.TA0002&to=AML.T0048&hops=5&limit=50", "#apply-minimal"},
		{"case study list", "#/case-study", ""},
		{"case study", "#/case-study/AML.CS0000", ""},
		{"matrix with two actor layers compared", "#/matrix?layers=a:apt28,a:aquatic-panda&cmp=1,2,union", ""},
		{"threat-model list", "#/threat-model", ""},
		{"sign-in dialog", "#/threat-model", "#signin-btn"},
		{"new-model editor", "#/threat-model/new", ""},
		{"new-model editor, YAML", "#/threat-model/new?view=yaml", ""},
		{"model editor", "#/threat-model/" + a11yModel + "?edit=1", ""},
	}
	for _, tab := range []string{"system", "techniques", "incidents", "paths", "mitigations", "actors"} {
		vs = append(vs, a11yView{"threat model, " + tab, "#/threat-model/" + a11yModel + "?tab=" + tab, ""})
	}
	vs = append(vs, a11yView{"draft", draft, ""}, a11yView{"release diff", "#/diff?from=4.5.0&to=2026.05", ""})
	return vs
}

// axeViolation is one rule axe-core found broken, with the elements it
// found it on.
type axeViolation struct {
	ID, Impact, Help string
	Targets          []string
	Count            int
}

func (v axeViolation) String() string {
	shown := v.Targets
	if len(shown) > 5 {
		shown = shown[:5]
	}
	more := ""
	if v.Count > len(shown) {
		more = fmt.Sprintf(" and %d more", v.Count-len(shown))
	}
	return fmt.Sprintf("%s (%s, %d): %s; on %s%s", v.ID, v.Impact, v.Count, v.Help, strings.Join(shown, ", "), more)
}

// runAxe injects axe-core into the page (once per page load) and returns
// the violations of the WCAG 2.x A and AA rules.
func (b *browser) runAxe(t *testing.T, src string) []axeViolation {
	t.Helper()
	var loaded bool
	b.eval(t, `typeof window.axe === 'object'`, &loaded)
	if !loaded {
		// Through the DevTools protocol, so the page's CSP does not apply
		// and the page itself never references axe.
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[json.RawMessage](src+"\n;true")); err != nil {
			t.Fatalf("inject axe-core: %v", err)
		}
	}
	tags, _ := json.Marshal(axeTags)
	var out []axeViolation
	b.eval(t, fmt.Sprintf(`axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']}).then(r =>
		r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help, count: v.nodes.length,
			targets: v.nodes.map(n => n.target.flat(Infinity).join(' '))})))`, tags), &out)
	return out
}

// openView loads a view from scratch and clicks its control, if any.
func (b *browser) openView(t *testing.T, v a11yView) {
	t.Helper()
	b.open(t, v.hash)
	if v.click != "" {
		b.click(t, v.click)
		chromedp.Do(b.ctx, chromedp.Sleep(300*time.Millisecond)) // let the page repaint
	}
}

// seriousOnly keeps the critical and serious violations.
func seriousOnly(vs []axeViolation) []axeViolation {
	var out []axeViolation
	for _, v := range vs {
		if v.Impact == "critical" || v.Impact == "serious" {
			out = append(out, v)
		}
	}
	return out
}

// viewport resizes the page as a device of that size and pixel ratio would
// and waits for the page to lay itself out again.
func (b *browser) viewport(t *testing.T, w, h int64, scale float64) {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(w, h, chromedp.EmulateScale(scale))); err != nil {
		t.Fatalf("viewport %dx%d@%g: %v", w, h, scale, err)
	}
}

// overflow says how far the page scrolls sideways, and which elements
// stick out past the window's right edge (outermost first).
func (b *browser) overflow(t *testing.T) (extra int, culprits []string) {
	t.Helper()
	var r struct {
		Extra    int
		Culprits []string
	}
	b.eval(t, `(() => {
		const w = window.innerWidth, sw = document.scrollingElement.scrollWidth;
		const out = [];
		if (sw > w) {
			for (const el of document.querySelectorAll('body *')) {
				const rc = el.getBoundingClientRect();
				if (rc.right > w + 1 && rc.width > 0 && !out.some(o => o.el.contains(el))) {
					let s = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '');
					out.push({el, s: s + ' (right ' + Math.round(rc.right) + ')'});
				}
				if (out.length > 8) break;
			}
		}
		return {extra: sw - w, culprits: out.map(o => o.s)};
	})()`, &r)
	return r.Extra, r.Culprits
}

// unreachable lists the controls the keyboard cannot reach: links,
// buttons, fields and anything that looks clickable (a pointer cursor) that
// is neither in the Tab order nor part of a widget (a tab list, a grid, a
// group with a roving tabindex) whose one Tab stop leads to it with the
// arrow keys.
func (b *browser) unreachable(t *testing.T) []string {
	t.Helper()
	var out []string
	b.eval(t, `(() => {
		const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el); return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; };
		const composite = '[role=tablist],[role=grid],[role=treegrid],[role=listbox],[role=radiogroup],[role=toolbar],[role=menu],[role=menubar],[role=tree]';
		const tabbable = (el) => el.tabIndex >= 0 && !el.disabled && !el.closest('[inert]');
		const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.') : '') + ' "' + (el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30) + '"';
		const out = [];
		const seen = new Set();
		const controls = document.querySelectorAll('a[href], button, input, select, textarea, summary, [role=button], [role=link], [role=tab], [role=checkbox], [role=gridcell] a, [onclick], *');
		for (const el of controls) {
			if (seen.has(el) || !visible(el) || el.closest('.skip')) continue;
			seen.add(el);
			const native = el.matches('a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=link], [role=tab], [role=checkbox]');
			const pointer = getComputedStyle(el).cursor === 'pointer' && !(el.parentElement && getComputedStyle(el.parentElement).cursor === 'pointer');
			if (!native && !pointer) continue;
			if (el.disabled) continue;
			if (tabbable(el)) continue;
			// Inside something that takes focus and acts for it (a row, a label's control).
			const host = el.parentElement && el.parentElement.closest('a[href], button, [tabindex]:not([tabindex="-1"]), label');
			if (host && (host.tagName !== 'LABEL' || host.control) && (host.tagName === 'LABEL' ? tabbable(host.control) : tabbable(host))) continue;
			if (el.tagName === 'LABEL' && el.control && tabbable(el.control)) continue;
			if (el.tagName === 'CANVAS' && el.closest('[tabindex="0"]')) continue;
			const group = el.closest(composite);
			if (group && [...group.querySelectorAll('*')].some(tabbable)) continue;
			// A roving tabindex (the matrix): taken out of the Tab order on purpose
			// (tabindex -1) inside a widget with a role whose one Tab stop is marked tabindex 0;
			// the widget's own test checks that the arrow keys reach the rest.
			if (el.getAttribute('tabindex') === '-1') {
				let a = el.parentElement, roving = false;
				for (; a && a !== document.body && !roving; a = a.parentElement) {
					roving = a.hasAttribute('role') && [...a.querySelectorAll('[tabindex="0"]')].some((x) => x !== el && tabbable(x));
				}
				if (roving) continue;
			}
			out.push(name(el));
		}
		return out;
	})()`, &out)
	return out
}

// tabStopsJS lists the page's Tab stops in document order, each marked
// with a data-a11y name for the walk to compare.
const tabStopsJS = `[...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')].filter(el => {
	const r = el.getBoundingClientRect(), s = getComputedStyle(el);
	return el.tabIndex >= 0 && !el.disabled && r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !el.closest('[inert]') && !(el.type === 'radio' && !el.checked && document.querySelector('input[type=radio][name="' + el.name + '"]:checked'));
}).map((el, i) => (el.dataset.a11y = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '[' + i + '] ' + (el.textContent || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 24), el))`

// storeModel keeps testdata/chatbot.yaml as a stored threat model, through
// the application layer over the server's database.
func storeModel(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	d, cfg := neo4jtest.Driver(t)
	svc, err := app.New(ctx, store.New(d, cfg.Database), app.Config{ThreatModels: true})
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile("testdata/chatbot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := app.ParseModel("testdata/chatbot.yaml", y)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateModel(ctx, a11yModel, m); err != nil {
		t.Fatalf("store the chatbot model: %v", err)
	}
}

// draftHash evaluates testdata/chatbot.yaml in the page and returns the
// draft's URL.
func draftHash(t *testing.T, b *browser) string {
	t.Helper()
	y, err := os.ReadFile("testdata/chatbot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b.open(t, "#/threat-model")
	n := b.renders(t)
	b.eval(t, fmt.Sprintf(`document.getElementById('tm-yaml').value = %s, true`, jsString(string(y))), nil)
	b.click(t, "#tm-form button[type=submit]")
	b.waitDrawn(t, n)
	h := b.hash(t)
	if !strings.HasPrefix(h, "#/threat-model/draft?y=") {
		t.Fatalf("evaluating the chatbot model went to %q", h)
	}
	return h
}

func TestAccessibility(t *testing.T) {
	chromiumPath(t)
	axeSrc, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatalf("read the vendored axe-core: %v", err)
	}
	base, _, _, _ := load(t)
	storeModel(t)
	b := newBrowser(t, base)
	b.viewport(t, 1440, 900, 1)
	views := a11yViews(draftHash(t, b))

	t.Run("axe", func(t *testing.T) {
		summary := map[string]string{}
		for _, v := range views {
			b.openView(t, v)
			all := b.runAxe(t, string(axeSrc))
			bad := seriousOnly(all)
			var lines []string
			for _, x := range bad {
				lines = append(lines, "  "+x.String())
			}
			summary[v.name] = fmt.Sprintf("%d critical or serious rules (%d nodes), %d rules in all", len(bad), nodes(bad), len(all))
			if len(bad) > 0 {
				t.Errorf("%s (%s) at 1440x900: %d critical or serious axe-core violations:\n%s", v.name, v.hash, len(bad), strings.Join(lines, "\n"))
			}
		}
		for _, v := range views {
			t.Logf("axe-core %s: %s", v.name, summary[v.name])
		}
	})

	// A phone (390x844) and 200% zoom (720x450 CSS pixels at twice the
	// pixel density, as a 1440x900 window zoomed in): no sideways scroll.
	for _, vp := range []struct {
		name  string
		w, h  int64
		scale float64
	}{{"390 px phone", 390, 844, 3}, {"200% zoom", 720, 450, 2}} {
		t.Run(vp.name, func(t *testing.T) {
			b.viewport(t, vp.w, vp.h, vp.scale)
			defer b.viewport(t, 1440, 900, 1)
			for _, v := range views {
				b.openView(t, v)
				if extra, culprits := b.overflow(t); extra > 0 {
					t.Errorf("%s (%s) at %s scrolls %d px sideways; past the right edge: %s", v.name, v.hash, vp.name, extra, strings.Join(culprits, ", "))
				}
			}
			for _, h := range []string{"#/matrix", "#/paths?from=AML.TA0002&to=AML.T0048&hops=5&limit=50", "#/threat-model/" + a11yModel + "?tab=techniques", "#/diff?from=4.5.0&to=2026.05"} {
				b.open(t, h)
				b.screenshot(t, "a11y-"+strings.Fields(vp.name)[0]+"-"+strings.FieldsFunc(h, func(r rune) bool { return r == '/' || r == '?' || r == '#' })[0])
			}
		})
	}

	t.Run("keyboard", func(t *testing.T) {
		var stops []string
		for _, v := range views {
			b.openView(t, v)
			if miss := b.unreachable(t); len(miss) > 0 {
				sort.Strings(miss)
				t.Errorf("%s (%s): %d controls the Tab key never reaches: %s", v.name, v.hash, len(miss), strings.Join(firstN(miss, 8), "; "))
			}
			var n int
			b.eval(t, tabStopsJS+`.length`, &n)
			stops = append(stops, fmt.Sprintf("%s %d", v.name, n))
		}
		t.Logf("Tab stops per view: %s", strings.Join(stops, ", "))
		// Pressing Tab really visits every Tab stop the page has (no focus
		// trap, nothing skipped), on views small enough to walk.
		for _, h := range []string{"#/mitigation/AML.M0015", "#/threat-model", "#/threat-model/" + a11yModel + "?tab=paths", "#/diff?from=4.5.0&to=2026.05"} {
			b.open(t, h)
			var want []string
			b.eval(t, tabStopsJS+`.map(el => el.dataset.a11y)`, &want)
			seen := map[string]bool{}
			for i := 0; i < len(want)+3; i++ {
				if err := chromedp.Do(b.ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
					t.Fatal(err)
				}
				var id string
				b.eval(t, `document.activeElement && document.activeElement.dataset ? (document.activeElement.dataset.a11y || '') : ''`, &id)
				seen[id] = true
			}
			var missed []string
			for _, id := range want {
				if !seen[id] {
					missed = append(missed, id)
				}
			}
			if len(missed) > 0 {
				t.Errorf("%s: %d of %d Tab stops never reached by pressing Tab: %s", h, len(missed), len(want), strings.Join(firstN(missed, 8), "; "))
			}
			t.Logf("%s: %d Tab stops, all reached by the Tab key", h, len(want)-len(missed))
		}
		// The threat model's tab bar: the arrow keys move between tabs and
		// the focus stays on the tab bar when the tab's content is drawn.
		b.open(t, "#/threat-model/"+a11yModel+"?tab=techniques")
		for _, k := range []struct{ name, key, want string }{{"ArrowRight", kb.ArrowRight, "tab-incidents"}, {"ArrowLeft", kb.ArrowLeft, "tab-techniques"}, {"ArrowLeft", kb.ArrowLeft, "tab-system"}} {
			b.eval(t, `document.querySelector('[role=tab][aria-selected=true]').focus(), true`, nil)
			n := b.renders(t)
			if err := chromedp.Do(b.ctx, chromedp.KeyEvent(k.key)); err != nil {
				t.Fatal(err)
			}
			b.waitDrawn(t, n)
			var focused string
			b.eval(t, `(() => { const a = document.activeElement; return a ? (a.id || a.tagName.toLowerCase()) : ''; })()`, &focused)
			if focused != k.want {
				t.Errorf("after %s on the threat-model tabs the focus is on %q, want %q", k.name, focused, k.want)
			}
		}
		// The first Tab on a page reaches the skip link, and following it
		// puts the focus on the view.
		b.open(t, "#/diff?from=4.5.0&to=2026.05")
		if err := chromedp.Do(b.ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		var first string
		b.eval(t, `document.activeElement.id`, &first)
		if first != "skip" {
			t.Errorf("the first Tab stop is %q, want the skip link", first)
		}
		if err := chromedp.Do(b.ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
			t.Fatal(err)
		}
		b.eval(t, `document.activeElement.id`, &first)
		if first != "main" {
			t.Errorf("after the skip link the focus is on %q, want main", first)
		}
	})

	t.Run("first content", func(t *testing.T) { measureFirstContent(t, b, views) })
}

func nodes(vs []axeViolation) int {
	n := 0
	for _, v := range vs {
		n += v.Count
	}
	return n
}

func firstN(xs []string, n int) []string {
	if len(xs) > n {
		return append(xs[:n:n], fmt.Sprintf("and %d more", len(xs)-n))
	}
	return xs
}

// measureFirstContent opens each view from scratch three times and logs
// the median time from the navigation to the first painted frame of the
// drawn view (the page records it in metrics), beside bare Cytoscape
// drawing the same 200-node graph as measureLarge, in the same page. It
// asserts only that each view recorded a time.
func measureFirstContent(t *testing.T, b *browser, views []a11yView) {
	const runs = 3
	var lines []string
	for _, v := range views {
		if v.click != "" {
			continue // the same load as the view before it
		}
		var xs []float64
		for range runs {
			b.open(t, v.hash)
			var ms float64
			if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`window.atlasgraph.firstContentMs > 0`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
				t.Errorf("%s recorded no first-content time: %v", v.name, err)
				break
			}
			b.eval(t, `window.atlasgraph.firstContentMs`, &ms)
			xs = append(xs, ms)
		}
		if len(xs) == runs {
			sort.Float64s(xs)
			lines = append(lines, fmt.Sprintf("%s %.0f ms", v.name, xs[runs/2]))
		}
	}
	var bare []float64
	b.open(t, "#/threat-model")
	b.eval(t, `(async () => {
		const cytoscape = (await import('/ui/vendor/cytoscape.esm.min.js')).default;
		const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
		const els = [];
		for (let i = 0; i < 200; i++) els.push({group: 'nodes', data: {id: 'T' + i}, position: {x: (i % 14) * 175, y: Math.floor(i / 14) * 60}});
		for (let i = 0; i < 400; i++) { const a = i % 200, c = (i * 7 + 13) % 200; if (a !== c) els.push({group: 'edges', data: {id: 'e' + i, source: 'T' + a, target: 'T' + c}}); }
		const out = [];
		for (let run = 0; run < 3; run++) {
			const box = document.createElement('div');
			box.style.cssText = 'width:1240px;height:600px';
			document.getElementById('main').append(box);
			const t0 = performance.now();
			const cy = cytoscape({ container: box, elements: els, layout: { name: 'preset' } });
			await frame();
			out.push(performance.now() - t0);
			cy.destroy();
			box.remove();
		}
		return out;
	})()`, &bare)
	sort.Float64s(bare)
	t.Logf("first content, median of %d loads at 1440x900 (navigation to the first painted frame of the drawn view): %s; bare Cytoscape, 200 nodes and 400 links to first frame, median of 3: %.0f ms",
		runs, strings.Join(lines, ", "), bare[len(bare)/2])
}
