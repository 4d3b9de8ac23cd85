// Sign-in for editors: a modal dialog takes the bearer token the server was configured with
// (ATLASGRAPH_TOKENS, docs/threatmodel.md "Access") and keeps it in this tab's session storage,
// from where api.js sends it as Authorization: Bearer. The token never goes into a URL, so every
// view's link still restores the view while the token stays in the tab; sign-out forgets it.
import { TOKEN_KEY, authToken } from './api.js';
import { h, setChildren } from './dom.js';

let dialog = null;
let pending = null;

/** Whether a token is kept in this tab. */
export function signedIn() { return !!authToken(); }

/** Forgets the token and redraws the header button. */
export function signOut() {
  try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage off: nothing kept */ }
  paintButton();
  window.dispatchEvent(new CustomEvent('atlasgraph-auth', { detail: { signedIn: false } }));
}

/**
 * Opens the sign-in dialog, with message (why it opened) shown at its top; resolves to true once
 * a token is entered, false when the dialog is closed without one (Escape, Cancel).
 */
export function requireSignIn(message = '') {
  build();
  setChildren(dialog.querySelector('#signin-msg'), message ? h('p', { class: 'error', role: 'alert' }, message) : null);
  const input = dialog.querySelector('#signin-token');
  input.value = '';
  if (!dialog.open) {
    dialog.returnTo = document.activeElement;
    dialog.showModal();
  }
  input.focus();
  return new Promise((resolve) => {
    if (pending) pending(false);
    pending = resolve;
  });
}

function finish(ok) {
  if (dialog.open) dialog.close();
  const back = dialog.returnTo;
  if (back && back.isConnected && typeof back.focus === 'function') back.focus();
  const p = pending;
  pending = null;
  if (p) p(ok);
}

// The dialog: a labelled modal (<dialog> opened with showModal, so the page behind is inert),
// Tab and Shift+Tab kept inside it, Escape closes it.
function build() {
  if (dialog) return;
  const input = h('input', { id: 'signin-token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'signin-help' });
  const form = h('form', { method: 'dialog', id: 'signin-form' },
    h('h2', { id: 'signin-title' }, 'Sign in as an editor'),
    h('div', { id: 'signin-msg' }),
    h('p', { class: 'field' }, h('label', { for: 'signin-token' }, 'Editor token'), input),
    h('p', { id: 'signin-help', class: 'small muted' }, 'The bearer token your administrator configured for you. It is kept in this browser tab only (session storage), sent with each request, never put in a link, and forgotten on sign-out or when the tab closes.'),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', class: 'primary', id: 'signin-submit' }, 'Sign in'),
      h('button', { type: 'button', id: 'signin-cancel' }, 'Cancel')));
  dialog = h('dialog', { id: 'signin-dialog', class: 'signin', 'aria-labelledby': 'signin-title', 'aria-modal': 'true' }, form);
  document.body.append(dialog);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const tok = input.value.trim();
    if (!tok) {
      setChildren(dialog.querySelector('#signin-msg'), h('p', { class: 'error', role: 'alert' }, 'Enter the token first.'));
      input.focus();
      return;
    }
    try { sessionStorage.setItem(TOKEN_KEY, tok); } catch (err) {
      setChildren(dialog.querySelector('#signin-msg'), h('p', { class: 'error', role: 'alert' }, 'This browser keeps no session storage here, so the token cannot be kept.'));
      return;
    }
    input.value = '';
    paintButton();
    window.dispatchEvent(new CustomEvent('atlasgraph-auth', { detail: { signedIn: true } }));
    finish(true);
  });
  dialog.querySelector('#signin-cancel').addEventListener('click', () => finish(false));
  dialog.addEventListener('cancel', (e) => { e.preventDefault(); finish(false); });
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); finish(false); return; }
    if (e.key !== 'Tab') return;
    const f = [...dialog.querySelectorAll('input, button, a[href], select, textarea')].filter((x) => !x.disabled);
    if (!f.length) return;
    const first = f[0];
    const last = f[f.length - 1];
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  });
}

// The header's button: "Sign in", or "Sign out" while a token is kept.
function paintButton() {
  const b = document.getElementById('signin-btn');
  if (!b) return;
  b.textContent = signedIn() ? 'Sign out' : 'Sign in';
  b.setAttribute('aria-label', signedIn() ? 'Sign out (forget the editor token)' : 'Sign in with an editor token');
}

/** Wires the header's sign-in button; called once by app.js. */
export function initAuth() {
  const b = document.getElementById('signin-btn');
  if (!b) return;
  paintButton();
  b.addEventListener('click', () => {
    if (signedIn()) signOut();
    else requireSignIn();
  });
}

/** Whether an error from gql is the server refusing the token (or its absence). */
export function isAuthError(err) {
  return !!err && (err.code === 'UNAUTHENTICATED' || err.code === 'FORBIDDEN');
}
