// Small DOM helpers shared by the views.

/**
 * Builds an element: h('a', {href: '#/x', class: 'c'}, 'text', child).
 * Attribute values are set as properties or attributes, never as HTML; children are nodes or text.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Appends children (nodes or text; null, undefined and false are skipped) to el. */
export function add(el, ...children) {
  append(el, children);
  return el;
}

/** Replaces el's children. */
export function setChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A table with a caption, a header row and rows of cells (nodes or text). */
export function table(caption, headers, rows, attrs = {}) {
  return h('table', { class: 'data', ...attrs },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => (r instanceof Node ? r : h('tr', {}, r.map((c) => h('td', {}, c)))))));
}

/** A link to an object's page in this UI. */
export function link(kind, id, text) {
  const href = {
    technique: `#/technique/${encodeURIComponent(id)}`,
    'case-study': `#/case-study/${encodeURIComponent(id)}`,
    tactic: `#/matrix?focus=${encodeURIComponent(id)}`,
    mitigation: `#/mitigation/${encodeURIComponent(id)}`,
  }[kind];
  return h('a', { href }, text ?? id);
}

/** An error box naming what failed and what to do. */
export function errorBox(what, err) {
  return h('div', { class: 'error', role: 'alert' }, h('strong', {}, what), ' ', err && err.message ? err.message : String(err));
}

const esc = (s) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

// ATLAS descriptions link to the ATLAS site with paths like /techniques/AML.T0000;
// those become links to this UI, other http(s) links open outside, anything else stays text.
function href(url) {
  const m = url.match(/^\/?(techniques|case-studies|mitigations|tactics)\/([A-Za-z0-9.]+)$/);
  if (m) {
    return { techniques: '#/technique/', 'case-studies': '#/case-study/', mitigations: '#/mitigation/', tactics: '#/matrix?focus=' }[m[1]] + encodeURIComponent(m[2]);
  }
  if (/^https?:\/\//i.test(url)) return url;
  return null;
}

function inline(text) {
  let s = esc(text);
  s = s.replace(/`([^`]+)`/g, '<code>$1</code>');
  s = s.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
  s = s.replace(/(^|[\s(])[*_]([^*_\n]+)[*_](?=[\s).,;:!?]|$)/g, '$1<em>$2</em>');
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (all, t, u) => {
    const target = href(u.replace(/&amp;/g, '&'));
    if (!target) return t;
    const ext = target.startsWith('http');
    return `<a href="${esc(target)}"${ext ? ' rel="noopener noreferrer" target="_blank"' : ''}>${t}</a>`;
  });
  return s;
}

/**
 * Renders the Markdown subset ATLAS uses (paragraphs, lists, links, emphasis, code) as safe HTML:
 * all text is escaped first and only the tags above are produced.
 */
export function markdown(md) {
  const el = h('div', { class: 'md' });
  if (!md) return el;
  const blocks = md.replace(/\r/g, '').split(/\n\s*\n/);
  let html = '';
  for (const b of blocks) {
    const lines = b.split('\n');
    if (lines.every((l) => /^\s*([-*]|\d+\.)\s+/.test(l) || !l.trim())) {
      const ordered = /^\s*\d+\./.test(lines[0]);
      const items = lines.filter((l) => l.trim()).map((l) => `<li>${inline(l.replace(/^\s*([-*]|\d+\.)\s+/, ''))}</li>`).join('');
      html += ordered ? `<ol>${items}</ol>` : `<ul>${items}</ul>`;
    } else {
      html += `<p>${inline(b.trim()).replace(/\n/g, ' ')}</p>`;
    }
  }
  el.innerHTML = html;
  return el;
}

/** The first sentence of a Markdown text, as plain text, for tables. */
export function firstSentence(md, max = 160) {
  const plain = (md || '').replace(/\[([^\]]+)\]\([^)]*\)/g, '$1').replace(/[*_`]/g, '').replace(/\s+/g, ' ').trim();
  const m = plain.match(/^.*?[.!?](\s|$)/);
  let s = m ? m[0].trim() : plain;
  if (s.length > max) s = s.slice(0, max - 1).trimEnd() + '…';
  return s;
}

/** Offers a text as a file download. */
export function download(name, text, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// The colour vocabulary (docs/web.md, "Colours"): one meaning per colour in every view, each
// drawn as a swatch (a CSS custom property --v-NAME) with a word beside it. `line` gives the
// second cue a graph uses with the colour (solid, dashed, bold).
export const VOCABULARY = {
  cut: 'cut: a control stops the step or path here',
  risk: 'exposed: residual risk, an open path, an incident',
  detect: 'seen: detected, the step still happens',
  reduce: 'reduced: respond, or limits what is published',
  outside: 'outside your systems, or not applicable',
  shared: 'in more than one layer, or shared by actors',
};

/**
 * A legend stating what the colours of a view mean, for any view to place beside its graph or
 * table: legend('Colours', ['cut', 'risk', {key: 'outside', text: 'adversary side', line: 'dashed'}])
 * and, for a sequential scale, {scale: 'evidence', text: 'case studies', steps: ['0', '1', '2–3', '4–7', '8+']}.
 * Each entry is a vocabulary name (its standard wording) or {key, text, line}; a graph's legend
 * gives [kind, what, text] entries instead, drawing a sample of what the graph draws: kind a
 * vocabulary name or "plain", "focus", "actor", what "node", "solid-node", "dashed-node", "edge",
 * "dashed" or "dotted" (graph legends also carry the class graph-legend). The swatch or sample is
 * hidden from screen readers, the words carry the meaning.
 */
export function legend(title, entries, attrs = {}) {
  const items = entries.map((e) => {
    if (Array.isArray(e)) {
      const [kind, what, text] = e;
      return h('li', {}, h('span', { class: `lg lg-${what} lg-${kind}`, 'aria-hidden': 'true' }), text);
    }
    const x = typeof e === 'string' ? { key: e } : e;
    if (x.scale) {
      return h('li', { class: 'v-scale' }, h('span', {}, x.text),
        x.steps.map((s, i) => h('span', { class: `v-step v-ev-${Math.min(5, Math.round((i + 1) * 5 / x.steps.length))}` }, s)));
    }
    const text = x.text || VOCABULARY[x.key] || x.key;
    return h('li', {}, h('span', { class: `v-swatch v-${x.key}${x.line ? ' v-line-' + x.line : ''}`, 'aria-hidden': 'true' }), text);
  });
  const graphs = entries.some(Array.isArray) ? ' graph-legend' : '';
  return h('div', { class: `v-legend${graphs}`, role: 'group', 'aria-label': title, ...attrs },
    h('span', { class: 'v-legend-title' }, title), h('ul', {}, items));
}

/**
 * Makes every element under root that scrolls (overflow auto or scroll, content larger than the
 * box) and holds nothing focusable a Tab stop, as a region named by its heading or caption, so
 * keyboard users can scroll it too (WCAG 2.1.1; axe-core's scrollable-region-focusable).
 */
export function focusableScrollers(root) {
  const focusable = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  // Table bodies, graphs and SVG are not scroll boxes; skipping them keeps this cheap on views
  // with hundreds of rows.
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT, {
    acceptNode: (n) => (n.matches('tbody, svg, .graph, canvas') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  for (let el = walk.nextNode(); el; el = walk.nextNode()) {
    if (el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1) continue;
    const s = getComputedStyle(el);
    const scrolls = (/(auto|scroll)/.test(s.overflowX) && el.scrollWidth > el.clientWidth + 1)
      || (/(auto|scroll)/.test(s.overflowY) && el.scrollHeight > el.clientHeight + 1);
    if (!scrolls || el.hasAttribute('tabindex') || el.querySelector(focusable)) continue;
    const head = el.querySelector('h2, h3, caption');
    el.setAttribute('tabindex', '0');
    if (!el.getAttribute('role')) el.setAttribute('role', 'region');
    if (!el.hasAttribute('aria-label') && !el.hasAttribute('aria-labelledby')) el.setAttribute('aria-label', head ? `${head.textContent.trim()} (scrolls)` : 'Scrollable content');
  }
}
