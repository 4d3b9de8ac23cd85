// View 4: a case study's steps as a chain (branches included) and the mitigations that break it,
// with where each one breaks it and what each does (prevent, detect, respond); the prevent-only
// switch (in the URL) asks the server for the threat-model rule instead of ATLAS's literal links.
import { gql } from '../api.js';
import { h, add, setChildren, table, markdown, firstSentence, legend } from '../dom.js';
import { record, hashFor } from '../router.js';
import { drawGraph, spotlight, keyboardWalk, routeThrough } from '../graph.js';

const LIST = `query CaseStudies($r: String) {
  caseStudies(release: $r) { id name type date actors { name } steps { stepId } }
}`;

const Q = `query CaseStudy($id: ID!, $po: Boolean, $r: String) {
  caseStudy(id: $id, release: $r) {
    id name description type actorText target reporter date
    actors { id name }
    steps { stepId position description technique { id name } tactic { id name } leadsTo { stepId } }
  }
  chainMitigations(caseStudy: $id, preventOnly: $po, release: $r) {
    breakable
    mitigations { mitigation { id name } effect hits { stepId } earliestBreak { stepId } }
    partial { mitigation { id name } effect hits { stepId } }
    uncoveredSteps { stepId }
    openRoute { stepId }
  }
}`;

export async function render(root, route, ctx) {
  const rel = ctx.release ? `?release=${encodeURIComponent(ctx.release)}` : '';
  if (!route.arg) return renderList(root, ctx, rel);
  const po = route.params.get('po') === '1';
  const data = await gql(Q, { id: route.arg, po, r: ctx.release || null });
  const cs = data.caseStudy;
  if (!cs) throw new Error(`There is no case study ${route.arg} in this release.`);
  const an = data.chainMitigations;
  const steps = [...cs.steps].sort((a, b) => a.position - b.position);
  const byId = new Map(steps.map((s) => [s.stepId, s]));
  const explicit = steps.some((s) => s.leadsTo.length);
  const next = (s) => (explicit ? s.leadsTo.map((x) => x.stepId) : (steps[s.position + 1] ? [steps[s.position + 1].stepId] : []));

  // Layers: a step sits one column right of the furthest step leading to it (branches stack).
  const layer = new Map(steps.map((s) => [s.stepId, 0]));
  for (let pass = 0; pass < steps.length; pass++) {
    let changed = false;
    for (const s of steps) for (const n of next(s)) {
      if (byId.has(n) && byId.get(n).position > s.position && layer.get(n) < layer.get(s.stepId) + 1) { layer.set(n, layer.get(s.stepId) + 1); changed = true; }
    }
    if (!changed) break;
  }
  // Long chains wrap into bands as wide as the page, so the graph is drawn at full size (12 px
  // labels) without scrolling sideways; a band holds perRow layers, branches stacked in a layer.
  const rowsInLayer = new Map();
  const rowOf = new Map();
  for (const s of steps) {
    const L = layer.get(s.stepId);
    const r = rowsInLayer.get(L) || 0;
    rowsInLayer.set(L, r + 1);
    rowOf.set(s.stepId, r);
  }
  const CW = 200;
  const RH = 76;
  const perRow = Math.max(2, Math.floor((Math.max(root.clientWidth, 360) - 70) / CW));
  const bands = Math.ceil((Math.max(...layer.values()) + 1) / perRow);
  const bandTop = [0];
  for (let k = 0; k < bands; k++) {
    let tall = 1;
    for (const [L, n] of rowsInLayer) if (Math.floor(L / perRow) === k) tall = Math.max(tall, n);
    bandTop.push(bandTop[k] + tall * RH + 36);
  }
  const els = [];
  for (const s of steps) {
    const L = layer.get(s.stepId);
    const base = `${s.stepId} · ${s.tactic.name}\n${trim(s.technique.name)}`;
    els.push({ group: 'nodes', classes: 'step', data: { id: s.stepId, label: base, base, title: `Step ${s.stepId}, ${s.tactic.name}: ${s.technique.name} (${s.technique.id})` }, position: { x: (L % perRow) * CW, y: bandTop[Math.floor(L / perRow)] + rowOf.get(s.stepId) * RH } });
  }
  // Links leave a step's right side and enter the next one's left side. A link to the next
  // column of its band is straight (it stays in the gap between two columns); one into a later
  // band, or one skipping columns (branches of different lengths joining), runs down the gap
  // after its step's column, along the gap under the band and up (or down) the gap before its
  // target's column, so no link passes behind a step.
  const bandOf = (id) => Math.floor(layer.get(id) / perRow);
  const posOf = new Map(els.map((e) => [e.data.id, e.position]));
  for (const s of steps) for (const n of next(s)) {
    if (!byId.has(n)) continue;
    const k = bandOf(s.stepId);
    const routed = bandOf(n) > k || layer.get(n) - layer.get(s.stepId) > 1;
    const S = posOf.get(s.stepId);
    const T = posOf.get(n);
    const gapY = bandTop[k + 1] - 31 - 25; // in the middle of the gap under band k
    const bends = [{ x: S.x + CW / 2, y: S.y }, { x: S.x + CW / 2, y: gapY }, { x: T.x - CW / 2, y: gapY }, { x: T.x - CW / 2, y: T.y }];
    const route = routed ? { ...routeThrough(S, T, bends), 'source-endpoint': '50% 0%', 'target-endpoint': '-50% 0%' } : null;
    els.push({ group: 'edges', classes: routed ? 'wrap' : 'lr', data: { id: `${s.stepId}->${n}`, source: s.stepId, target: n, label: '', route } });
  }

  const uncovered = new Set(an.uncoveredSteps.map((x) => x.stepId));
  const coveredBy = new Map();
  for (const m of [...an.mitigations, ...an.partial]) for (const x of m.hits) {
    if (!coveredBy.has(x.stepId)) coveredBy.set(x.stepId, []);
    coveredBy.get(x.stepId).push(m);
  }
  let selected = route.params.get('m') || '';

  const info = h('div', { id: 'cs-info', class: 'info small' });
  const graphBox = h('div', { class: 'graph graph-fixed', id: 'chain-graph', 'aria-label': `The steps of ${cs.id} as a chain; focus it and use the arrow keys to walk it, Enter to read a step; the table below lists them` });
  const poIn = h('input', { type: 'checkbox', id: 'prevent-only', checked: po, 'aria-describedby': 'po-help' });
  poIn.addEventListener('change', () => { location.hash = hashFor('case-study', cs.id, { release: ctx.release, po: poIn.checked ? 1 : '', m: selected }); });
  const poBox = h('div', { class: 'toolbar po-bar' }, h('span', { class: 'po-switch' }, poIn, h('label', { for: 'prevent-only' }, 'Prevent only')),
    h('span', { id: 'po-help', class: 'small muted' }, po
      ? 'The threat-model rule: a mitigation breaks a step only through a prevent link, at a step on the defender\'s side; detect, respond, training and limits on what is published never break.'
      : 'ATLAS\'s links as stated: every mitigation linked to a step\'s technique covers it, whatever it does.'));
  const effectTag = (e) => (e ? h('span', { class: `effect effect-${e}` }, e) : null);
  const graphLegend = legend('Legend', [
    ['plain', 'node', 'step (id, tactic, technique)'],
    ['cut', 'node', 'the step where the picked mitigation breaks the chain (green, double border, "breaks here")'],
    ['cut', 'solid-node', 'another step it covers ("covered")'],
    ['plain', 'dashed-node', 'a step no mitigation covers (dashed, "uncovered")'],
  ]);
  const stepRows = steps.map((s) => h('tr', { dataset: { step: s.stepId }, tabindex: 0 },
    h('td', {}, s.stepId), h('td', {}, s.tactic.name),
    h('td', {}, h('a', { href: `#/technique/${encodeURIComponent(s.technique.id)}${rel}` }, `${s.technique.id} ${s.technique.name}`)),
    h('td', { class: 'desc' }, firstSentence(s.description, 140)),
    h('td', {}, next(s).join(', ') || '—'),
    h('td', {}, uncovered.has(s.stepId) ? h('span', { class: 'bad' }, 'none') : (coveredBy.get(s.stepId) || []).map((m, i) => [i ? ', ' : '', m.mitigation.id, ' ', h('span', { class: `effect effect-${m.effect}` }, m.effect)]))));
  const stepsTable = table(null, ['Step', 'Tactic', 'Technique', 'What happened', 'Leads to', 'Covered by'], stepRows, { id: 'steps-table' });

  const mitButton = (m, kind) => {
    const btn = h('button', { type: 'button', class: `mit-btn ${kind}`, 'aria-pressed': String(selected === m.mitigation.id), dataset: { mit: m.mitigation.id } },
      h('span', { class: 'id' }, m.mitigation.id), ' ', m.mitigation.name,
      ' ', effectTag(m.effect),
      h('span', { class: 'muted small' }, kind === 'breaks' ? ` breaks at ${m.earliestBreak ? m.earliestBreak.stepId : '—'} · covers ${m.hits.map((x) => x.stepId).join(', ')}` : ` covers ${m.hits.map((x) => x.stepId).join(', ')}`));
    btn.addEventListener('click', () => { selected = selected === m.mitigation.id ? '' : m.mitigation.id; apply(); });
    return h('li', {}, btn);
  };

  setChildren(root,
    h('nav', { class: 'crumbs' }, h('a', { href: `#/case-study${rel}` }, 'Case studies'), ' / ', cs.id),
    h('header', { class: 'page-head' }, h('h1', {}, h('span', { class: 'id' }, cs.id), ' ', cs.name),
      h('div', { class: 'chips' }, cs.type ? h('span', { class: 'chip' }, cs.type) : null, cs.date ? h('span', { class: 'chip light' }, cs.date) : null,
        cs.actors.map((a) => h('a', { class: 'chip actor-chip', href: `#/actors?ids=${encodeURIComponent(a.id)}${ctx.release ? '&release=' + encodeURIComponent(ctx.release) : ''}` }, a.name)),
        cs.target ? h('span', { class: 'muted small' }, `Target: ${cs.target}`) : null),
      h('details', { class: 'desc-box' }, h('summary', {}, 'What happened'), markdown(cs.description))),
    poBox,
    h('div', { class: 'graph-pane' },
      h('p', { class: 'summary', id: 'cs-summary' }, `${steps.length} steps${po ? ', prevent only' : ''}. `, an.breakable
        ? h('span', { class: 'good' }, `${an.mitigations.length} mitigation${an.mitigations.length === 1 ? '' : 's'} break the chain on their own.`)
        : h('span', { class: 'bad' }, 'No mitigation set breaks this chain: a route has no covered step' + (an.openRoute.length ? ` (${an.openRoute.map((x) => x.stepId).join(' → ')}).` : '.'))),
      graphLegend, h('div', { class: 'graph-scroll' }, graphBox), info),
    h('div', { class: 'below' },
      h('div', {},
        h('section', { class: 'card' }, h('h2', {}, `Break the chain (${an.mitigations.length})`),
          an.mitigations.length ? h('ul', { class: 'mit-buttons', id: 'breakers' }, an.mitigations.map((m) => mitButton(m, 'breaks'))) : h('p', { class: 'muted' }, 'None on its own.')),
        an.partial.length ? h('section', { class: 'card' }, h('h2', {}, `Cover some steps (${an.partial.length})`), h('ul', { class: 'mit-buttons', id: 'partial' }, an.partial.map((m) => mitButton(m, 'partial')))) : null),
      h('section', { class: 'card table-card' }, h('h2', {}, 'Steps'), stepsTable)));

  const cy = drawGraph(graphBox, els, { status: ctx.status, onTap: (el) => { if (el && el.isNode()) showStep(el.id()); }, scale: 1, grab: true });
  const walker = keyboardWalk(cy, graphBox, { onPick: (n) => { if (n) showStep(n.id()); }, announce: (text) => { info.textContent = text; }, describe: (n) => `${n.data('title')}. Enter reads the step.` });
  cy.batch(() => {
    uncovered.forEach((s) => cy.getElementById(s).addClass('uncovered'));
    cy.edges('.wrap').forEach((e) => e.style(e.data('route')));
  });
  ctx.status.metrics.preventOnly = po;

  function showStep(id) {
    const s = byId.get(id);
    walker.set(cy.getElementById(id));
    spotlight(cy, cy.getElementById(id).closedNeighborhood());
    setChildren(info, h('strong', {}, `${s.stepId} · ${s.tactic.name} · `), h('a', { href: `#/technique/${s.technique.id}${rel}` }, `${s.technique.id} ${s.technique.name}`), markdown(s.description));
  }
  function apply() {
    const all = [...an.mitigations, ...an.partial];
    const m = all.find((x) => x.mitigation.id === selected);
    cy.batch(() => {
      cy.nodes().removeClass('hit cut');
      cy.nodes().forEach((n) => n.data('label', n.data('base') + (uncovered.has(n.id()) ? '\nuncovered' : '')));
      if (m) {
        m.hits.forEach((x) => { const n = cy.getElementById(x.stepId); n.addClass('hit'); n.data('label', `${n.data('base')}\ncovered`); });
        if (m.earliestBreak) { const n = cy.getElementById(m.earliestBreak.stepId); n.addClass('cut'); n.data('label', `${n.data('base')}\nbreaks here`); }
      }
    });
    for (const b of root.querySelectorAll('.mit-btn')) b.setAttribute('aria-pressed', String(b.dataset.mit === selected));
    for (const tr of stepRows) tr.classList.toggle('hit', !!m && m.hits.some((x) => x.stepId === tr.dataset.step));
    if (m) setChildren(info, h('strong', {}, `${m.mitigation.id} ${m.mitigation.name}`), ' ', effectTag(m.effect), m.earliestBreak ? `: covers ${m.hits.map((x) => x.stepId).join(', ')}; the chain is broken at ${m.earliestBreak.stepId} ("breaks here", double border).` : `: covers ${m.hits.map((x) => x.stepId).join(', ')} but leaves a route open.`);
    else info.textContent = 'Pick a mitigation to see the steps it covers ("covered", green) and where it breaks the chain ("breaks here", green double border). Dashed steps are covered by no mitigation.';
    ctx.status.metrics.hits = m ? m.hits.length : 0;
    record('case-study', cs.id, { release: ctx.release, po: po ? 1 : '', m: selected });
  }
  for (const tr of stepRows) {
    tr.addEventListener('click', () => showStep(tr.dataset.step));
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') showStep(tr.dataset.step); });
  }
  apply();
  return () => cy.destroy();
}

async function renderList(root, ctx, rel) {
  const data = await gql(LIST, { r: ctx.release || null });
  const rows = data.caseStudies.map((c) => [
    h('a', { href: `#/case-study/${encodeURIComponent(c.id)}${rel}` }, c.id), c.name, c.type || '', c.date || '', String(c.steps.length), c.actors.map((a) => a.name).join(', ')]);
  const filter = h('input', { type: 'search', placeholder: 'Filter case studies', 'aria-label': 'Filter case studies', id: 'cs-filter' });
  const tbl = table(null, ['Id', 'Name', 'Type', 'Date', 'Steps', 'Actors'], rows, { id: 'cs-table' });
  filter.addEventListener('input', () => {
    const q = filter.value.toLowerCase();
    for (const tr of tbl.tBodies[0].rows) tr.hidden = q && !tr.textContent.toLowerCase().includes(q);
  });
  setChildren(root, h('div', { class: 'toolbar' }, h('h1', {}, `Case studies (${data.caseStudies.length})`), filter), h('section', { class: 'card table-card' }, tbl));
}

function trim(s) { return s.length > 40 ? s.slice(0, 38) + '…' : s; }
