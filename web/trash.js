// The trash: a view of its own (status: DELETED) with its own actions; "Show
// deleted" mixes it into the files instead.
import * as api from './api.js';
import { $, countText } from './dom.js';
import { confirmAction } from './dialogs.js';
import { toast } from './feedback.js';
import { loadFiles } from './list.js';
import { clearSelection } from './selection.js';
import { setTrash } from './view.js';

function showTrash(on) {
  setTrash(on);
  $('files-heading').textContent = on ? 'Trash' : 'Your files';
  $('folder-filter').hidden = on;
  $('show-deleted-option').hidden = on;
  $('folder-bar').hidden = on;
  $('subfolders').hidden = on;
  $('empty-trash').hidden = !on;
  clearSelection();
  loadFiles(false);
}

function emptyTrash() {
  confirmAction({
    title: 'Empty the trash?',
    text: 'Every file in the trash is removed from storage for good. This cannot be undone.',
    button: 'Empty trash',
    run: function () {
      return api.graphql(api.queries.emptyTrash).then(function (data) {
        toast('Emptied the trash: ' + countText(data.emptyTrash) + ' deleted for good');
        loadFiles(false);
      });
    },
  });
}

export function wireTrash() {
  document.querySelectorAll('input[name="view"]').forEach(function (radio) {
    radio.addEventListener('change', function () {
      showTrash(radio.value === 'trash' && radio.checked);
    });
  });
  $('empty-trash').addEventListener('click', emptyTrash);
}
