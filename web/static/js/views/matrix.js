// View 1: the ATLAS matrix, tactics as columns in matrix order, techniques beneath with
// their sub-techniques under a toggle (as in the ATLAS Navigator), shaded by case-study
// evidence, by maturity or by a layer's scores; layers (actors, a case study, a threat
// model, a release diff, imported Navigator files) marked on the cells, compared, exported.
// The whole grid is one Tab stop: arrow keys move, Enter opens, + and - expand and collapse.
import { base, gql, cached } from '../api.js';
import { h, setChildren, download, errorBox } from '../dom.js';
import { record, hashFor, list } from '../router.js';
import * as L from '../layers.js';

const OPS = { union: 'union (∪)', intersection: 'intersection (∩)', difference: 'difference (A − B)' };

/** Evidence bins on the shared scale --v-ev-0..5: number of case studies. */
function evidenceLevel(n) {
  if (n <= 0) return 0;
  if (n === 1) return 1;
  if (n <= 3) return 2;
  if (n <= 7) return 3;
  if (n <= 15) return 4;
  return 5;
}
const EVIDENCE_KEYS = [['0', 0], ['1', 1], ['2–3', 2], ['4–7', 3], ['8–15', 4], ['16+', 5]];

function maturityLevel(m) {
  return { Realized: 5, Demonstrated: 3, Feasible: 2 }[m || ''] || 0;
}

const ACTORS = `query LayerActors($r: String) { actors(release: $r) { id name aliases } }`;
const FIND = `query FindActor($name: String!, $r: String) { actors(release: $r, filter: { name: $name }) { id name } }`;
const CASES = `query LayerCases($r: String) { caseStudies(release: $r) { id name } }`;
const MODELS = `{ threatModels { id name } }`;

export async function render(root, route, ctx) {
  const b = await base(ctx.release);
  const P = route.params;
  const state = {
    shade: P.get('shade') || '', // '': the comparison's score when there is one, else evidence
    subs: P.get('subs') || '', // 'all': every technique expanded
    open: new Set(list(P, 'open')),
    wide: P.get('wide') === '1',
    q: P.get('q') || '',
    focus: P.get('focus') || '',
    layers: list(P, 'layers'),
    cmp: P.get('cmp') || '',
  };
  const params = () => ({
    release: ctx.release, shade: state.shade, subs: state.subs,
    open: state.subs === 'all' ? '' : [...state.open].sort(), wide: state.wide ? '1' : '', q: state.q, focus: state.focus,
    layers: state.layers, cmp: state.cmp,
  });
  const go = (changes) => { Object.assign(state, changes); location.hash = hashFor('matrix', '', params()); };
  const keep = () => record('matrix', '', params());

  // Layers, in URL order; a layer that fails to load stays in the legend with its error.
  const loaded = await Promise.all(state.layers.map((s) => L.load(s, ctx.release)));
  const layers = loaded.map((x, i) => ({ ...x, n: i + 1 }));
  for (const x of layers) {
    if (!x.layer) continue;
    x.byId = new Map(x.layer.techniques.map((t) => [t.id, t]));
  }
  const good = layers.filter((x) => x.layer);
  let comparison = null;
  let cmpError = null;
  const [ca, cb, cop] = state.cmp.split(',');
  const A = layers[Number(ca) - 1];
  const B = layers[Number(cb) - 1];
  if (state.cmp) {
    if (A && B && A.layer && B.layer && OPS[cop]) {
      try {
        comparison = await L.combine(A.layer, B.layer, cop, ctx.release);
        comparison.byId = new Map(comparison.techniques.map((t) => [t.id, t]));
      } catch (err) { cmpError = err; }
    } else cmpError = new Error(`The comparison "${state.cmp}" names layers or an operation this page does not have; pick two layers and an operation again.`);
  }
  // Shading: evidence, maturity, a layer (L1, L2, …) or the comparison (cmp).
  let shade = state.shade || (comparison ? 'cmp' : 'evidence');
  const shadeLayer = /^L\d+$/.test(shade) ? layers[Number(shade.slice(1)) - 1] : null;
  if ((/^L\d+$/.test(shade) && !(shadeLayer && shadeLayer.layer)) || (shade === 'cmp' && !comparison)) shade = 'evidence';
  const scoreSource = shade === 'cmp' ? comparison : shadeLayer ? shadeLayer.layer : null;
  const maxScore = scoreSource ? Math.max(0, ...scoreSource.techniques.map((t) => t.value)) : 0;

  // Evidence of a technique, with what its sub-techniques add (for a collapsed parent).
  const csOf = (t) => new Set(t.caseStudies.map((c) => c.id));
  const evidence = (t, rolled) => {
    const own = csOf(t);
    if (!rolled) return { own: own.size, extra: 0, total: own.size };
    const all = new Set(own);
    for (const s of b.subsOf.get(t.id) || []) for (const c of s.caseStudies) all.add(c.id);
    return { own: own.size, extra: all.size - own.size, total: all.size };
  };
  const expanded = (id) => state.subs === 'all' || state.open.has(id);

  // The layers marking a technique in a column: [{x, t, viaSub}] (viaSub: a sub-technique's, shown on its collapsed parent).
  const marks = (t, tac, rolled) => {
    const out = [];
    for (const x of good) {
      const hit = x.byId.get(t.id);
      if (hit && (!hit.tactics.length || hit.tactics.includes(tac))) { out.push({ x, t: hit, viaSub: false }); continue; }
      if (rolled) {
        const sub = (b.subsOf.get(t.id) || []).map((s) => x.byId.get(s.id)).find(Boolean);
        if (sub) out.push({ x, t: sub, viaSub: true });
      }
    }
    return out;
  };

  const cellStyle = (t, ev) => {
    if (shade === 'maturity') return { cls: `ev-${maturityLevel(t.maturity)}` };
    if (scoreSource) {
      const e = scoreSource.byId ? scoreSource.byId.get(t.id) : scoreSource.techniques.find((x) => x.id === t.id);
      if (!e) return { cls: 'ev-0' };
      if (shade !== 'cmp' && e.color) return { cls: 'ev-own', style: L.paintStyle(e.color) };
      return { cls: `ev-${maxScore > 0 ? Math.max(1, Math.round((5 * e.value) / maxScore)) : 1}`, value: e.value };
    }
    return { cls: `ev-${evidenceLevel(ev.total)}` };
  };

  const cell = (t, tac, sub) => {
    const hasSubs = !sub && (b.subsOf.get(t.id) || []).length > 0;
    const rolled = hasSubs && !expanded(t.id);
    const ev = evidence(t, rolled);
    const st = cellStyle(t, ev);
    const ms = marks(t, tac, rolled);
    const actorHits = ms.filter((m) => m.x.kind === 'a' && !m.viaSub).length;
    const shared = actorHits >= 2;
    const evText = ev.extra ? `${ev.own} + ${ev.extra} in sub-techniques` : String(ev.own);
    const evWords = ev.extra
      ? `${ev.own} case stud${ev.own === 1 ? 'y uses' : 'ies use'} it, ${ev.extra} more use its sub-techniques`
      : `${ev.own} case stud${ev.own === 1 ? 'y' : 'ies'}`;
    const title = `${t.id} ${t.name}\n${evWords}; maturity ${t.maturity || 'not given'}` +
      ms.map((m) => `\nlayer ${m.x.n} ${m.x.layer.name}${m.t.label ? ': ' + m.t.label : ''}${m.t.score != null ? ', score ' + m.t.score : ''}${m.viaSub ? ' (sub-technique ' + m.t.id + ')' : ''}`).join('') +
      (st.value != null ? `\nscore ${st.value}` : '');
    const markers = ms.map((m) => {
      const c = L.category(m.t.label);
      return h('span', { class: `mk ${c.cls ? 'mk-' + c.cls : ''} ${m.viaSub ? 'mk-sub' : ''}`, dataset: { layer: String(m.x.n) }, 'aria-hidden': 'true' }, `${m.x.n}${c.glyph}`);
    });
    const words = ms.map((m) => `layer ${m.x.n}${m.t.label ? ' ' + L.category(m.t.label).text : ''}${m.viaSub ? ' through a sub-technique' : ''}`);
    if (shared) words.push(`shared by ${actorHits} actors`);
    if (st.value != null) words.push(`score ${st.value}`);
    const a = h('a', {
      href: `#/technique/${encodeURIComponent(t.id)}${ctx.release ? '?release=' + encodeURIComponent(ctx.release) : ''}`,
      class: `cell ${sub ? 'sub' : ''} ${st.cls} ${shared ? 'mx-shared' : ''} ${ms.length ? 'mx-marked' : ''}`,
      style: st.style, tabindex: '-1', title,
      dataset: { id: t.id, name: t.name.toLowerCase(), own: String(ev.own), extra: String(ev.extra), layers: ms.filter((m) => !m.viaSub).map((m) => m.x.n).join(' ') },
    },
    h('span', { class: 'cell-name' }, t.name),
    h('span', { class: 'cell-meta' }, h('span', { class: 'cell-id' }, t.id),
      ev.total ? h('span', { class: 'badge', title: evWords }, ev.extra ? `${ev.own}+${ev.extra}` : String(ev.own)) : null),
    ms.length || shared ? h('span', { class: 'mks' }, shared ? h('span', { class: 'mk mk-shared', 'aria-hidden': 'true' }, '◆') : null, markers) : null,
    h('span', { class: 'mx-vh' }, `, ${evText}${words.length ? '; ' + words.join(', ') : ''}`));
    if (!hasSubs) return h('div', { class: 'mx-row' }, a);
    const n = b.subsOf.get(t.id).length;
    const open = !rolled;
    const btn = h('button', {
      type: 'button', class: 'mx-toggle', tabindex: '-1', 'aria-expanded': String(open), dataset: { toggle: t.id },
      'aria-label': `${open ? 'Hide' : 'Show'} the ${n} sub-techniques of ${t.name}`, title: `${open ? 'Hide' : 'Show'} ${n} sub-techniques`,
    }, h('span', { 'aria-hidden': 'true' }, open ? '▾' : '▸'), h('span', { class: 'mx-n', 'aria-hidden': 'true' }, String(n)));
    return h('div', { class: 'mx-row' }, a, btn);
  };

  const grid = h('div', { class: `matrix ${state.wide ? 'wide' : 'compact'}`, id: 'matrix', style: `--cols:${b.tactics.length}`, role: 'group', 'aria-label': 'ATLAS matrix: arrow keys move between techniques, Enter opens one, + and − show and hide sub-techniques' });
  const drawGrid = () => {
    const cols = b.tactics.map((tac) => {
      const top = b.techniques.filter((t) => !t.parent && t.tactics.some((x) => x.id === tac.id)).sort((x, y) => x.name.localeCompare(y.name));
      const items = [];
      for (const t of top) {
        items.push(h('li', { dataset: { tech: t.id } }, cell(t, tac.id, false)));
        const subs = (b.subsOf.get(t.id) || []).filter((s) => !s.tactics.length || s.tactics.some((x) => x.id === tac.id)).sort((x, y) => x.id.localeCompare(y.id));
        for (const s of subs) items.push(h('li', { class: 'sub-li', dataset: { tech: s.id, parent: t.id } }, cell(s, tac.id, true)));
      }
      return h('section', { class: `col ${state.focus === tac.id ? 'focused' : ''}`, role: 'group', 'aria-labelledby': `th-${tac.id}`, dataset: { tactic: tac.id } },
        h('h2', { id: `th-${tac.id}`, class: 'col-head', title: `${tac.id} ${tac.name}` }, h('span', {}, tac.name), h('span', { class: 'col-count' }, `${top.length} techniques`)),
        h('ul', { class: 'col-list' }, items));
    });
    setChildren(grid, cols);
    applyVisibility();
  };

  // Shading select: evidence, maturity, each loaded layer, the comparison.
  const shadeSelect = h('select', { id: 'shade' },
    h('option', { value: 'evidence', selected: shade === 'evidence' }, 'Case-study evidence'),
    h('option', { value: 'maturity', selected: shade === 'maturity' }, 'Maturity'),
    good.map((x) => h('option', { value: `L${x.n}`, selected: shade === `L${x.n}` }, `Layer ${x.n}: ${clip(x.layer.name, 28)}`)),
    comparison ? h('option', { value: 'cmp', selected: shade === 'cmp' }, 'Comparison score') : null);
  shadeSelect.addEventListener('change', () => go({ shade: shadeSelect.value === 'evidence' && !state.cmp ? '' : shadeSelect.value }));
  const filterInput = h('input', { type: 'search', id: 'matrix-filter', placeholder: 'Filter by name or id', value: state.q, 'aria-label': 'Filter techniques' });
  const expandAll = h('button', { type: 'button', id: 'expand-all' }, 'Expand all');
  const collapseAll = h('button', { type: 'button', id: 'collapse-all' }, 'Collapse all');
  expandAll.addEventListener('click', () => { state.subs = 'all'; state.open.clear(); keep(); drawGrid(); });
  collapseAll.addEventListener('click', () => { state.subs = ''; state.open.clear(); keep(); drawGrid(); });
  const wideBox = h('input', { type: 'checkbox', id: 'matrix-wide', checked: state.wide });
  wideBox.addEventListener('change', () => {
    state.wide = wideBox.checked;
    grid.classList.toggle('wide', state.wide);
    grid.classList.toggle('compact', !state.wide);
    keep();
  });

  const shadeLegend = () => {
    if (shade === 'maturity') return [h('span', { class: 'muted small' }, 'Maturity:'), [['Realized', 5], ['Demonstrated', 3], ['Feasible', 2], ['not given', 0]].map(([t, l]) => h('span', { class: `key ev-${l}` }, t))];
    if (scoreSource) {
      const what = shade === 'cmp' ? `Comparison (${comparison.name})` : `Layer ${shadeLayer.n}`;
      const own = shade !== 'cmp' && scoreSource.techniques.some((t) => t.color);
      if (own && scoreSource.legend.length) {
        return [h('span', { class: 'muted small' }, `${what}, in its own colours:`),
          scoreSource.legend.map((it) => h('span', { class: 'key', style: L.paintStyle(it.color) }, it.label)), h('span', { class: 'key ev-0' }, 'not in it')];
      }
      const values = [...new Set(scoreSource.techniques.map((t) => t.value))].sort((x, y) => x - y);
      const shown = values.length <= 6 ? values : [values[0], values[Math.floor(values.length / 2)], values[values.length - 1]];
      const lvl = (v) => (maxScore > 0 ? Math.max(1, Math.round((5 * v) / maxScore)) : 1);
      return [h('span', { class: 'muted small' }, `${what}: score${own ? ' (its own colours where it gives them)' : ''}:`),
        shown.map((v) => h('span', { class: `key ev-${lvl(v)}` }, fmt(v))), h('span', { class: 'key ev-0' }, 'not in it')];
    }
    return [h('span', { class: 'muted small' }, 'Case studies using the technique (collapsed: + those using its sub-techniques):'), EVIDENCE_KEYS.map(([t, l]) => h('span', { class: `key ev-${l}` }, t))];
  };

  const summary = h('span', { class: 'muted small', id: 'matrix-summary', 'aria-live': 'polite' });
  setChildren(root,
    h('div', { class: 'toolbar' },
      h('h1', {}, 'ATLAS matrix'),
      h('label', { for: 'shade' }, 'Shade by'), shadeSelect,
      expandAll, collapseAll,
      h('label', { class: 'check' }, wideBox, ' Wide columns'),
      filterInput,
      h('div', { class: 'legend', id: 'shade-legend', role: 'group', 'aria-label': 'Shading legend' }, shadeLegend()),
      summary),
    layerPanel(),
    h('div', { class: 'matrix-scroll', id: 'matrix-scroll' }, grid));

  // Visibility: the filter, and collapsed sub-techniques (shown while they match a filter).
  function applyVisibility() {
    const q = state.q.trim().toLowerCase();
    const hit = (a) => !q || a.dataset.id.toLowerCase().includes(q) || a.dataset.name.includes(q);
    let shown = 0;
    for (const li of grid.querySelectorAll('.col-list > li')) {
      const a = li.querySelector('.cell');
      let vis;
      if (li.dataset.parent) vis = (q ? hit(a) : expanded(li.dataset.parent));
      else {
        vis = hit(a);
        if (!vis && q) {
          for (let n = li.nextElementSibling; n && n.dataset.parent === li.dataset.tech; n = n.nextElementSibling) if (hit(n.querySelector('.cell'))) vis = true;
        }
      }
      li.hidden = !vis;
      if (vis) shown++;
    }
    // While filtering, tactics with no match step aside so the matches sit together.
    for (const col of grid.querySelectorAll('.col')) col.hidden = !!q && !col.querySelector('li:not([hidden])');
    summary.textContent = `${b.tactics.length} tactics · ${shown} cells shown${good.length ? ` · ${good.length} layer${good.length > 1 ? 's' : ''}` : ''}`;
    roving(grid);
  }

  filterInput.addEventListener('input', () => { state.q = filterInput.value.trim(); applyVisibility(); keep(); });
  grid.addEventListener('keydown', (e) => {
    if ((e.key === '+' || e.key === '-' || e.key === '=') && e.target.classList.contains('cell')) {
      const li = e.target.closest('li');
      const id = li.dataset.parent || li.dataset.tech;
      if ((b.subsOf.get(id) || []).length) { e.preventDefault(); toggle(id, e.key !== '-', e.target.closest('.col').dataset.tactic); }
      return;
    }
    moveFocus(e, grid);
  });
  grid.addEventListener('click', (e) => {
    const btn = e.target.closest('.mx-toggle');
    if (btn) toggle(btn.dataset.toggle, btn.getAttribute('aria-expanded') !== 'true', btn.closest('.col').dataset.tactic, true);
  });
  grid.addEventListener('focusin', (e) => {
    if (!e.target.matches('.cell, .mx-toggle')) return;
    for (const el of grid.querySelectorAll('[tabindex="0"]')) if (el !== e.target) el.setAttribute('tabindex', '-1');
    e.target.setAttribute('tabindex', '0');
  });

  function toggle(id, open, tactic, onButton) {
    if (state.subs === 'all') { // leaving "expand all": every other technique stays open
      state.subs = '';
      state.open = new Set(b.techniques.filter((t) => (b.subsOf.get(t.id) || []).length).map((t) => t.id));
    }
    if (open) state.open.add(id); else state.open.delete(id);
    keep();
    drawGrid();
    const col = grid.querySelector(`.col[data-tactic="${CSS.escape(tactic)}"]`);
    const target = col && (onButton ? col.querySelector(`.mx-toggle[data-toggle="${CSS.escape(id)}"]`) : col.querySelector(`li[data-tech="${CSS.escape(id)}"] .cell`));
    if (target) target.focus();
  }

  drawGrid();
  if (state.focus) {
    const col = grid.querySelector(`[data-tactic="${CSS.escape(state.focus)}"]`);
    if (col) {
      col.scrollIntoView({ inline: 'center', block: 'nearest' });
      // Tab enters the grid at the tactic the link named.
      const first = col.querySelector('li:not([hidden]) .cell');
      if (first) { for (const el of grid.querySelectorAll('[tabindex="0"]')) el.setAttribute('tabindex', '-1'); first.setAttribute('tabindex', '0'); }
    }
  }

  // The layer panel: add (by kind), the legend of the layers shown, compare, export.
  function layerPanel() {
    const kind = h('select', { id: 'layer-kind' },
      Object.entries(L.KINDS).filter(([k]) => k !== 'file').map(([k, v]) => h('option', { value: k }, v)));
    const input = h('input', { id: 'layer-input', list: 'layer-options', autocomplete: 'off', placeholder: 'Name or alias, e.g. Forest Blizzard' });
    const options = h('datalist', { id: 'layer-options' });
    const msg = h('div', { id: 'layer-msg', role: 'status' });
    const fill = async () => {
      const k = kind.value;
      input.placeholder = { a: 'Name or alias, e.g. Forest Blizzard', cs: 'Id or name, e.g. AML.CS0000', tm: 'Stored model id or name', diff: 'Older release, e.g. 4.5.0' }[k];
      try {
        let opts = [];
        if (k === 'a') opts = [...new Set((await cached(`layer-actors:${ctx.release}`, ACTORS, { r: ctx.release || null })).actors.flatMap((x) => [x.name, ...x.aliases]))].sort();
        else if (k === 'cs') opts = (await cached(`layer-cases:${ctx.release}`, CASES, { r: ctx.release || null })).caseStudies.map((c) => `${c.id} ${c.name}`);
        else if (k === 'tm') opts = (await gql(MODELS)).threatModels.map((m) => `${m.id} ${m.name}`);
        else if (k === 'diff') opts = (await cached('releases', '{ releases { version current loadedAt counts { techniques caseStudies } } }')).releases.filter((r) => (ctx.release ? r.version !== ctx.release : !r.current)).map((r) => r.version);
        setChildren(options, opts.map((o) => h('option', { value: o })));
      } catch (err) { setChildren(options); }
    };
    // Suggestions are fetched when wanted, not with the first draw of the matrix.
    let filled = '';
    const fillOnce = () => { if (filled !== kind.value) { filled = kind.value; fill(); } };
    kind.addEventListener('change', () => { input.value = ''; if (filled) fillOnce(); });
    input.addEventListener('focus', fillOnce);
    const form = h('form', { class: 'mx-add', id: 'layer-form' },
      h('label', { for: 'layer-kind' }, 'Add a layer'), kind,
      h('label', { for: 'layer-input', class: 'mx-vh' }, 'Layer to add'), input, options,
      h('button', { type: 'submit', class: 'primary' }, 'Add'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) { setChildren(msg, errorBox('', new Error('Type a name or an id first.'))); return; }
      try {
        let specs = [];
        const first = text.split(/\s+/)[0];
        if (kind.value === 'a') {
          const found = (await gql(FIND, { name: text, r: ctx.release || null })).actors;
          if (!found.length) throw new Error(`No actor goes by "${text}" in this release; pick a name from the suggestions.`);
          specs = found.map((x) => `a:${x.id}`);
        } else if (kind.value === 'cs') specs = [`cs:${/^AML\.CS\d+/i.test(first) ? first.toUpperCase() : await findCase(text)}`];
        else if (kind.value === 'tm') specs = [`tm:${first}`];
        else specs = [`diff:${first}`];
        const add = specs.filter((s) => !state.layers.includes(s));
        if (!add.length) throw new Error(`"${text}" is already a layer.`);
        go({ layers: [...state.layers, ...add] });
      } catch (err) { setChildren(msg, errorBox('', err)); }
    });
    async function findCase(text) {
      const all = (await cached(`layer-cases:${ctx.release}`, CASES, { r: ctx.release || null })).caseStudies;
      const t = text.toLowerCase();
      const c = all.find((x) => x.name.toLowerCase() === t) || all.find((x) => `${x.id} ${x.name}`.toLowerCase() === t) || all.find((x) => x.name.toLowerCase().includes(t));
      if (!c) throw new Error(`No case study is called "${text}" in this release; pick one from the suggestions.`);
      return c.id;
    }

    const file = h('input', { type: 'file', id: 'layer-file', accept: '.json,application/json' });
    file.addEventListener('change', async () => {
      const f = file.files[0];
      if (!f) return;
      try {
        const spec = await L.importFile(f, ctx.release);
        go({ layers: [...state.layers.filter((s) => s !== spec), spec] });
      } catch (err) { setChildren(msg, errorBox(`${f.name} was not imported:`, err)); file.value = ''; }
    });
    const fileRow = h('div', { class: 'mx-file' }, h('label', { for: 'layer-file' }, 'Import a Navigator layer file (.json)'), file);

    const remove = (spec) => {
      const i = state.layers.indexOf(spec) + 1;
      const layersLeft = state.layers.filter((s) => s !== spec);
      // A comparison naming the removed layer goes; one naming later layers follows their new numbers.
      let cmp = state.cmp;
      if (cmp) {
        const [x, y, op] = cmp.split(',').map((v, k) => (k < 2 ? Number(v) : v));
        cmp = x === i || y === i ? '' : `${x > i ? x - 1 : x},${y > i ? y - 1 : y},${op}`;
      }
      let sh = state.shade;
      if (/^L\d+$/.test(sh)) { const k = Number(sh.slice(1)); sh = k === i ? '' : k > i ? `L${k - 1}` : sh; }
      if (!cmp && sh === 'cmp') sh = '';
      go({ layers: layersLeft, cmp, shade: sh });
    };
    const cats = new Map();
    const items = layers.map((x) => {
      const rm = h('button', { type: 'button', class: 'mx-small', 'aria-label': `Remove layer ${x.n}` }, 'Remove');
      rm.addEventListener('click', () => remove(x.spec));
      if (!x.layer) {
        return h('li', { class: 'mx-layer bad', dataset: { spec: x.spec } }, h('span', { class: 'mk' }, String(x.n)),
          h('span', {}, h('strong', {}, `${L.KINDS[x.kind] || 'Layer'} ${L.parseSpec(x.spec).value}`), ' ', h('span', { class: 'mx-err', role: 'alert' }, x.error.message || String(x.error))), rm);
      }
      for (const t of x.layer.techniques) { const c = L.category(t.label); if (c.cls) cats.set(c.text, c); }
      const ex = h('button', { type: 'button', class: 'mx-small', 'aria-label': `Export layer ${x.n} as a Navigator layer` }, 'Export');
      ex.addEventListener('click', () => exportLayers(x.layer.name, [x.layer]));
      const sw = x.layer.legend.length ? x.layer.legend.map((it) => h('span', { class: 'mx-sw-item' }, h('span', { class: 'mx-sw', style: `background:${it.color}`, 'aria-hidden': 'true' }), it.label)) : null;
      return h('li', { class: 'mx-layer', dataset: { spec: x.spec, n: String(x.n) } },
        h('span', { class: 'mk', 'aria-hidden': 'true' }, String(x.n)),
        h('span', { class: 'mx-layer-text' }, h('strong', {}, `Layer ${x.n}: ${x.layer.name}`), ' ',
          h('span', { class: 'muted small' }, `${L.KINDS[x.kind] || ''}${x.kind === 'file' ? ', format ' + x.layer.format : ''} · ${x.layer.techniques.length} techniques`),
          sw ? h('span', { class: 'mx-sws small' }, sw) : null,
          x.layer.warnings.length ? h('span', { class: 'small mx-warn' }, x.layer.warnings.join(' ')) : null),
        ex, rm);
    });
    const actorLayers = good.filter((x) => x.kind === 'a').length;
    const keys = [...cats.values()].map((c) => h('span', { class: `key mk-${c.cls}` }, `${c.glyph} ${c.text}`));
    if (actorLayers >= 2) keys.push(h('span', { class: 'key mk-shared' }, '◆ shared by several actors'));

    // Compare two layers.
    let cmpForm = null;
    if (good.length >= 2) {
      const pick = (id, sel, label) => h('select', { id, 'aria-label': label }, good.map((x) => h('option', { value: String(x.n), selected: String(x.n) === sel }, `Layer ${x.n}`)));
      const sa = pick('cmp-a', ca || String(good[0].n), 'First layer (A)');
      const sb = pick('cmp-b', cb || String(good[1].n), 'Second layer (B)');
      const so = h('select', { id: 'cmp-op', 'aria-label': 'Operation' }, Object.entries(OPS).map(([k, v]) => h('option', { value: k, selected: k === (cop || 'intersection') }, v)));
      const clear = comparison || cmpError ? h('button', { type: 'button', id: 'cmp-clear' }, 'Clear') : null;
      if (clear) clear.addEventListener('click', () => go({ cmp: '', shade: state.shade === 'cmp' ? '' : state.shade }));
      cmpForm = h('form', { class: 'mx-cmp', id: 'cmp-form' }, h('span', { class: 'small' }, 'Compare'), sa, so, sb, h('button', { type: 'submit' }, 'Compare'), clear);
      cmpForm.addEventListener('submit', (e) => {
        e.preventDefault();
        if (sa.value === sb.value) { setChildren(msg, errorBox('', new Error('Pick two different layers to compare.'))); return; }
        go({ cmp: `${sa.value},${sb.value},${so.value}`, shade: '' });
      });
    }
    const exportShown = h('button', { type: 'button', id: 'layers-export', disabled: !good.length && !comparison }, 'Export shown as Navigator layer');
    exportShown.addEventListener('click', () => {
      if (comparison) exportLayers(comparison.name, [comparison]);
      else exportLayers(good.map((x) => x.layer.name).join(' + '), good.map((x) => x.layer));
    });
    async function exportLayers(name, ls) {
      try {
        const f = await L.layerFile(name, ls, ctx.release);
        download(`${f.name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'layer'}.json`, f.json);
        setChildren(msg, h('span', { class: 'small' }, `Exported ${f.techniqueCount} techniques (layer format 4.3, for the ATLAS Navigator).`));
        ctx.status.metrics.exported = f.json;
      } catch (err) { setChildren(msg, errorBox('Export failed:', err)); }
    }

    return h('section', { class: 'card mx-layers', id: 'layers', 'aria-labelledby': 'layers-h' },
      h('div', { class: 'mx-layers-head' }, h('h2', { id: 'layers-h' }, 'Layers'), form, fileRow, exportShown),
      layers.length ? h('ul', { class: 'mx-legend', id: 'layer-legend', 'aria-label': 'Layers shown' }, items) : h('p', { class: 'muted small' }, 'Add an actor, a case study, a threat model or a release diff, or import a Navigator layer file, to mark its techniques on the matrix.'),
      keys.length ? h('div', { class: 'legend', id: 'layer-keys', role: 'group', 'aria-label': 'Layer marks' }, h('span', { class: 'muted small' }, 'Marks:'), keys) : null,
      cmpForm,
      comparison ? h('p', { class: 'small', id: 'cmp-result' }, h('strong', {}, comparison.name), `: ${comparison.techniques.length} techniques. ${comparison.description}`) : null,
      cmpError ? errorBox('Comparison:', cmpError) : null,
      msg);
  }
}

function clip(s, n) { return s.length > n ? s.slice(0, n - 1) + '…' : s; }
function fmt(v) { return Number.isInteger(v) ? String(v) : v.toFixed(1); }

// The grid is one Tab stop (roving tabindex): the focused item, else the first visible one.
function roving(grid) {
  const items = visibleItems(grid);
  const cur = grid.querySelector('[tabindex="0"]');
  if (cur && items.includes(cur)) return;
  if (cur) cur.setAttribute('tabindex', '-1');
  if (items[0]) items[0].setAttribute('tabindex', '0');
}

function visibleItems(grid) {
  return [...grid.querySelectorAll('.col:not([hidden]) li:not([hidden]) :is(.cell, .mx-toggle)')];
}

// Arrow keys move between items (cells and their sub-technique toggles): up and down within
// a column, left and right to the item at the same height in the next column that has any.
function moveFocus(e, grid) {
  if (!['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) return;
  const cur = document.activeElement;
  if (!cur || !cur.matches('.cell, .mx-toggle') || !grid.contains(cur)) return;
  const items = (col) => [...col.querySelectorAll('li:not([hidden]) :is(.cell, .mx-toggle)')];
  const col = cur.closest('.col');
  const mine = items(col);
  const i = mine.indexOf(cur);
  let target = null;
  if (e.key === 'ArrowUp') target = mine[i - 1];
  else if (e.key === 'ArrowDown') target = mine[i + 1];
  else if (e.key === 'Home') target = mine[0];
  else if (e.key === 'End') target = mine[mine.length - 1];
  else {
    const all = [...grid.querySelectorAll('.col:not([hidden])')];
    let j = all.indexOf(col);
    const step = e.key === 'ArrowLeft' ? -1 : 1;
    for (j += step; j >= 0 && j < all.length; j += step) {
      const other = items(all[j]);
      if (other.length) { target = other[Math.min(i, other.length - 1)]; break; }
    }
  }
  if (target) { e.preventDefault(); target.focus(); target.scrollIntoView({ block: 'nearest', inline: 'nearest' }); }
}
