// The shell: the release picker, the navigation and the router that draws one view at a time.
import { current, hashFor } from './router.js';
import { releases } from './api.js';
import { h, setChildren, errorBox, focusableScrollers } from './dom.js';
import { initAuth } from './auth.js';
import * as matrix from './views/matrix.js';
import * as technique from './views/technique.js';
import * as mitigation from './views/mitigation.js';
import * as paths from './views/paths.js';
import * as casestudy from './views/casestudy.js';
import * as diff from './views/diff.js';
import * as actors from './views/actors.js';
import * as threatmodel from './views/threatmodel.js';

const views = {
  matrix, technique, mitigation, paths, 'case-study': casestudy, diff, actors, 'threat-model': threatmodel,
};
// The navigation tab each view belongs to.
const tabOf = { technique: 'matrix', mitigation: 'matrix' };

// State the browser tests read: which view is drawn, whether it is done, and what it measured.
const status = { view: '', state: 'loading', error: '', metrics: {}, cy: null, renders: 0 };
window.atlasgraph = status;

let generation = 0;
let cleanup = null;

async function draw() {
  const route = current();
  const gen = ++generation;
  const main = document.getElementById('main');
  const view = views[route.view];
  // A tab bar whose tabs redraw the view (the threat model's) keeps the focus on its tabs.
  const onTab = document.activeElement && document.activeElement.matches('main [role=tab]');
  status.view = route.view;
  status.state = 'loading';
  status.error = '';
  status.cy = null;
  status.metrics = {};
  document.body.dataset.state = 'loading';
  if (cleanup) { try { cleanup(); } catch (e) { /* the old view is gone either way */ } cleanup = null; }
  markNav(route);
  if (!view) {
    setChildren(main, errorBox('No such view:', new Error(`"${route.view}". Pick one from the navigation above.`)));
    finish(gen, 'error', 'unknown view');
    return;
  }
  setChildren(main, h('p', { class: 'loading' }, 'Loading…'));
  try {
    const out = await view.render(main, route, { release: route.params.get('release') || '', status, isCurrent: () => gen === generation });
    if (gen !== generation) return;
    if (typeof out === 'function') cleanup = out;
    finish(gen, 'ready');
    if (onTab) {
      const tab = main.querySelector('[role=tab][aria-selected=true]');
      if (tab) tab.focus();
    }
  } catch (err) {
    if (gen !== generation) return;
    setChildren(main, errorBox('This view could not be drawn:', err), h('p', {}, h('a', { href: '#/matrix' }, 'Back to the matrix')));
    finish(gen, 'error', err.message || String(err));
  }
}

function finish(gen, state, error = '') {
  if (gen !== generation) return;
  status.state = state;
  status.error = error;
  status.renders++;
  document.body.dataset.state = state;
  document.body.dataset.view = status.view;
  const main = document.getElementById('main');
  const h1 = main.querySelector('h1');
  document.title = `${h1 ? h1.textContent.trim() : 'Error'} · atlasgraph`;
  const say = document.getElementById('announce');
  if (say) say.textContent = state === 'ready' ? `${document.title} loaded` : `This view could not be drawn: ${error}`;
  if (state === 'ready') requestAnimationFrame(() => focusableScrollers(main));
  // First content: from the navigation to the first frame painted after the page's first view
  // is drawn (reported by the browser tests, never asserted).
  if (state === 'ready' && !status.firstContentMs) {
    requestAnimationFrame(() => requestAnimationFrame(() => { status.firstContentMs ||= performance.now(); }));
  }
}

function markNav(route) {
  const tab = tabOf[route.view] || route.view;
  const rel = route.params.get('release');
  for (const a of document.querySelectorAll('#nav a')) {
    const v = a.dataset.view;
    a.href = hashFor(v, '', rel ? { release: rel } : {});
    if (v === tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const sel = document.getElementById('release-select');
  if (sel.options.length) sel.value = rel || sel.dataset.current || '';
}

async function initReleases() {
  const sel = document.getElementById('release-select');
  try {
    const data = await releases();
    const cur = data.releases.find((r) => r.current);
    sel.dataset.current = cur ? cur.version : '';
    setChildren(sel, data.releases.map((r) => h('option', { value: r.version }, r.version + (r.current ? ' (current)' : ''))));
    sel.value = current().params.get('release') || sel.dataset.current;
  } catch (err) {
    setChildren(sel, h('option', { value: '' }, 'unavailable'));
  }
  sel.addEventListener('change', () => {
    const r = current();
    const params = new URLSearchParams(r.params);
    if (sel.value && sel.value !== sel.dataset.current) params.set('release', sel.value);
    else params.delete('release');
    // Ids differ between releases, so a release switch returns to the view's start.
    location.hash = hashFor(r.view === 'technique' || r.view === 'mitigation' ? 'matrix' : r.view, '', params.has('release') ? { release: params.get('release') } : {});
  });
}

window.addEventListener('hashchange', draw);
let resized = 0;
window.addEventListener('resize', () => {
  clearTimeout(resized);
  resized = setTimeout(() => focusableScrollers(document.getElementById('main')), 200);
});
document.getElementById('skip').addEventListener('click', (e) => {
  e.preventDefault();
  document.getElementById('main').focus();
});
initReleases();
initAuth();
draw();
