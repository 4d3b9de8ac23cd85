// The threat-model editor: a new model (#/threat-model/new) or a stored one
// (#/threat-model/ID?edit=1), as a form (components with kind and properties, flows, controls,
// accepted risks, preferences) or as its model file (&view=yaml), both the same model. Saving
// sends the whole model with createThreatModel or replaceThreatModel (at the version read, so a
// change made meanwhile is refused, not overwritten); the server's problems come back each
// naming its field and are shown beside it. Saving needs an editor token (js/auth.js).
import { gql, base, releases } from '../api.js';
import { h, add, setChildren } from '../dom.js';
import { record } from '../router.js';
import { requireSignIn, signedIn, isAuthError } from '../auth.js';

const TAXONOMY = '{ threatModelTaxonomy { kinds { id name layer description } properties { name type values description } } }';
const MODEL_FIELDS = `id version name description atlasRelease
  components { id kind name description properties { name value } }
  flows { id from to trustBoundary data }
  controls { id mitigation status scope note }
  acceptedRisks { technique owner reason expires }
  preferences { countDetection costs { mitigation cost } exclude }`;
const STATUSES = ['implemented', 'partial', 'planned'];

let flash = '';
/** A message the editor leaves for the next view (what was saved); read once. */
export function takeFlash() { const f = flash; flash = ''; return f; }

/** Reads a stored model in the shape the editor edits. */
export async function loadModel(id) {
  return (await gql(`query M($id: ID!) { threatModel(id: $id) { ${MODEL_FIELDS} } }`, { id })).threatModel;
}

/** The model as the editor holds it, from the API's shape. */
export function fromAPI(m, id = '') {
  return {
    id: m.id || id, version: m.version || 0, name: m.name || '', description: m.description || '', atlasRelease: m.atlasRelease || '',
    components: (m.components || []).map((c) => ({ id: c.id, kind: c.kind, name: c.name === c.id ? '' : c.name, description: c.description || '', properties: Object.fromEntries((c.properties || []).map((p) => [p.name, p.value])) })),
    flows: (m.flows || []).map((f) => ({ id: f.id === `${f.from}->${f.to}` ? '' : f.id, from: f.from, to: f.to, trustBoundary: !!f.trustBoundary, data: f.data || '' })),
    controls: (m.controls || []).map((c) => ({ id: c.id === c.mitigation ? '' : c.id, mitigation: c.mitigation, status: c.status, scope: [...(c.scope || [])], note: c.note || '' })),
    acceptedRisks: (m.acceptedRisks || []).map((a) => ({ ...a })),
    preferences: {
      countDetection: !!(m.preferences && m.preferences.countDetection),
      costs: ((m.preferences && m.preferences.costs) || []).map((c) => ({ mitigation: c.mitigation, cost: String(c.cost) })),
      exclude: [...((m.preferences && m.preferences.exclude) || [])],
    },
  };
}

const blank = () => fromAPI({});

/** The GraphQL ThreatModelInput of the editor's model; the arrays keep the form's order, so a problem's index is the form's row. */
export function toInput(s) {
  return {
    id: s.id, name: s.name, description: s.description, atlasRelease: s.atlasRelease || null,
    components: s.components.map((c) => ({ id: c.id, kind: c.kind, name: c.name || null, description: c.description,
      properties: Object.entries(c.properties).filter(([, v]) => v !== '' && v !== 'false').map(([name, value]) => ({ name, value })) })),
    flows: s.flows.map((f) => ({ id: f.id || null, from: f.from, to: f.to, trustBoundary: f.trustBoundary, data: f.data })),
    controls: s.controls.map((c) => ({ id: c.id || null, mitigation: c.mitigation, status: c.status, scope: c.scope, note: c.note })),
    acceptedRisks: s.acceptedRisks.map((a) => ({ technique: a.technique, owner: a.owner, reason: a.reason, expires: a.expires })),
    preferences: { countDetection: s.preferences.countDetection, exclude: s.preferences.exclude.filter(Boolean),
      costs: s.preferences.costs.filter((c) => c.mitigation || c.cost !== '').map((c) => ({ mitigation: c.mitigation, cost: Number(c.cost) })) },
  };
}

// A model file (docs/threatmodel.md) of the editor's model. Strings are written as JSON strings,
// which YAML reads as double-quoted scalars, so no value needs escaping rules of its own.
export function toYAML(s, propTypes) {
  const q = (v) => JSON.stringify(String(v));
  const out = [];
  out.push(`name: ${q(s.name)}`);
  if (s.description) out.push(`description: ${q(s.description)}`);
  out.push(`atlasRelease: ${q(s.atlasRelease || 'current')}`);
  const list = (key, items, write) => {
    if (!items.length) return;
    out.push(`${key}:`);
    for (const it of items) {
      const lines = write(it);
      lines.forEach((l, i) => out.push(`${i ? '    ' : '  - '}${l}`));
    }
  };
  list('components', s.components, (c) => {
    const l = [`id: ${q(c.id)}`, `kind: ${q(c.kind)}`];
    if (c.name) l.push(`name: ${q(c.name)}`);
    if (c.description) l.push(`description: ${q(c.description)}`);
    const props = Object.entries(c.properties).filter(([, v]) => v !== '' && v !== 'false');
    if (props.length) {
      l.push('properties:');
      for (const [k, v] of props) l.push(`  ${k}: ${propTypes.get(k) === 'bool' ? (v === 'true' ? 'true' : 'false') : q(v)}`);
    }
    return l;
  });
  list('flows', s.flows, (f) => [...(f.id ? [`id: ${q(f.id)}`] : []), `from: ${q(f.from)}`, `to: ${q(f.to)}`, `trustBoundary: ${f.trustBoundary ? 'true' : 'false'}`, ...(f.data ? [`data: ${q(f.data)}`] : [])]);
  list('controls', s.controls, (c) => [...(c.id ? [`id: ${q(c.id)}`] : []), `mitigation: ${q(c.mitigation)}`, `status: ${q(c.status)}`, ...(c.scope.length ? [`scope: [${c.scope.map(q).join(', ')}]`] : []), ...(c.note ? [`note: ${q(c.note)}`] : [])]);
  list('acceptedRisks', s.acceptedRisks, (a) => [`technique: ${q(a.technique)}`, `owner: ${q(a.owner)}`, `reason: ${q(a.reason)}`, `expires: ${q(a.expires)}`]);
  const p = s.preferences;
  const costs = p.costs.filter((c) => c.mitigation);
  const excl = p.exclude.filter(Boolean);
  if (p.countDetection || costs.length || excl.length) {
    out.push('preferences:');
    if (p.countDetection) out.push('  countDetection: true');
    if (costs.length) {
      out.push('  costs:');
      for (const c of costs) out.push(`    ${q(c.mitigation)}: ${Number.isFinite(Number(c.cost)) && c.cost !== '' ? Number(c.cost) : q(c.cost)}`);
    }
    if (excl.length) out.push(`  exclude: [${excl.map(q).join(', ')}]`);
  }
  return out.join('\n') + '\n';
}

// Ids of the form's controls: one per field path of the model input (components[0].kind ...).
const fid = (field) => 'tmf-' + field.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * Draws the editor. stored is the model as read (null for a new one); the route's view=yaml opens
 * the model file instead of the form.
 */
export async function renderEditor(root, route, ctx, stored) {
  const rel = ctx.release || '';
  const [tax, b, rels] = await Promise.all([gql(TAXONOMY), base(rel), releases().catch(() => ({ releases: [] }))]);
  const kinds = tax.threatModelTaxonomy.kinds;
  const props = tax.threatModelTaxonomy.properties;
  const propTypes = new Map(props.map((p) => [p.name, p.type]));
  const mits = b.mitigations;
  const techs = b.techniques;
  const isNew = !stored;
  let s = isNew ? blank() : fromAPI(stored);
  let mode = route.params.get('view') === 'yaml' ? 'yaml' : 'form';
  let yamlText = mode === 'yaml' ? toYAML(s, propTypes) : '';
  // A draft evaluated on the list page arrives as its file (y=, as the draft view's link has it).
  if (isNew && route.params.get('y')) {
    const { unpack } = await import('./threatmodel.js');
    yamlText = await unpack(route.params.get('y'));
    mode = 'yaml';
  }

  const resolveBy = (items, text) => {
    const t = text.trim();
    if (!t) return '';
    const lower = t.toLowerCase();
    const byId = items.find((x) => x.id.toLowerCase() === lower);
    if (byId) return byId.id;
    const byName = items.filter((x) => x.name.toLowerCase() === lower);
    if (byName.length === 1) return byName[0].id;
    const part = items.filter((x) => x.name.toLowerCase().includes(lower));
    return part.length === 1 ? part[0].id : t;
  };
  const mitName = (id) => (b.mitById.get(id) || {}).name || '';
  const techName = (id) => (b.techById.get(id) || {}).name || '';

  const status = h('p', { id: 'tm-edit-status', role: 'status', class: 'small muted' });
  const summary = h('div', { id: 'tm-edit-errors' });
  const body = h('div', { id: 'tm-edit-body' });
  const modeBtn = (m, label) => {
    const btn = h('button', { type: 'button', id: `tm-mode-${m}`, 'aria-pressed': String(mode === m) }, label);
    btn.addEventListener('click', () => switchMode(m));
    return btn;
  };
  const saveBtn = h('button', { type: 'button', class: 'primary', id: 'tm-save' }, isNew ? 'Create model' : 'Save changes');
  saveBtn.addEventListener('click', () => save());
  const back = isNew ? '#/threat-model' : `#/threat-model/${encodeURIComponent(s.id)}`;
  // A new model may start from a template (the files of atlasgraph model init --template).
  let start = null;
  if (isNew) {
    const templates = (await gql('{ threatModelTemplates { name yaml } }')).threatModelTemplates;
    const pick = h('select', { id: 'tm-template' }, h('option', { value: '' }, 'an empty model'), templates.map((t) => h('option', { value: t.name }, t.name)));
    pick.addEventListener('change', async () => {
      const t = templates.find((x) => x.name === pick.value);
      const keepId = s.id;
      if (!t) { s = blank(); s.id = keepId; yamlText = toYAML(s, propTypes); paint(); return; }
      yamlText = t.yaml;
      if (mode === 'form' && !(await readYAML())) return;
      s.id = keepId;
      paint();
      status.textContent = `Started from the ${t.name} template.`;
    });
    start = h('span', { class: 'fld inline' }, h('label', { for: 'tm-template' }, 'Start from'), pick);
  }
  setChildren(root,
    h('nav', { class: 'crumbs' }, h('a', { href: '#/threat-model' }, 'Threat models'), ' / ', isNew ? 'new' : h('a', { href: back }, s.id), isNew ? '' : ' / edit'),
    h('header', { class: 'page-head' }, h('h1', {}, isNew ? 'New threat model' : `Edit ${stored.name}`, ' ', isNew ? '' : h('span', { class: 'id' }, `${s.id} · v${s.version}`)),
      h('p', { class: 'small muted' }, signedIn() ? 'Signed in: saving sends the whole model to the server, which checks it against the release.' : 'Saving needs an editor token: you will be asked for it.')),
    h('div', { class: 'toolbar tm-edit-bar' },
      h('div', { class: 'buttons', role: 'group', 'aria-label': 'Edit as' }, modeBtn('form', 'Form'), modeBtn('yaml', 'YAML')),
      start, saveBtn, h('a', { href: back, id: 'tm-cancel' }, 'Cancel'), isNew ? null : deleteControl(), status),
    summary, body);

  // Lists the datalists the searchable fields use (mitigations and techniques, by id with names).
  const lists = h('div', { hidden: true },
    h('datalist', { id: 'tm-mit-list' }, mits.map((m) => h('option', { value: m.id }, `${m.id} ${m.name}`))),
    h('datalist', { id: 'tm-tech-list' }, techs.map((t) => h('option', { value: t.id }, `${t.id} ${t.name}`))));

  function input(field, value, set, attrs = {}) {
    const el = h('input', { id: fid(field), dataset: { field }, value: value ?? '', ...attrs });
    if (attrs.type === 'checkbox') {
      el.checked = !!value;
      el.removeAttribute('value');
      el.addEventListener('change', () => set(el.checked));
    } else {
      el.addEventListener('input', () => set(el.value));
    }
    return el;
  }
  function select(field, value, options, set, attrs = {}) {
    const opts = options.map(([v, label]) => h('option', { value: v }, label));
    if (value && !options.some(([v]) => v === value)) opts.unshift(h('option', { value }, `${value} (not in the list)`));
    const el = h('select', { id: fid(field), dataset: { field }, ...attrs }, opts);
    el.value = value ?? '';
    el.addEventListener('change', () => set(el.value));
    return el;
  }
  const fld = (label, control, hint) => h('div', { class: 'fld' }, h('label', { for: control.id }, label), control, hint ? h('span', { class: 'hint small muted', id: `${control.id}-hint` }, hint) : null);
  const removeBtn = (label, onClick) => {
    const btn = h('button', { type: 'button', class: 'remove-btn', 'aria-label': label }, 'Remove');
    btn.addEventListener('click', onClick);
    return btn;
  };
  const addBtn = (id, label, onClick) => {
    const btn = h('button', { type: 'button', id, class: 'add-btn' }, label);
    btn.addEventListener('click', onClick);
    return btn;
  };
  // A searchable id field (mitigation or technique): type an id or a name; a unique match
  // becomes its id, and its name is shown beside.
  function searchField(field, label, value, items, listId, nameOf, set) {
    const out = h('output', { class: 'small muted resolved', for: fid(field) }, nameOf(value));
    const el = input(field, value, (v) => { set(v); out.textContent = nameOf(v.trim()); }, { list: listId, autocomplete: 'off', placeholder: 'id or name' });
    el.addEventListener('change', () => {
      const id = resolveBy(items, el.value);
      if (id !== el.value) { el.value = id; set(id); }
      out.textContent = nameOf(id);
    });
    return h('div', { class: 'fld' }, h('label', { for: el.id }, label), el, out);
  }
  // After a row is added, its first field takes the focus; after one is removed, the section's add button.
  const repaint = (focusSel) => {
    paint();
    if (focusSel) { const el = body.querySelector(focusSel); if (el) el.focus(); }
  };

  function paint() {
    if (mode === 'yaml') return paintYAML();
    const compOpts = s.components.map((c) => [c.id, c.id]);
    const modelSec = h('fieldset', { class: 'card tm-sec', id: 'tm-sec-model' }, h('legend', {}, 'Model'),
      h('div', { class: 'fld-row' },
        isNew ? fld('Id', input('id', s.id, (v) => { s.id = v; }, { required: true, autocomplete: 'off', 'aria-describedby': `${fid('id')}-hint` }), 'lower-case letters, digits and -') : null,
        fld('Name', input('name', s.name, (v) => { s.name = v; }, { required: true })),
        fld('ATLAS release', select('atlasRelease', s.atlasRelease, [['', 'current (follows new releases)'], ...rels.releases.map((r) => [r.version, r.version])], (v) => { s.atlasRelease = v; }))),
      fld('Description', (() => { const t = h('textarea', { id: fid('description'), dataset: { field: 'description' }, rows: 2 }); t.value = s.description; t.addEventListener('input', () => { s.description = t.value; }); return t; })()));

    const comps = h('fieldset', { class: 'card tm-sec', id: 'tm-sec-components' }, h('legend', {}, `Components (${s.components.length})`),
      s.components.map((c, i) => {
        const p = `components[${i}]`;
        return h('fieldset', { class: 'tm-item', dataset: { index: i } }, h('legend', {}, `Component ${i + 1}${c.id ? `: ${c.id}` : ''}`),
          h('div', { class: 'fld-row' },
            fld('Id', (() => {
              // A renamed component keeps its flows and control scopes: they follow the new id.
              let was = c.id;
              const el = input(`${p}.id`, c.id, (v) => { c.id = v; }, { required: true, autocomplete: 'off' });
              el.addEventListener('change', () => {
                const now = c.id;
                if (now !== was) {
                  if (was) {
                    for (const f of s.flows) { if (f.from === was) f.from = now; if (f.to === was) f.to = now; }
                    for (const x of s.controls) x.scope = x.scope.map((id) => (id === was ? now : id));
                  }
                  // Redrawn so the flows and scopes offer the new id.
                  const keep = document.activeElement && document.activeElement.id;
                  paint();
                  if (keep) { const k = body.querySelector(`#${CSS.escape(keep)}`); if (k) k.focus(); }
                }
                was = now;
              });
              return el;
            })()),
            fld('Kind', select(`${p}.kind`, c.kind, [['', 'choose a kind'], ...kinds.map((k) => [k.id, `${k.name} (${k.id})`])], (v) => { c.kind = v; })),
            fld('Name', input(`${p}.name`, c.name, (v) => { c.name = v; }, { placeholder: 'the id by default' })),
            fld('Description', input(`${p}.description`, c.description, (v) => { c.description = v; }))),
          // Properties folded for a component that has its kind, the ones set named on the fold.
          h('details', { class: 'props-fold', open: !c.kind || undefined },
            h('summary', {}, `Properties: ${Object.entries(c.properties).filter(([, v]) => v && v !== 'false').map(([k, v]) => (v === 'true' ? k : `${k}=${v}`)).join(', ') || 'none set'}`),
          h('fieldset', { class: 'props', id: fid(`${p}.properties`), dataset: { field: `${p}.properties` } }, h('legend', {}, 'Properties'),
            h('div', { class: 'prop-grid' }, props.map((pi) => {
              const f = `${p}.properties.${pi.name}`;
              if (pi.type === 'bool') {
                const cb = input(f, c.properties[pi.name] === 'true', (v) => { c.properties[pi.name] = v ? 'true' : 'false'; }, { type: 'checkbox', title: pi.description });
                return h('label', { class: 'check', for: cb.id, title: pi.description }, cb, pi.name);
              }
              const ctl = pi.values.length ? select(f, c.properties[pi.name] || '', [['', '—'], ...pi.values.map((v) => [v, v])], (v) => { c.properties[pi.name] = v; })
                : input(f, c.properties[pi.name] || '', (v) => { c.properties[pi.name] = v; });
              return h('span', { class: 'fld inline', title: pi.description }, h('label', { for: ctl.id }, pi.name), ctl);
            })))),
          removeBtn(`Remove component ${c.id || i + 1}`, () => { s.components.splice(i, 1); repaint('#tm-add-component'); }));
      }),
      addBtn('tm-add-component', 'Add a component', () => { s.components.push({ id: '', kind: '', name: '', description: '', properties: {} }); repaint(`#${fid(`components[${s.components.length - 1}].id`)}`); }));

    const flows = h('fieldset', { class: 'card tm-sec', id: 'tm-sec-flows' }, h('legend', {}, `Flows (${s.flows.length})`),
      s.flows.map((f, i) => {
        const p = `flows[${i}]`;
        return h('div', { class: 'tm-item fld-row', role: 'group', 'aria-label': `Flow ${i + 1}` },
          fld('From', select(`${p}.from`, f.from, [['', 'choose'], ...compOpts], (v) => { f.from = v; })),
          fld('To', select(`${p}.to`, f.to, [['', 'choose'], ...compOpts], (v) => { f.to = v; })),
          fld('Data', input(`${p}.data`, f.data, (v) => { f.data = v; }, { placeholder: 'what moves' })),
          h('label', { class: 'check', for: fid(`${p}.trustBoundary`) }, input(`${p}.trustBoundary`, f.trustBoundary, (v) => { f.trustBoundary = v; }, { type: 'checkbox' }), 'crosses a trust boundary'),
          fld('Id', input(`${p}.id`, f.id, (v) => { f.id = v; }, { placeholder: 'FROM->TO', autocomplete: 'off' })),
          removeBtn(`Remove flow ${i + 1}`, () => { s.flows.splice(i, 1); repaint('#tm-add-flow'); }));
      }),
      addBtn('tm-add-flow', 'Add a flow', () => { s.flows.push({ id: '', from: '', to: '', trustBoundary: false, data: '' }); repaint(`#${fid(`flows[${s.flows.length - 1}].from`)}`); }));

    const ctrls = h('fieldset', { class: 'card tm-sec', id: 'tm-sec-controls' }, h('legend', {}, `Controls (${s.controls.length})`),
      h('p', { class: 'small muted' }, 'ATLAS mitigations you have in place (implemented) or on the way (partial, planned); only implemented ones count in the report.'),
      s.controls.map((c, i) => {
        const p = `controls[${i}]`;
        return h('div', { class: 'tm-item', role: 'group', 'aria-label': `Control ${i + 1}` },
          h('div', { class: 'fld-row' },
            searchField(`${p}.mitigation`, 'Mitigation (id or name)', c.mitigation, mits, 'tm-mit-list', mitName, (v) => { c.mitigation = v; }),
            fld('Status', select(`${p}.status`, c.status, STATUSES.map((x) => [x, x]), (v) => { c.status = v; })),
            fld('Note', input(`${p}.note`, c.note, (v) => { c.note = v; })),
            fld('Id', input(`${p}.id`, c.id, (v) => { c.id = v; }, { placeholder: 'the mitigation id', autocomplete: 'off' }))),
          h('fieldset', { class: 'scope', id: fid(`${p}.scope`), dataset: { field: `${p}.scope` } }, h('legend', {}, 'Scope (none ticked: every component)'),
            s.components.map((comp, j) => h('label', { class: 'check', for: fid(`${p}.scope.${j}`) },
              input(`${p}.scope.${j}`, c.scope.includes(comp.id), (v) => { c.scope = v ? [...new Set([...c.scope, comp.id])] : c.scope.filter((x) => x !== comp.id); }, { type: 'checkbox' }), comp.id || `component ${j + 1}`))),
          removeBtn(`Remove control ${c.mitigation || i + 1}`, () => { s.controls.splice(i, 1); repaint('#tm-add-control'); }));
      }),
      addBtn('tm-add-control', 'Add a control', () => { s.controls.push({ id: '', mitigation: '', status: 'implemented', scope: [], note: '' }); repaint(`#${fid(`controls[${s.controls.length - 1}].mitigation`)}`); }));

    const risks = h('fieldset', { class: 'card tm-sec', id: 'tm-sec-risks' }, h('legend', {}, `Accepted risks (${s.acceptedRisks.length})`),
      s.acceptedRisks.map((a, i) => {
        const p = `acceptedRisks[${i}]`;
        return h('div', { class: 'tm-item fld-row', role: 'group', 'aria-label': `Accepted risk ${i + 1}` },
          searchField(`${p}.technique`, 'Technique (id or name)', a.technique, techs, 'tm-tech-list', techName, (v) => { a.technique = v; }),
          fld('Owner', input(`${p}.owner`, a.owner, (v) => { a.owner = v; })),
          fld('Reason', input(`${p}.reason`, a.reason, (v) => { a.reason = v; })),
          fld('Expires', input(`${p}.expires`, a.expires, (v) => { a.expires = v; }, { type: 'date' })),
          removeBtn(`Remove accepted risk ${a.technique || i + 1}`, () => { s.acceptedRisks.splice(i, 1); repaint('#tm-add-risk'); }));
      }),
      addBtn('tm-add-risk', 'Accept a risk', () => { s.acceptedRisks.push({ technique: '', owner: '', reason: '', expires: '' }); repaint(`#${fid(`acceptedRisks[${s.acceptedRisks.length - 1}].technique`)}`); }));

    const pr = s.preferences;
    const prefs = h('fieldset', { class: 'card tm-sec', id: 'tm-sec-prefs' }, h('legend', {}, 'Preferences'),
      h('label', { class: 'check', for: fid('preferences.countDetection') }, input('preferences.countDetection', pr.countDetection, (v) => { pr.countDetection = v; }, { type: 'checkbox' }), 'count detection as a cut (detect links of implemented controls break a step, as prevent links do)'),
      h('h3', {}, 'Costs of mitigations (unlisted ones cost 1)'),
      pr.costs.map((c, i) => h('div', { class: 'tm-item fld-row', role: 'group', 'aria-label': `Cost ${i + 1}` },
        (() => {
          // The server names a cost by its mitigation (preferences.costs.AML.M0015): the field follows what is typed.
          const f = searchField(`preferences.costs.${c.mitigation || `#${i}`}`, 'Mitigation', c.mitigation, mits, 'tm-mit-list', mitName, (v) => { c.mitigation = v; });
          const el = f.querySelector('input');
          const follow = () => { el.dataset.field = `preferences.costs.${el.value.trim()}`; };
          el.addEventListener('input', follow);
          el.addEventListener('change', follow);
          return f;
        })(),
        fld('Cost', input(`preferences.cost.${i}`, c.cost, (v) => { c.cost = v; }, { type: 'number', min: '0', step: 'any' })),
        removeBtn(`Remove the cost of ${c.mitigation || i + 1}`, () => { pr.costs.splice(i, 1); repaint('#tm-add-cost'); }))),
      addBtn('tm-add-cost', 'Add a cost', () => { pr.costs.push({ mitigation: '', cost: '1' }); repaint(`#${fid(`preferences.costs.#${pr.costs.length - 1}`)}`); }),
      h('h3', {}, 'Never recommend'),
      pr.exclude.map((x, i) => h('div', { class: 'tm-item fld-row', role: 'group', 'aria-label': `Excluded mitigation ${i + 1}` },
        searchField(`preferences.exclude[${i}]`, 'Mitigation', x, mits, 'tm-mit-list', mitName, (v) => { pr.exclude[i] = v; }),
        removeBtn(`Remove ${x || 'this mitigation'} from the excluded`, () => { pr.exclude.splice(i, 1); repaint('#tm-add-exclude'); }))),
      addBtn('tm-add-exclude', 'Exclude a mitigation', () => { pr.exclude.push(''); repaint(`#${fid(`preferences.exclude[${pr.exclude.length - 1}]`)}`); }));

    setChildren(body, lists, h('form', { id: 'tm-edit-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); save(); } }, modelSec, comps, flows, ctrls, risks, prefs));
  }

  function paintYAML() {
    const area = h('textarea', { id: 'tm-edit-yaml', rows: 24, spellcheck: 'false', 'aria-describedby': 'tm-yaml-problems tm-yaml-help' });
    area.value = yamlText;
    area.addEventListener('input', () => { yamlText = area.value; });
    const file = h('input', { type: 'file', id: 'tm-edit-file', accept: '.yaml,.yml,text/yaml' });
    file.addEventListener('change', async () => { if (file.files[0]) { yamlText = await file.files[0].text(); area.value = yamlText; } });
    const dl = h('button', { type: 'button', id: 'tm-yaml-download' }, 'Download the file');
    dl.addEventListener('click', () => {
      const url = URL.createObjectURL(new Blob([yamlText], { type: 'text/yaml' }));
      const a = h('a', { href: url, download: `${s.id || 'model'}.yaml` });
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    });
    setChildren(body, h('section', { class: 'card' },
      isNew ? fld('Id of the new model', input('id', s.id, (v) => { s.id = v; }, { required: true, autocomplete: 'off', 'aria-describedby': `${fid('id')}-hint` }), 'lower-case letters, digits and -; the file does not carry it') : null,
      h('label', { for: 'tm-edit-yaml' }, 'Model file (YAML)'),
      h('p', { id: 'tm-yaml-help', class: 'small muted' }, 'The same model as the form, as atlasgraph model check reads it (docs/threatmodel.md). Switching back to the form or saving reads it on the server; problems are listed below with their line and column.'),
      area, h('div', { id: 'tm-yaml-problems' }),
      h('div', { class: 'buttons' }, h('label', { for: 'tm-edit-file' }, 'Load a model file'), file, dl)));
  }

  // Reads the YAML on the server into the editor's model; false (problems shown) when it does not read.
  async function readYAML() {
    try {
      const m = (await gql(`query P($y: String!) { parseThreatModel(yaml: $y) { ${MODEL_FIELDS} } }`, { y: yamlText })).parseThreatModel;
      const id = s.id;
      const version = s.version;
      s = fromAPI(m, id);
      s.id = id;
      s.version = version;
      return true;
    } catch (err) {
      const box = body.querySelector('#tm-yaml-problems') || summary;
      const ps = err.problems && err.problems.length ? err.problems : [{ message: err.message }];
      setChildren(box, h('div', { class: 'error', role: 'alert' }, h('strong', {}, 'The model file does not read:'),
        h('ul', {}, ps.map((p) => h('li', {}, p.line ? `line ${p.line}, column ${p.column}: ` : '', p.message)))));
      const area = body.querySelector('#tm-edit-yaml');
      if (area) area.setAttribute('aria-invalid', 'true');
      return false;
    }
  }

  async function switchMode(m) {
    if (m === mode) return;
    clearProblems();
    if (m === 'yaml') {
      yamlText = toYAML(s, propTypes);
    } else if (!(await readYAML())) {
      return;
    }
    mode = m;
    for (const x of ['form', 'yaml']) root.querySelector(`#tm-mode-${x}`).setAttribute('aria-pressed', String(x === mode));
    const params = new URLSearchParams(route.params);
    if (mode === 'yaml') params.set('view', 'yaml'); else params.delete('view');
    record('threat-model', route.arg, params);
    paint();
    root.querySelector(`#tm-mode-${mode}`).focus();
  }

  function clearProblems() {
    setChildren(summary);
    for (const el of body.querySelectorAll('[aria-invalid="true"]')) {
      el.removeAttribute('aria-invalid');
      const d = (el.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && !x.endsWith('-err')).join(' ');
      if (d) el.setAttribute('aria-describedby', d); else el.removeAttribute('aria-describedby');
    }
    for (const el of body.querySelectorAll('.field-error')) el.remove();
  }

  // The element a problem's field names: the field itself, or the nearest enclosing part
  // (components[0].properties.modality → that component's properties).
  function fieldEl(field) {
    let f = field;
    while (f) {
      const el = body.querySelector(`[data-field="${CSS.escape(f)}"]`);
      if (el) return el;
      const cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
      if (cut <= 0) break;
      f = f.slice(0, cut);
    }
    return null;
  }

  function showProblems(err) {
    clearProblems();
    const ps = err.problems && err.problems.length ? err.problems : [{ field: '', message: err.message }];
    const items = [];
    let first = null;
    for (const p of ps) {
      const el = p.field ? fieldEl(p.field) : null;
      if (el) {
        const fold = el.closest('details');
        if (fold) fold.open = true;
        const errId = `${el.id}-err`;
        let box = body.querySelector(`#${CSS.escape(errId)}`);
        if (!box) {
          box = h('p', { class: 'field-error', id: errId });
          (el.closest('.fld') || el).after(box);
          el.setAttribute('aria-invalid', 'true');
          el.setAttribute('aria-describedby', [el.getAttribute('aria-describedby'), errId].filter(Boolean).join(' '));
        }
        add(box, box.childNodes.length ? ' ' : '', p.message);
        first = first || el;
        const go = h('a', { href: `#${el.id}` }, p.message);
        go.addEventListener('click', (e) => { e.preventDefault(); el.focus(); });
        items.push(h('li', {}, go));
      } else {
        items.push(h('li', {}, p.line ? `line ${p.line}, column ${p.column}: ` : '', p.message));
      }
    }
    setChildren(summary, h('div', { class: 'error', role: 'alert' },
      h('strong', {}, ps.length === 1 ? 'The model was not saved:' : `The model was not saved: ${ps.length} problems.`), h('ul', {}, items)));
    if (first) first.focus();
  }

  async function save() {
    clearProblems();
    status.textContent = '';
    if (mode === 'yaml' && !(await readYAML())) return;
    if (!signedIn() && !(await requireSignIn('Saving a model needs an editor token.'))) {
      setChildren(summary, h('div', { class: 'error', role: 'alert' }, 'Not saved: sign in with an editor token first.'));
      return;
    }
    saveBtn.disabled = true;
    status.textContent = 'Saving…';
    try {
      const input = toInput(s);
      const saved = isNew
        ? (await gql('mutation C($in: ThreatModelInput!) { createThreatModel(input: $in) { id version } }', { in: input })).createThreatModel
        : (await gql('mutation R($id: ID!, $v: Int!, $in: ThreatModelInput!) { replaceThreatModel(id: $id, version: $v, input: $in) { id version } }', { id: s.id, v: s.version, in: input })).replaceThreatModel;
      flash = `Saved ${saved.id} as version ${saved.version}.`;
      ctx.status.metrics.saved = saved;
      location.hash = `#/threat-model/${encodeURIComponent(saved.id)}${rel ? `?release=${encodeURIComponent(rel)}` : ''}`;
    } catch (err) {
      status.textContent = '';
      if (isAuthError(err)) {
        setChildren(summary, h('div', { class: 'error', role: 'alert', id: 'tm-auth-error' }, h('strong', {}, 'Not saved: the server refused the token.'), ' ', err.message));
        if (await requireSignIn(`The server refused the token: ${err.message}`)) save();
        return;
      }
      if (err.code === 'CONFLICT') {
        setChildren(summary, h('div', { class: 'error', role: 'alert' }, h('strong', {}, 'Not saved:'), ' ', err.message, ' ', isNew ? '' : h('a', { href: `#/threat-model/${encodeURIComponent(s.id)}` }, 'Open the stored model')));
        return;
      }
      if (mode === 'yaml') {
        const box = body.querySelector('#tm-yaml-problems');
        const ps = err.problems && err.problems.length ? err.problems : [{ message: err.message }];
        setChildren(box, h('div', { class: 'error', role: 'alert' }, h('strong', {}, 'The model was not saved:'), h('ul', {}, ps.map((p) => h('li', {}, p.field ? `${p.field}: ` : '', p.message)))));
        return;
      }
      showProblems(err);
    } finally {
      saveBtn.disabled = false;
    }
  }

  // Deleting asks once more in place (no browser dialog), then deletes at the version read.
  function deleteControl() {
    const box = h('span', { class: 'delete-box' });
    const ask = () => {
      const yes = h('button', { type: 'button', id: 'tm-delete-confirm', class: 'remove-btn' }, `Delete ${s.id} for good`);
      const no = h('button', { type: 'button', id: 'tm-delete-keep' }, 'Keep it');
      yes.addEventListener('click', () => remove());
      no.addEventListener('click', () => { idle(); box.querySelector('button').focus(); });
      setChildren(box, h('span', { class: 'small', role: 'alert' }, 'Delete this model? This cannot be undone. '), yes, ' ', no);
      yes.focus();
    };
    const idle = () => {
      const del = h('button', { type: 'button', id: 'tm-delete', class: 'remove-btn' }, 'Delete model…');
      del.addEventListener('click', ask);
      setChildren(box, del);
    };
    const remove = async () => {
      if (!signedIn() && !(await requireSignIn('Deleting a model needs an editor token.'))) return;
      try {
        await gql('mutation D($id: ID!, $v: Int!) { deleteThreatModel(id: $id, version: $v) }', { id: s.id, v: s.version });
        flash = `Deleted ${s.id}.`;
        location.hash = '#/threat-model';
      } catch (err) {
        idle();
        setChildren(summary, h('div', { class: 'error', role: 'alert' }, h('strong', {}, 'Not deleted:'), ' ', err.message));
        if (isAuthError(err)) requireSignIn(`The server refused the token: ${err.message}`);
      }
    };
    idle();
    return box;
  }

  paint();
  ctx.status.metrics.editor = isNew ? 'new' : 'edit';
}
