// The page's dialogs that ask before acting: a confirmation, or one field (a
// name, a folder). Each runs its action once, closes when it is done, and
// otherwise stays open with the error.
import { $ } from './dom.js';
import { errorText } from './feedback.js';

export function openDialog(id, errorId) {
  $(errorId).hidden = true;
  $(id).showModal();
}

export function dialogError(errorId, error) {
  $(errorId).textContent = errorText(error);
  $(errorId).hidden = false;
}

var confirming = null;
/**
 * The confirm dialog, before what cannot be undone or touches many files at once.
 * options: { title, text, button, run }; run() returns a promise, and its error
 * is shown in the dialog, which then stays open.
 */
export function confirmAction(options) {
  confirming = options;
  $('confirm-title').textContent = options.title;
  $('confirm-text').textContent = options.text;
  $('confirm-submit').textContent = options.button;
  openDialog('confirm-dialog', 'confirm-error');
}

function onConfirm(event) {
  event.preventDefault();
  submitDialog('confirm-dialog', 'confirm-error', confirming.run);
}

var naming = null;
/**
 * One field in a dialog, for a file name or a folder. options: { title, label,
 * value, hint, button, selectTo (how much of the value to select), run(value) }.
 */
export function askName(options) {
  naming = options;
  $('name-title').textContent = options.title;
  $('name-label').textContent = options.label;
  $('name-hint').textContent = options.hint || '';
  $('name-hint').hidden = !options.hint;
  $('name-submit').textContent = options.button;
  var input = $('name-input');
  input.value = options.value || '';
  openDialog('name-dialog', 'name-error');
  input.focus();
  input.setSelectionRange(0, options.selectTo === undefined ? input.value.length : options.selectTo);
}

function onName(event) {
  event.preventDefault();
  var value = $('name-input').value.trim();
  submitDialog('name-dialog', 'name-error', function () {
    return naming.run(value);
  });
}

/** Runs a dialog's action once (the button waits meanwhile): closes it when done, else shows why not. */
function submitDialog(id, errorId, run) {
  var submit = $(id).querySelector('button[type="submit"]');
  submit.disabled = true;
  run()
    .then(
      function () {
        $(id).close();
      },
      function (error) {
        dialogError(errorId, error);
      },
    )
    .then(function () {
      submit.disabled = false;
    });
}

export function wireDialogs() {
  $('confirm-form').addEventListener('submit', onConfirm);
  $('name-form').addEventListener('submit', onName);
  document.querySelectorAll('dialog [data-close]').forEach(function (button) {
    button.addEventListener('click', function () {
      button.closest('dialog').close();
    });
  });
}
