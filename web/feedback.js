// How the page says how things went: a toast for results and errors, and what
// an error from the server means for the page (a refused token signs out).
import { $ } from './dom.js';
import { signOut } from './session.js';

var toastTimer = null;

export function toast(message, kind) {
  var box = $('toast');
  box.textContent = message;
  box.className = 'toast' + (kind ? ' ' + kind : '');
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(function () {
    box.hidden = true;
  }, kind === 'error' ? 8000 : 4000);
}

export function errorText(error) {
  return error.code && error.code !== 'NETWORK' ? error.code + ': ' + error.message : error.message;
}

/** An UNAUTHENTICATED answer means the token is bad or expired: ask for a new one. */
export function failed(error) {
  if (error.code === 'UNAUTHENTICATED') {
    signOut('The server refused the token: ' + error.message);
    return;
  }
  toast(errorText(error), 'error');
}

/** Disables a button until its work is done; the work's error is shown the usual way. */
export function whileBusy(button, work) {
  button.disabled = true;
  return work.catch(failed).then(function () {
    button.disabled = false;
  });
}
