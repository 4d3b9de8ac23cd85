// View 5: threat models. Stored models (#/threat-model/ID) show their components, flows and
// trust boundaries with the report: top risks and what to do first, applicable techniques in
// rank order, incidents (exact and near) that could happen here, residual paths, recommended
// mitigations, exposure per tactic and the actors with evidence on the applicable techniques,
// and the report's downloads. Models are created (#/threat-model/new) and edited
// (#/threat-model/ID?edit=1) in views/tmeditor.js, signed in with an editor token (js/auth.js).
// A model file can also be evaluated without storing it; its YAML then travels, compressed, in
// the URL (#/threat-model/draft?y=...).
import { gql } from '../api.js';
import { h, add, setChildren, table, download, errorBox } from '../dom.js';
import { spotlight, STYLE } from '../graph.js';
import cytoscape from '../../vendor/cytoscape.esm.min.js';
import { requireSignIn, isAuthError, signedIn } from '../auth.js';
import { renderEditor, loadModel, takeFlash } from './tmeditor.js';


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
  overview: 'release applicableTechniques { id name status rank score priority why components side } recommendedMitigations { id name effect adds { incidentsBroken residualPathsRemoved techniquesCut } }',
  summary: 'release asOf warnings summary { applicable mitigated accepted residual incidents incidentsBroken nearIncidents residualPaths uncoveredTechniques } exposure { tactic name techniques applicable mitigated accepted residual }',
  techniques: 'release applicableTechniques { id name tactics status rank score priority why side components mitigatedBy detectedBy uncontrolled pending mitigations evidence { rule rationale component } } uncoveredTechniques { id name status maturity }',
  incidents: 'release incidents { caseStudy name match stepsApplicable stepsTotal missing actors techniques broken breaksAt { step technique controls } openRoute accepted } detections { incident step technique controls }',
  paths: 'release pathsTruncated residualPaths { id techniques support caseStudies accepted } unbreakable { id techniques }',
  mitigations: 'release recommendationOptimal recommendedMitigations { id name effect adds { incidentsBroken residualPathsRemoved techniquesCut } techniques incidents paths } controls { id mitigation name status scope techniques breaks } acceptedRisks { technique owner reason expires active applicable }',
  actors: 'release actors { id name source role techniques caseStudies }',
};
const TABS = [['system', 'Overview'], ['techniques', 'Techniques'], ['incidents', 'Incidents'], ['paths', 'Residual paths'], ['mitigations', 'Mitigations'], ['actors', 'Actors']];
const FORMATS = [['markdown', 'md', 'text/markdown'], ['json', 'json', 'application/json'], ['navigator', 'layer.json', 'application/json'], ['sarif', 'sarif', 'application/json'], ['mermaid', 'mmd', 'text/plain']];

export async function render(root, route, ctx) {
  try {
    return await renderView(root, route, ctx);
  } catch (err) {
    if (!isAuthError(err)) throw err;
    // The server refused the token kept in this tab (or wants one): say so, and ask again.
    setChildren(root, h('div', { class: 'toolbar' }, h('h1', {}, 'Threat model')),
      h('div', { class: 'error', role: 'alert', id: 'tm-auth-error' }, h('strong', {}, signedIn() ? 'The server refused your token:' : 'This needs a token:'), ' ', err.message, ' ',
        h('button', { type: 'button', id: 'tm-signin-again', onclick: () => signInAndRedraw(err) }, 'Sign in')));
    ctx.status.metrics.authError = err.code;
    signInAndRedraw(err);
    return null;
  }
}

// After a sign-in or sign-out the threat-model views draw again with the new token (the listener
// below), except an open editor, whose unsaved changes stay (its save retries by itself).
function signInAndRedraw(err) {
  requireSignIn(`The server refused the request: ${err.message}`);
}

window.addEventListener('atlasgraph-auth', () => {
  if (location.hash.startsWith('#/threat-model') && !document.getElementById('tm-edit-body')) window.dispatchEvent(new HashChangeEvent('hashchange'));
});

async function renderView(root, route, ctx) {
  const missing = await apiMissing();
  if (missing) {
    setChildren(root, h('div', { class: 'toolbar' }, h('h1', {}, 'Threat model')),
      h('section', { class: 'card intro', id: 'pending' },
        h('p', {}, missing),
        h('p', { class: 'muted' }, 'The attack-path and case-study views answer the same questions for ATLAS as a whole.')));
    return;
  }
  if (!route.arg) return renderList(root);
  if (route.arg === 'new') return renderEditor(root, route, ctx, null);
  if (route.arg !== 'draft' && route.params.get('edit')) {
    const stored = await loadModel(route.arg);
    if (!stored) throw new Error(`There is no threat model "${route.arg}"; pick one from the list.`);
    return renderEditor(root, route, ctx, stored);
  }
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
  // One request for the summary and the tab's part: each request evaluates the model once.
  const report = async (part) => {
    const sel = `${PARTS.summary} ${PARTS[part]}`;
    if (draft) return (await gql(`query Draft($y: String!) { evaluateThreatModel(yaml: $y) { ${sel} } }`, { y: yaml })).evaluateThreatModel;
    return (await gql(`query Report($id: ID!) { threatModel(id: $id) { report { ${sel} } } }`, { id: model.id })).threatModel.report;
  };
  const part = await report(tab === 'system' ? 'overview' : tab);
  const sum = part;
  const s = sum.summary;
  const flash = takeFlash();
  const go = (t) => { location.hash = `#/threat-model/${encodeURIComponent(route.arg)}?${new URLSearchParams({ ...(draft ? { y: route.params.get('y') } : {}), ...(t === 'system' ? {} : { tab: t }) })}`; };

  const stat = (n, label, cls = '') => h('div', { class: `stat ${cls}` }, h('div', { class: 'stat-n' }, String(n)), h('div', { class: 'stat-l' }, label));
  const downloads = draft ? h('span', { class: 'muted small downloads' }, h('a', { href: `#/threat-model/new?${new URLSearchParams({ y: route.params.get('y') })}`, id: 'tm-store-draft' }, 'Store it as a model'), ' to edit it and download its report, or run atlasgraph model report.')
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
    b.setAttribute('aria-controls', 'tm-panel');
    b.addEventListener('click', () => go(k));
    // Arrow keys, Home and End move along the tabs (and open the one reached); the redrawn view
    // puts the focus back on the selected tab, not on the page.
    b.addEventListener('keydown', (e) => {
      const i = TABS.findIndex(([x]) => x === k);
      const j = { ArrowRight: (i + 1) % TABS.length, ArrowLeft: (i + TABS.length - 1) % TABS.length, Home: 0, End: TABS.length - 1 }[e.key];
      if (j === undefined) return;
      e.preventDefault();
      focusTab = true;
      go(TABS[j][0]);
    });
    return b;
  }));
  const body = h('div', { role: 'tabpanel', id: 'tm-panel', 'aria-labelledby': `tab-${tab}` });
  setChildren(root,
    h('nav', { class: 'crumbs' }, h('a', { href: '#/threat-model' }, 'Threat models'), ' / ', draft ? 'draft' : model.id),
    h('header', { class: 'page-head' },
      h('h1', {}, draft ? 'Draft model (not stored)' : model.name, ' ', h('span', { class: 'id' }, draft ? '' : `${model.id} · v${model.version}`)),
      h('div', { class: 'chips' }, h('span', { class: 'chip light' }, `ATLAS ${sum.release}`), h('span', { class: 'chip light' }, `as of ${sum.asOf}`), model && model.description ? h('span', { class: 'muted small' }, model.description) : null,
        draft ? null : h('a', { class: 'button-link', id: 'tm-edit', href: `#/threat-model/${encodeURIComponent(model.id)}?${new URLSearchParams({ edit: '1', ...(ctx.release ? { release: ctx.release } : {}) })}` }, 'Edit model')),
      flash ? h('p', { class: 'saved', role: 'status', id: 'tm-saved' }, flash) : null),
    h('div', { class: 'stats', id: 'tm-summary' },
      stat(s.applicable, 'applicable techniques'), stat(s.mitigated, 'mitigated', 'good'), stat(s.accepted, 'accepted'), stat(s.residual, 'residual', s.residual ? 'bad' : 'good'),
      stat(`${s.incidentsBroken}/${s.incidents}`, `incidents broken${s.nearIncidents ? ` (${s.nearIncidents} near)` : ''}`, s.incidentsBroken < s.incidents ? 'bad' : 'good'), stat(s.residualPaths, 'residual paths', s.residualPaths ? 'bad' : 'good'), stat(s.uncoveredTechniques, 'no mitigation exists')),
    sum.warnings && sum.warnings.length ? h('details', { class: 'card warn', id: 'tm-warnings' }, h('summary', {}, `${sum.warnings.length} thing${sum.warnings.length > 1 ? 's' : ''} the report could not judge`), h('ul', {}, sum.warnings.map((w) => h('li', {}, w)))) : null,
    h('div', { class: 'tab-row' }, tabs, downloads), body);

  const tl = (id) => h('a', { href: `#/technique/${encodeURIComponent(id)}` }, id);
  const tls = (ids) => ids.map((id, i) => [i ? ', ' : '', tl(id)]);
  const statusChip = (st) => h('span', { class: `status-chip st-${st}` }, st);
  let cleanup = null;
  switch (tab) {
    case 'system': {
      if (draft) {
        add(body, overview(part, tl), h('p', { class: 'card muted' }, 'The components and flows of a draft are drawn once it is stored; the other tabs show its report.'));
        break;
      }
      add(body, overview(part, tl));
      cleanup = drawSystem(body, model, ctx);
      add(body, h('section', { class: 'card table-card', tabindex: 0, role: 'region', 'aria-label': 'Exposure per tactic' }, h('h2', {}, `Exposure per tactic`),
        table(null, ['Tactic', 'Techniques', 'Applicable', 'Mitigated', 'Accepted', 'Residual'], sum.exposure.filter((x) => x.applicable).map((x) => [x.name, String(x.techniques), String(x.applicable), String(x.mitigated), String(x.accepted), h('span', { class: x.residual ? 'bad' : '' }, String(x.residual))]), { id: 'tm-exposure' })));
      break;
    }
    case 'techniques': {
      // Rank order; the first ten show, the long tail opens on request (same table, so the
      // rows and the summary's count agree).
      const rows = part.applicableTechniques.map((t) => h('tr', { class: `st-row-${t.status}` },
        h('td', { class: 'num' }, String(t.rank)), h('td', {}, tl(t.id), ' ', t.name, t.side === 'attacker' ? h('span', { class: 'small side-out' }, ' (adversary side)') : ''), h('td', {}, statusChip(t.status)),
        h('td', {}, priorityChip(t.priority), ' ', h('span', { class: 'small muted' }, t.score.toFixed(2))), h('td', {}, t.components.join(', ')),
        h('td', {}, t.mitigatedBy.length ? h('span', { class: 'v-cut-text' }, `cut by ${t.mitigatedBy.join(', ')}`) : '', t.detectedBy.length ? h('span', { class: 'v-detect-text' }, ` seen by ${t.detectedBy.join(', ')}`) : '', t.pending.length ? ` pending: ${t.pending.join(', ')}` : '', !t.mitigatedBy.length && !t.pending.length && !t.detectedBy.length ? (t.mitigations.length ? `available: ${t.mitigations.join(', ')}` : h('span', { class: 'bad' }, 'none exists')) : ''),
        h('td', { class: 'small' }, t.why.join('; '))));
      const head = rows.slice(0, 10);
      const tail = rows.slice(10);
      const tailBody = h('tbody', { id: 'tm-tail', hidden: true }, tail);
      const more = tail.length ? h('button', { type: 'button', id: 'tm-more', 'aria-expanded': 'false', 'aria-controls': 'tm-tail' }, `Show the other ${tail.length} (lower rank)`) : null;
      if (more) {
        more.addEventListener('click', () => {
          const open = tailBody.hidden;
          tailBody.hidden = !open;
          more.setAttribute('aria-expanded', String(open));
          more.textContent = open ? 'Hide the lower-ranked techniques' : `Show the other ${tail.length} (lower rank)`;
        });
      }
      add(body, h('section', { class: 'card table-card' }, h('h2', {}, `Applicable techniques (${part.applicableTechniques.length}), most urgent first`),
        h('p', { class: 'small muted' }, 'Rank 1 is the most urgent: score from evidence, exposure of the components, reach to impact and open incidents (why). A control cuts a step only where it prevents it on your side; detection is shown apart.'),
        h('table', { class: 'data', id: 'tm-techniques' },
          h('thead', {}, h('tr', {}, ['#', 'Technique', 'Status', 'Priority · score', 'Components', 'Controls', 'Why'].map((x) => h('th', { scope: 'col' }, x)))),
          h('tbody', {}, head), tailBody),
        more),
      h('section', { class: 'card table-card' }, h('h2', {}, `Applicable techniques no mitigation covers (${part.uncoveredTechniques.length})`),
        table(null, ['Technique', 'Maturity', 'Status'], part.uncoveredTechniques.map((t) => [[tl(t.id), ' ', t.name], t.maturity, statusChip(t.status)]), { id: 'tm-uncovered' })));
      break;
    }
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
        table(null, ['Incident', 'Step', 'Technique', 'Seen by'], part.detections.map((d) => [d.incident, d.step, tl(d.technique), h('span', { class: 'v-detect-text' }, `seen by ${d.controls.join(', ')}`)]), { id: 'tm-detections' })) : null);
      break;
    }
    case 'paths':
      add(body, h('section', { class: 'card table-card' }, h('h2', {}, `Residual attack paths (${part.residualPaths.length}${part.pathsTruncated ? ', search stopped at its bound' : ''})`),
        table(null, ['Path', 'Techniques', 'Support', 'Case studies', 'Accepted'], part.residualPaths.map((p) => [p.id, h('span', { class: 'mono small' }, tls(p.techniques).map((x, i) => [i ? ' → ' : '', x[1]])), String(p.support), p.caseStudies.join(', '), p.accepted ? 'yes' : '']), { id: 'tm-paths' })),
      part.unbreakable.length ? h('section', { class: 'card table-card', tabindex: 0, role: 'region', 'aria-label': 'Nothing in ATLAS breaks' }, h('h2', {}, `Nothing in ATLAS breaks (${part.unbreakable.length})`), table(null, ['Incident or path', 'Open route'], part.unbreakable.map((u) => [u.id, u.techniques.join(' → ')]), { id: 'tm-unbreakable' })) : null);
      break;
    case 'mitigations':
      add(body, h('section', { class: 'card table-card' }, h('h2', {}, `Recommended mitigations (${part.recommendedMitigations.length})${part.recommendationOptimal ? '' : ' · best found'}`),
        h('p', { class: 'small muted' }, 'The least set of further mitigations that stops what the controls leave open, in the order to implement them, with what each adds.'),
        table(null, ['#', 'Mitigation', 'Effect', 'Adds', 'Residual techniques it cuts'], part.recommendedMitigations.map((m, i) => [String(i + 1), [h('a', { href: `#/mitigation/${encodeURIComponent(m.id)}` }, m.id), ' ', m.name], h('span', { class: `effect-chip eff-${m.effect}` }, m.effect),
          [m.adds.incidentsBroken.length ? `breaks ${m.adds.incidentsBroken.join(', ')}` : '', m.adds.residualPathsRemoved ? ` · ${m.adds.residualPathsRemoved} path(s)` : '', m.adds.techniquesCut.length ? ` · cuts ${m.adds.techniquesCut.length} technique(s)` : ''].join(''), tls(m.techniques)]), { id: 'tm-recommended' })),
      h('section', { class: 'card table-card', tabindex: 0, role: 'region', 'aria-label': 'Controls in place' }, h('h2', {}, `Controls in place (${part.controls.length})`),
        table(null, ['Control', 'Status', 'Scope', 'Techniques covered', 'Breaks'], part.controls.map((c) => [[c.mitigation, ' ', c.name], statusChip(c.status), c.scope.join(', ') || 'all', String(c.techniques.length), c.breaks.join(', ')]), { id: 'tm-controls' })),
      part.acceptedRisks.length ? h('section', { class: 'card table-card' }, h('h2', {}, 'Accepted risks'), table(null, ['Technique', 'Owner', 'Reason', 'Expires', 'Holds'], part.acceptedRisks.map((r) => [tl(r.technique), r.owner, r.reason, r.expires, r.active ? 'yes' : h('span', { class: 'bad' }, 'expired')]), { id: 'tm-accepted' })) : null);
      break;
    case 'actors': {
      // Only actors with evidence on an applicable technique, the ones using most of them first;
      // researchers and red teams, who demonstrated techniques in exercises, apart.
      const ranked = part.actors.filter((a) => a.techniques.length)
        .sort((a, b) => b.techniques.length - a.techniques.length || b.caseStudies.length - a.caseStudies.length || a.name.localeCompare(b.name));
      const adversaries = ranked.filter((a) => a.role !== 'researcher');
      const researchers = ranked.filter((a) => a.role === 'researcher');
      const row = (a, i) => [String(i + 1), h('a', { href: `#/actors?ids=${encodeURIComponent(a.id)}` }, a.name), a.source === 'attack' ? 'ATT&CK group' : 'ATLAS case study', String(a.techniques.length), h('span', { class: 'mono small' }, a.techniques.join(', ')), a.caseStudies.join(', ')];
      add(body, h('section', { class: 'card table-card' }, h('h2', {}, `Adversaries with evidence on the applicable techniques (${adversaries.length})`),
        h('p', { class: 'small muted' }, 'Ranked by how many of the techniques that apply here they are known to use.'),
        table(null, ['#', 'Actor', 'Source', 'Applicable techniques', 'Which', 'Case studies'], adversaries.map(row), { id: 'tm-actors' })),
      h('section', { class: 'card table-card' }, h('h2', {}, `Demonstrated by (${researchers.length})`),
        h('p', { class: 'small muted' }, 'Researchers and red teams whose case studies show the techniques work: evidence, not adversaries.'),
        table(null, ['#', 'Researcher or team', 'Source', 'Applicable techniques', 'Which', 'Case studies'], researchers.map(row), { id: 'tm-demonstrated' })));
      break;
    }
  }
  ctx.status.metrics.tab = tab;
  if (focusTab) {
    focusTab = false;
    const t = root.querySelector(`#tab-${tab}`);
    if (t) t.focus();
  }
  return cleanup;
}

// Set when a key moved along the tabs: the redrawn view focuses the selected tab.
let focusTab = false;

const priorityChip = (p) => h('span', { class: `prio prio-${p}` }, p);

// "Top risks" (at most 10: the highest-ranked techniques the controls do not cut) and "Do this
// first" (at most 5 recommended mitigations in the order to implement them, with what each adds
// beyond the ones before), as the markdown report opens.
function overview(part, tl) {
  const top = part.applicableTechniques.filter((t) => t.status !== 'mitigated').slice(0, 10);
  const first = part.recommendedMitigations.slice(0, 5);
  const adds = (a) => [
    a.incidentsBroken.length ? `breaks ${a.incidentsBroken.length} incident${a.incidentsBroken.length > 1 ? 's' : ''} (${a.incidentsBroken.join(', ')})` : '',
    a.residualPathsRemoved ? `removes ${a.residualPathsRemoved} residual path${a.residualPathsRemoved > 1 ? 's' : ''}` : '',
    a.techniquesCut.length ? `cuts ${a.techniquesCut.length} technique${a.techniquesCut.length > 1 ? 's' : ''} (${a.techniquesCut.join(', ')})` : '',
  ].filter(Boolean).join('; ') || 'nothing more on its own';
  return h('div', { class: 'two-col tm-overview' },
    h('section', { class: 'card', id: 'tm-top-risks' }, h('h2', {}, `Top risks (${top.length})`),
      top.length ? h('ol', { class: 'ranked' }, top.map((t) => h('li', {},
        h('span', { class: 'rank' }, `#${t.rank}`), ' ', tl(t.id), ' ', h('strong', {}, t.name), ' ', priorityChip(t.priority), ' ', h('span', { class: `status-chip st-${t.status}` }, t.status),
        h('div', { class: 'small muted' }, `on ${t.components.join(', ') || 'the organisation'} · ${t.why.slice(0, 3).join('; ')}`))))
        : h('p', { class: 'good' }, 'None: the controls cut every applicable technique.')),
    h('section', { class: 'card', id: 'tm-do-first' }, h('h2', {}, 'Do this first'),
      first.length ? h('ol', { class: 'ranked' }, first.map((m) => h('li', {},
        h('a', { href: `#/mitigation/${encodeURIComponent(m.id)}` }, m.id), ' ', h('strong', {}, m.name), ' ', h('span', { class: `effect-chip eff-${m.effect}` }, m.effect),
        h('div', { class: 'small' }, 'adds: ', adds(m.adds)))))
        : h('p', { class: 'good' }, 'Nothing to add: the controls in place (and accepted risks) break every incident and residual path a mitigation can break.'),
      part.recommendedMitigations.length > 5 ? h('p', { class: 'small muted' }, `${part.recommendedMitigations.length - 5} more on the Mitigations tab.`) : null));
}

// Kinds that hold data: drawn last (rightmost), as barrels.
const STORES = new Set(['vector-store', 'training-data-store', 'model-registry', 'agent-memory']);
const prop = (c, name) => c.properties.some((p) => p.name === name && p.value === 'true');
// Entry points: where outsiders reach the system: an external party, a component facing the
// internet, a surface taking untrusted content (a user interface, an application, ingestion, a
// third-party source), or any other component taking untrusted content that no other component
// feeds (content that reaches a model through the flows entered elsewhere).
const SURFACES = new Set(['chat-ui', 'ai-application', 'document-ingestion', 'third-party-source', 'external-party']);
const entryTest = (flows) => {
  const fed = new Set(flows.map((f) => f.to));
  return (c) => c.kind === 'external-party' || prop(c, 'internetFacing') || (prop(c, 'acceptsUntrustedContent') && (SURFACES.has(c.kind) || !fed.has(c.id)));
};

/**
 * Columns of the system diagram: entry points in column 0 on the left, then each component at its
 * distance along the flows from them, data stores in the last column on the right. Components the
 * flows do not reach from an entry point sit next to a neighbour; isolated ones in column 0.
 */
export function systemColumns(comps, flows) {
  const isEntry = entryTest(flows);
  const ids = comps.map((c) => c.id);
  const col = new Map();
  const bfs = (from) => {
    let layer = from.filter((id) => !col.has(id));
    layer.forEach((id) => col.set(id, 0));
    // Breadth first, so each component takes its shortest distance from the entry points.
    while (layer.length) {
      const next = [];
      for (const id of layer) for (const f of flows) if (f.from === id && !col.has(f.to) && ids.includes(f.to)) { col.set(f.to, col.get(id) + 1); next.push(f.to); }
      layer = next;
    }
  };
  const entries = comps.filter(isEntry);
  // The outermost entry points first (an external party, a user interface), then the others
  // the flows do not reach from them.
  const outer = entries.filter((c) => c.kind === 'external-party' || c.kind === 'chat-ui');
  bfs((outer.length ? outer : entries).map((c) => c.id));
  bfs(entries.map((c) => c.id));
  if (!col.size) {
    const incoming = new Set(flows.map((f) => f.to));
    const roots = ids.filter((id) => !incoming.has(id));
    bfs(roots.length ? roots : ids.slice(0, 1));
  }
  const spread = () => {
    let changed = true;
    while (changed) {
      changed = false;
      for (const f of flows) {
        for (const [a, b] of [[f.from, f.to], [f.to, f.from]]) {
          if (col.has(a) && !col.has(b) && ids.includes(b)) { col.set(b, col.get(a) + 1); changed = true; }
        }
      }
    }
  };
  spread();
  ids.forEach((id) => { if (!col.has(id)) col.set(id, 0); });
  const nonStore = comps.filter((c) => !STORES.has(c.kind)).map((c) => col.get(c.id));
  const last = Math.max(0, ...nonStore) + 1;
  for (const c of comps) if (STORES.has(c.kind) && !isEntry(c)) col.set(c.id, last);
  // Close the gaps (a column nobody sits in).
  const used = [...new Set(col.values())].sort((x, y) => x - y);
  for (const [id, v] of col) col.set(id, used.indexOf(v));
  return col;
}

// The system: components from the entry points (left) to the data stores (right), flows as
// arrows, the ones crossing a trust boundary dashed; a legend and the tables of both below.
function drawSystem(body, model, ctx) {
  const comps = model.components;
  const isEntry = entryTest(model.flows);
  const col = systemColumns(comps, model.flows);
  // Within a column, each component near the ones it talks to on its left (the mean row of its
  // neighbours there), so fewer flows cross.
  const byCol = new Map();
  for (const c of comps) { const L = col.get(c.id); if (!byCol.has(L)) byCol.set(L, []); byCol.get(L).push(c); }
  const row = new Map();
  for (const L of [...byCol.keys()].sort((a, b) => a - b)) {
    const list = byCol.get(L);
    const key = (c) => {
      const ys = model.flows.flatMap((f) => [f.from === c.id ? f.to : null, f.to === c.id ? f.from : null]).filter((n) => n && row.has(n) && col.get(n) < L).map((n) => row.get(n));
      return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : 0;
    };
    if (L > 0) list.sort((a, b) => key(a) - key(b));
    list.forEach((c, i) => row.set(c.id, i - (list.length - 1) / 2));
  }
  const rows = new Map([...byCol].map(([L, list]) => [L, list.length]));
  const els = comps.map((c) => {
    const L = col.get(c.id);
    const entry = isEntry(c);
    const store = STORES.has(c.kind);
    const name = c.name.length > 30 ? c.name.slice(0, 28) + '…' : c.name;
    return { group: 'nodes', data: { id: c.id, label: `${entry ? '▶ ' : ''}${name}\n${c.kind}${entry ? ' · entry point' : ''}` }, classes: `component${entry ? ' entry' : ''}${store ? ' store' : ''}`, position: { x: L * 360, y: row.get(c.id) * 110 } };
  });
  for (const f of model.flows) els.push({ group: 'edges', classes: f.trustBoundary ? 'tb' : 'inside', data: { id: `flow:${f.id}`, source: f.from, target: f.to, label: f.data.length > 30 ? f.data.slice(0, 28) + '…' : f.data } });
  const tallest = Math.max(1, ...rows.values());
  const crossing = model.flows.filter((f) => f.trustBoundary).length;
  const entries = comps.filter(isEntry).length;
  const box = h('div', { class: 'graph tm-graph', id: 'tm-graph', tabindex: 0, style: `height:${Math.min(640, Math.max(260, 100 + tallest * 108))}px;min-height:0`,
    'aria-label': `System diagram (arrow keys step through the components): ${comps.length} components from ${entries} entry point${entries === 1 ? '' : 's'} on the left to the data stores on the right, ${model.flows.length} flows, ${crossing} crossing a trust boundary. The Flows and Components tables below list the same.` });
  add(body, h('div', { class: 'graph-pane' },
    h('p', { class: 'summary' }, `${comps.length} components, ${model.flows.length} flows, ${crossing} crossing a trust boundary. Entry points on the left, data stores on the right.`),
    box,
    h('ul', { class: 'legend tm-legend', 'aria-label': 'Legend of the system diagram' },
      h('li', {}, h('span', { class: 'key key-entry' }, '▶ name'), ' entry point: internet-facing, untrusted input or an external party (exposed)'),
      h('li', {}, h('span', { class: 'key key-store' }, 'name'), ' data store (rounded ends)'),
      h('li', {}, h('span', { class: 'key key-tb', 'aria-hidden': 'true' }, '- - →'), ' flow crossing a trust boundary (dashed)'),
      h('li', {}, h('span', { class: 'key key-flow', 'aria-hidden': 'true' }, '——→'), ' flow inside one trust zone (solid)'))),
  h('div', { class: 'below' },
    h('section', { class: 'card table-card', tabindex: 0, role: 'region', 'aria-label': 'Flows' }, h('h2', {}, 'Flows'), table(null, ['From', 'To', 'Data', 'Trust boundary'], model.flows.map((f) => h('tr', { class: f.trustBoundary ? 'boundary' : '', dataset: { flow: f.id } }, h('td', {}, f.from), h('td', {}, f.to), h('td', {}, f.data), h('td', {}, f.trustBoundary ? 'crosses' : ''))), { id: 'tm-flows' })),
    h('section', { class: 'card table-card' }, h('h2', {}, 'Components'), table(null, ['Component', 'Kind', 'MAESTRO layer', 'Properties'], comps.map((c) => h('tr', { dataset: { component: c.id }, tabindex: 0 }, h('td', {}, h('strong', {}, c.name), isEntry(c) ? h('span', { class: 'small entry-text' }, ' entry point') : '', h('div', { class: 'id' }, c.id)), h('td', {}, c.kind), h('td', {}, c.layer), h('td', { class: 'small' }, c.properties.map((p) => (p.value === 'true' ? p.name : `${p.name}=${p.value}`)).join(', ')))), { id: 'tm-components' }))),
  model.controls.length ? h('section', { class: 'card table-card' }, h('h2', {}, 'Controls'), table(null, ['Mitigation', 'Status', 'Scope', 'Note'], model.controls.map((c) => [h('a', { href: `#/mitigation/${encodeURIComponent(c.mitigation)}` }, c.mitigation), c.status, c.scope.join(', ') || 'all', c.note]), { id: 'tm-model-controls' })) : null);
  // This diagram's own look, from the shared colour vocabulary (app.css): larger nodes and labels
  // (at least 11 px at the fitted zoom), entry points red-bordered (exposed), stores as barrels,
  // trust-boundary crossings dashed. Given at creation, so the labels are measured with it.
  const css = getComputedStyle(document.documentElement);
  const v = (name, dflt) => (css.getPropertyValue(name) || '').trim() || dflt;
  const t0 = performance.now();
  const cy = cytoscape({
    container: box, elements: els, layout: { name: 'preset', fit: true, padding: 24 }, minZoom: 0.3, maxZoom: 2, wheelSensitivity: 0.3, boxSelectionEnabled: false, autoungrabify: true,
    style: [...STYLE,
      { selector: 'node.component', style: { width: 230, height: 72, 'font-size': 14, 'text-max-width': 214, 'background-color': '#ffffff', 'border-color': '#475569', 'border-width': 1.5 } },
      { selector: 'node.entry', style: { 'border-color': v('--v-risk', '#b91c1c'), 'border-width': 3.5, 'background-color': v('--v-risk-soft', '#fee2e2'), 'font-weight': 600 } },
      { selector: 'node.store', style: { shape: 'barrel', 'background-color': '#f1f5f9' } },
      { selector: 'edge', style: { 'font-size': 13, width: 2, 'line-color': '#475569', 'target-arrow-color': '#475569', color: '#1f2937', 'arrow-scale': 1.1, 'curve-style': 'bezier' } },
      { selector: 'edge.tb', style: { 'line-style': 'dashed', 'line-dash-pattern': [9, 6], width: 2.5 } },
      ...STYLE.filter((x) => /faded|highlight/.test(x.selector))],
  });
  if (cy.zoom() > 1.1) { cy.zoom(1.1); cy.center(); }
  // Never smaller than readable (14 px labels at least 11 px): a wide system is shown from its
  // entry points on the left and panned (drag, or the arrow keys below); "Show all" fits it.
  const READABLE = 11 / 14;
  const readable = () => {
    const bb = cy.elements().boundingBox();
    cy.zoom(READABLE);
    cy.pan({ x: 24 - bb.x1 * READABLE, y: box.clientHeight / 2 - ((bb.y1 + bb.y2) / 2) * READABLE });
  };
  if (cy.zoom() < READABLE) {
    readable();
    const all = h('button', { type: 'button', id: 'tm-graph-fit', 'aria-pressed': 'false' }, 'Show all (smaller labels)');
    all.addEventListener('click', () => {
      const fitted = all.getAttribute('aria-pressed') === 'true';
      if (fitted) readable(); else cy.fit(undefined, 24);
      all.setAttribute('aria-pressed', String(!fitted));
    });
    box.before(h('div', { class: 'buttons' }, all));
  }
  cy.on('tap', 'node, edge', (e) => spotlight(cy, e.target.isNode() ? e.target.closedNeighborhood() : e.target.union(e.target.connectedNodes())));
  cy.on('tap', (e) => { if (e.target === cy) spotlight(cy, null); });
  ctx.status.cy = cy;
  ctx.status.metrics.layoutMs = performance.now() - t0;
  ctx.status.metrics.nodes = cy.nodes().length;
  ctx.status.metrics.edges = cy.edges().length;
  box.setAttribute('role', 'img');
  ctx.status.metrics.systemZoom = cy.zoom();
  // Keyboard: with the diagram focused, the arrow keys step through the components in reading
  // order (column by column, top to bottom), highlighting each with its flows and saying which.
  const order = cy.nodes().sort((a, b) => a.position('x') - b.position('x') || a.position('y') - b.position('y'));
  const said = h('p', { class: 'small', id: 'tm-graph-said', 'aria-live': 'polite' });
  box.after(said);
  let at = -1;
  box.addEventListener('keydown', (e) => {
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    if (e.key === 'Escape') { at = -1; spotlight(cy, null); said.textContent = ''; return; }
    if (!step || !order.length) return;
    e.preventDefault();
    at = (at + step + order.length) % order.length;
    const n = order[at];
    spotlight(cy, n.closedNeighborhood());
    const ext = cy.extent();
    const p = n.position();
    if (p.x < ext.x1 || p.x > ext.x2 || p.y < ext.y1 || p.y > ext.y2) cy.center(n);
    const c = comps.find((x) => x.id === n.id());
    const out = model.flows.filter((f) => f.from === c.id).map((f) => `${f.to}${f.trustBoundary ? ' (crosses a trust boundary)' : ''}`);
    const inn = model.flows.filter((f) => f.to === c.id).map((f) => f.from);
    said.textContent = `${c.name} (${c.kind}${isEntry(c) ? ', entry point' : ''}): receives from ${inn.join(', ') || 'nothing'}; sends to ${out.join(', ') || 'nothing'}.`;
  });
  for (const tr of body.querySelectorAll('tr[data-component]')) {
    const hi = () => spotlight(cy, cy.getElementById(tr.dataset.component).closedNeighborhood());
    tr.addEventListener('focus', hi);
    tr.addEventListener('mouseenter', hi);
  }
  return () => cy.destroy();
}

async function renderList(root) {
  const models = (await gql(LIST)).threatModels;
  const flash = takeFlash();
  const area = h('textarea', { id: 'tm-yaml', rows: 12, spellcheck: 'false', placeholder: 'Paste a model file (YAML), e.g. the output of atlasgraph model init --template rag-chatbot', 'aria-label': 'Model file' });
  const file = h('input', { type: 'file', id: 'tm-file', accept: '.yaml,.yml,text/yaml' });
  file.addEventListener('change', async () => { if (file.files[0]) area.value = await file.files[0].text(); });
  const msg = h('div', { id: 'tm-msg' });
  const form = h('form', { class: 'card', id: 'tm-form' }, h('h2', {}, 'Evaluate a model file'),
    h('p', { class: 'small muted' }, 'The report is computed without storing the model; the link carries the file, compressed.'),
    area, h('div', { class: 'buttons' }, h('label', { for: 'tm-file' }, 'Open a model file'), file, h('button', { type: 'submit', class: 'primary' }, 'Evaluate')), msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!area.value.trim()) { setChildren(msg, errorBox('', new Error('Paste a model file or pick one first.'))); return; }
    location.hash = `#/threat-model/draft?y=${await pack(area.value)}`;
  });
  setChildren(root, h('div', { class: 'toolbar' }, h('h1', {}, 'Threat models'),
    h('a', { class: 'button-link primary', href: '#/threat-model/new', id: 'tm-new' }, 'New model'),
    h('span', { class: 'small muted' }, signedIn() ? 'Signed in: you can create and edit models.' : 'Creating and editing models needs an editor token (Sign in, top right).'),
    flash ? h('p', { class: 'saved', role: 'status', id: 'tm-saved' }, flash) : null),
    h('div', { class: 'two-col' },
      h('section', { class: 'card table-card' }, h('h2', {}, `Stored models (${models.length})`),
        models.length ? table(null, ['Model', 'Components', 'Flows', 'Release', 'Version'], models.map((m) => [h('a', { href: `#/threat-model/${encodeURIComponent(m.id)}` }, m.name), String(m.components.length), String(m.flows.length), m.atlasRelease || 'current', String(m.version)]), { id: 'tm-list' })
          : h('p', { class: 'muted' }, 'No model is stored yet. Create one (New model, with an editor token), or evaluate a file here.')),
      form));
}

// Whether this server answers threat-model queries: null when it does, else why not (a server
// built without the threat-model API, or one that has it turned off).
async function apiMissing() {
  try {
    await gql('{ threatModels { id } }');
    return null;
  } catch (err) {
    if (isAuthError(err)) throw err;
    if (/Cannot query field/.test(err.message)) return 'This server has no threat-model API, so there is nothing to draw here yet.';
    return `Threat models are not available here: ${err.message}`;
  }
}

// A model file in a URL: deflate, then base64url.
export async function pack(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export async function unpack(s) {
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

