// Layers on the matrix: where each comes from (an actor, a case study, a threat model, a
// release diff, an imported Navigator layer file), fetched through the API's matrixLayer,
// which reads every source into one shape; comparisons (combineLayers) and the export of
// what is shown (layerFile). The URL names each layer by a short spec:
//   a:ACTOR-ID  cs:CASE-STUDY-ID  tm:MODEL-ID  diff:OLDER-RELEASE  file:NAME
// Imported files live only in this page (the URL cannot carry them): after a reload their
// spec stays in the URL and the legend asks for the file again.
import { gql, cached } from './api.js';

const FIELDS = `name description source format domain release unknown warnings
  legend { label color }
  techniques { id tactics score value color comment label }`;
const LAYER = `query MatrixLayer($r: String, $actors: [String!], $cs: ID, $tm: ID, $diff: String, $file: LayerFileInput) {
  matrixLayer(release: $r, actors: $actors, caseStudy: $cs, threatModel: $tm, diffFrom: $diff, file: $file) { ${FIELDS} }
}`;
const COMBINE = `query Combine($a: ScoredLayerInput!, $b: ScoredLayerInput!, $op: LayerOperation!, $r: String) {
  combineLayers(a: $a, b: $b, operation: $op, release: $r) { ${FIELDS} }
}`;
const FILE = `query LayerFile($name: String, $layers: [ScoredLayerInput!]!, $r: String) {
  layerFile(name: $name, layers: $layers, release: $r) { name techniqueCount json }
}`;

// Imported files by spec name, for the life of the page.
const files = new Map();

export const KINDS = {
  a: 'Actor', cs: 'Case study', tm: 'Threat model', diff: 'Release diff from', file: 'Navigator file',
};

/** Splits a spec "kind:value". */
export function parseSpec(spec) {
  const i = spec.indexOf(':');
  if (i < 0) return { kind: '', value: spec };
  return { kind: spec.slice(0, i), value: spec.slice(i + 1) };
}

/**
 * Reads an imported file into a layer and keeps it under a spec name (file:NAME, NAME made
 * unique); returns the spec. Errors name the file and the field (the server reads it).
 */
export async function importFile(file, release) {
  const text = await file.text();
  const data = await gql(LAYER, { r: release || null, file: { name: file.name, json: text } });
  let name = file.name.replace(/[,:]/g, '_');
  for (let n = 2; files.has(name); n++) name = `${file.name.replace(/[,:]/g, '_')} (${n})`;
  files.set(name, { release: release || '', layer: data.matrixLayer });
  return `file:${name}`;
}

/**
 * Loads the layer a spec names: {spec, kind, layer} or {spec, kind, error, missing} (an
 * imported file this page no longer holds). Never throws.
 */
export async function load(spec, release) {
  const { kind, value } = parseSpec(spec);
  const r = release || null;
  try {
    let data;
    if (kind === 'a') data = await cached(`layer:${release}:${spec}`, LAYER, { r, actors: [value] });
    else if (kind === 'cs') data = await cached(`layer:${release}:${spec}`, LAYER, { r, cs: value });
    else if (kind === 'tm') data = await gql(LAYER, { r, tm: value }); // a model changes: never cached
    else if (kind === 'diff') data = await cached(`layer:${release}:${spec}`, LAYER, { r, diff: value });
    else if (kind === 'file') {
      const held = files.get(value);
      if (!held) return { spec, kind, missing: true, error: new Error(`${value}: imported files are not kept across reloads; import it again, or remove this layer.`) };
      if (held.release !== (release || '')) {
        // The same file on another release: read it again, so its ids are checked there.
        return { spec, kind, error: new Error(`${value} was imported on another release; import it again here.`), missing: true };
      }
      return { spec, kind, layer: held.layer };
    } else throw new Error(`"${spec}" names no layer; remove it (layers are a:actor, cs:case study, tm:threat model, diff:release, file:name).`);
    return { spec, kind, layer: data.matrixLayer };
  } catch (error) {
    return { spec, kind, error };
  }
}

const scored = (l) => ({
  name: l.name,
  techniques: l.techniques.map((t) => ({ id: t.id, value: t.value, comment: t.comment || null, color: t.color || null, label: t.label || null, tactics: t.tactics })),
});

/** Combines two layers: op is union, intersection or difference. */
export async function combine(a, b, op, release) {
  const lean = (l) => ({ name: l.name, techniques: l.techniques.map((t) => ({ id: t.id, value: t.value })) });
  const data = await gql(COMBINE, { a: lean(a), b: lean(b), op: op.toUpperCase(), r: release || null });
  return data.combineLayers;
}

/** Writes layers as one Navigator layer file: {name, techniqueCount, json}. */
export async function layerFile(name, layers, release) {
  const data = await gql(FILE, { name, layers: layers.map(scored), r: release || null });
  return data.layerFile;
}

// How the matrix marks a technique a layer puts in a category: a class of the shared colour
// vocabulary (docs/web.md, "Colours") and a glyph, so colour is never the only cue.
const CATEGORIES = [
  [/^residual/, 'risk', '!', 'residual'],
  [/^(mitigated|cut)/, 'cut', '✓', 'mitigated (cut)'],
  [/^accepted/, 'reduce', '~', 'accepted risk'],
  [/^added/, 'outside', '+', 'added'],
  [/^changed/, 'outside', 'Δ', 'changed'],
];

/** The category of a label: {cls, glyph, text} ({cls: ''} when the label has none). */
export function category(label) {
  const l = (label || '').toLowerCase();
  for (const [re, cls, glyph, text] of CATEGORIES) if (re.test(l)) return { cls, glyph, text };
  return { cls: '', glyph: '', text: label || '' };
}

function rgb(hex) {
  const m = /^#?([0-9a-f]{6}|[0-9a-f]{3})(?:[0-9a-f]{2})?$/i.exec((hex || '').trim());
  if (!m) return null;
  let x = m[1];
  if (x.length === 3) x = x.split('').map((c) => c + c).join('');
  return [0, 2, 4].map((i) => parseInt(x.slice(i, i + 2), 16));
}

function luminance([r, g, b]) {
  const lin = (v) => { const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

const DARK = '#0f172a';
const DARK_L = 0.0085;

/** The text colour (dark or white) with the higher contrast on a #rrggbb background. */
export function inkOn(hex) {
  return paint(hex).color;
}

/**
 * How to show a layer's colour behind text: {background, color, stripe}. The text is dark or
 * white, whichever reads better; when neither reaches 4.5:1 the background is lightened until
 * dark text does, and the layer's own colour stays as a stripe on the cell's left edge.
 */
export function paint(hex) {
  const c = rgb(hex);
  if (!c) return { background: '#ffffff', color: DARK, stripe: '' };
  const L = luminance(c);
  const dark = (L + 0.05) / (DARK_L + 0.05);
  const white = 1.05 / (L + 0.05);
  if (dark >= 4.5 || white >= 4.5) return { background: hex, color: dark >= white ? DARK : '#ffffff', stripe: '' };
  for (let k = 0.1; k <= 1; k += 0.1) {
    const m = c.map((v) => Math.round(v + (255 - v) * k));
    if ((luminance(m) + 0.05) / (DARK_L + 0.05) >= 4.6) {
      return { background: '#' + m.map((v) => v.toString(16).padStart(2, '0')).join(''), color: DARK, stripe: hex };
    }
  }
  return { background: '#ffffff', color: DARK, stripe: hex };
}

/** The style attribute painting a cell or a key in a layer's colour (see paint). */
export function paintStyle(hex) {
  const p = paint(hex);
  return `background:${p.background};color:${p.color}${p.stripe ? `;box-shadow:inset 5px 0 0 ${p.stripe}` : ''}`;
}
