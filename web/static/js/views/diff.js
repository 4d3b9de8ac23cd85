// View 6: what changed between two releases: objects added, removed and renamed, links added and
// removed, and case-study steps that changed.
import { gql, releases } from '../api.js';
import { h, add, setChildren, table, legend } from '../dom.js';

const ENT = 'added { id name } removed { id name } renamed { id from to }';
const LNK = 'added { from to } removed { from to }';
const Q = `query Diff($from: String!, $to: String!) {
  releaseDiff(from: $from, to: $to) {
    from to empty
    tactics { ${ENT} } techniques { ${ENT} } mitigations { ${ENT} } caseStudies { ${ENT} }
    achieves { ${LNK} } specializes { ${LNK} } mitigates { ${LNK} }
    steps { caseStudy stepId before { technique tactic leadsTo } after { technique tactic leadsTo } }
  }
}`;

const KINDS = [['tactics', 'Tactics'], ['techniques', 'Techniques'], ['mitigations', 'Mitigations'], ['caseStudies', 'Case studies']];
const LINKS = [['achieves', 'Technique → tactic'], ['specializes', 'Sub-technique → parent'], ['mitigates', 'Mitigation → technique']];

export async function render(root, route) {
  const rels = (await releases()).releases;
  const versions = rels.map((r) => r.version);
  const cur = rels.find((r) => r.current);
  let from = route.params.get('from') || '';
  let to = route.params.get('to') || '';
  if (!to) to = cur ? cur.version : versions[0] || '';
  if (!from) from = versions.find((v) => v !== to) || '';

  const pick = (id, value) => h('select', { id }, versions.map((v) => h('option', { value: v, selected: v === value }, v)));
  const fromSel = pick('diff-from', from);
  const toSel = pick('diff-to', to);
  const form = h('form', { class: 'toolbar form' }, h('h1', {}, 'Release diff'),
    h('label', { for: 'diff-from' }, 'From'), fromSel, h('label', { for: 'diff-to' }, 'To'), toSel,
    h('button', { type: 'submit', class: 'primary' }, 'Compare'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/diff?from=${encodeURIComponent(fromSel.value)}&to=${encodeURIComponent(toSel.value)}`;
  });
  setChildren(root, form);
  if (versions.length < 2) {
    add(root, h('p', { class: 'card muted' }, 'Only one release is loaded. Load another (`atlasgraph load --release VERSION`) to compare them.'));
    return;
  }
  if (from === to) {
    add(root, h('p', { class: 'card muted' }, 'Pick two different releases.'));
    return;
  }
  const d = (await gql(Q, { from, to })).releaseDiff;
  // Each list is a region the keyboard can reach and scroll (tabindex 0), named by its heading.
  const card = (title, n, cls, body) => h('section', { class: `card diff-card ${cls}`, dataset: { section: cls }, tabindex: 0, 'aria-labelledby': `diff-h-${cls}` },
    h('h2', { id: `diff-h-${cls}` }, title, ' ', h('span', { class: 'count' }, String(n))), body);
  const change = { add: '+ added', rem: '− removed', ren: '~ renamed' };
  const summary = h('table', { class: 'data summary-table', id: 'diff-summary' },
    h('caption', {}, `${d.from} → ${d.to}`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, 'Added'), h('th', { scope: 'col' }, 'Removed'), h('th', { scope: 'col' }, 'Renamed'))),
    h('tbody', {},
      KINDS.map(([k, t]) => h('tr', { dataset: { kind: k } }, h('th', { scope: 'row' }, t), h('td', { class: 'num add' }, String(d[k].added.length)), h('td', { class: 'num rem' }, String(d[k].removed.length)), h('td', { class: 'num ren' }, String(d[k].renamed.length)))),
      LINKS.map(([k, t]) => h('tr', { dataset: { kind: k } }, h('th', { scope: 'row' }, `${t} links`), h('td', { class: 'num add' }, String(d[k].added.length)), h('td', { class: 'num rem' }, String(d[k].removed.length)), h('td', { class: 'num' }, '—'))),
      h('tr', { dataset: { kind: 'steps' } }, h('th', { scope: 'row' }, 'Case-study steps changed'), h('td', { class: 'num', colspan: 3 }, String(d.steps.length)))));
  const ent = (k, t) => {
    const c = d[k];
    const n = c.added.length + c.removed.length + c.renamed.length;
    if (!n) return null;
    const rows = [
      ...c.added.map((x) => h('tr', { class: 'add' }, h('td', {}, change.add), h('td', {}, x.id), h('td', {}, x.name))),
      ...c.removed.map((x) => h('tr', { class: 'rem' }, h('td', {}, change.rem), h('td', {}, x.id), h('td', {}, x.name))),
      ...c.renamed.map((x) => h('tr', { class: 'ren' }, h('td', {}, change.ren), h('td', {}, x.id), h('td', {}, `${x.from} → ${x.to}`))),
    ];
    return card(t, n, k, table(null, ['Change', 'Id', 'Name'], rows, { id: `diff-${k}` }));
  };
  const lnk = (k, t) => {
    const c = d[k];
    const n = c.added.length + c.removed.length;
    if (!n) return null;
    const rows = [...c.added.map((x) => h('tr', { class: 'add' }, h('td', {}, change.add), h('td', {}, x.from), h('td', {}, x.to))),
      ...c.removed.map((x) => h('tr', { class: 'rem' }, h('td', {}, change.rem), h('td', {}, x.from), h('td', {}, x.to)))];
    return card(`${t} links`, n, k, table(null, ['Change', 'From', 'To'], rows, { id: `diff-${k}` }));
  };
  const st = (s) => (s ? `${s.technique} (${s.tactic})${s.leadsTo.length ? ' → ' + s.leadsTo.join(', ') : ''}` : '—');
  add(root,
    legend('Changes', [{ key: 'detect', text: '+ added' }, { key: 'outside', text: '− removed (id struck through)' }, { key: 'reduce', text: '~ renamed' }]),
    d.empty ? h('p', { class: 'card good' }, 'Nothing the diff looks at changed.') : null,
    h('div', { class: 'diff-grid' },
      h('section', { class: 'card' }, summary),
      KINDS.map(([k, t]) => ent(k, t)), LINKS.map(([k, t]) => lnk(k, t)),
      d.steps.length ? card('Case-study steps', d.steps.length, 'steps', table(null, ['Case study', 'Step', 'Before', 'After'],
        d.steps.map((s) => h('tr', { class: !s.before ? 'add' : !s.after ? 'rem' : 'ren' }, h('td', {}, s.caseStudy), h('td', {}, s.stepId), h('td', {}, st(s.before)), h('td', {}, st(s.after)))), { id: 'diff-steps' })) : null));
}
