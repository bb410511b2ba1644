// Signing in with a token and out again: the panel that asks for one, and what
// the token says about its user (for display only: the server verifies it).
import * as api from './api.js';
import { $, el } from './dom.js';
import { stopLive } from './live.js';

/** The JWT's payload, unverified; throws if the token is not a JWT. */
function claimsOf(token) {
  var binary = atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, function (c) { return c.charCodeAt(0); })));
}

/** Who the token names, as the top bar shows it. */
export function describeToken(token) {
  try {
    var payload = claimsOf(token);
    var admin = Array.isArray(payload.roles) && payload.roles.indexOf('admin') >= 0;
    return (payload.sub || 'unknown user') + (admin ? ' · admin' : '');
  } catch (notAJwt) {
    return 'token set';
  }
}

/** Whose uploads these are: resume records are kept per user, in this browser's localStorage. */
export function tokenSubject() {
  try {
    return String(claimsOf(api.token()).sub || '');
  } catch (notAJwt) {
    return '';
  }
}

export function showTokenPanel(message) {
  $('app').hidden = true;
  $('who').hidden = true;
  $('sign-out').hidden = true;
  $('token-panel').hidden = false;
  $('token-error').hidden = !message;
  $('token-error').textContent = message || '';
  $('token-input').value = '';
  $('token-input').focus();
}

/** The token is dropped (a reload must not try it again), and the panel asks for another. */
export function signOut(message) {
  api.setToken(null);
  stopLive();
  showTokenPanel(message);
}

/** How the page should tell a person to get a token. */
export function tokenHint() {
  var source = document.body.dataset.tokenSource;
  var hint = $('token-hint');
  hint.textContent = '';
  if (source === 'jwks') {
    hint.textContent = 'Paste an access token from your identity provider.';
    return;
  }
  hint.append(
    'No token yet? On the server machine run ',
    el('code', {}, 'npm run token -- alice'),
    ' (add ',
    el('code', {}, '--admin'),
    ' for an administrator) and paste what it prints.',
    source === 'development' ? ' It signs with the development secret kept under DATA_DIR.' : ' It signs with the server\u2019s JWT_SECRET, so run it with the same environment.',
  );
}
