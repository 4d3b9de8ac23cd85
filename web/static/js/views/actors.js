// View 2: actors → techniques. Pick actors by any name or alias; a graph links each actor to the
// techniques it uses, grouped in tactic columns, with shared techniques standing out and each link
// carrying its evidence; the view exports as an ATLAS Navigator layer.
import { gql, base } from '../api.js';
import { h, add, setChildren, table, download } from '../dom.js';
import { list } from '../router.js';
import { drawGraph, spotlight, columnHeaders, label } from '../graph.js';
import { graphHeight } from './paths.js';

const ALL = `query Actors($r: String) { actors(release: $r) { id name aliases caseStudies { id } } }`;
const Q = `query ActorTechniques($r: String) {
  actors(release: $r) { id name aliases techniques { technique { id name } caseStudies { id } } }
}`;

const norm = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '');

/** Finds the actors a name or alias names, ignoring case, spaces and punctuation. */
export function findActors(text, all) {
  const n = norm(text);
  if (!n) return [];
  const exact = all.filter((a) => norm(a.id) === n || norm(a.name) === n || a.aliases.some((x) => norm(x) === n));
  if (exact.length) return exact;
  return all.filter((a) => norm(a.name).includes(n) || a.aliases.some((x) => norm(x).includes(n)));
}

export async function render(root, route, ctx) {
  const [b, all] = await Promise.all([base(ctx.release), gql(ALL, { r: ctx.release || null })]);
  const actors = all.actors;
  const ids = list(route.params, 'ids');
  const hashOf = (xs) => `#/actors?${new URLSearchParams({ ...(ctx.release ? { release: ctx.release } : {}), ...(xs.length ? { ids: xs.join(',') } : {}) })}`;

  const input = h('input', { id: 'actor-input', list: 'actor-names', placeholder: 'Actor name or alias', autocomplete: 'off' });
  const names = h('datalist', { id: 'actor-names' }, actors.flatMap((a) => [a.name, ...a.aliases]).sort().map((n) => h('option', { value: n })));
  const msg = h('div', { id: 'actor-msg' });
  const form = h('form', { class: 'toolbar form' }, h('h1', {}, 'Actors → techniques'),
    h('label', { for: 'actor-input' }, 'Add actor'), input, names, h('button', { type: 'submit', class: 'primary' }, 'Add'),
    h('ul', { class: 'chips', id: 'actor-chips', 'aria-label': 'Selected actors' }, ids.map((id) => {
      const a = actors.find((x) => x.id === id);
      return h('li', { class: 'chip actor-chip' }, a ? a.name : id, h('a', { href: hashOf(ids.filter((x) => x !== id)), class: 'remove', 'aria-label': `Remove ${a ? a.name : id}` }, '×'));
    })), msg);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const found = findActors(input.value, actors);
    if (!found.length) { setChildren(msg, h('p', { class: 'error' }, `No actor is called "${input.value}" in this release; pick a name from the suggestions.`)); return; }
    location.hash = hashOf([...new Set([...ids, ...found.map((a) => a.id)])]);
  });
  setChildren(root, form);

  if (!ids.length) {
    const rows = [...actors].sort((x, y) => y.caseStudies.length - x.caseStudies.length || x.name.localeCompare(y.name)).map((a) => [
      h('a', { href: hashOf([a.id]) }, a.name), a.aliases.join(', '), String(a.caseStudies.length)]);
    add(root, h('section', { class: 'card table-card' }, h('h2', {}, `Actors named by case studies (${actors.length})`), table(null, ['Actor', 'Aliases', 'Case studies'], rows, { id: 'actors-table' })));
    return;
  }

  const detail = (await gql(Q, { r: ctx.release || null })).actors.filter((a) => ids.includes(a.id));
  const missing = ids.filter((id) => !detail.some((a) => a.id === id));
  if (missing.length) setChildren(msg, h('p', { class: 'error' }, `Not in this release: ${missing.join(', ')}.`));
  const users = new Map(); // technique id -> [{actor, caseStudies}]
  for (const a of detail) for (const t of a.techniques) {
    if (!users.has(t.technique.id)) users.set(t.technique.id, []);
    users.get(t.technique.id).push({ actor: a, cs: t.caseStudies.map((c) => c.id) });
  }
  const techIds = [...users.keys()].sort((x, y) => b.column(x) - b.column(y) || x.localeCompare(y));
  const shared = new Set(techIds.filter((id) => users.get(id).length > 1));

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
  detail.forEach((a, i) => els.push({ group: 'nodes', data: { id: `actor:${a.id}`, label: a.name }, classes: 'actor', position: { x: 0, y: 44 + ((i + 0.5) * (tallest * 60)) / detail.length - 30 } }));
  for (const tac of b.tactics) if (colIndex.has(tac.position)) els.push(...columnHeaders([{ ...tac, position: colIndex.get(tac.position) }], new Set([colIndex.get(tac.position)]), DX));
  for (const [tid, us] of users) for (const u of us) {
    els.push({ group: 'edges', classes: shared.has(tid) ? 'shared' : '', data: { id: `${u.actor.id}->${tid}`, source: `actor:${u.actor.id}`, target: tid, label: String(u.cs.length), cs: u.cs.join(', '), actor: u.actor.name } });
  }

  const info = h('div', { id: 'actor-info', class: 'info small muted' }, 'Select a link to see its evidence.');
  const graphBox = h('div', { class: 'graph', style: graphHeight(tallest), id: 'actors-graph', 'aria-label': 'Actors linked to the techniques they use; the table beside lists every link' });
  const tacName = (id) => b.tacticsOf(id).map((t) => t.name).join(', ');
  const rows = techIds.map((id) => h('tr', { class: shared.has(id) ? 'shared' : '', dataset: { tech: id }, tabindex: 0 },
    h('td', {}, h('a', { href: `#/technique/${encodeURIComponent(id)}${ctx.release ? '?release=' + encodeURIComponent(ctx.release) : ''}` }, id), ' ', b.techById.get(id)?.name || ''),
    h('td', {}, tacName(id)),
    detail.map((a) => {
      const u = users.get(id).find((x) => x.actor.id === a.id);
      return h('td', {}, u ? u.cs.map((c, i) => [i ? ', ' : '', h('a', { href: `#/case-study/${c}` }, c)]) : '');
    })));
  const exportBtn = h('button', { type: 'button', id: 'export-layer' }, 'Export Navigator layer');
  exportBtn.addEventListener('click', () => download(`atlas-actors-${ids.join('-')}.json`, JSON.stringify(layer(detail, techIds, users, shared, b), null, 2)));
  add(root,
    h('div', { class: 'graph-pane' },
      h('p', { class: 'summary', id: 'actors-summary' }, `${detail.length} actor${detail.length === 1 ? '' : 's'}, ${techIds.length} techniques`, shared.size ? [', ', h('span', { class: 'shared-text' }, `${shared.size} shared`)] : '', '. Links show the case studies that are the evidence. ', exportBtn),
      graphBox, info),
    h('section', { class: 'card table-card below-table' }, h('h2', {}, 'Techniques and evidence'),
      table(null, ['Technique', 'Tactic', ...detail.map((a) => a.name)], rows, { id: 'actor-techniques' })));

  const cy = drawGraph(graphBox, els, {
    status: ctx.status,
    onTap: (el) => {
      if (!el) { spotlight(cy, null); return; }
      spotlight(cy, el.isEdge() ? el.union(el.connectedNodes()) : el.closedNeighborhood());
      if (el.isEdge()) setChildren(info, h('strong', {}, `${el.data('actor')} → ${el.data('target')}`), ` in case studies ${el.data('cs')}`);
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

// A layer in the ATLAS Navigator's format 4.5 that colours the selected actors' techniques,
// shared ones in their own colour, with the evidence in each technique's comment.
function layer(detail, techIds, users, shared, b) {
  return {
    name: `ATLAS techniques of ${detail.map((a) => a.name).join(', ')}`,
    versions: { layer: '4.5', navigator: '5.1.0' },
    domain: 'atlas-atlas',
    description: 'Exported by atlasgraph from the case studies attributed to each actor.',
    techniques: techIds.flatMap((id) => b.tacticsOf(id).map((tac) => ({
      techniqueID: id,
      tactic: tac.name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      color: shared.has(id) ? '#f59e0b' : '#8b5cf6',
      comment: users.get(id).map((u) => `${u.actor.name}: ${u.cs.join(', ')}`).join('; '),
      enabled: true,
    }))),
    legendItems: [{ label: 'Used by one selected actor', color: '#8b5cf6' }, { label: 'Shared by selected actors', color: '#f59e0b' }],
  };
}
