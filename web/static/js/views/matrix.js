// View 1: the ATLAS matrix, tactics as columns in matrix order, techniques and their
// sub-techniques beneath, shaded by case-study evidence or by maturity.
import { base } from '../api.js';
import { h, setChildren } from '../dom.js';
import { record } from '../router.js';

const MATURITY = ['Realized', 'Demonstrated', 'Feasible'];

/** Evidence bins: number of case studies whose steps use the technique itself. */
function evidenceLevel(n) {
  if (n === 0) return 0;
  if (n === 1) return 1;
  if (n <= 3) return 2;
  if (n <= 7) return 3;
  return 4;
}

function maturityLevel(m) {
  const i = MATURITY.indexOf(m || '');
  return i < 0 ? 0 : 3 - i + 1; // Realized 4, Demonstrated 3, Feasible 2, unknown 0
}

export async function render(root, route, ctx) {
  const b = await base(ctx.release);
  const shade = route.params.get('shade') === 'maturity' ? 'maturity' : 'evidence';
  const showSubs = route.params.get('subs') !== '0';
  const filterText = route.params.get('q') || '';
  const focus = route.params.get('focus') || '';

  const params = () => ({ release: ctx.release, shade: shade === 'evidence' ? '' : shade, subs: showSubs ? '' : '0', q: filterInput.value.trim(), focus });

  const cell = (t, sub) => {
    const n = t.caseStudies.length;
    const lvl = shade === 'evidence' ? evidenceLevel(n) : maturityLevel(t.maturity);
    const title = `${t.id} ${t.name}\n${n} case stud${n === 1 ? 'y' : 'ies'}; maturity ${t.maturity || 'not given'}`;
    return h('a', {
      href: `#/technique/${encodeURIComponent(t.id)}${ctx.release ? '?release=' + encodeURIComponent(ctx.release) : ''}`,
      class: `cell ${sub ? 'sub' : ''} ${shade}-${lvl}`, dataset: { id: t.id, name: t.name.toLowerCase() }, title,
    }, h('span', { class: 'cell-name' }, t.name), h('span', { class: 'cell-meta' }, t.id, n ? h('span', { class: 'badge', 'aria-label': `${n} case studies` }, String(n)) : null));
  };

  const cols = b.tactics.map((tac) => {
    const top = b.techniques.filter((t) => !t.parent && t.tactics.some((x) => x.id === tac.id)).sort((x, y) => x.name.localeCompare(y.name));
    const items = [];
    for (const t of top) {
      items.push(h('li', {}, cell(t, false)));
      if (showSubs) {
        const subs = (b.subsOf.get(t.id) || []).filter((s) => !s.tactics.length || s.tactics.some((x) => x.id === tac.id)).sort((x, y) => x.id.localeCompare(y.id));
        for (const s of subs) items.push(h('li', {}, cell(s, true)));
      }
    }
    return h('section', { class: `col ${focus === tac.id ? 'focused' : ''}`, role: 'group', 'aria-labelledby': `th-${tac.id}`, dataset: { tactic: tac.id } },
      h('h2', { id: `th-${tac.id}`, class: 'col-head', title: tac.id }, h('span', {}, tac.name), h('span', { class: 'col-count' }, `${top.length} techniques`)),
      h('ul', { class: 'col-list' }, items));
  });

  const shadeSelect = h('select', { id: 'shade', 'aria-label': 'Shade by' },
    h('option', { value: 'evidence', selected: shade === 'evidence' }, 'Case-study evidence'),
    h('option', { value: 'maturity', selected: shade === 'maturity' }, 'Maturity'));
  shadeSelect.addEventListener('change', () => { location.hash = hashOf({ ...params(), shade: shadeSelect.value === 'evidence' ? '' : 'maturity' }); });
  const subsBox = h('input', { type: 'checkbox', id: 'subs', checked: showSubs });
  subsBox.addEventListener('change', () => { location.hash = hashOf({ ...params(), subs: subsBox.checked ? '' : '0' }); });
  const filterInput = h('input', { type: 'search', id: 'matrix-filter', placeholder: 'Filter by name or id', value: filterText, 'aria-label': 'Filter techniques' });

  const legend = shade === 'evidence'
    ? [['0', 0], ['1', 1], ['2–3', 2], ['4–7', 3], ['8+', 4]].map(([t, l]) => h('span', { class: `key evidence-${l}` }, t))
    : [['Realized', 4], ['Demonstrated', 3], ['Feasible', 2], ['not given', 0]].map(([t, l]) => h('span', { class: `key maturity-${l}` }, t));

  const grid = h('div', { class: 'matrix', id: 'matrix', style: `--cols:${b.tactics.length}` }, cols);
  setChildren(root,
    h('div', { class: 'toolbar' },
      h('h1', {}, 'ATLAS matrix'),
      h('label', { for: 'shade' }, 'Shade by'), shadeSelect,
      h('label', { class: 'check' }, subsBox, ' Sub-techniques'),
      filterInput,
      h('div', { class: 'legend', 'aria-label': 'Legend' }, h('span', { class: 'muted small' }, shade === 'evidence' ? 'Case studies using the technique:' : 'Maturity:'), legend),
      h('span', { class: 'muted small', id: 'matrix-summary' })),
    grid);

  const applyFilter = () => {
    const q = filterInput.value.trim().toLowerCase();
    let shown = 0;
    for (const a of grid.querySelectorAll('.cell')) {
      const hit = !q || a.dataset.id.toLowerCase().includes(q) || a.dataset.name.includes(q);
      a.parentElement.hidden = !hit;
      if (hit) shown++;
    }
    // While filtering, tactics with no match step aside so the matches sit together.
    for (const col of grid.querySelectorAll('.col')) col.hidden = !!q && !col.querySelector('li:not([hidden])');
    root.querySelector('#matrix-summary').textContent = `${b.tactics.length} tactics · ${shown} cells shown`;
  };
  filterInput.addEventListener('input', () => { applyFilter(); record('matrix', '', params()); });
  applyFilter();
  grid.addEventListener('keydown', (e) => moveFocus(e, grid));
  if (focus) {
    const col = grid.querySelector(`[data-tactic="${CSS.escape(focus)}"]`);
    if (col) col.scrollIntoView({ inline: 'center', block: 'nearest' });
  }
}

function hashOf(p) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v) q.set(k, v);
  const s = q.toString();
  return `#/matrix${s ? '?' + s : ''}`;
}

// Arrow keys move between cells: up and down within a column, left and right to the nearest
// cell at the same height in the next visible column.
function moveFocus(e, grid) {
  if (!['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) return;
  const cur = document.activeElement;
  if (!cur || !cur.classList.contains('cell')) return;
  const cells = (col) => [...col.querySelectorAll('.cell')].filter((c) => !c.parentElement.hidden);
  const col = cur.closest('.col');
  const mine = cells(col);
  const i = mine.indexOf(cur);
  let target = null;
  if (e.key === 'ArrowUp') target = mine[i - 1];
  else if (e.key === 'ArrowDown') target = mine[i + 1];
  else if (e.key === 'Home') target = mine[0];
  else if (e.key === 'End') target = mine[mine.length - 1];
  else {
    const all = [...grid.querySelectorAll('.col')];
    let j = all.indexOf(col);
    const step = e.key === 'ArrowLeft' ? -1 : 1;
    for (j += step; j >= 0 && j < all.length; j += step) {
      const other = cells(all[j]);
      if (other.length) { target = other[Math.min(i, other.length - 1)]; break; }
    }
  }
  if (target) { e.preventDefault(); target.focus(); target.scrollIntoView({ block: 'nearest', inline: 'nearest' }); }
}
