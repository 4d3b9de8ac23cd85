// View 2: actors → techniques. Pick actors by any name or alias (the API resolves "Forest
// Blizzard" to APT28); a graph links each actor to the ATLAS techniques it uses, in tactic
// columns, shared techniques standing out, each link labelled with its evidence (case-study
// steps, ATT&CK relationships or both); the selection exports as an ATLAS Navigator layer.
import { gql, base } from '../api.js';
import { h, add, setChildren, table, download, errorBox, legend } from '../dom.js';
import { list } from '../router.js';
import { drawGraph, spotlight, keyboardWalk, routeThrough } from '../graph.js';

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
  // Layout: the actors in one column in the middle, the techniques in a column on each side,
  // ordered by which actors use them (the upper actors' first) and then by tactic, so links
  // cross little; each link leaves its actor sideways, runs along that actor's own trunk and
  // enters its technique sideways, so no link passes behind a node.
  const aIndex = new Map(actors.map((a, i) => [a.id, i]));
  const bary = (id) => users.get(id).reduce((s, u) => s + aIndex.get(u.actor.id), 0) / users.get(id).length;
  const techIds = [...users.keys()].sort((x, y) => bary(x) - bary(y) || b.column(x) - b.column(y) || x.localeCompare(y));
  const half = Math.ceil(techIds.length / 2);
  const side = new Map(techIds.map((id, i) => [id, i < half ? -1 : 1]));
  const rowOf = new Map(techIds.map((id, i) => [id, i < half ? i : i - half]));
  const tacName = (id) => b.tacticsOf(id).map((t) => t.name).join(', ');
  const measure = textWidth();
  const techLabel = (id) => [trim(b.techById.get(id)?.name || id, 38), `${id} · ${trim(tacName(id) || 'no tactic', 26)}${shared.has(id) ? ' · shared' : ''}`];
  const TW = Math.min(300, Math.max(180, ...techIds.map((id) => Math.max(...techLabel(id).map(measure)) + 20)));
  const AW = 170;
  const GAP = 60 + 26 * actors.length; // room for one trunk per actor
  const DXA = TW / 2 + AW / 2 + GAP;
  const ADY = 52;
  const nRows = Math.max(half, techIds.length - half, 1);
  const els = [];
  for (const id of techIds) {
    els.push({ group: 'nodes', data: { id, label: techLabel(id).join('\n'), w: TW, tw: TW - 14, title: `${b.techById.get(id)?.name || id} (${id}), ${tacName(id)}` }, classes: `tnode${shared.has(id) ? ' shared' : ''}`, position: { x: side.get(id) * DXA, y: rowOf.get(id) * ADY } });
  }
  const ah = (nRows - 1) * ADY;
  actors.forEach((a, i) => els.push({ group: 'nodes', data: { id: `actor:${a.id}`, label: a.attackId ? `${a.name}\n${a.attackId}` : a.name, title: `${a.name}, an actor` }, classes: 'actor', position: { x: 0, y: actors.length === 1 ? ah / 2 : (i * ah) / (actors.length - 1) } }));
  // Each link is drawn as straight segments through two bends: out of the actor sideways to its
  // trunk (one per actor, at its own distance), along the trunk, then sideways into the
  // technique at a height of its own when several actors share the technique.
  const spread = Math.min(12, 30 / Math.max(1, actors.length - 1));
  const posOf = new Map(els.filter((e) => e.group === 'nodes').map((e) => [e.data.id, e.position]));
  for (const [tid, us] of users) for (const u of us) {
    const i = aIndex.get(u.actor.id);
    const sd = side.get(tid);
    const S = posOf.get(`actor:${u.actor.id}`);
    const T = posOf.get(tid);
    const off = us.length === 1 ? 0 : Math.round((i - (actors.length - 1) / 2) * spread);
    const tx = sd * (AW / 2 + 22 + (i + 0.5) * ((GAP - 44) / actors.length));
    const bends = [{ x: tx, y: S.y }, { x: tx, y: T.y + off }];
    const bendStyle = { ...routeThrough(S, T, bends), 'source-endpoint': `${sd * 50}% 0%`, 'target-endpoint': `${-sd * 50}% ${off}px` };
    els.push({ group: 'edges', classes: `routed ${shared.has(tid) ? 'shared' : ''} ${u.link.via.includes('CASE_STUDY') ? '' : 'attack-only'}`,
      data: { id: `${u.actor.id}->${tid}`, source: `actor:${u.actor.id}`, target: tid, label: u.link.steps.length ? String(u.link.steps.length) : '', actor: u.actor.id, kinds: u.link.via.slice().sort().join(' '),
        route: bendStyle } });
  }

  const info = h('div', { id: 'actor-info', class: 'info small' }, h('span', { class: 'muted' }, 'Select a link to see its evidence. Solid links come from case-study steps (labelled with their number), dashed ones from ATT&CK alone.'));
  const graphBox = h('div', { class: 'graph graph-fixed', id: 'actors-graph', 'aria-label': 'Actors linked to the techniques they use: actors in the middle, techniques on both sides; focus it and use the arrow keys to walk it, Enter to see who uses what; the table below lists every link' });
  const graphLegend = legend('Legend', [
    ['plain', 'node', 'technique (name, id, tactic)'],
    ['shared', 'node', 'used by several of these actors (purple, thick border, "shared")'],
    ['plain', 'edge', 'link from case-study steps (solid, labelled with their number)'],
    ['plain', 'dashed', 'link from ATT&CK alone (dashed)'],
    ['shared', 'edge', 'link to a shared technique (purple)'],
  ]);
  const cell = (u) => {
    if (!u) return '';
    const l = u.link;
    return [l.steps.map((s, i) => [i ? ', ' : '', h('a', { href: `#/case-study/${encodeURIComponent(s.caseStudyId)}` }, `${s.caseStudyId}/${s.stepId}`)]),
      l.attackEvidence.length ? h('span', { class: 'attack-ev' }, `${l.steps.length ? '; ' : ''}ATT&CK ${[...new Set(l.attackEvidence.map((x) => x.techniqueId))].join(', ')}`) : null];
  };
  const rows = techIds.map((id) => h('tr', { class: shared.has(id) ? 'shared' : '', dataset: { tech: id }, tabindex: 0 },
    h('td', {}, h('a', { href: `#/technique/${encodeURIComponent(id)}${ctx.release ? '?release=' + encodeURIComponent(ctx.release) : ''}` }, id), ' ', b.techById.get(id)?.name || '', shared.has(id) ? h('span', { class: 'shared-tag' }, ' · shared') : null),
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
      graphLegend, h('div', { class: 'graph-scroll' }, graphBox), info),
    h('section', { class: 'card table-card' }, h('h2', {}, 'Techniques and evidence'),
      table(null, ['Technique', 'Tactic', ...actors.map((a) => a.name)], rows, { id: 'actor-techniques' })));

  const cy = drawGraph(graphBox, els, { status: ctx.status, onTap: (el) => pick(el), scale: 1, grab: true });
  // Per-link routing: each actor's trunk at its own distance, shared techniques entered at
  // distinct heights so the links into one technique stay apart.
  cy.batch(() => cy.edges().forEach((e) => e.style(e.data('route'))));
  const walker = keyboardWalk(cy, graphBox, { onPick: (n) => pick(n), announce: (text) => { info.textContent = text; }, describe: (n) => `${n.data('title')}. Enter shows its links.` });
  async function pick(el) {
    if (!el) { spotlight(cy, null); return; }
    spotlight(cy, el.isEdge() ? el.union(el.connectedNodes()) : el.closedNeighborhood());
    if (el.isNode()) {
      walker.set(el);
      if (el.hasClass('actor')) {
        const a = actors.find((x) => `actor:${x.id}` === el.id());
        const ts = techIds.filter((id) => users.get(id).some((u) => u.actor.id === a.id));
        setChildren(info, h('strong', {}, `${a.name} uses ${ts.length} technique${ts.length === 1 ? '' : 's'}`), ': ', ts.map((id, i) => [i ? ', ' : '', h('a', { href: `#/technique/${encodeURIComponent(id)}${ctx.release ? '?release=' + encodeURIComponent(ctx.release) : ''}` }, b.techById.get(id)?.name || id), ` (${id})`]));
      } else {
        const tid = el.id();
        setChildren(info, h('strong', {}, `${b.techById.get(tid)?.name || tid} (${tid})`), ` is used by ${users.get(tid).map((u) => u.actor.name).join(' and ')}`,
          h('ul', { class: 'evidence' }, users.get(tid).map((u) => h('li', {}, h('strong', {}, u.actor.name), ': ', cell(u)))));
      }
      return;
    }
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
  }
  for (const tr of rows) {
    const hi = () => spotlight(cy, cy.getElementById(tr.dataset.tech).closedNeighborhood());
    tr.addEventListener('click', hi);
    tr.addEventListener('focus', hi);
  }
  ctx.status.metrics.shared = shared.size;
  return () => cy.destroy();
}

function trim(s, n) { return s.length > n ? s.slice(0, n - 2) + '…' : s; }

// The width of a line of 12 px label text, for sizing nodes to their labels.
function textWidth() {
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = '12px "Inter", "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif';
  return (s) => ctx.measureText(s).width;
}

// ATT&CK descriptions end sentences with "(Citation: ...)"; the table keeps the text short.
function stripCitations(s) {
  const t = (s || '').replace(/\(Citation:[^)]*\)/g, '').replace(/\[([^\]]+)\]\([^)]*\)/g, '$1').replace(/\s+/g, ' ').trim();
  return t.length > 300 ? t.slice(0, 298) + '…' : t;
}
