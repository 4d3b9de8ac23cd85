// View 5: threat models. Stored models (#/threat-model/ID) show their components, flows and
// trust boundaries with the report: applicable techniques, incidents that could happen here,
// residual paths, recommended mitigations, exposure per tactic and known actors, and the
// report's downloads. A model file can also be evaluated without storing it; its YAML then
// travels, compressed, in the URL (#/threat-model/draft?y=...).
import { gql } from '../api.js';
import { h, add, setChildren, table, download, errorBox } from '../dom.js';
import { drawGraph, spotlight } from '../graph.js';


const LIST = '{ threatModels { id name description version atlasRelease components { id } flows { id } } }';
const MODEL = `query Model($id: ID!) {
  threatModel(id: $id) {
    id name description version atlasRelease
    components { id kind layer name description properties { name value } }
    flows { id from to trustBoundary data }
    controls { id mitigation status scope note }
    acceptedRisks { technique owner reason expires }
  }
}`;
// The report in parts, one per tab, to stay within the API's cost limit.
const PARTS = {
  summary: 'release asOf summary { applicable mitigated accepted residual incidents incidentsBroken residualPaths uncoveredTechniques } exposure { tactic name techniques applicable mitigated accepted residual }',
  techniques: 'release applicableTechniques { id name tactics status rank priority why side components mitigatedBy detectedBy uncontrolled pending mitigations evidence { rule rationale component } } uncoveredTechniques { id name status maturity }',
  incidents: 'release incidents { caseStudy name match stepsApplicable stepsTotal missing actors techniques broken breaksAt { step technique controls } openRoute accepted } detections { incident step technique controls }',
  paths: 'release pathsTruncated residualPaths { id techniques support caseStudies accepted } unbreakable { id techniques }',
  mitigations: 'release recommendationOptimal recommendedMitigations { id name effect adds { incidentsBroken residualPathsRemoved techniquesCut } techniques incidents paths } controls { id mitigation name status scope techniques breaks } acceptedRisks { technique owner reason expires active applicable }',
  actors: 'release actors { id name source techniques caseStudies }',
};
const TABS = [['system', 'System'], ['techniques', 'Techniques'], ['incidents', 'Incidents'], ['paths', 'Residual paths'], ['mitigations', 'Mitigations'], ['actors', 'Actors']];
const FORMATS = [['markdown', 'md', 'text/markdown'], ['json', 'json', 'application/json'], ['navigator', 'layer.json', 'application/json'], ['sarif', 'sarif', 'application/json'], ['mermaid', 'mmd', 'text/plain']];

export async function render(root, route, ctx) {
  const missing = await apiMissing();
  if (missing) {
    setChildren(root, h('div', { class: 'toolbar' }, h('h1', {}, 'Threat model')),
      h('section', { class: 'card intro', id: 'pending' },
        h('p', {}, missing),
        h('p', { class: 'muted' }, 'The attack-path and case-study views answer the same questions for ATLAS as a whole.')));
    return;
  }
  if (!route.arg) return renderList(root);
  const tab = TABS.some(([k]) => k === route.params.get('tab')) ? route.params.get('tab') : 'system';
  const draft = route.arg === 'draft';
  let model = null;
  let yaml = '';
  if (draft) {
    yaml = await unpack(route.params.get('y') || '');
    if (!yaml) throw new Error('This draft link carries no model; paste a model file on the threat-model page.');
  } else {
    model = (await gql(MODEL, { id: route.arg })).threatModel;
    if (!model) throw new Error(`There is no threat model "${route.arg}"; pick one from the list.`);
  }
  const report = async (part) => {
    const sel = PARTS[part];
    if (draft) return (await gql(`query Draft($y: String!) { evaluateThreatModel(yaml: $y) { ${sel} } }`, { y: yaml })).evaluateThreatModel;
    return (await gql(`query Report($id: ID!) { threatModel(id: $id) { report { ${sel} } } }`, { id: model.id })).threatModel.report;
  };
  const [sum, part] = await Promise.all([report('summary'), tab === 'system' ? null : report(tab)]);
  const s = sum.summary;
  const go = (t) => { location.hash = `#/threat-model/${encodeURIComponent(route.arg)}?${new URLSearchParams({ ...(draft ? { y: route.params.get('y') } : {}), ...(t === 'system' ? {} : { tab: t }) })}`; };

  const stat = (n, label, cls = '') => h('div', { class: `stat ${cls}` }, h('div', { class: 'stat-n' }, String(n)), h('div', { class: 'stat-l' }, label));
  const downloads = draft ? h('span', { class: 'muted small downloads' }, 'To download the report, store the model or run atlasgraph model report.')
    : h('div', { class: 'buttons downloads', id: 'downloads' }, h('span', { class: 'muted small' }, 'Download'), FORMATS.map(([f, ext, type]) => {
      const btn = h('button', { type: 'button', dataset: { format: f } }, f);
      btn.addEventListener('click', async () => {
        try {
          const text = (await gql('query R($id: ID!, $f: String!) { threatModel(id: $id) { rendered(format: $f) } }', { id: model.id, f })).threatModel.rendered;
          ctx.status.metrics.downloaded = { format: f, bytes: text.length };
          download(`${model.id}.${ext}`, text, type);
        } catch (err) {
          add(root, errorBox('The report could not be rendered:', err));
        }
      });
      return btn;
    }));
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Report sections' }, TABS.map(([k, label]) => {
    const b = h('button', { type: 'button', role: 'tab', 'aria-selected': String(k === tab), id: `tab-${k}`, tabindex: k === tab ? 0 : -1 }, label);
    b.addEventListener('click', () => go(k));
    b.addEventListener('keydown', (e) => {
      const i = TABS.findIndex(([x]) => x === k);
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        e.preventDefault();
        const j = (i + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length;
        go(TABS[j][0]);
      }
    });
    return b;
  }));
  const body = h('div', { role: 'tabpanel', id: 'tm-panel', 'aria-labelledby': `tab-${tab}` });
  setChildren(root,
    h('nav', { class: 'crumbs' }, h('a', { href: '#/threat-model' }, 'Threat models'), ' / ', draft ? 'draft' : model.id),
    h('header', { class: 'page-head' },
      h('h1', {}, draft ? 'Draft model (not stored)' : model.name, ' ', h('span', { class: 'id' }, draft ? '' : `${model.id} · v${model.version}`)),
      h('div', { class: 'chips' }, h('span', { class: 'chip light' }, `ATLAS ${sum.release}`), h('span', { class: 'chip light' }, `as of ${sum.asOf}`), model && model.description ? h('span', { class: 'muted small' }, model.description) : null)),
    h('div', { class: 'stats', id: 'tm-summary' },
      stat(s.applicable, 'applicable techniques'), stat(s.mitigated, 'mitigated', 'good'), stat(s.accepted, 'accepted'), stat(s.residual, 'residual', s.residual ? 'bad' : 'good'),
      stat(`${s.incidentsBroken}/${s.incidents}`, 'incidents broken', s.incidentsBroken < s.incidents ? 'bad' : 'good'), stat(s.residualPaths, 'residual paths', s.residualPaths ? 'bad' : 'good'), stat(s.uncoveredTechniques, 'no mitigation exists')),
    h('div', { class: 'tab-row' }, tabs, downloads), body);

  const tl = (id) => h('a', { href: `#/technique/${encodeURIComponent(id)}` }, id);
  const tls = (ids) => ids.map((id, i) => [i ? ', ' : '', tl(id)]);
  const statusChip = (st) => h('span', { class: `status-chip st-${st}` }, st);
  let cleanup = null;
  switch (tab) {
    case 'system': {
      if (draft) {
        add(body, h('p', { class: 'card muted' }, 'The components and flows of a draft are drawn once it is stored; the other tabs show its report.'));
        break;
      }
      cleanup = drawSystem(body, model, ctx);
      add(body, h('section', { class: 'card table-card' }, h('h2', {}, `Exposure per tactic`),
        table(null, ['Tactic', 'Techniques', 'Applicable', 'Mitigated', 'Accepted', 'Residual'], sum.exposure.filter((x) => x.applicable).map((x) => [x.name, String(x.techniques), String(x.applicable), String(x.mitigated), String(x.accepted), h('span', { class: x.residual ? 'bad' : '' }, String(x.residual))]), { id: 'tm-exposure' })));
      break;
    }
    case 'techniques':
      add(body, h('section', { class: 'card table-card' }, h('h2', {}, `Applicable techniques (${part.applicableTechniques.length})`),
        h('p', { class: 'small muted' }, 'Most urgent first. A control counts as in place only where it prevents the step on your side; detection is shown apart.'),
        table(null, ['#', 'Technique', 'Status', 'Priority', 'Components', 'Controls', 'Why'], part.applicableTechniques.map((t) => [
          String(t.rank), [tl(t.id), ' ', t.name, t.side === 'attacker' ? h('span', { class: 'small muted' }, ' (adversary side)') : ''], statusChip(t.status), t.priority, t.components.join(', '),
          [t.mitigatedBy.length ? `in place: ${t.mitigatedBy.join(', ')}` : '', t.detectedBy.length ? ` sees it: ${t.detectedBy.join(', ')}` : '', t.pending.length ? ` pending: ${t.pending.join(', ')}` : '', !t.mitigatedBy.length && !t.pending.length && !t.detectedBy.length ? (t.mitigations.length ? `available: ${t.mitigations.join(', ')}` : h('span', { class: 'bad' }, 'none exists')) : ''],
          h('span', { class: 'small' }, t.why.slice(0, 3).join('; '))]), { id: 'tm-techniques' })),
      h('section', { class: 'card table-card' }, h('h2', {}, `Applicable techniques no mitigation covers (${part.uncoveredTechniques.length})`),
        table(null, ['Technique', 'Maturity', 'Status'], part.uncoveredTechniques.map((t) => [[tl(t.id), ' ', t.name], t.maturity, statusChip(t.status)]), { id: 'tm-uncovered' })));
      break;
    case 'incidents':
    {
      const exact = part.incidents.filter((x) => x.match === 'exact');
      const near = part.incidents.filter((x) => x.match !== 'exact');
      add(body, h('section', { class: 'card table-card' }, h('h2', {}, `Incidents that could happen here (${exact.length})`),
        h('p', { class: 'small muted' }, 'Case studies whose every step applies to this system, and whether the implemented controls stop them.'),
        table(null, ['Case study', 'Actors', 'Chain', 'Broken', 'Where'], exact.map((x) => h('tr', { class: x.broken ? 'ok' : '' },
          h('td', {}, h('a', { href: `#/case-study/${encodeURIComponent(x.caseStudy)}` }, x.caseStudy), ' ', x.name), h('td', {}, x.actors.join(', ')),
          h('td', { class: 'mono small' }, x.techniques.join(' → ')),
          h('td', {}, x.broken ? h('span', { class: 'good' }, 'yes') : h('span', { class: 'bad' }, x.accepted ? 'accepted' : 'no')),
          h('td', { class: 'small' }, x.breaksAt ? `${x.breaksAt.step} (${x.breaksAt.technique}) by ${x.breaksAt.controls.join(', ')}` : x.openRoute.length ? `open: ${x.openRoute.join(' → ')}` : ''))), { id: 'tm-incidents' })),
      near.length ? h('section', { class: 'card table-card' }, h('h2', {}, `Near incidents (${near.length})`),
        h('p', { class: 'small muted' }, 'Case studies of which at least 60% of the steps apply here.'),
        table(null, ['Case study', 'Steps that apply', 'Not here', 'Broken'], near.map((x) => [[h('a', { href: `#/case-study/${encodeURIComponent(x.caseStudy)}` }, x.caseStudy), ' ', x.name], `${x.stepsApplicable} of ${x.stepsTotal}`, h('span', { class: 'mono small' }, x.missing.join(', ')), x.broken ? h('span', { class: 'good' }, 'yes') : h('span', { class: 'bad' }, x.accepted ? 'accepted' : 'no')]), { id: 'tm-near-incidents' })) : null,
      part.detections.length ? h('section', { class: 'card table-card' }, h('h2', {}, `What your controls would see (${part.detections.length})`),
        h('p', { class: 'small muted' }, 'Steps an implemented control detects without stopping them.'),
        table(null, ['Incident', 'Step', 'Technique', 'Seen by'], part.detections.map((d) => [d.incident, d.step, tl(d.technique), d.controls.join(', ')]), { id: 'tm-detections' })) : null);
      break;
    }
    case 'paths':
      add(body, h('section', { class: 'card table-card' }, h('h2', {}, `Residual attack paths (${part.residualPaths.length}${part.pathsTruncated ? ', search stopped at its bound' : ''})`),
        table(null, ['Path', 'Techniques', 'Support', 'Case studies', 'Accepted'], part.residualPaths.map((p) => [p.id, h('span', { class: 'mono small' }, tls(p.techniques).map((x, i) => [i ? ' → ' : '', x[1]])), String(p.support), p.caseStudies.join(', '), p.accepted ? 'yes' : '']), { id: 'tm-paths' })),
      part.unbreakable.length ? h('section', { class: 'card table-card' }, h('h2', {}, `Nothing in ATLAS breaks (${part.unbreakable.length})`), table(null, ['Incident or path', 'Open route'], part.unbreakable.map((u) => [u.id, u.techniques.join(' → ')]), { id: 'tm-unbreakable' })) : null);
      break;
    case 'mitigations':
      add(body, h('section', { class: 'card table-card' }, h('h2', {}, `Recommended mitigations (${part.recommendedMitigations.length})${part.recommendationOptimal ? '' : ' · best found'}`),
        h('p', { class: 'small muted' }, 'The least set of further mitigations that stops what the controls leave open, in the order to implement them, with what each adds.'),
        table(null, ['#', 'Mitigation', 'Effect', 'Adds', 'Residual techniques it cuts'], part.recommendedMitigations.map((m, i) => [String(i + 1), [h('a', { href: `#/mitigation/${encodeURIComponent(m.id)}` }, m.id), ' ', m.name], m.effect,
          [m.adds.incidentsBroken.length ? `breaks ${m.adds.incidentsBroken.join(', ')}` : '', m.adds.residualPathsRemoved ? ` · ${m.adds.residualPathsRemoved} path(s)` : '', m.adds.techniquesCut.length ? ` · cuts ${m.adds.techniquesCut.length} technique(s)` : ''].join(''), tls(m.techniques)]), { id: 'tm-recommended' })),
      h('section', { class: 'card table-card' }, h('h2', {}, `Controls in place (${part.controls.length})`),
        table(null, ['Control', 'Status', 'Scope', 'Techniques covered', 'Breaks'], part.controls.map((c) => [[c.mitigation, ' ', c.name], statusChip(c.status), c.scope.join(', ') || 'all', String(c.techniques.length), c.breaks.join(', ')]), { id: 'tm-controls' })),
      part.acceptedRisks.length ? h('section', { class: 'card table-card' }, h('h2', {}, 'Accepted risks'), table(null, ['Technique', 'Owner', 'Reason', 'Expires', 'Holds'], part.acceptedRisks.map((r) => [tl(r.technique), r.owner, r.reason, r.expires, r.active ? 'yes' : h('span', { class: 'bad' }, 'expired')]), { id: 'tm-accepted' })) : null);
      break;
    case 'actors':
      add(body, h('section', { class: 'card table-card' }, h('h2', {}, `Known actors using the applicable techniques (${part.actors.length})`),
        table(null, ['Actor', 'Source', 'Techniques', 'Case studies'], part.actors.map((a) => [h('a', { href: `#/actors?ids=${encodeURIComponent(a.id)}` }, a.name), a.source === 'attack' ? 'ATT&CK' : 'case study', String(a.techniques.length), a.caseStudies.join(', ')]), { id: 'tm-actors' })));
      break;
  }
  ctx.status.metrics.tab = tab;
  return cleanup;
}

// The system: components as nodes in columns by their distance from the entry points along the
// flows, flows as arrows, the ones crossing a trust boundary dashed red; tables of both beside.
function drawSystem(body, model, ctx) {
  const comps = model.components;
  const incoming = new Map(comps.map((c) => [c.id, 0]));
  for (const f of model.flows) incoming.set(f.to, (incoming.get(f.to) || 0) + 1);
  const layer = new Map();
  let frontier = comps.filter((c) => !incoming.get(c.id)).map((c) => c.id);
  if (!frontier.length && comps.length) frontier = [comps[0].id];
  frontier.forEach((id) => layer.set(id, 0));
  while (frontier.length) {
    const next = [];
    for (const id of frontier) for (const f of model.flows) if (f.from === id && !layer.has(f.to)) { layer.set(f.to, layer.get(id) + 1); next.push(f.to); }
    frontier = next;
  }
  comps.forEach((c) => { if (!layer.has(c.id)) layer.set(c.id, 0); });
  const rows = new Map();
  const size = new Map();
  comps.forEach((c) => size.set(layer.get(c.id), (size.get(layer.get(c.id)) || 0) + 1));
  // Columns centred on one line, so a hub and its spokes read as a star.
  const els = comps.map((c) => {
    const L = layer.get(c.id);
    const r = rows.get(L) || 0;
    rows.set(L, r + 1);
    return { group: 'nodes', data: { id: c.id, label: `${c.name.length > 34 ? c.name.slice(0, 32) + '…' : c.name}\n${c.kind}` }, classes: 'component', position: { x: L * 330, y: (r - (size.get(L) - 1) / 2) * 80 } };
  });
  for (const f of model.flows) els.push({ group: 'edges', classes: f.trustBoundary ? 'boundary' : '', data: { id: `flow:${f.id}`, source: f.from, target: f.to, label: f.data.length > 28 ? f.data.slice(0, 26) + '…' : f.data } });
  const tallest = Math.max(1, ...rows.values());
  const box = h('div', { class: 'graph', id: 'tm-graph', style: `height:${Math.min(440, 100 + tallest * 75)}px;min-height:0`, 'aria-label': 'Components and data flows; the tables below list them' });
  const crossing = model.flows.filter((f) => f.trustBoundary).length;
  add(body, h('div', { class: 'graph-pane' },
    h('p', { class: 'summary' }, `${comps.length} components, ${model.flows.length} flows, `, h('span', { class: 'bad' }, `${crossing} crossing a trust boundary`), ' (dashed red).'), box),
  h('div', { class: 'below' },
    h('section', { class: 'card table-card' }, h('h2', {}, 'Flows'), table(null, ['From', 'To', 'Data', 'Trust boundary'], model.flows.map((f) => h('tr', { class: f.trustBoundary ? 'boundary' : '', dataset: { flow: f.id } }, h('td', {}, f.from), h('td', {}, f.to), h('td', {}, f.data), h('td', {}, f.trustBoundary ? 'crosses' : ''))), { id: 'tm-flows' })),
    h('section', { class: 'card table-card' }, h('h2', {}, 'Components'), table(null, ['Component', 'Kind', 'MAESTRO layer', 'Properties'], comps.map((c) => h('tr', { dataset: { component: c.id }, tabindex: 0 }, h('td', {}, h('strong', {}, c.name), h('div', { class: 'id' }, c.id)), h('td', {}, c.kind), h('td', {}, c.layer), h('td', { class: 'small' }, c.properties.map((p) => (p.value === 'true' ? p.name : `${p.name}=${p.value}`)).join(', ')))), { id: 'tm-components' }))),
  model.controls.length ? h('section', { class: 'card table-card' }, h('h2', {}, 'Controls'), table(null, ['Mitigation', 'Status', 'Scope', 'Note'], model.controls.map((c) => [h('a', { href: `#/mitigation/${encodeURIComponent(c.mitigation)}` }, c.mitigation), c.status, c.scope.join(', ') || 'all', c.note]), { id: 'tm-model-controls' })) : null);
  const cy = drawGraph(box, els, { status: ctx.status, onTap: (el) => spotlight(cy, el ? (el.isNode() ? el.closedNeighborhood() : el.union(el.connectedNodes())) : null) });
  for (const tr of body.querySelectorAll('tr[data-component]')) {
    const hi = () => spotlight(cy, cy.getElementById(tr.dataset.component).closedNeighborhood());
    tr.addEventListener('focus', hi);
    tr.addEventListener('mouseenter', hi);
  }
  return () => cy.destroy();
}

async function renderList(root) {
  const models = (await gql(LIST)).threatModels;
  const area = h('textarea', { id: 'tm-yaml', rows: 12, spellcheck: 'false', placeholder: 'Paste a model file (YAML), e.g. the output of atlasgraph model init --template rag-chatbot', 'aria-label': 'Model file' });
  const file = h('input', { type: 'file', id: 'tm-file', accept: '.yaml,.yml,text/yaml' });
  file.addEventListener('change', async () => { if (file.files[0]) area.value = await file.files[0].text(); });
  const msg = h('div', { id: 'tm-msg' });
  const form = h('form', { class: 'card', id: 'tm-form' }, h('h2', {}, 'Evaluate a model file'),
    h('p', { class: 'small muted' }, 'The report is computed without storing the model; the link carries the file, compressed.'),
    area, h('div', { class: 'buttons' }, h('label', { for: 'tm-file' }, 'Or read a file:'), file, h('button', { type: 'submit', class: 'primary' }, 'Evaluate')), msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!area.value.trim()) { setChildren(msg, errorBox('', new Error('Paste a model file or pick one first.'))); return; }
    location.hash = `#/threat-model/draft?y=${await pack(area.value)}`;
  });
  setChildren(root, h('div', { class: 'toolbar' }, h('h1', {}, 'Threat models')),
    h('div', { class: 'two-col' },
      h('section', { class: 'card table-card' }, h('h2', {}, `Stored models (${models.length})`),
        models.length ? table(null, ['Model', 'Components', 'Flows', 'Release', 'Version'], models.map((m) => [h('a', { href: `#/threat-model/${encodeURIComponent(m.id)}` }, m.name), String(m.components.length), String(m.flows.length), m.atlasRelease || 'current', String(m.version)]), { id: 'tm-list' })
          : h('p', { class: 'muted' }, 'No model is stored yet. Store one with the importThreatModel mutation (an editor token is needed), or evaluate a file here.')),
      form));
}

// Whether this server answers threat-model queries: null when it does, else why not (a server
// built without the threat-model API, or one that has it turned off).
async function apiMissing() {
  try {
    await gql('{ threatModels { id } }');
    return null;
  } catch (err) {
    if (/Cannot query field/.test(err.message)) return 'This server has no threat-model API, so there is nothing to draw here yet.';
    return `Threat models are not available here: ${err.message}`;
  }
}

// A model file in a URL: deflate, then base64url.
async function pack(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function unpack(s) {
  if (!s) return '';
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
    return await new Response(stream).text();
  } catch (e) {
    throw new Error('This draft link is damaged (the model in it cannot be read); paste the model file again.');
  }
}

