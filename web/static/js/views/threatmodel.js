// View 5: threat models. Waits for the threat-model GraphQL API (graph/threatmodel.graphqls).
import { h, setChildren } from '../dom.js';

export async function render(root) {
  setChildren(root, h('div', { class: 'toolbar' }, h('h1', {}, 'Threat model')),
    h('section', { class: 'card intro', id: 'pending' },
      h('p', {}, 'This view draws a threat model (components, flows, trust boundaries, applicable techniques, incidents, residual paths and recommended mitigations) once the threat-model API is part of this server.'),
      h('p', { class: 'muted' }, 'Until then, the attack-path and case-study views answer the same questions for ATLAS as a whole.')));
}
