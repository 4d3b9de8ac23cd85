// View 3: attack paths from a start to an end (tactic or technique, by name or id), drawn left to
// right by position on the path (step 1, step 2, ...), so every hop points right, with the
// evidence on each hop. Ticking mitigations shows which paths they break, under ATLAS's literal
// links or the prevent-only rule of threat models (the switch is in the URL); what covers what
// comes from the server (chainMitigations), never from a rule re-implemented here.
import { gql, base, cached } from '../api.js';
import { h, add, setChildren, table, errorBox, legend } from '../dom.js';
import { record, list } from '../router.js';
import { drawGraph, spotlight, label, keyboardWalk } from '../graph.js';

const Q = `query Paths($from: ID!, $to: ID!, $hops: Int, $limit: Int, $min: Int, $po: Boolean, $r: String) {
  attackPaths(from: $from, to: $to, maxHops: $hops, limit: $limit, minSupport: $min, preventOnly: $po, release: $r) {
    release truncated unbreakable
    paths { id support totalSupport techniques { id name } hops { from { id } to { id } count caseStudies } }
    mitigationSet { cost optimal mitigations { id name } members { mitigation { id } effect } }
  }
}`;

// The release's techniques as one linear chain: the server answers, under the rule asked for,
// which mitigations cover which technique (hits) and what each does (effect); asked once per
// release and rule, alongside the paths. A path, being linear, is broken exactly when a ticked
// mitigation covers one of its techniques.
const COVER = `query Cover($t: [ID!]!, $po: Boolean, $r: String) {
  chainMitigations(techniques: $t, preventOnly: $po, release: $r) {
    mitigations { mitigation { id name } effect hits { technique { id } } }
    partial { mitigation { id name } effect hits { technique { id } } }
  }
}`;

const NEIGHBOURS = `query Neighbours($id: ID!, $r: String) {
  technique(id: $id, release: $r) {
    id
    followedBy { technique { id name } count caseStudies { id } }
    precededBy { technique { id name } count caseStudies { id } }
  }
}`;

// Drawing sizes, in graph units; the graph is drawn at zoom 1 by default, so 12 px labels stay 12 px.
const DX = 215; // column spacing: node width 150 plus room for hops and their labels
const DY = 62; // row spacing: node height 52
const TOPN = 15; // techniques shown per step before the rest fold into "+n more"
const ZOOMS = [0.6, 0.75, 0.92, 1, 1.15, 1.3, 1.5];

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
    po: p.get('po') === '1', all: p.get('all') === '1', z: ZOOMS.includes(Number(p.get('z'))) ? Number(p.get('z')) : 1,
    x: new Set(list(p, 'x')), mit: new Set(list(p, 'mit')), sel: p.get('sel') || '', node: p.get('node') || '',
  };
  const query = () => ({ release: ctx.release, from: state.from, to: state.to, hops: state.hops === 5 ? '' : state.hops, limit: state.limit === 50 ? '' : state.limit, min: state.min === 1 ? '' : state.min, po: state.po ? 1 : '' });
  const urlParams = () => ({ ...query(), all: state.all ? 1 : '', z: state.z === 1 ? '' : state.z, x: [...state.x].sort(), mit: [...state.mit].sort(), sel: state.sel, node: state.node });
  const techName = (id) => b.techById.get(id)?.name || id;
  const relQ = ctx.release ? '?release=' + encodeURIComponent(ctx.release) : '';

  const options = h('datalist', { id: 'refs' },
    b.tactics.map((t) => h('option', { value: `${t.id} — ${t.name}` }, 'tactic')),
    [...b.techniques].sort((x, y) => x.id.localeCompare(y.id)).map((t) => h('option', { value: `${t.id} — ${t.name}` }, 'technique')));
  const show = (id) => (b.tacticById.get(id) || b.techById.get(id) ? `${id} — ${(b.tacticById.get(id) || b.techById.get(id)).name}` : id);
  const fromIn = h('input', { id: 'from', list: 'refs', value: show(state.from), placeholder: 'e.g. Reconnaissance or AML.TA0002', required: true, autocomplete: 'off' });
  const toIn = h('input', { id: 'to', list: 'refs', value: show(state.to), placeholder: 'e.g. Impact or AML.T0048', required: true, autocomplete: 'off' });
  const hopsIn = h('input', { id: 'hops', type: 'number', min: 1, max: 8, value: state.hops });
  const limitIn = h('input', { id: 'limit', type: 'number', min: 1, max: 500, value: state.limit });
  const minIn = h('input', { id: 'min', type: 'number', min: 1, value: state.min });
  const poIn = h('input', { id: 'prevent-only', type: 'checkbox', checked: state.po, 'aria-describedby': 'po-help' });
  const formMsg = h('div', { id: 'form-msg' });
  const form = h('form', { class: 'toolbar form', id: 'paths-form' },
    h('h1', {}, 'Attack paths'),
    h('span', { class: 'field' }, h('label', { for: 'from' }, 'From'), fromIn), h('span', { class: 'field' }, h('label', { for: 'to' }, 'To'), toIn),
    h('span', { class: 'field' }, h('label', { for: 'hops' }, 'Max hops'), hopsIn), h('span', { class: 'field' }, h('label', { for: 'limit' }, 'Paths'), limitIn),
    h('span', { class: 'field' }, h('label', { for: 'min' }, 'Min. support'), minIn),
    h('span', { class: 'po-switch' }, poIn, h('label', { for: 'prevent-only' }, 'Prevent only')),
    h('button', { type: 'submit', class: 'primary' }, 'Find paths'), options,
    h('p', { id: 'po-help', class: 'small muted po-help' }, state.po
      ? 'Prevent only: a mitigation breaks a step only through a prevent link, at a step on your side (the threat-model rule); detect, respond, training and limits on what is published never break.'
      : 'ATLAS\'s links as stated: every mitigation linked to a technique breaks it, whatever it does. Tick "Prevent only" for the threat-model rule.'));
  const go = (over = {}) => {
    location.hash = hashOf({ ...query(), ...over });
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      const f = resolveRef(fromIn.value, b);
      const t = resolveRef(toIn.value, b);
      if (!f || !t) throw new Error('Give both a start and an end.');
      location.hash = hashOf({ release: ctx.release, from: f.id, to: t.id, hops: hopsIn.value, limit: limitIn.value, min: minIn.value, po: poIn.checked ? 1 : '' });
    } catch (err) {
      setChildren(formMsg, errorBox('', err));
    }
  });
  // The switch applies at once when paths are shown; the ticked mitigations stay ticked.
  poIn.addEventListener('change', () => {
    if (!state.from || !state.to) return;
    state.po = poIn.checked;
    location.hash = hashOf(urlParams());
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

  const r = ctx.release || null;
  const allTechs = b.techniques.map((t) => t.id);
  const coverUnder = (po) => cached(`cover:${ctx.release || ''}:${po}`, COVER, { t: allTechs, po, r }).then((d) => coverOf(d.chainMitigations));
  // The cover relation under the rule asked for and, under prevent-only, the literal one too, to
  // name the mitigations that touch these paths but do not break them under the rule.
  const [res, cover, literal, neighbours] = await Promise.all([
    gql(Q, { from: state.from, to: state.to, hops: state.hops, limit: state.limit, min: state.min, po: state.po, r }).then((d) => d.attackPaths),
    coverUnder(state.po),
    state.po ? coverUnder(false) : null,
    Promise.all([...state.x].map((key) => gql(NEIGHBOURS, { id: key.split('@')[0], r }).then((d) => [key, d.technique]).catch(() => [key, null]))),
  ]);
  const paths = res.paths.map((x, i) => ({ ...x, rank: i + 1, ids: x.techniques.map((t) => t.id) }));
  if (!paths.length) {
    add(root, h('p', { class: 'card muted', id: 'no-paths' }, `No path of at most ${state.hops} hops with support ≥ ${state.min} leads from ${show(state.from)} to ${show(state.to)}.`));
    return;
  }
  const unbreakable = new Set(res.unbreakable);
  const minimal = res.mitigationSet.mitigations;
  const effectOf = (m) => cover.get(m)?.effect || literal?.get(m)?.effect || res.mitigationSet.members.find((x) => x.mitigation.id === m)?.effect || '';
  const coversTech = (id) => [...state.mit].some((m) => cover.get(m)?.techs.has(id));
  const isBroken = (path) => path.ids.some(coversTech);

  // Mitigations that cover a technique on some path, with the number of paths each breaks alone.
  const breaksAlone = new Map();
  for (const [m, c] of cover) {
    const n = paths.filter((path) => path.ids.some((id) => c.techs.has(id))).length;
    if (n) breaksAlone.set(m, n);
  }
  const relevant = [...breaksAlone.keys()].sort((x, y) => breaksAlone.get(y) - breaksAlone.get(x) || x.localeCompare(y));
  const onPaths = new Set(paths.flatMap((x) => x.ids));
  const notCounted = literal ? [...literal].filter(([m, c]) => !breaksAlone.has(m) && [...c.techs].some((id) => onPaths.has(id))).map(([m]) => m).sort() : [];

  // The graph model: one node per technique per step (a technique at step 2 on one path and step 3
  // on another is drawn twice), so every hop goes from one step's column to the next.
  const t0 = performance.now();
  const model = buildModel(paths, neighbours, state.all, techName);
  const modelMs = performance.now() - t0;
  const summary = h('p', { id: 'paths-summary', class: 'summary', 'aria-live': 'polite' });
  const info = h('div', { id: 'graph-info', class: 'info small', 'aria-live': 'polite' }, h('span', { class: 'muted' }, 'Select a path in the table, or a node or hop in the graph (Tab to the graph, then the arrow keys and Enter), to see its evidence and what you can do from there.'));
  const graphBox = h('div', { class: 'graph graph-fixed', id: 'paths-graph', 'aria-label': 'Attack-path graph: techniques in columns by step on the path; focus it and use the arrow keys to walk it; the table below lists every path and hop' });
  const scroller = h('div', { class: 'graph-scroll' }, graphBox);
  const zoomBtns = h('div', { class: 'buttons zoom', role: 'group', 'aria-label': 'Zoom' },
    h('button', { type: 'button', id: 'zoom-out', 'aria-label': 'Zoom out', disabled: state.z === ZOOMS[0] }, '−'),
    h('span', { class: 'small muted', id: 'zoom-level' }, `${Math.round(state.z * 100)}%`),
    h('button', { type: 'button', id: 'zoom-in', 'aria-label': 'Zoom in', disabled: state.z === ZOOMS[ZOOMS.length - 1] }, '+'),
    model.hidden ? h('button', { type: 'button', id: 'show-all' }, `Show all ${model.total} techniques`) : null,
    state.all && model.foldable ? h('button', { type: 'button', id: 'show-top' }, `Show the top ${TOPN} per step`) : null);
  const rows = paths.map((path) => h('tr', { tabindex: 0, dataset: { rank: path.rank, path: path.ids.join('->'), nodes: path.ids.map((id, i) => model.display(id, i)).join(',') }, 'aria-selected': 'false' },
    h('td', { class: 'num' }, String(path.rank)),
    h('td', {}, h('ol', { class: 'chain named' }, path.ids.map((id, i) => h('li', {},
      h('a', { href: `#/technique/${encodeURIComponent(id)}${relQ}` }, techName(id)), ' ', h('span', { class: 'id' }, id),
      i < path.hops.length ? h('span', { class: 'hop', title: `case studies: ${path.hops[i].caseStudies.join(', ')}` }, ` →${path.hops[i].count} `) : null)))),
    h('td', { class: 'num' }, String(path.support)),
    h('td', { class: 'num' }, String(path.totalSupport)),
    h('td', { class: 'status' })));
  const pathTable = table(null, ['#', 'Techniques (→n: case studies showing the hop)', 'Weakest hop', 'Total', 'Status'], rows, { id: 'paths-table' });

  const boxes = new Map();
  const effectTag = (m) => { const e = effectOf(m); return e ? h('span', { class: `effect effect-${e}` }, e) : null; };
  const mitList = h('ul', { class: 'mit-list tall', id: 'mit-list' }, relevant.map((m) => {
    const box = h('input', { type: 'checkbox', id: `mit-${m}`, value: m, checked: state.mit.has(m) });
    boxes.set(m, box);
    box.addEventListener('change', () => { if (box.checked) state.mit.add(m); else state.mit.delete(m); update(); });
    const mm = b.mitById.get(m);
    return h('li', { dataset: { mit: m, effect: effectOf(m) } }, h('label', { for: `mit-${m}` }, box, ' ', h('span', { class: 'id' }, m), ' ', mm ? mm.name : cover.get(m).name, ' ', effectTag(m), h('span', { class: 'muted small' }, ` breaks ${breaksAlone.get(m)}`)));
  }));
  const minimalBtn = h('button', { type: 'button', id: 'apply-minimal', class: 'primary' }, `Apply the minimal breaking set (${minimal.length})`);
  minimalBtn.addEventListener('click', () => { state.mit = new Set(minimal.map((m) => m.id)); syncBoxes(); update(); });
  const clearBtn = h('button', { type: 'button', id: 'clear-mit' }, 'Clear');
  clearBtn.addEventListener('click', () => { state.mit.clear(); syncBoxes(); update(); });
  const syncBoxes = () => { for (const [m, box] of boxes) box.checked = state.mit.has(m); };
  const strayTicks = () => [...state.mit].filter((m) => !breaksAlone.has(m));

  const graphLegend = legend('Legend', [
    ['plain', 'node', 'technique, in the column of its step on the path'],
    ['cut', 'node', 'cut: a ticked mitigation breaks it (green, double border, "cut")'],
    ['risk', 'edge', 'hop of an open path (red, solid)'],
    ['outside', 'dashed', 'hop only broken paths take (grey, dashed)'],
    ['outside', 'dashed-node', '"+n more": techniques folded away'],
    ['plain', 'dotted', 'neighbour added by "Expand neighbours" (dotted)'],
  ]);
  add(root,
    h('div', { class: 'graph-pane' }, h('div', { class: 'graph-head' }, summary, zoomBtns), graphLegend, scroller, info),
    h('div', { class: 'below' },
      h('section', { class: 'card mit-card' }, h('h2', {}, 'Mitigations'),
        h('p', { class: 'small muted' }, `Minimal set breaking every breakable path${state.po ? ' (prevent only)' : ''}: ${minimal.map((m) => m.id).join(', ') || 'none needed'}${res.mitigationSet.optimal ? '' : ' (best found)'}. Each mitigation says what it does: prevent, detect, respond or unclassified.`),
        h('div', { class: 'buttons' }, minimalBtn, clearBtn), mitList,
        notCounted.length ? h('p', { class: 'small muted', id: 'not-counted' }, `Linked to these techniques but breaking nothing under prevent only: `,
          notCounted.map((m, i) => [i ? ', ' : '', h('span', { class: 'id' }, m), ' ', b.mitById.get(m)?.name || '', ' (', effectTag(m), ')'])) : null,
        h('p', { class: 'small', id: 'stray-ticks' })),
      h('section', { class: 'card table-card' }, h('h2', {}, `Paths (${paths.length}${res.truncated ? ', search stopped early' : ''})`), pathTable)));

  let cy = null;
  let walker = null;
  const impact = b.tactics.find((t) => t.name.toLowerCase() === 'impact') || b.tactics[b.tactics.length - 1];
  draw();
  ctx.status.metrics.paths = paths.length;
  ctx.status.metrics.modelMs = modelMs;
  ctx.status.metrics.preventOnly = state.po;

  function draw() {
    if (cy) cy.destroy();
    cy = drawGraph(graphBox, model.elements(), { status: ctx.status, onTap: (el) => select(el), scale: state.z, grab: true });
    walker = keyboardWalk(cy, graphBox, { onPick: (n) => select(n), announce: (text) => { info.textContent = text; }, describe: (n) => `${n.data('title')}. Enter shows what you can do from here.` });
    update(false);
  }

  zoomBtns.addEventListener('click', (e) => {
    const id = e.target.id;
    if (id === 'show-all' || id === 'show-top') { state.all = id === 'show-all'; location.hash = hashOf(urlParams()); return; }
    if (id !== 'zoom-in' && id !== 'zoom-out') return;
    const i = ZOOMS.indexOf(state.z) + (id === 'zoom-in' ? 1 : -1);
    if (i < 0 || i >= ZOOMS.length) return;
    state.z = ZOOMS[i];
    zoomBtns.querySelector('#zoom-level').textContent = `${Math.round(state.z * 100)}%`;
    zoomBtns.querySelector('#zoom-out').disabled = i === 0;
    zoomBtns.querySelector('#zoom-in').disabled = i === ZOOMS.length - 1;
    draw();
    record('paths', '', urlParams());
  });

  function nodeActions(n) {
    const tech = n.data('tech');
    const key = n.id();
    if (n.hasClass('more')) {
      return h('div', { class: 'buttons node-actions' }, h('button', { type: 'button', id: 'node-show-all', class: 'primary', onclick: () => { state.all = true; location.hash = hashOf(urlParams()); } }, `Show all ${model.total} techniques`));
    }
    const expanded = state.x.has(key);
    const expand = h('button', { type: 'button', id: 'node-expand' }, expanded ? 'Hide its neighbours' : 'Expand neighbours');
    expand.addEventListener('click', () => {
      if (expanded) state.x.delete(key); else state.x.add(key);
      state.node = key;
      location.hash = hashOf(urlParams());
    });
    const fromHere = h('button', { type: 'button', id: 'node-paths-from', class: 'primary' }, `Paths to ${impact.name} from here`);
    fromHere.addEventListener('click', () => go({ from: tech, to: impact.id, sel: '' }));
    const toEnd = state.to !== impact.id && tech !== state.from
      ? h('button', { type: 'button', id: 'node-paths-to-end' }, `Paths from here to ${b.tacticById.get(state.to)?.name || state.to}`) : null;
    if (toEnd) toEnd.addEventListener('click', () => go({ from: tech, sel: '' }));
    return h('div', { class: 'buttons node-actions' }, fromHere, toEnd, expand, h('a', { href: `#/technique/${encodeURIComponent(tech)}${relQ}`, class: 'button-link' }, 'Open the technique'));
  }

  function select(el) {
    if (!el) { state.sel = ''; state.node = ''; spotlight(cy, null); markRows(); info.textContent = 'Select a path in the table, or a node or hop in the graph, to see its evidence.'; record('paths', '', urlParams()); return; }
    if (el.isEdge()) {
      spotlight(cy, el.union(el.connectedNodes()));
      const hops = el.data('hops');
      setChildren(info, hops.map((hop, i) => [i ? h('br') : null, h('strong', {}, `${techName(hop.from)} (${hop.from}) → ${techName(hop.to)} (${hop.to})`),
        `: shown by ${hop.cs.length} case stud${hop.cs.length === 1 ? 'y' : 'ies'}: `, hop.cs.map((c, j) => [j ? ', ' : '', h('a', { href: `#/case-study/${c}${relQ}` }, c)])]));
      return;
    }
    walker.set(el);
    state.node = el.id();
    spotlight(cy, el.closedNeighborhood());
    if (el.hasClass('more')) {
      setChildren(info, h('strong', {}, el.data('title')), ': ', el.data('folded').map((id, i) => [i ? ', ' : '', `${techName(id)} (${id})`]), nodeActions(el));
    } else {
      const tech = el.data('tech');
      const ms = [...cover].filter(([, c]) => c.techs.has(tech)).map(([m, c]) => ({ m, c }));
      setChildren(info, h('a', { href: `#/technique/${encodeURIComponent(tech)}${relQ}` }, h('strong', {}, `${techName(tech)} (${tech})`)), ` · step ${el.data('step')}`, el.data('paths') ? ` of ${el.data('paths')} path${el.data('paths') === 1 ? '' : 's'}` : ' · not on a listed path',
        ms.length ? [` · broken${state.po ? ' (prevent only)' : ''} by `, ms.map(({ m, c }, i) => [i ? ', ' : '', `${m} ${c.name} (${c.effect})`])] : ` · nothing breaks it${state.po ? ' under prevent only' : ''}`,
        nodeActions(el));
    }
    record('paths', '', urlParams());
  }
  function selectPath(rank) {
    state.sel = String(rank);
    const path = paths[rank - 1];
    if (!path) return;
    const coll = cy.collection();
    const ns = rows[rank - 1].dataset.nodes.split(',');
    ns.forEach((id, i) => { coll.merge(cy.getElementById(id)); if (i) coll.merge(cy.getElementById(`${ns[i - 1]}->${id}`)); });
    spotlight(cy, coll);
    markRows();
    setChildren(info, h('strong', {}, `Path ${rank}`), ': ', path.hops.map((hop, i) => [i ? '; ' : '', `${techName(hop.from.id)} → ${techName(hop.to.id)} (${hop.count}: ${hop.caseStudies.join(', ')})`]));
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

  function update(save = true) {
    let broken = 0;
    const openEdges = new Set();
    const usedEdges = new Set();
    for (const path of paths) {
      const br = isBroken(path);
      if (br) broken++;
      const tr = rows[path.rank - 1];
      tr.classList.toggle('broken', br);
      const status = tr.querySelector('.status');
      status.textContent = br ? 'broken' : unbreakable.has(path.id) ? 'unbreakable' : 'open';
      status.className = `status ${br ? 'is-broken' : unbreakable.has(path.id) ? 'is-unbreakable' : 'is-open'}`;
      const ns = tr.dataset.nodes.split(',');
      for (let i = 1; i < ns.length; i++) {
        const k = `${ns[i - 1]}->${ns[i]}`;
        usedEdges.add(k);
        if (!br) openEdges.add(k);
      }
    }
    const any = state.mit.size > 0;
    cy.batch(() => {
      cy.nodes().not('.column').not('.more').forEach((n) => {
        const cut = any && coversTech(n.data('tech'));
        n.toggleClass('cut', cut);
        n.data('label', cut ? `${n.data('base')} · cut` : n.data('base'));
      });
      cy.edges().forEach((e) => {
        e.toggleClass('open', any && openEdges.has(e.id()));
        e.toggleClass('broken', any && usedEdges.has(e.id()) && !openEdges.has(e.id()));
      });
    });
    const stray = strayTicks();
    setChildren(root.querySelector('#stray-ticks'), stray.length ? [h('span', { class: 'warn' }, 'Ticked but breaking none of these paths' + (state.po ? ' under prevent only' : '') + ': '), stray.join(', '), '.'] : '');
    summary.replaceChildren(
      h('strong', {}, `${paths.length} path${paths.length === 1 ? '' : 's'}`), ` from ${show(state.from)} to ${show(state.to)}${state.po ? ', prevent only' : ''}. `,
      any ? h('span', { class: broken === paths.length ? 'good' : 'bad', id: 'broken-count' }, `${state.mit.size} mitigation${state.mit.size === 1 ? '' : 's'} on: ${broken} of ${paths.length} broken.`) : 'No mitigation ticked.',
      unbreakable.size ? h('span', { class: 'bad' }, ` ${unbreakable.size} cannot be broken by any mitigation${state.po ? ' under prevent only' : ''}.`) : '');
    ctx.status.metrics.broken = broken;
    if (save) record('paths', '', urlParams());
  }
  if (state.sel) selectPath(Number(state.sel));
  else if (state.node && cy.getElementById(state.node).nonempty()) select(cy.getElementById(state.node));
  return () => cy.destroy();
}

function coverOf(an) {
  const out = new Map();
  for (const x of [...an.mitigations, ...an.partial]) {
    const c = out.get(x.mitigation.id) || { name: x.mitigation.name, effect: x.effect, techs: new Set() };
    for (const hit of x.hits) c.techs.add(hit.technique.id);
    out.set(x.mitigation.id, c);
  }
  return out;
}

/**
 * The graph of the paths: a node per technique per step, ordered within each step to cross few
 * hops (barycentre sweeps), at most TOPN per step unless all are asked for (the rest fold into a
 * "+n more" node), and the neighbours added by "Expand neighbours".
 */
function buildModel(paths, neighbours, all, techName) {
  const nodes = new Map(); // key -> {key, tech, col, weight, first, extra}
  const edges = new Map(); // "a->b" (node keys) -> {source, target, hops: [{from, to, cs}], extra}
  let seq = 0;
  const node = (tech, col, extra) => {
    const key = `${tech}@${col}`;
    if (!nodes.has(key)) nodes.set(key, { key, tech, col, weight: 0, first: seq++, extra });
    return nodes.get(key);
  };
  for (const path of paths) {
    path.ids.forEach((id, i) => { const n = node(id, i, false); n.weight++; n.extra = false; });
  }
  const hopAdd = (a, b, hop, extra) => {
    const k = `${a}->${b}`;
    if (!edges.has(k)) edges.set(k, { source: a, target: b, hops: [], extra });
    const e = edges.get(k);
    if (!extra) e.extra = false;
    if (!e.hops.some((x) => x.from === hop.from && x.to === hop.to)) e.hops.push(hop);
  };
  const extraHops = []; // [tech, col, tech, col, hop], drawn once folding is known
  for (const [key, t] of neighbours) {
    if (!t || !nodes.has(key)) continue;
    const { col } = nodes.get(key);
    for (const f of t.followedBy) { node(f.technique.id, col + 1, true); extraHops.push([t.id, col, f.technique.id, col + 1, { from: t.id, to: f.technique.id, cs: f.caseStudies.map((c) => c.id) }]); }
    for (const f of t.precededBy) { node(f.technique.id, col - 1, true); extraHops.push([f.technique.id, col - 1, t.id, col, { from: f.technique.id, to: t.id, cs: f.caseStudies.map((c) => c.id) }]); }
  }
  // Fold the least-used techniques of a crowded step into "+n more".
  const byCol = new Map();
  for (const n of nodes.values()) { if (!byCol.has(n.col)) byCol.set(n.col, []); byCol.get(n.col).push(n); }
  const shown = new Map(); // key -> display key
  const folded = new Map(); // col -> [tech]
  let hidden = 0;
  let foldable = false;
  for (const [col, ns] of byCol) {
    const onPath = ns.filter((n) => !n.extra).sort((a, b) => b.weight - a.weight || a.first - b.first);
    if (onPath.length > TOPN) foldable = true;
    const keep = all || onPath.length <= TOPN ? onPath : onPath.slice(0, TOPN - 1);
    for (const n of ns) shown.set(n.key, n.key);
    for (const n of onPath.slice(keep.length)) { shown.set(n.key, `more@${col}`); if (!folded.has(col)) folded.set(col, []); folded.get(col).push(n.tech); hidden++; }
  }
  const display = (tech, col) => shown.get(`${tech}@${col}`) || `${tech}@${col}`;
  for (const path of paths) {
    for (let i = 1; i < path.ids.length; i++) {
      const hop = path.hops[i - 1];
      hopAdd(display(path.ids[i - 1], i - 1), display(path.ids[i], i), { from: hop.from.id, to: hop.to.id, cs: hop.caseStudies }, false);
    }
  }
  for (const [a, ca, z, cz, hop] of extraHops) hopAdd(display(a, ca), display(z, cz), hop, true);
  // Display nodes per column, then barycentre ordering.
  const cols = new Map();
  for (const n of nodes.values()) {
    const d = shown.get(n.key);
    if (d !== n.key) continue;
    if (!cols.has(n.col)) cols.set(n.col, []);
    cols.get(n.col).push(n.key);
  }
  for (const [col, techs] of folded) cols.get(col) ? cols.get(col).push(`more@${col}`) : cols.set(col, [`more@${col}`]);
  const first = (k) => nodes.get(k)?.first ?? 1e9;
  for (const ks of cols.values()) ks.sort((a, b) => first(a) - first(b));
  const colKeys = [...cols.keys()].sort((a, b) => a - b);
  const preds = new Map();
  const succs = new Map();
  for (const e of edges.values()) {
    if (!e.hops.length) continue;
    (preds.get(e.target) || preds.set(e.target, []).get(e.target)).push(e.source);
    (succs.get(e.source) || succs.set(e.source, []).get(e.source)).push(e.target);
  }
  const sweep = (order, nb) => {
    for (const col of order) {
      const ks = cols.get(col);
      const idx = new Map();
      for (const c of [col - 1, col + 1]) (cols.get(c) || []).forEach((k, i) => idx.set(k, i / Math.max(1, (cols.get(c) || []).length - 1)));
      const bary = new Map(ks.map((k, i) => {
        const ps = (nb.get(k) || []).filter((x) => idx.has(x));
        return [k, ps.length ? ps.reduce((s, x) => s + idx.get(x), 0) / ps.length : i / Math.max(1, ks.length - 1)];
      }));
      ks.sort((a, b) => (a.startsWith('more@') - b.startsWith('more@')) || bary.get(a) - bary.get(b));
    }
  };
  for (let i = 0; i < 4; i++) { sweep(colKeys.slice(1), preds); sweep(colKeys.slice(0, -1).reverse(), succs); }
  const minCol = colKeys[0];
  const tallest = Math.max(...[...cols.values()].map((ks) => ks.length));
  const total = [...nodes.values()].filter((n) => !n.extra).length;
  return {
    hidden, total, foldable, display,
    elements() {
      const els = [];
      for (const col of colKeys) {
        const ks = cols.get(col);
        const off = ((tallest - ks.length) * DY) / 2;
        const x = (col - minCol) * DX;
        els.push({ group: 'nodes', classes: 'column', selectable: false, data: { id: `col:${col}`, label: col < 0 ? 'Before' : `Step ${col + 1}`, title: '' }, position: { x, y: -44 } });
        ks.forEach((k, row) => {
          const y = off + row * DY;
          if (k.startsWith('more@')) {
            const f = folded.get(col);
            els.push({ group: 'nodes', classes: 'more', data: { id: k, label: `+${f.length} more`, base: `+${f.length} more`, title: `${f.length} more techniques at step ${col + 1}`, folded: f, step: col + 1 }, position: { x, y } });
            return;
          }
          const n = nodes.get(k);
          const name = techName(n.tech);
          const lbl = label(n.tech, name);
          els.push({ group: 'nodes', classes: n.extra ? 'pnode extra' : 'pnode', data: { id: k, tech: n.tech, label: lbl, base: lbl, title: `${name} (${n.tech}), step ${col + 1}${n.extra ? ', a neighbour not on a listed path' : `, on ${n.weight} path${n.weight === 1 ? '' : 's'}`}`, step: col + 1, paths: n.extra ? 0 : n.weight }, position: { x, y } });
        });
      }
      for (const [k, e] of edges) {
        if (!e.hops.length) continue;
        const cs = new Set(e.hops.flatMap((x) => x.cs));
        els.push({ group: 'edges', classes: e.extra ? 'lr extra' : 'lr', data: { id: k, source: e.source, target: e.target, label: e.hops.length === 1 ? String(cs.size) : '', hops: e.hops } });
      }
      return els;
    },
  };
}

function clampInt(v, lo, hi, dflt) {
  const n = parseInt(v, 10);
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, n)) : dflt;
}

function hashOf(p) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) {
    const s = Array.isArray(v) ? v.join(',') : v;
    if (s !== undefined && s !== null && s !== '') q.set(k, s);
  }
  return `#/paths?${q.toString()}`;
}

/** A graph box tall enough for its tallest column, within the window. */
export function graphHeight(rows) {
  return `height:${Math.round(Math.min(Math.max(260, 90 + rows * 60), window.innerHeight - 200))}px;min-height:0`;
}
