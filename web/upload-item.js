// One upload in the list under the drop zone: its name, progress bar, status,
// buttons (Cancel, Resume) and, when it fails, why.
import { el, formatSize } from './dom.js';

/** The item's view, with a method for each thing that can happen to the upload. */
export function uploadItem(file, method) {
  var bar = el('div', { className: 'bar' });
  var status = el('span', { className: 'upload-status' }, 'Waiting');
  var node = el(
    'li',
    { className: 'upload', dataset: { name: file.name } },
    el('div', { className: 'upload-line' },
      el('span', { className: 'upload-name' }, file.name),
      el('span', { className: 'muted small' }, formatSize(file.size) + ' · ' + (method === 'direct' ? 'direct' : 'via server')),
      status,
    ),
    el('div', { className: 'progress', role: 'progressbar', 'aria-label': 'Upload of ' + file.name, 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' }, bar),
  );
  var progressBox = node.querySelector('.progress');
  var buttons = el('span', { className: 'upload-actions' });
  node.querySelector('.upload-line').append(buttons);
  var clearNotes = function () {
    node.classList.remove('paused');
    node.querySelectorAll('.upload-error, .upload-hint').forEach(function (note) { note.remove(); });
  };
  return {
    node: node,
    progress: function (fraction, partsDone, partCount) {
      var percent = Math.floor(fraction * 100);
      bar.style.width = percent + '%';
      progressBox.setAttribute('aria-valuenow', String(percent));
      var parts = partCount ? ' · ' + partsDone + '/' + partCount + ' parts' : '';
      status.textContent = (percent < 100 ? 'Uploading ' + percent + '%' : 'Processing…') + parts;
    },
    /** Marks the item as a multipart (resumable) upload. */
    inParts: function () {
      node.querySelector('.upload-line .muted').textContent = formatSize(file.size) + ' · direct, in parts';
    },
    /** Buttons beside the status, e.g. { Cancel: fn, Resume: fn }; none removes them. */
    actions: function (handlers) {
      buttons.textContent = '';
      Object.keys(handlers || {}).forEach(function (label) {
        var button = el('button', { type: 'button', className: 'small' + (label === 'Cancel' ? ' danger-text' : '') }, label);
        button.addEventListener('click', function () {
          button.disabled = true;
          handlers[label]();
        });
        buttons.append(button);
      });
    },
    /** Stopped part-way, and resumable: says how to go on. */
    paused: function (message, hint) {
      clearNotes();
      node.classList.add('paused');
      status.textContent = 'Paused';
      if (message) node.append(el('p', { className: 'error upload-error', role: 'alert' }, message));
      node.append(el('p', { className: 'hint upload-hint' }, hint));
    },
    resumed: function () {
      clearNotes();
      status.textContent = 'Resuming…';
    },
    cancelled: function () {
      clearNotes();
      buttons.textContent = '';
      node.classList.add('cancelled');
      status.textContent = 'Cancelled';
    },
    stage: function (text) {
      status.textContent = text;
    },
    done: function (stored) {
      clearNotes();
      buttons.textContent = '';
      node.classList.add('ok');
      bar.style.width = '100%';
      progressBox.setAttribute('aria-valuenow', '100');
      status.textContent = (stored.status === 'PROCESSING' ? 'Uploaded, being checked' : stored.status === 'QUARANTINED' ? 'Quarantined: ' + stored.malwareSignature : 'Uploaded') + (stored.folder ? ' to ' + stored.folder : '');
    },
    fail: function (message, notSent) {
      clearNotes();
      buttons.textContent = '';
      node.classList.add('failed');
      if (notSent) node.classList.add('not-sent');
      status.textContent = 'Failed';
      node.append(el('p', { className: 'error upload-error', role: 'alert' }, message));
    },
  };
}
