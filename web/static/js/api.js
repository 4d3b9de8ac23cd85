// The page's only channel to the server: GraphQL over POST /graphql.

// The server shares its slots between clients and refuses a client's requests beyond its share
// (OVERLOADED, HTTP 429 or 503 with Retry-After). The page therefore sends at most MAX_IN_FLIGHT
// requests at once, queues the rest, and retries a refused one after the time the server asks.
const MAX_IN_FLIGHT = 2;
const RETRIES = 4;
let inFlight = 0;
const waiting = [];

async function slot() {
  if (inFlight < MAX_IN_FLIGHT) { inFlight++; return; }
  await new Promise((resolve) => waiting.push(resolve));
}

function release() {
  const next = waiting.shift();
  if (next) next(); else inFlight--;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The editor's bearer token (signed in through the sign-in dialog, js/auth.js) lives in this
// tab's session storage only: never in a URL, gone when the tab closes or on sign-out.
export const TOKEN_KEY = 'atlasgraph.token';
export function authToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
}

/** Sends one GraphQL operation and returns its data, or throws an Error whose message is the server's. */
export async function gql(query, variables = {}) {
  for (let attempt = 0; ; attempt++) {
    await slot();
    let res;
    let body;
    try {
      try {
        res = await fetch('/graphql', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(authToken() ? { Authorization: `Bearer ${authToken()}` } : {}) },
          body: JSON.stringify({ query, variables }),
        });
      } catch (e) {
        throw new Error('The atlasgraph server cannot be reached; is `atlasgraph serve` running?');
      }
      try {
        body = await res.json();
      } catch (e) {
        throw new Error(`The server answered HTTP ${res.status} without a GraphQL response.`);
      }
    } finally {
      release();
    }
    const overloaded = res.status === 429 || res.status === 503 || (body.errors || []).some((e) => e.extensions && e.extensions.code === 'OVERLOADED');
    if (overloaded && attempt < RETRIES) {
      const after = Number(res.headers.get('Retry-After'));
      await sleep(Math.min(5000, (Number.isFinite(after) && after > 0 ? after * 1000 : 300) * (attempt + 1)));
      continue;
    }
    if (body.errors && body.errors.length) {
      // The code (UNAUTHENTICATED, FORBIDDEN, BAD_INPUT, CONFLICT ...) and a refused threat
      // model's problems, each naming its field, travel with the error for forms to show.
      const err = new Error(body.errors.map((e) => e.message).join(' '));
      err.code = (body.errors[0].extensions || {}).code || '';
      err.problems = body.errors.flatMap((e) => (e.extensions && e.extensions.problems) || []);
      throw err;
    }
    if (!res.ok) {
      const err = new Error(`The server answered HTTP ${res.status}.`);
      err.code = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN' }[res.status] || '';
      throw err;
    }
    return body.data;
  }
}

const cache = new Map();

/** Like gql, but remembers the answer for the life of the page (release data does not change under a version). */
export function cached(key, query, variables) {
  if (!cache.has(key)) {
    const p = gql(query, variables);
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return cache.get(key);
}

const BASE = `query Base($r: String) {
  tactics(release: $r) { id name position }
  techniques(release: $r) {
    id name maturity isSubtechnique
    parent { id }
    tactics { id }
    caseStudies { id }
    mitigations { mitigation { id } }
  }
  mitigations(release: $r) { id name }
}`;

/**
 * The release's tactics, techniques and mitigations, indexed, fetched once per release:
 * the matrix draws it and the other views use it to place and name things.
 */
export async function base(release) {
  const data = await cached(`base:${release || ''}`, BASE, { r: release || null });
  const tactics = [...data.tactics].sort((a, b) => a.position - b.position);
  const tacticById = new Map(tactics.map((t) => [t.id, t]));
  const techById = new Map(data.techniques.map((t) => [t.id, t]));
  const mitById = new Map(data.mitigations.map((m) => [m.id, m]));
  const subsOf = new Map();
  for (const t of data.techniques) {
    if (t.parent) {
      if (!subsOf.has(t.parent.id)) subsOf.set(t.parent.id, []);
      subsOf.get(t.parent.id).push(t);
    }
  }
  // A sub-technique sits in its parent's columns when it names no tactic of its own.
  const tacticsOf = (id) => {
    const t = techById.get(id);
    if (!t) return [];
    if (t.tactics.length || !t.parent) return t.tactics.map((x) => tacticById.get(x.id)).filter(Boolean);
    return tacticsOf(t.parent.id);
  };
  const column = (id) => {
    const ts = tacticsOf(id);
    return ts.length ? Math.min(...ts.map((t) => t.position)) : 0;
  };
  const mitigatedBy = new Map(data.techniques.map((t) => [t.id, new Set(t.mitigations.map((m) => m.mitigation.id))]));
  return { tactics, tacticById, techniques: data.techniques, techById, mitigations: data.mitigations, mitById, subsOf, tacticsOf, column, mitigatedBy };
}

/** The loaded releases, newest load first. */
export function releases() {
  return cached('releases', '{ releases { version current loadedAt counts { techniques caseStudies } } }');
}
