// View 2: actors → techniques. Pick actors by any name or alias (the API resolves "Forest
// Blizzard" to APT28); a graph links each actor to the ATLAS techniques it uses, in tactic
// columns, shared techniques standing out, each link labelled with its evidence (case-study
// steps, ATT&CK relationships or both); the selection exports as an ATLAS Navigator layer.
import { gql, base } from '../api.js';
import { h, add, setChildren, table, download, errorBox } from '../dom.js';
import { list } from '../router.js';
import { drawGraph, spotlight, columnHeaders, label } from '../graph.js';
import { graphHeight } from './paths.js';

const ALL = `query Actors($r: String) { actors(release: $r) { id name aliases attackId caseStudies { id } } }`;
const FIND = `query FindActor($name: String!, $r: String) { actors(release: $r, filter: { name: $name }) { id name sharedAlias } }`;
const Q = `query Overlap($ids: [String!]!, $r: String) {
  actorsSharingTechniques(actors: $ids, release: $r) {
    release attackVersion
    actors { id name attackId attackUrl aliases sharedAlias }
    perActor { actor { id } techniques { technique { id } via steps { caseStudyId stepId } attackEvidence { techniqueId referencedId } } }
    shared { technique { id } actorIds all }
  }
}`;
const LAYER = `query Layer($ids: [String!], $r: String) { navigatorLayer(actors: $ids, release: $r) { name techniqueCount json } }`;
const DETAIL = `query Evidence($id: ID!, $r: String) {
  actor(id: $id, release: $r) { techniques { technique { id } attackEvidence { techniqueId techniqueName referencedId description } } }
}`;

export async function render(root, route, ctx) {
  const r = ctx.release || null;
  const [b, all] = await Promise.all([base(ctx.release), gql(ALL, { r })]);
  const ids = list(route.params, 'ids');
  const hashOf = (xs) => `#/actors?${new URLSearchParams({ ...(ctx.release ? { release: ctx.release } : {}), ...(xs.length ? { ids: xs.join(',') } : {}) })}`;
  const byId = new Map(all.actors.map((a) => [a.id, a]));

  const input = h('input', { id: 'actor-input', list: 'actor-names', placeholder: 'Name or alias, e.g. Forest Blizzard', autocomplete: 'off' });
  const names = h('datalist', { id: 'actor-names' }, [...new Set(all.actors.flatMap((a) => [a.name, ...a.aliases]))].sort().map((n) => h('option', { value: n })));
  const msg = h('div', { id: 'actor-msg' });
  const form = h('form', { class: 'toolbar form', id: 'actor-form' }, h('h1', {}, 'Actors → techniques'),
    h('label', { for: 'actor-input' }, 'Add actor'), input, names, h('button', { type: 'submit', class: 'primary' }, 'Add'),
    h('ul', { class: 'chips', id: 'actor-chips', 'aria-label': 'Selected actors' }, ids.map((id) => {
      const a = byId.get(id);
      return h('li', { class: 'chip actor-chip' }, a ? a.name : id, h('a', { href: hashOf(ids.filter((x) => x !== id)), class: 'remove', 'aria-label': `Remove ${a ? a.name : id}` }, '×'));
    })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    try {
      const found = (await gql(FIND, { name: text, r })).actors;
      if (!found.length) throw new Error(`No actor goes by "${text}" in this release; pick a name from the suggestions.`);
      location.hash = hashOf([...new Set([...ids, ...found.map((a) => a.id)])]);
    } catch (err) {
      setChildren(msg, errorBox('', err));
    }
  });
  setChildren(root, form, msg);

  if (!ids.length) {
    const filter = h('input', { type: 'search', placeholder: 'Filter actors', 'aria-label': 'Filter actors', id: 'actors-filter' });
    const rows = [...all.actors].sort((x, y) => y.caseStudies.length - x.caseStudies.length || x.name.localeCompare(y.name)).map((a) => [
      h('a', { href: hashOf([a.id]) }, a.name), a.attackId || '', a.aliases.join(', '), String(a.caseStudies.length)]);
    const tbl = table(null, ['Actor', 'ATT&CK', 'Aliases', 'Case studies'], rows, { id: 'actors-table' });
    filter.addEventListener('input', () => {
      const q = filter.value.toLowerCase();
      for (const tr of tbl.tBodies[0].rows) tr.hidden = q && !tr.textContent.toLowerCase().includes(q);
    });
    add(root, h('section', { class: 'card table-card' }, h('div', { class: 'toolbar' }, h('h2', {}, `Actors (${all.actors.length}): named by case studies or ATT&CK groups`), filter), tbl));
    return;
  }

  const ov = (await gql(Q, { ids, r })).actorsSharingTechniques;
  const actors = ov.actors;
  const users = new Map(); // technique id -> [{actor, link}]
  for (const pa of ov.perActor) for (const link of pa.techniques) {
    const id = link.technique.id;
    if (!users.has(id)) users.set(id, []);
    users.get(id).push({ actor: actors.find((a) => a.id === pa.actor.id), link });
  }
  const shared = new Set(ov.shared.map((s) => s.technique.id));
  const techIds = [...users.keys()].sort((x, y) => b.column(x) - b.column(y) || x.localeCompare(y));
  const used = [...new Set(techIds.map((id) => b.column(id)))].sort((x, y) => x - y);
  const colIndex = new Map(used.map((c, i) => [c, i + 1]));
  const DX = 175;
  const els = [];
  const heights = new Map();
  for (const id of techIds) {
    const c = colIndex.get(b.column(id));
    const n = heights.get(c) || 0;
    heights.set(c, n + 1);
    const t = b.techById.get(id);
    els.push({ group: 'nodes', data: { id, label: label(id, t ? t.name : id) }, classes: shared.has(id) ? 'shared' : '', position: { x: c * DX, y: 44 + n * 60 } });
  }
  const tallest = Math.max(1, ...heights.values());
  actors.forEach((a, i) => els.push({ group: 'nodes', data: { id: `actor:${a.id}`, label: a.attackId ? `${a.name}\n${a.attackId}` : a.name }, classes: 'actor', position: { x: 0, y: 44 + ((i + 0.5) * (tallest * 60)) / actors.length - 30 } }));
  for (const tac of b.tactics) if (colIndex.has(tac.position)) els.push(...columnHeaders([{ ...tac, position: colIndex.get(tac.position) }], new Set([colIndex.get(tac.position)]), DX));
  for (const [tid, us] of users) for (const u of us) {
    const kinds = u.link.via.slice().sort().join(' ');
    els.push({ group: 'edges', classes: `${shared.has(tid) ? 'shared' : ''} ${u.link.via.includes('CASE_STUDY') ? '' : 'attack-only'}`, data: { id: `${u.actor.id}->${tid}`, source: `actor:${u.actor.id}`, target: tid, label: u.link.steps.length ? String(u.link.steps.length) : '', actor: u.actor.id, kinds } });
  }

  const info = h('div', { id: 'actor-info', class: 'info small' }, h('span', { class: 'muted' }, 'Select a link to see its evidence. Solid links come from case-study steps (labelled with their number), dashed ones from ATT&CK alone.'));
  const graphBox = h('div', { class: 'graph', style: graphHeight(tallest), id: 'actors-graph', 'aria-label': 'Actors linked to the techniques they use; the table below lists every link' });
  const tacName = (id) => b.tacticsOf(id).map((t) => t.name).join(', ');
  const cell = (u) => {
    if (!u) return '';
    const l = u.link;
    return [l.steps.map((s, i) => [i ? ', ' : '', h('a', { href: `#/case-study/${encodeURIComponent(s.caseStudyId)}` }, `${s.caseStudyId}/${s.stepId}`)]),
      l.attackEvidence.length ? h('span', { class: 'attack-ev' }, `${l.steps.length ? '; ' : ''}ATT&CK ${[...new Set(l.attackEvidence.map((x) => x.techniqueId))].join(', ')}`) : null];
  };
  const rows = techIds.map((id) => h('tr', { class: shared.has(id) ? 'shared' : '', dataset: { tech: id }, tabindex: 0 },
    h('td', {}, h('a', { href: `#/technique/${encodeURIComponent(id)}${ctx.release ? '?release=' + encodeURIComponent(ctx.release) : ''}` }, id), ' ', b.techById.get(id)?.name || ''),
    h('td', {}, tacName(id)),
    actors.map((a) => h('td', {}, cell(users.get(id).find((x) => x.actor.id === a.id))))));
  const exportBtn = h('button', { type: 'button', id: 'export-layer' }, 'Export Navigator layer');
  exportBtn.addEventListener('click', async () => {
    try {
      const layer = (await gql(LAYER, { ids, r })).navigatorLayer;
      ctx.status.metrics.layerTechniques = JSON.parse(layer.json).techniques.map((x) => x.techniqueID);
      download(`${layer.name.replace(/[^A-Za-z0-9._-]+/g, '-')}.json`, layer.json);
    } catch (err) {
      setChildren(info, errorBox('The layer could not be made:', err));
    }
  });
  const multi = actors.filter((a) => a.sharedAlias);
  add(root,
    multi.length ? h('p', { class: 'card warn' }, `Several actors go by one of the names given: ${multi.map((a) => a.name).join(', ')}.`) : null,
    h('div', { class: 'graph-pane' },
      h('p', { class: 'summary', id: 'actors-summary' },
        actors.map((a, i) => [i ? ', ' : '', h('strong', {}, a.name), a.attackId ? [' (', a.attackUrl ? h('a', { href: a.attackUrl, target: '_blank', rel: 'noopener noreferrer' }, a.attackId) : a.attackId, ')'] : '']),
        `: ${techIds.length} ATLAS techniques`, shared.size ? [', ', h('span', { class: 'shared-text' }, `${shared.size} shared`)] : '',
        `. Release ${ov.release}${ov.attackVersion ? `, ATT&CK ${ov.attackVersion}` : ', no ATT&CK loaded'}. `, exportBtn),
      graphBox, info),
    h('section', { class: 'card table-card' }, h('h2', {}, 'Techniques and evidence'),
      table(null, ['Technique', 'Tactic', ...actors.map((a) => a.name)], rows, { id: 'actor-techniques' })));

  const cy = drawGraph(graphBox, els, {
    status: ctx.status,
    onTap: async (el) => {
      if (!el) { spotlight(cy, null); return; }
      spotlight(cy, el.isEdge() ? el.union(el.connectedNodes()) : el.closedNeighborhood());
      if (!el.isEdge()) return;
      const tid = el.data('target');
      const u = users.get(tid).find((x) => x.actor.id === el.data('actor'));
      setChildren(info, h('strong', {}, `${u.actor.name} → ${tid} ${b.techById.get(tid)?.name || ''}`), ': ', cell(u));
      if (u.link.attackEvidence.length) {
        try {
          const d = (await gql(DETAIL, { id: u.actor.id, r })).actor;
          const ev = d.techniques.find((x) => x.technique.id === tid)?.attackEvidence || [];
          add(info, h('ul', { class: 'evidence' }, ev.map((x) => h('li', {}, h('strong', {}, `${x.techniqueId} ${x.techniqueName}`), x.referencedId !== x.techniqueId ? ` (a sub-technique of ${x.referencedId})` : '', ': ', stripCitations(x.description)))));
        } catch (err) {
          add(info, errorBox('', err));
        }
      }
    },
  });
  for (const tr of rows) {
    const hi = () => spotlight(cy, cy.getElementById(tr.dataset.tech).closedNeighborhood());
    tr.addEventListener('click', hi);
    tr.addEventListener('focus', hi);
  }
  ctx.status.metrics.shared = shared.size;
  return () => cy.destroy();
}

// ATT&CK descriptions end sentences with "(Citation: ...)"; the table keeps the text short.
function stripCitations(s) {
  const t = (s || '').replace(/\(Citation:[^)]*\)/g, '').replace(/\[([^\]]+)\]\([^)]*\)/g, '$1').replace(/\s+/g, ' ').trim();
  return t.length > 300 ? t.slice(0, 298) + '…' : t;
}
