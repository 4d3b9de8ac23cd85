// Cytoscape.js graphs with positions the views compute (columns in tactic order), so a layout is
// deterministic and cheap: no force simulation, the same picture for the same data.
import cytoscape from '../vendor/cytoscape.esm.min.js';
import { h } from './dom.js';

const FONT = '"Inter", "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif';

export const COLORS = {
  ink: '#1f2937', muted: '#6b7280', line: '#a3b1c2', accent: '#2563eb', accentSoft: '#dbeafe',
  actor: '#7c3aed', actorSoft: '#ede9fe', shared: '#d97706', sharedSoft: '#fef3c7',
  broken: '#dc2626', brokenSoft: '#fee2e2', ok: '#059669', okSoft: '#d1fae5', node: '#ffffff',
};

// The colour vocabulary of app.css (--v-*), read once so the canvas uses the same colours as the
// page; the fallbacks are the same values.
const V = (() => {
  const fallback = {
    cut: '#047857', 'cut-soft': '#d1fae5', risk: '#b91c1c', 'risk-soft': '#fee2e2', detect: '#1d4ed8', 'detect-soft': '#dbeafe',
    reduce: '#92400e', 'reduce-soft': '#fef3c7', outside: '#4b5563', 'outside-soft': '#f3f4f6', shared: '#6d28d9', 'shared-soft': '#ede9fe',
  };
  if (typeof document === 'undefined') return fallback;
  const css = getComputedStyle(document.documentElement);
  const out = {};
  for (const [k, v] of Object.entries(fallback)) out[k] = css.getPropertyValue(`--v-${k}`).trim() || v;
  return out;
})();
export { V as VOCAB };

export const STYLE = [
  { selector: 'node', style: {
    shape: 'round-rectangle', width: 150, height: 48, 'background-color': COLORS.node,
    'border-width': 1.5, 'border-color': '#94a3b8', label: 'data(label)', 'font-family': FONT, 'font-size': 12,
    color: COLORS.ink, 'text-wrap': 'wrap', 'text-max-width': 140, 'text-valign': 'center', 'text-halign': 'center',
  } },
  { selector: 'node.pnode', style: { height: 52 } },
  { selector: 'node.step', style: { width: 170, height: 62, 'text-max-width': 162 } },
  { selector: 'node.actor', style: { 'background-color': '#f8fafc', 'border-color': COLORS.ink, 'border-width': 2.5, 'font-weight': 700, width: 140, 'text-wrap': 'wrap' } },
  // Shared by several actors (or layers): purple, a thick border and the word in the label.
  { selector: 'node.shared', style: { 'background-color': V['shared-soft'], 'border-color': V.shared, 'border-width': 3 } },
  // A technique beside the actors' column: one or two lines, sized by the view.
  { selector: 'node.tnode', style: { width: 'data(w)', height: 44, 'text-max-width': 'data(tw)', 'text-halign': 'center' } },
  { selector: 'edge', style: {
    width: 1.5, 'line-color': COLORS.line, 'target-arrow-color': COLORS.line, 'target-arrow-shape': 'triangle',
    'curve-style': 'bezier', 'arrow-scale': 0.9, label: 'data(label)', 'font-size': 11, 'font-family': FONT,
    color: COLORS.muted, 'text-background-color': '#fff', 'text-background-opacity': 0.9, 'text-background-padding': 2,
  } },
  // Links routed in right angles: out of the actor sideways, along the actor's own trunk, into
  // the technique sideways, so no link runs behind a node.
  { selector: 'edge.routed', style: {
    'curve-style': 'segments', 'edge-distances': 'node-position', 'segment-radius': 0,
    label: '', 'target-label': 'data(label)', 'target-text-offset': 26,
    'font-size': 11, color: COLORS.ink, 'text-background-color': '#fff', 'text-background-opacity': 1, 'text-background-padding': 1,
  } },
  { selector: 'node.focus', style: { 'background-color': COLORS.accentSoft, 'border-color': COLORS.accent, 'border-width': 2.5, 'font-weight': 600 } },
  { selector: 'node.hit', style: { 'background-color': V['cut-soft'], 'border-color': V.cut, 'border-width': 2.5 } },
  // A control cuts here: green, a double border and the word in the label (views add it).
  { selector: 'node.cut', style: { 'background-color': V['cut-soft'], 'border-color': V.cut, 'border-width': 4, 'border-style': 'double', 'font-weight': 700 } },
  { selector: 'node.uncovered', style: { 'border-style': 'dashed' } },
  { selector: 'node.column', style: {
    shape: 'rectangle', 'background-opacity': 0, 'border-width': 0, 'font-size': 12, 'font-weight': 600,
    color: COLORS.muted, 'text-transform': 'uppercase', 'text-wrap': 'wrap', 'text-max-width': 150, width: 150, height: 20, events: 'no',
  } },
  // Links whose bends the view computes (routeThrough): straight segments, right angles.
  { selector: 'edge.wrap', style: { 'curve-style': 'segments', 'edge-distances': 'node-position', 'segment-radius': 0 } },
  { selector: 'node.component', style: { width: 180, height: 54, 'text-max-width': 170, 'background-color': '#f8fafc', 'border-color': '#64748b' } },
  { selector: 'edge.boundary', style: { 'line-color': COLORS.broken, 'target-arrow-color': COLORS.broken, 'line-style': 'dashed', width: 2 } },
  { selector: 'edge.attack-only', style: { 'line-style': 'dashed' } },
  { selector: 'edge.shared', style: { 'line-color': V.shared, 'target-arrow-color': V.shared, width: 2.5 } },
  // Hops between step columns leave a node's right side and enter the next node's left side, so a
  // straight hop stays in the gap between two columns and never runs behind a node.
  { selector: 'edge.lr', style: { 'curve-style': 'straight', 'source-endpoint': '50% 0%', 'target-endpoint': '-50% 0%' } },
  // A hop only broken paths use: grey and dashed; a hop of an open path: red and solid.
  { selector: 'edge.broken', style: { 'line-color': V.outside, 'target-arrow-color': V.outside, 'line-style': 'dashed' } },
  { selector: 'edge.open', style: { 'line-color': V.risk, 'target-arrow-color': V.risk, width: 2.5 } },
  // Added by "expand neighbours": not on a listed path.
  { selector: 'node.extra', style: { 'border-style': 'dashed', 'background-color': '#f8fafc' } },
  { selector: 'edge.extra', style: { 'line-style': 'dotted', 'line-color': COLORS.muted, 'target-arrow-color': COLORS.muted } },
  // "+n more" stands for the techniques of a column left out.
  { selector: 'node.more', style: { 'background-color': V['outside-soft'], 'border-color': V.outside, 'border-style': 'dashed', 'font-style': 'italic', color: COLORS.ink } },
  { selector: 'node.cursor', style: { 'overlay-color': COLORS.accent, 'overlay-opacity': 0.18, 'overlay-padding': 6 } },
  { selector: '.faded', style: { opacity: 0.18 } },
  { selector: 'edge.highlight', style: { 'line-color': COLORS.accent, 'target-arrow-color': COLORS.accent, width: 3, opacity: 1, 'z-index': 10, color: COLORS.ink } },
  { selector: 'node.highlight', style: { 'border-color': COLORS.accent, 'border-width': 3, opacity: 1, 'z-index': 10 } },
  { selector: 'node:selected', style: { 'border-color': COLORS.accent, 'border-width': 3.5, 'overlay-opacity': 0 } },
  { selector: 'edge:selected', style: { 'line-color': COLORS.accent, 'target-arrow-color': COLORS.accent, width: 3.5, 'overlay-opacity': 0 } },
];

/**
 * Draws elements (each node with data.id, data.label and a position) in container and returns the
 * Cytoscape instance; status.metrics.layoutMs records how long drawing took (for the browser tests).
 *
 * With `scale` the graph is drawn at that zoom, never shrunk to fit: the container takes the size
 * of the drawing (labels stay as large as the style says) and its parent scrolls when the drawing
 * is wider than the page; the wheel scrolls the page, and `grab` lets nodes be dragged.
 */
export function drawGraph(container, elements, { status, onTap, fit = true, maxZoom = 1.25, scale = 0, grab = false, pad = 16 } = {}) {
  const t0 = performance.now();
  const cy = cytoscape({
    container, elements, style: STYLE, layout: { name: 'preset', fit: fit && !scale, padding: 24 },
    minZoom: 0.15, maxZoom: 3, wheelSensitivity: 0.3, boxSelectionEnabled: false, autoungrabify: !grab,
    userZoomingEnabled: !scale, userPanningEnabled: !scale,
    // Cheaper frames while panning and zooming large graphs.
    textureOnViewport: elements.length > 150, hideEdgesOnViewport: elements.length > 400, pixelRatio: elements.length > 300 ? 1 : 'auto',
  });
  if (scale) fitTo(cy, container, scale, pad);
  else if (cy.zoom() > maxZoom) { cy.zoom(maxZoom); cy.center(); }
  if (onTap) {
    cy.on('tap', 'node, edge', (e) => onTap(e.target));
    cy.on('tap', (e) => { if (e.target === cy) onTap(null); });
  }
  const ms = performance.now() - t0;
  if (status) {
    status.cy = cy;
    status.metrics.layoutMs = ms;
    status.metrics.nodes = cy.nodes().not('.column').length;
    status.metrics.edges = cy.edges().length;
  }
  container.setAttribute('role', 'img');
  return cy;
}

/** Sizes container to the drawing at zoom `scale` and puts the drawing's corner at `pad`. */
export function fitTo(cy, container, scale, pad = 16) {
  const bb = cy.elements().boundingBox({ includeLabels: true, includeOverlays: false });
  container.style.width = `${Math.ceil(bb.w * scale + 2 * pad)}px`;
  container.style.height = `${Math.ceil(bb.h * scale + 2 * pad)}px`;
  container.style.minHeight = '0';
  cy.resize();
  cy.zoom(scale);
  cy.pan({ x: pad - bb.x1 * scale, y: pad - bb.y1 * scale });
}

/**
 * Lets the keyboard walk a graph drawn in columns: focus the container, then the arrow keys move a
 * cursor between nodes (Left and Right along the links, Up and Down within a column), Home goes
 * to the first node, Enter or Space picks the node under the cursor (onPick), Escape clears.
 * Each move is announced through `announce` (an aria-live element's text).
 */
export function keyboardWalk(cy, container, { onPick, announce, describe = (n) => n.data('label') }) {
  let cur = null;
  const nodes = () => cy.nodes().not('.column').filter((n) => n.visible());
  const byPos = (a, b) => a.position('x') - b.position('x') || a.position('y') - b.position('y');
  const set = (n) => {
    if (cur) cur.removeClass('cursor');
    cur = n && n.nonempty() ? n : null;
    if (!cur) return;
    cur.addClass('cursor');
    announce(describe(cur));
  };
  // The next node sideways: a linked one in the nearest column that way, else any node there.
  const step = (from, side, dir) => {
    for (const pool of [from.neighborhood('node').not('.column').filter(side), nodes().filter(side)]) {
      if (pool.empty()) continue;
      const xs = pool.map((n) => n.position('x'));
      const col = dir > 0 ? Math.min(...xs) : Math.max(...xs);
      const found = nearest(pool.filter((n) => n.position('x') === col).toArray());
      if (found) return found;
    }
    return null;
  };
  const nearest = (cands) => (cands.length ? cands.sort((a, b) => Math.abs(a.position('y') - cur.position('y')) - Math.abs(b.position('y') - cur.position('y')))[0] : null);
  container.setAttribute('tabindex', '0');
  // The page handles the keys itself; screen readers hear each move through `announce`.
  container.setAttribute('role', 'application');
  container.setAttribute('aria-roledescription', 'graph');
  // Handlers are set, not added, so a graph drawn again in the same box (zoom) replaces them.
  container.onfocus = () => { if (!cur) set(nodes().sort(byPos)[0]); };
  container.onkeydown = (e) => {
    if (!cur && !['Escape', 'Tab'].includes(e.key)) set(nodes().sort(byPos)[0]);
    if (!cur) return;
    const x = cur.position('x');
    const y = cur.position('y');
    let next = null;
    switch (e.key) {
      case 'ArrowRight': next = step(cur, (n) => n.position('x') > x, 1); break;
      case 'ArrowLeft': next = step(cur, (n) => n.position('x') < x, -1); break;
      case 'ArrowDown': next = nodes().filter((n) => n.position('x') === x && n.position('y') > y).sort((a, b) => a.position('y') - b.position('y'))[0]; break;
      case 'ArrowUp': next = nodes().filter((n) => n.position('x') === x && n.position('y') < y).sort((a, b) => b.position('y') - a.position('y'))[0]; break;
      case 'Home': next = nodes().sort(byPos)[0]; break;
      case 'End': next = nodes().sort(byPos).slice(-1)[0]; break;
      case 'Enter': case ' ': e.preventDefault(); onPick(cur); return;
      case 'Escape': onPick(null); return;
      default: return;
    }
    e.preventDefault();
    if (next) {
      set(next);
      const r = next.renderedBoundingBox();
      const box = container.getBoundingClientRect();
      const scroller = container.parentElement;
      if (scroller && scroller.scrollWidth > scroller.clientWidth) scroller.scrollLeft = Math.max(0, r.x1 + box.left - scroller.getBoundingClientRect().left + scroller.scrollLeft - 40);
    }
  };
  return { set, get: () => cur };
}

/**
 * The style that makes a 'segments' edge from node position S to T pass through the given bends
 * (graph coordinates): Cytoscape places bends by weight along S→T and distance from that line.
 */
export function routeThrough(S, T, bends) {
  const vx = T.x - S.x;
  const vy = T.y - S.y;
  const L2 = vx * vx + vy * vy || 1;
  const L = Math.sqrt(L2);
  return {
    'segment-weights': bends.map((q) => (((q.x - S.x) * vx + (q.y - S.y) * vy) / L2).toFixed(4)).join(' '),
    'segment-distances': bends.map((q) => (((q.y - S.y) * vx - (q.x - S.x) * vy) / L).toFixed(2)).join(' '),
  };
}

/** Fades everything but the given collection. */
export function spotlight(cy, keep) {
  cy.batch(() => {
    cy.elements().removeClass('highlight faded');
    if (!keep || keep.empty()) return;
    cy.elements().not(keep).not('.column').addClass('faded');
    keep.addClass('highlight');
  });
}

/** Places nodes in columns: items [{id, col}] → {id: {x, y}}, stacked top-down in the order given. */
export function columns(items, { dx = 210, dy = 64, top = 40 } = {}) {
  const byCol = new Map();
  const pos = {};
  for (const it of items) {
    const n = byCol.get(it.col) || 0;
    byCol.set(it.col, n + 1);
    pos[it.id] = { x: it.col * dx, y: top + n * dy };
  }
  return { pos, heights: byCol };
}

/** Column header nodes for tactic columns that hold something. */
export function columnHeaders(tactics, used, dx = 210) {
  return tactics.filter((t) => used.has(t.position)).map((t) => ({
    group: 'nodes', classes: 'column', data: { id: `col:${t.id}`, label: t.name }, position: { x: t.position * dx, y: 0 }, selectable: false,
  }));
}

/** Wraps a long technique name to at most two short lines for a node label. */
export function label(id, name) {
  const n = name.length > 36 ? name.slice(0, 34) + '…' : name;
  return `${n}\n${id}`;
}
