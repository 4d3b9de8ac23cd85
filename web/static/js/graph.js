// Cytoscape.js graphs with positions the views compute (columns in tactic order), so a layout is
// deterministic and cheap: no force simulation, the same picture for the same data.
import cytoscape from '../vendor/cytoscape.esm.min.js';

const FONT = '"Inter", "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif';

export const COLORS = {
  ink: '#1f2937', muted: '#6b7280', line: '#a3b1c2', accent: '#2563eb', accentSoft: '#dbeafe',
  actor: '#7c3aed', actorSoft: '#ede9fe', shared: '#d97706', sharedSoft: '#fef3c7',
  broken: '#dc2626', brokenSoft: '#fee2e2', ok: '#059669', okSoft: '#d1fae5', node: '#ffffff',
};

export const STYLE = [
  { selector: 'node', style: {
    shape: 'round-rectangle', width: 150, height: 48, 'background-color': COLORS.node,
    'border-width': 1.5, 'border-color': '#94a3b8', label: 'data(label)', 'font-family': FONT, 'font-size': 12,
    color: COLORS.ink, 'text-wrap': 'wrap', 'text-max-width': 140, 'text-valign': 'center', 'text-halign': 'center',
  } },
  { selector: 'node.actor', style: { 'background-color': COLORS.actorSoft, 'border-color': COLORS.actor, 'font-weight': 600, width: 140, 'text-wrap': 'wrap' } },
  { selector: 'node.shared', style: { 'background-color': COLORS.sharedSoft, 'border-color': COLORS.shared, 'border-width': 2.5 } },
  { selector: 'node.focus', style: { 'background-color': COLORS.accentSoft, 'border-color': COLORS.accent, 'border-width': 2.5, 'font-weight': 600 } },
  { selector: 'node.hit', style: { 'background-color': COLORS.okSoft, 'border-color': COLORS.ok, 'border-width': 2.5 } },
  { selector: 'node.cut', style: { 'background-color': COLORS.brokenSoft, 'border-color': COLORS.broken, 'border-width': 3, 'border-style': 'double' } },
  { selector: 'node.uncovered', style: { 'border-style': 'dashed' } },
  { selector: 'node.column', style: {
    shape: 'rectangle', 'background-opacity': 0, 'border-width': 0, 'font-size': 12, 'font-weight': 600,
    color: COLORS.muted, 'text-transform': 'uppercase', 'text-wrap': 'wrap', 'text-max-width': 150, width: 150, height: 20, events: 'no',
  } },
  { selector: 'edge', style: {
    width: 1.5, 'line-color': COLORS.line, 'target-arrow-color': COLORS.line, 'target-arrow-shape': 'triangle',
    'curve-style': 'bezier', 'arrow-scale': 0.9, label: 'data(label)', 'font-size': 11, 'font-family': FONT,
    color: COLORS.muted, 'text-background-color': '#fff', 'text-background-opacity': 0.9, 'text-background-padding': 2,
  } },
  { selector: 'node.component', style: { width: 180, height: 54, 'text-max-width': 170, 'background-color': '#f8fafc', 'border-color': '#64748b' } },
  { selector: 'edge.boundary', style: { 'line-color': COLORS.broken, 'target-arrow-color': COLORS.broken, 'line-style': 'dashed', width: 2 } },
  { selector: 'edge.attack-only', style: { 'line-style': 'dashed' } },
  { selector: 'edge.shared', style: { 'line-color': COLORS.shared, 'target-arrow-color': COLORS.shared, width: 2.5 } },
  { selector: 'edge.broken', style: { 'line-color': '#fca5a5', 'target-arrow-color': '#fca5a5', 'line-style': 'dashed' } },
  { selector: '.faded', style: { opacity: 0.18 } },
  { selector: 'edge.highlight', style: { 'line-color': COLORS.accent, 'target-arrow-color': COLORS.accent, width: 3, opacity: 1, 'z-index': 10, color: COLORS.ink } },
  { selector: 'node.highlight', style: { 'border-color': COLORS.accent, 'border-width': 3, opacity: 1, 'z-index': 10 } },
  { selector: 'node:selected', style: { 'border-color': COLORS.accent, 'border-width': 3.5, 'overlay-opacity': 0 } },
  { selector: 'edge:selected', style: { 'line-color': COLORS.accent, 'target-arrow-color': COLORS.accent, width: 3.5, 'overlay-opacity': 0 } },
];

/**
 * Draws elements (each node with data.id, data.label and a position) in container and returns the
 * Cytoscape instance; status.metrics.layoutMs records how long drawing took (for the browser tests).
 */
export function drawGraph(container, elements, { status, onTap, fit = true, maxZoom = 1.25 } = {}) {
  const t0 = performance.now();
  const cy = cytoscape({
    container, elements, style: STYLE, layout: { name: 'preset', fit, padding: 24 },
    minZoom: 0.15, maxZoom: 3, wheelSensitivity: 0.3, boxSelectionEnabled: false, autoungrabify: true,
    // Cheaper frames while panning and zooming large graphs.
    textureOnViewport: elements.length > 150, hideEdgesOnViewport: elements.length > 400, pixelRatio: elements.length > 300 ? 1 : 'auto',
  });
  if (cy.zoom() > maxZoom) { cy.zoom(maxZoom); cy.center(); }
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
