// A mitigation's page: what it is and the techniques it counters, with the text saying how.
import { gql } from '../api.js';
import { h, setChildren, markdown } from '../dom.js';

const Q = `query Mitigation($id: ID!, $r: String) {
  mitigation(id: $id, release: $r) {
    id name description categories lifecyclePhases
    techniques { description technique { id name } }
  }
}`;

export async function render(root, route, ctx) {
  const data = await gql(Q, { id: route.arg, r: ctx.release || null });
  const m = data.mitigation;
  if (!m) throw new Error(`There is no mitigation ${route.arg} in this release.`);
  const rel = ctx.release ? `?release=${encodeURIComponent(ctx.release)}` : '';
  setChildren(root,
    h('nav', { class: 'crumbs' }, h('a', { href: `#/matrix${rel}` }, 'Matrix'), ' / Mitigations'),
    h('header', { class: 'page-head' }, h('h1', {}, h('span', { class: 'id' }, m.id), ' ', m.name),
      h('div', { class: 'chips' }, m.categories.map((c) => h('span', { class: 'chip' }, c)), m.lifecyclePhases.map((p) => h('span', { class: 'chip light' }, p)))),
    h('div', { class: 'two-col' },
      h('section', { class: 'card' }, h('h2', {}, 'Description'), markdown(m.description)),
      h('section', { class: 'card' }, h('h2', {}, `Techniques it counters (${m.techniques.length})`),
        h('dl', { class: 'mitigations' }, m.techniques.map((x) => [h('dt', {}, h('a', { href: `#/technique/${encodeURIComponent(x.technique.id)}${rel}` }, `${x.technique.id} ${x.technique.name}`)), h('dd', {}, markdown(x.description))])))));
}
