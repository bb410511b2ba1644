// Selecting rows, and what can be done to the selection at once: move, delete,
// restore, delete forever, download as a ZIP.
import * as api from './api.js';
import { downloadArchive } from './archives.js';
import { $, countText } from './dom.js';
import { askName, confirmAction } from './dialogs.js';
import { toast, whileBusy } from './feedback.js';
import { lastSegment } from './folders.js';
import { loadFiles, selectionCleared, shownFiles } from './list.js';
import { currentFolder, inTrash } from './view.js';

var selected = new Set(); // ids of rows on screen

export function selectionSize() {
  return selected.size;
}

export function isSelected(id) {
  return selected.has(id);
}

/** A selected file that left the list (moved, deleted, past the first page) is no longer selected. */
export function keepSelected(shown) {
  selected.forEach(function (id) {
    if (!shown.has(id)) selected.delete(id);
  });
}

export function clearSelection() {
  selected.clear();
}

export function showSelection() {
  var count = selected.size;
  $('bulk-bar').hidden = count === 0;
  $('selection-count').textContent = count + ' selected';
  $('select-all').checked = count > 0 && count === shownFiles().size;
  $('select-all').indeterminate = count > 0 && count < shownFiles().size;
  var view = inTrash() ? 'trash' : 'files';
  document.querySelectorAll('#bulk-bar [data-view]').forEach(function (button) {
    button.hidden = button.dataset.view !== view;
  });
  if (count === 0) selectionCleared();
}

function onRowSelect(event) {
  if (!event.target.matches('input.select')) return;
  var id = event.target.closest('tr').dataset.id;
  if (event.target.checked) selected.add(id);
  else selected.delete(id);
  showSelection();
}

/** Every row loaded so far ("on this page"), not every file the filter matches. */
function selectAll(on) {
  selected.clear();
  if (on) shownFiles().forEach(function (file, id) { selected.add(id); });
  document.querySelectorAll('#file-rows input.select').forEach(function (box) {
    box.checked = on;
  });
  showSelection();
}

/**
 * A bulk call's answer, as the page says errors: "3 files moved to reports", or
 * what failed and why, "2 of 3 moved to reports; 1 not found".
 */
function reportBulk(result, done) {
  var total = result.succeeded.length + result.failed.length;
  if (!result.failed.length) return toast(countText(total) + ' ' + done);
  var reasons = new Map();
  result.failed.forEach(function (failure) {
    var reason = failure.code === 'NOT_FOUND' ? 'not found' : failure.code + ': ' + failure.message;
    reasons.set(reason, (reasons.get(reason) || 0) + 1);
  });
  var parts = [];
  reasons.forEach(function (count, reason) {
    parts.push(count + ' ' + reason);
  });
  toast(result.succeeded.length + ' of ' + total + ' ' + done + '; ' + parts.join('; '), 'error');
}

/** Runs a bulk mutation on the selection, says how it went, and shows the list as it is now. */
function bulk(name, variables, done) {
  var ids = Array.from(selected);
  return api.bulk(name, ids, variables).then(function (result) {
    selectAll(false);
    reportBulk(result, done);
    loadFiles(false);
  });
}

function moveSelection() {
  askName({
    title: 'Move ' + countText(selected.size),
    label: 'Destination folder',
    value: currentFolder(),
    hint: 'Blank: the top level. A folder that does not exist yet is made.',
    button: 'Move',
    run: function (folder) {
      return bulk('moveFiles', { toFolder: folder }, 'moved to ' + (folder.replace(/\/+$/, '') || 'the top level'));
    },
  });
}

function purgeSelection() {
  confirmAction({
    title: 'Delete forever?',
    text: 'The ' + countText(selected.size) + ' selected are removed from storage and from the trash. This cannot be undone.',
    button: 'Delete forever',
    run: function () {
      return bulk('deleteFiles', { hardDelete: true }, 'deleted for good');
    },
  });
}

function onBulkClick(event) {
  var button = event.target.closest('button[data-bulk]');
  if (!button) return;
  var what = button.dataset.bulk;
  if (what === 'clear') return selectAll(false);
  if (what === 'move') return moveSelection();
  if (what === 'purge') return purgeSelection();
  var run = {
    delete: function () { return bulk('deleteFiles', { hardDelete: false }, 'moved to the trash'); },
    restore: function () { return bulk('restoreFiles', {}, 'restored'); },
    zip: function () { return downloadArchive({ ids: Array.from(selected) }, (lastSegment(currentFolder()) || 'files') + '-selection'); },
  }[what];
  whileBusy(button, run());
}

export function wireSelection() {
  $('select-all').addEventListener('change', function (event) {
    selectAll(event.target.checked);
  });
  $('file-rows').addEventListener('change', onRowSelect);
  $('bulk-bar').addEventListener('click', onBulkClick);
}
