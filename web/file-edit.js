// The dialogs that change one file: Edit (description, metadata, public) and Copy
// (to a folder, optionally renamed).
import * as api from './api.js';
import { $ } from './dom.js';
import { dialogError, openDialog } from './dialogs.js';
import { toast } from './feedback.js';
import { loadFiles } from './list.js';

var editing = null;
export function edit(file) {
  editing = file;
  $('edit-title').textContent = 'Edit ' + file.originalName;
  $('edit-description').value = file.description || '';
  $('edit-metadata').value = JSON.stringify(file.metadata || {}, null, 2);
  $('edit-public').checked = file.isPublic;
  openDialog('edit-dialog', 'edit-error');
}

function saveEdit(event) {
  event.preventDefault();
  var metadata;
  try {
    metadata = JSON.parse($('edit-metadata').value.trim() || '{}');
    if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) throw new Error();
  } catch (notAnObject) {
    return dialogError('edit-error', new api.ApiError('Metadata must be a JSON object, like {"project": "apollo"}'));
  }
  var input = { description: $('edit-description').value.trim() || null, metadata: metadata, isPublic: $('edit-public').checked };
  api.graphql(api.queries.updateFile, { id: editing.id, input: input }).then(
    function () {
      $('edit-dialog').close();
      toast('Saved ' + editing.originalName);
      loadFiles(false);
    },
    function (error) {
      dialogError('edit-error', error);
    },
  );
}

var copying = null;
export function copy(file) {
  copying = file;
  $('copy-title').textContent = 'Copy ' + file.originalName;
  $('copy-folder').value = file.folder || '';
  $('copy-name').value = '';
  openDialog('copy-dialog', 'copy-error');
  $('copy-folder').select();
}

function saveCopy(event) {
  event.preventDefault();
  var input = {};
  var folder = $('copy-folder').value.trim();
  var name = $('copy-name').value.trim();
  if (folder) input.newFolder = folder;
  if (name) input.newName = name;
  api.graphql(api.queries.copyFile, { id: copying.id, input: input }).then(
    function (data) {
      $('copy-dialog').close();
      var copied = data.copyFile;
      toast('Copied to ' + (copied.folder ? copied.folder + '/' : '') + copied.originalName);
      loadFiles(false);
    },
    function (error) {
      dialogError('copy-error', error);
    },
  );
}

export function wireFileEdit() {
  $('edit-form').addEventListener('submit', saveEdit);
  $('copy-form').addEventListener('submit', saveCopy);
}
