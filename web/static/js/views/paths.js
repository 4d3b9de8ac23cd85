// View 3: attack paths from a start to an end (tactic or technique, by name or id), drawn left to
// right in tactic order with the evidence on each hop. Toggling mitigations shows which paths they
// break; the minimal breaking set the API computes is one click away.
import { gql, base } from '../api.js';
import { h, add, setChildren, table, errorBox } from '../dom.js';
import { record, list } from '../router.js';
import { drawGraph, spotlight, columnHeaders, label } from '../graph.js';

const Q = `query Paths($from: ID!, $to: ID!, $hops: Int, $limit: Int, $min: Int, $r: String) {
  attackPaths(from: $from, to: $to, maxHops: $hops, limit: $limit, minSupport: $min, release: $r) {
    release truncated unbreakable
    paths { id support totalSupport techniques { id } hops { from { id } to { id } count caseStudies } }
    mitigationSet { cost optimal mitigations { id name } }
  }
}`;

/** Finds a tactic or technique by id, by "ID — name" as the suggestions write it, or by name. */
export function resolveRef(text, b) {
  const s = (text || '').trim();
  if (!s) return null;
  const idPart = s.split(/\s+[—-]\s+/)[0].trim().toUpperCase();
  if (b.tacticById.has(idPart)) return { id: idPart, kind: 'tactic', name: b.tacticById.get(idPart).name };
  if (b.techById.has(idPart)) return { id: idPart, kind: 'technique', name: b.techById.get(idPart).name };
  const low = s.toLowerCase();
  const tac = b.tactics.find((t) => t.name.toLowerCase() === low);
  if (tac) return { id: tac.id, kind: 'tactic', name: tac.name };
  const tech = b.techniques.find((t) => t.name.toLowerCase() === low);
  if (tech) return { id: tech.id, kind: 'technique', name: tech.name };
  const partial = [...b.tactics, ...b.techniques].filter((t) => t.name.toLowerCase().includes(low));
  if (partial.length === 1) return { id: partial[0].id, kind: b.tacticById.has(partial[0].id) ? 'tactic' : 'technique', name: partial[0].name };
  if (partial.length > 1) throw new Error(`"${s}" matches ${partial.length} tactics and techniques (${partial.slice(0, 4).map((p) => p.name).join(', ')}…); pick one from the suggestions or give its id.`);
  throw new Error(`No tactic or technique is called "${s}" in this release; give an id such as AML.TA0002 or AML.T0051, or a name from the suggestions.`);
}

export async function render(root, route, ctx) {
  const b = await base(ctx.release);
  const p = route.params;
  const state = {
    from: p.get('from') || '', to: p.get('to') || '',
    hops: clampInt(p.get('hops'), 1, 8, 5), limit: clampInt(p.get('limit'), 1, 500, 50), min: clampInt(p.get('min'), 1, 1000, 1),
    mit: new Set(list(p, 'mit')), sel: p.get('sel') || '',
  };
  const urlParams = () => ({ release: ctx.release, from: state.from, to: state.to, hops: state.hops === 5 ? '' : state.hops, limit: state.limit === 50 ? '' : state.limit, min: state.min === 1 ? '' : state.min, mit: [...state.mit].sort(), sel: state.sel });

  const options = h('datalist', { id: 'refs' },
    b.tactics.map((t) => h('option', { value: `${t.id} — ${t.name}` }, 'tactic')),
    [...b.techniques].sort((x, y) => x.id.localeCompare(y.id)).map((t) => h('option', { value: `${t.id} — ${t.name}` }, 'technique')));
  const show = (id) => (b.tacticById.get(id) || b.techById.get(id) ? `${id} — ${(b.tacticById.get(id) || b.techById.get(id)).name}` : id);
  const fromIn = h('input', { id: 'from', list: 'refs', value: show(state.from), placeholder: 'e.g. Reconnaissance or AML.TA0002', required: true, autocomplete: 'off' });
  const toIn = h('input', { id: 'to', list: 'refs', value: show(state.to), placeholder: 'e.g. Impact or AML.T0048', required: true, autocomplete: 'off' });
  const hopsIn = h('input', { id: 'hops', type: 'number', min: 1, max: 8, value: state.hops });
  const limitIn = h('input', { id: 'limit', type: 'number', min: 1, max: 500, value: state.limit });
  const minIn = h('input', { id: 'min', type: 'number', min: 1, value: state.min });
  const formMsg = h('div', { id: 'form-msg' });
  const form = h('form', { class: 'toolbar form', id: 'paths-form' },
    h('h1', {}, 'Attack paths'),
    h('label', { for: 'from' }, 'From'), fromIn, h('label', { for: 'to' }, 'To'), toIn,
    h('label', { for: 'hops' }, 'Max hops'), hopsIn, h('label', { for: 'limit' }, 'Paths'), limitIn,
    h('label', { for: 'min' }, 'Min. support'), minIn,
    h('button', { type: 'submit', class: 'primary' }, 'Find paths'), options);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      const f = resolveRef(fromIn.value, b);
      const t = resolveRef(toIn.value, b);
      if (!f || !t) throw new Error('Give both a start and an end.');
      location.hash = hashOf({ release: ctx.release, from: f.id, to: t.id, hops: hopsIn.value, limit: limitIn.value, min: minIn.value });
    } catch (err) {
      setChildren(formMsg, errorBox('', err));
    }
  });
  setChildren(root, form, formMsg);

  if (!state.from || !state.to) {
    const first = b.tactics[0];
    const last = b.tactics[b.tactics.length - 1];
    const ex = (f, t, text) => h('li', {}, h('a', { href: hashOf({ release: ctx.release, from: f, to: t }) }, text));
    add(root, h('section', { class: 'card intro' },
      h('p', {}, 'Paths follow the technique transitions observed in case studies (a step using one technique leading to a step using the next). Give a start and an end, each a tactic (standing for its techniques) or a technique, by name or id.'),
      h('ul', {}, first && last ? ex(first.id, last.id, `${first.name} → ${last.name}`) : null,
        b.tactics.length > 3 ? ex(b.tactics[2].id, last.id, `${b.tactics[2].name} → ${last.name}`) : null)));
    return;
  }

  const data = await gql(Q, { from: state.from, to: state.to, hops: state.hops, limit: state.limit, min: state.min, r: ctx.release || null });
  const res = data.attackPaths;
  const paths = res.paths.map((x, i) => ({ ...x, rank: i + 1, ids: x.techniques.map((t) => t.id) }));
  if (!paths.length) {
    add(root, h('p', { class: 'card muted', id: 'no-paths' }, `No path of at most ${state.hops} hops with support ≥ ${state.min} leads from ${show(state.from)} to ${show(state.to)}.`));
    return;
  }
  const unbreakable = new Set(res.unbreakable);
  const minimal = res.mitigationSet.mitigations;

  // Every mitigation that covers a technique on some path, with the paths it breaks alone.
  const breaksAlone = new Map();
  for (const path of paths) {
    const ms = new Set(path.ids.flatMap((id) => [...(b.mitigatedBy.get(id) || [])]));
    for (const m of ms) breaksAlone.set(m, (breaksAlone.get(m) || 0) + 1);
  }
  const relevant = [...breaksAlone.keys()].sort((x, y) => breaksAlone.get(y) - breaksAlone.get(x) || x.localeCompare(y));
  const isBroken = (path) => path.ids.some((id) => [...state.mit].some((m) => b.mitigatedBy.get(id)?.has(m)));

  // Layout: one column per tactic that holds a technique, in matrix order; techniques stacked
  // in the order the ranked paths first reach them.
  const order = [];
  const seen = new Set();
  for (const path of paths) for (const id of path.ids) if (!seen.has(id)) { seen.add(id); order.push(id); }
  const used = [...new Set(order.map((id) => b.column(id)))].sort((x, y) => x - y);
  const colIndex = new Map(used.map((c, i) => [c, i + 1]));
  const DX = 175;
  const heights = new Map();
  const els = [];
  for (const id of order) {
    const c = colIndex.get(b.column(id));
    const n = heights.get(c) || 0;
    heights.set(c, n + 1);
    const t = b.techById.get(id);
    els.push({ group: 'nodes', data: { id, label: label(id, t ? t.name : id) }, position: { x: c * DX, y: 44 + n * 60 } });
  }
  for (const tac of b.tactics) {
    if (colIndex.has(tac.position)) els.push(...columnHeaders([{ ...tac, position: colIndex.get(tac.position) }], new Set([colIndex.get(tac.position)]), DX));
  }
  const hopSeen = new Map();
  for (const path of paths) {
    for (const hop of path.hops) {
      const key = `${hop.from.id}->${hop.to.id}`;
      if (!hopSeen.has(key)) {
        hopSeen.set(key, hop);
        els.push({ group: 'edges', data: { id: key, source: hop.from.id, target: hop.to.id, label: String(hop.count), cs: hop.caseStudies.join(', ') } });
      }
    }
  }

  const summary = h('p', { id: 'paths-summary', class: 'summary', 'aria-live': 'polite' });
  const info = h('div', { id: 'graph-info', class: 'info muted small' }, 'Select a path in the table, or a node or hop in the graph, to see its evidence.');
  const graphBox = h('div', { class: 'graph', style: graphHeight(Math.max(...heights.values())), id: 'paths-graph', 'aria-label': 'Attack-path graph; the table beside lists every path and hop' });
  const rows = paths.map((path) => h('tr', { tabindex: 0, dataset: { rank: path.rank, path: path.ids.join('->') }, 'aria-selected': 'false' },
    h('td', { class: 'num' }, String(path.rank)),
    h('td', {}, h('ol', { class: 'chain' }, path.ids.map((id, i) => h('li', {}, h('a', { href: `#/technique/${encodeURIComponent(id)}${ctx.release ? '?release=' + encodeURIComponent(ctx.release) : ''}`, title: b.techById.get(id)?.name || id }, id),
      i < path.hops.length ? h('span', { class: 'hop', title: `case studies: ${path.hops[i].caseStudies.join(', ')}` }, ` →${path.hops[i].count} `) : null)))),
    h('td', { class: 'num' }, String(path.support)),
    h('td', { class: 'num' }, String(path.totalSupport)),
    h('td', { class: 'status' })));
  const pathTable = table(null, ['#', 'Techniques (→n: case studies showing the hop)', 'Weakest hop', 'Total', 'Status'], rows, { id: 'paths-table' });

  const boxes = new Map();
  const mitList = h('ul', { class: 'mit-list', id: 'mit-list' }, relevant.map((m) => {
    const box = h('input', { type: 'checkbox', id: `mit-${m}`, value: m, checked: state.mit.has(m) });
    boxes.set(m, box);
    box.addEventListener('change', () => { if (box.checked) state.mit.add(m); else state.mit.delete(m); update(); });
    const mm = b.mitById.get(m);
    return h('li', {}, h('label', { for: `mit-${m}` }, box, ' ', h('span', { class: 'id' }, m), ' ', mm ? mm.name : '', h('span', { class: 'muted small' }, ` breaks ${breaksAlone.get(m)}`)));
  }));
  const minimalBtn = h('button', { type: 'button', id: 'apply-minimal', class: 'primary' }, `Apply the minimal breaking set (${minimal.length})`);
  minimalBtn.addEventListener('click', () => { state.mit = new Set(minimal.map((m) => m.id)); syncBoxes(); update(); });
  const clearBtn = h('button', { type: 'button', id: 'clear-mit' }, 'Clear');
  clearBtn.addEventListener('click', () => { state.mit.clear(); syncBoxes(); update(); });
  const syncBoxes = () => { for (const [m, box] of boxes) box.checked = state.mit.has(m); };

  add(root,
    h('div', { class: 'graph-pane' }, summary, graphBox, info),
    h('div', { class: 'below' },
      h('section', { class: 'card' }, h('h2', {}, 'Mitigations'),
        h('p', { class: 'small muted' }, `Minimal set breaking every breakable path: ${minimal.map((m) => m.id).join(', ') || 'none needed'}${res.mitigationSet.optimal ? '' : ' (best found)'}.`),
        h('div', { class: 'buttons' }, minimalBtn, clearBtn), mitList),
      h('section', { class: 'card table-card' }, h('h2', {}, `Paths (${paths.length}${res.truncated ? ', search stopped early' : ''})`), pathTable)));

  const cy = drawGraph(graphBox, els, { status: ctx.status, onTap: (el) => select(el) });
  ctx.status.metrics.paths = paths.length;

  function select(el) {
    if (!el) { state.sel = ''; spotlight(cy, null); markRows(); info.textContent = 'Select a path in the table, or a node or hop in the graph, to see its evidence.'; record('paths', '', urlParams()); return; }
    if (el.isEdge()) {
      spotlight(cy, el.union(el.connectedNodes()));
      setChildren(info, h('strong', {}, `${el.data('source')} → ${el.data('target')}`), `: shown by ${el.data('label')} case stud${el.data('label') === '1' ? 'y' : 'ies'}: `, el.data('cs').split(', ').map((c, i) => [i ? ', ' : '', h('a', { href: `#/case-study/${c}` }, c)]));
    } else {
      spotlight(cy, el.closedNeighborhood());
      const t = b.techById.get(el.id());
      const ms = [...(b.mitigatedBy.get(el.id()) || [])];
      setChildren(info, h('a', { href: `#/technique/${el.id()}` }, h('strong', {}, `${el.id()} ${t ? t.name : ''}`)), ms.length ? ` · mitigated by ${ms.join(', ')}` : ' · no mitigation covers it');
    }
  }
  function selectPath(rank) {
    state.sel = String(rank);
    const path = paths[rank - 1];
    if (!path) return;
    const coll = cy.collection();
    path.ids.forEach((id) => { coll.merge(cy.getElementById(id)); });
    path.hops.forEach((hop) => coll.merge(cy.getElementById(`${hop.from.id}->${hop.to.id}`)));
    spotlight(cy, coll);
    markRows();
    setChildren(info, h('strong', {}, `Path ${rank}`), ': ', path.hops.map((hop, i) => [i ? '; ' : '', `${hop.from.id} → ${hop.to.id} (${hop.count}: ${hop.caseStudies.join(', ')})`]));
    record('paths', '', urlParams());
  }
  function markRows() {
    for (const tr of rows) tr.setAttribute('aria-selected', tr.dataset.rank === state.sel ? 'true' : 'false');
  }
  for (const tr of rows) {
    tr.addEventListener('click', (e) => { if (e.target.tagName !== 'A') selectPath(Number(tr.dataset.rank)); });
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); selectPath(Number(tr.dataset.rank)); }
      if (e.key === 'ArrowDown' && tr.nextElementSibling) { e.preventDefault(); tr.nextElementSibling.focus(); }
      if (e.key === 'ArrowUp' && tr.previousElementSibling) { e.preventDefault(); tr.previousElementSibling.focus(); }
    });
  }

  function update() {
    let broken = 0;
    const brokenEdges = new Map();
    for (const path of paths) {
      const br = isBroken(path);
      if (br) broken++;
      const tr = rows[path.rank - 1];
      tr.classList.toggle('broken', br);
      const status = tr.querySelector('.status');
      status.textContent = br ? 'broken' : unbreakable.has(path.id) ? 'unbreakable' : 'open';
      status.className = `status ${br ? 'is-broken' : unbreakable.has(path.id) ? 'is-unbreakable' : 'is-open'}`;
      for (const hop of path.hops) {
        const k = `${hop.from.id}->${hop.to.id}`;
        brokenEdges.set(k, (brokenEdges.get(k) ?? true) && br);
      }
    }
    cy.batch(() => {
      cy.nodes().not('.column').forEach((n) => n.toggleClass('cut', [...state.mit].some((m) => b.mitigatedBy.get(n.id())?.has(m))));
      cy.edges().forEach((e) => e.toggleClass('broken', !!brokenEdges.get(e.id())));
    });
    summary.replaceChildren(
      h('strong', {}, `${paths.length} path${paths.length === 1 ? '' : 's'}`), ` from ${show(state.from)} to ${show(state.to)}. `,
      state.mit.size ? h('span', { class: broken === paths.length ? 'good' : 'bad' }, `${state.mit.size} mitigation${state.mit.size === 1 ? '' : 's'} on: ${broken} of ${paths.length} broken.`) : 'No mitigation toggled.',
      unbreakable.size ? h('span', { class: 'bad' }, ` ${unbreakable.size} cannot be broken by any mitigation.`) : '');
    ctx.status.metrics.broken = broken;
    record('paths', '', urlParams());
  }
  update();
  if (state.sel) selectPath(Number(state.sel));
  return () => cy.destroy();
}

/** A graph box tall enough for its tallest column, within the window. */
export function graphHeight(rows) {
  return `height:${Math.round(Math.min(Math.max(260, 90 + rows * 60), window.innerHeight - 200))}px;min-height:0`;
}

function clampInt(v, lo, hi, dflt) {
  const n = parseInt(v, 10);
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, n)) : dflt;
}

function hashOf(p) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  return `#/paths?${q.toString()}`;
}
