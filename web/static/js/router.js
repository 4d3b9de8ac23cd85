// Hash routing: every view's state is in the URL fragment, #/view/arg?key=value&...

/** The current route: {view, arg, params (URLSearchParams)}. */
export function current() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const [view = '', ...rest] = path.split('/');
  return { view: view || 'matrix', arg: rest.length ? decodeURIComponent(rest.join('/')) : '', params: new URLSearchParams(query) };
}

/** Builds a hash from a view, an argument and parameters (empty values are left out). */
export function hashFor(view, arg, params = {}) {
  const q = new URLSearchParams();
  const entries = params instanceof URLSearchParams ? [...params.entries()] : Object.entries(params);
  for (const [k, v] of entries) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length)) continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const qs = q.toString();
  return `#/${view}${arg ? '/' + encodeURIComponent(arg) : ''}${qs ? '?' + qs : ''}`;
}

/** Goes to a new view state (a history entry; the view is drawn again). */
export function go(view, arg, params) {
  location.hash = hashFor(view, arg, params);
}

/**
 * Records a change made inside a view (a toggle, a selection) in the URL without drawing the view
 * again and without a new history entry: reloading the URL restores it.
 */
export function record(view, arg, params) {
  history.replaceState(null, '', hashFor(view, arg, params));
}

/** A comma-separated list parameter as an array. */
export function list(params, key) {
  return (params.get(key) || '').split(',').map((s) => s.trim()).filter(Boolean);
}
