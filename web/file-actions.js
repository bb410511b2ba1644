// What a row's buttons do: download, preview, delete, restore, delete forever,
// rename, and open the Edit and Copy dialogs.
import * as api from './api.js';
import { $, followDownload, formatSize } from './dom.js';
import { askName, confirmAction } from './dialogs.js';
import { failed, toast } from './feedback.js';
import { copy, edit } from './file-edit.js';
import { enterFolder } from './folders.js';
import { loadFiles, shownFiles } from './list.js';

function download(file) {
  return api.graphql(api.queries.download, { id: file.id }).then(function (data) {
    followDownload(data.presignedUrl.url);
  });
}

function softDelete(file) {
  return api.graphql(api.queries.deleteFile, { id: file.id, hardDelete: false }).then(function () {
    toast(file.status === 'PENDING' ? 'Discarded ' + file.originalName : 'Deleted ' + file.originalName + ' (Show deleted to restore it)');
    loadFiles(false);
  });
}

function restore(file) {
  return api.graphql(api.queries.restoreFile, { id: file.id }).then(function () {
    toast('Restored ' + file.originalName);
    loadFiles(false);
  });
}

function preview(file) {
  return api.graphql(api.queries.preview, { id: file.id }).then(function (data) {
    if (!data.file || !data.file.imageUrl) throw new api.ApiError('This file has no preview');
    $('preview-title').textContent = file.originalName;
    $('preview-meta').textContent = file.image.width + ' × ' + file.image.height + ' · ' + formatSize(file.size);
    $('preview-image').src = data.file.imageUrl;
    $('preview-dialog').showModal();
  });
}

function purge(file) {
  confirmAction({
    title: 'Delete forever?',
    text: file.originalName + ' is removed from storage and from the list. This cannot be undone.',
    button: 'Delete forever',
    run: function () {
      return api.graphql(api.queries.deleteFile, { id: file.id, hardDelete: true }).then(function () {
        toast('Deleted ' + file.originalName + ' for good');
        loadFiles(false);
      });
    },
  });
}

/** The name stays a name of the same type: the server refuses another extension, so only the part before it is selected. */
function rename(file) {
  var dot = file.originalName.lastIndexOf('.');
  askName({
    title: 'Rename ' + file.originalName,
    label: 'New name',
    value: file.originalName,
    hint: dot > 0 ? 'The extension (' + file.originalName.slice(dot) + ') stays.' : null,
    button: 'Rename',
    selectTo: dot > 0 ? dot : undefined,
    run: function (name) {
      return api.graphql(api.queries.renameFile, { id: file.id, name: name }).then(function (data) {
        toast('Renamed ' + file.originalName + ' to ' + data.renameFile.originalName);
        loadFiles(false);
      });
    },
  });
}

function onRowClick(event) {
  var button = event.target.closest('button[data-action]');
  if (!button) return;
  var file = shownFiles().get(button.closest('tr').dataset.id);
  if (!file) return;
  var action = button.dataset.action;
  if (action === 'folder') return enterFolder(file.folder);
  if (action === 'edit') return edit(file);
  if (action === 'copy') return copy(file);
  if (action === 'purge') return purge(file);
  if (action === 'rename') return rename(file);
  var run = { download: download, delete: softDelete, restore: restore, preview: preview }[action];
  button.disabled = true;
  run(file)
    .catch(failed)
    .then(function () {
      button.disabled = false;
    });
}

export function wireFileActions() {
  $('file-rows').addEventListener('click', onRowClick);
}
