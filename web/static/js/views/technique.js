// A technique's page: description, tactics, mitigations with their text, case studies, actors,
// and the techniques seen right before and after it (a small graph with its table).
import { gql, base } from '../api.js';
import { h, setChildren, table, link, markdown, legend } from '../dom.js';
import { drawGraph, label, spotlight, keyboardWalk } from '../graph.js';

const Q = `query Technique($id: ID!, $r: String) {
  technique(id: $id, release: $r) {
    id name description maturity platforms isSubtechnique created modified
    attack { id url }
    tactics { id name }
    parent { id name }
    subtechniques { id name }
    mitigations { description mitigation { id name } }
    caseStudies { id name }
    actors { actor { id name attackId } caseStudies { id } via }
    followedBy { count technique { id name } caseStudies { id } }
    precededBy { count technique { id name } caseStudies { id } }
  }
}`;

export async function render(root, route, ctx) {
  const id = route.arg;
  if (!id) throw new Error('No technique id in the address; open one from the matrix.');
  const [data, b] = await Promise.all([gql(Q, { id, r: ctx.release || null }), base(ctx.release)]);
  const t = data.technique;
  if (!t) throw new Error(`There is no technique ${id} in this release.`);
  const rel = ctx.release ? `?release=${encodeURIComponent(ctx.release)}` : '';
  const tl = (x) => h('a', { href: `#/technique/${encodeURIComponent(x.id)}${rel}` }, `${x.id} ${x.name}`);
  const csl = (x) => h('a', { href: `#/case-study/${encodeURIComponent(x.id)}${rel}` }, x.id);

  const transitions = (list, dir) => list.length
    ? table(null, [dir === 'before' ? 'Technique before' : 'Technique after', 'Case studies', 'Evidence'],
      list.map((x) => h('tr', { dataset: { node: x.technique.id } }, h('td', {}, tl(x.technique)), h('td', { class: 'num' }, String(x.count)), h('td', {}, x.caseStudies.map((c, i) => [i ? ', ' : '', csl(c)])))),
      { id: `table-${dir}` })
    : h('p', { class: 'muted' }, dir === 'before' ? 'No case study shows a technique right before this one.' : 'No case study shows a technique right after this one.');

  const graphBox = h('div', { class: 'graph graph-fixed', id: 'neighbourhood', 'aria-label': `Techniques seen before and after ${t.id}; focus it and use the arrow keys to walk it, Enter to open a technique; the tables below list them` });
  const walkInfo = h('p', { class: 'small muted', 'aria-live': 'polite' });
  setChildren(root,
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: `#/matrix${rel}` }, 'Matrix'), ' / ',
      t.tactics.map((x, i) => [i ? ', ' : '', h('a', { href: `#/matrix?focus=${encodeURIComponent(x.id)}${ctx.release ? '&release=' + encodeURIComponent(ctx.release) : ''}` }, x.name)]),
      t.parent ? [' / ', tl(t.parent)] : null),
    h('header', { class: 'page-head' },
      h('h1', {}, h('span', { class: 'id' }, t.id), ' ', t.name),
      h('div', { class: 'chips' },
        t.maturity ? h('span', { class: `chip maturity-chip m-${t.maturity.toLowerCase()}` }, t.maturity) : null,
        t.isSubtechnique ? h('span', { class: 'chip' }, 'Sub-technique') : null,
        t.platforms.map((p) => h('span', { class: 'chip light' }, p)),
        t.attack ? h('a', { class: 'chip light', href: t.attack.url || '#', rel: 'noopener noreferrer', target: '_blank' }, `ATT&CK ${t.attack.id}`) : null,
        h('span', { class: 'muted small' }, [t.created ? `created ${t.created}` : '', t.modified ? `modified ${t.modified}` : ''].filter(Boolean).join(' · ')),
        b.tactics.length ? h('a', { class: 'chip link-chip', id: 'paths-from-here', href: `#/paths?from=${encodeURIComponent(t.id)}&to=${encodeURIComponent(b.tactics[b.tactics.length - 1].id)}${ctx.release ? '&release=' + encodeURIComponent(ctx.release) : ''}` }, `Attack paths from here to ${b.tactics[b.tactics.length - 1].name} →`) : null)),
    h('div', { class: 'two-col' },
      h('div', {},
        h('section', { class: 'card' }, h('h2', {}, 'Description'), markdown(t.description)),
        t.subtechniques.length ? h('section', { class: 'card' }, h('h2', {}, `Sub-techniques (${t.subtechniques.length})`), h('ul', { class: 'plain' }, t.subtechniques.map((s) => h('li', {}, tl(s))))) : null,
        h('section', { class: 'card', id: 'mitigations' }, h('h2', {}, `Mitigations (${t.mitigations.length})`),
          t.mitigations.length
            ? h('dl', { class: 'mitigations' }, t.mitigations.map((m) => [h('dt', {}, h('a', { href: `#/mitigation/${encodeURIComponent(m.mitigation.id)}${rel}` }, `${m.mitigation.id} ${m.mitigation.name}`)), h('dd', {}, markdown(m.description))]))
            : h('p', { class: 'v-text-risk' }, 'Exposed: no mitigation counters this technique.'))),
      h('div', {},
        h('section', { class: 'card' }, h('h2', {}, 'Seen before and after, in case studies'),
          legend('Legend', [['focus', 'node', 'this technique (blue, bold)'], ['plain', 'node', 'seen right before (left) or after (right) it'], ['plain', 'edge', 'labelled with the number of case studies']]),
          h('div', { class: 'graph-scroll' }, graphBox), walkInfo,
          h('h3', {}, 'Before'), transitions(t.precededBy, 'before'), h('h3', {}, 'After'), transitions(t.followedBy, 'after')),
        h('section', { class: 'card', id: 'case-studies' }, h('h2', {}, `Case studies (${t.caseStudies.length})`),
          t.caseStudies.length ? h('ul', { class: 'plain' }, t.caseStudies.map((c) => h('li', {}, csl(c), ' ', c.name))) : h('p', { class: 'muted' }, 'No case study step uses this technique itself.')),
        h('section', { class: 'card', id: 'actors' }, h('h2', {}, `Actors (${t.actors.length})`),
          t.actors.length ? table(null, ['Actor', 'Known from', 'Case studies'], t.actors.map((a) => [h('a', { href: `#/actors?ids=${encodeURIComponent(a.actor.id)}${ctx.release ? '&release=' + encodeURIComponent(ctx.release) : ''}` }, a.actor.name, a.actor.attackId ? ` (${a.actor.attackId})` : ''), a.via.map((v) => (v === 'ATTACK' ? 'ATT&CK' : 'case study')).join(', '), a.caseStudies.map((c, i) => [i ? ', ' : '', csl(c)])]), { id: 'technique-actors' })
            : h('p', { class: 'muted' }, 'No named actor is seen using it.')))));

  // The neighbourhood graph: before on the left, this technique in the middle, after on the right.
  const els = [{ group: 'nodes', data: { id: t.id, label: label(t.id, t.name) }, classes: 'focus', position: { x: 0, y: 0 } }];
  const side = (list, x, dir) => list.forEach((n, i) => {
    const nid = `${dir}:${n.technique.id}`;
    const y = (i - (list.length - 1) / 2) * 58;
    els.push({ group: 'nodes', data: { id: nid, tech: n.technique.id, label: label(n.technique.id, n.technique.name) }, position: { x, y } });
    els.push({ group: 'edges', data: { id: `e:${nid}`, source: dir === 'b' ? nid : t.id, target: dir === 'b' ? t.id : nid, label: String(n.count) } });
  });
  side(t.precededBy, -175, 'b');
  side(t.followedBy, 175, 'a');
  const open = (el) => { if (el && el.isNode() && el.data('tech')) location.hash = `#/technique/${encodeURIComponent(el.data('tech'))}${rel}`; };
  // Drawn at full size (12 px labels); the box scrolls when the neighbourhood is wide.
  const cy = drawGraph(graphBox, els, { status: ctx.status, onTap: open, scale: 1 });
  keyboardWalk(cy, graphBox, { onPick: open, announce: (text) => { walkInfo.textContent = text; }, describe: (n) => `${n.data('label').replace('\n', ' ')}${n.data('tech') ? '. Enter opens it.' : ''}` });
  for (const tr of root.querySelectorAll('tr[data-node]')) {
    tr.addEventListener('mouseenter', () => spotlight(cy, cy.nodes().filter((n) => n.data('tech') === tr.dataset.node).closedNeighborhood()));
    tr.addEventListener('mouseleave', () => spotlight(cy, null));
  }
  return () => cy.destroy();
}
