// Folders: the breadcrumbs up to the current folder, its subfolders with their
// counts, and renaming or deleting a whole folder.
import * as api from './api.js';
import { downloadArchive } from './archives.js';
import { $, countText, el, formatSize } from './dom.js';
import { askName, confirmAction } from './dialogs.js';
import { failed, toast, whileBusy } from './feedback.js';
import { loadFiles } from './list.js';
import { currentFolder, inTrash } from './view.js';

var folderRequest = 0; // answers to older requests for the subfolders are dropped

export function enterFolder(path) {
  $('folder-filter').value = path;
  return loadFiles(false);
}

function parentOf(folder) {
  return folder.slice(0, Math.max(0, folder.lastIndexOf('/')));
}

export function lastSegment(folder) {
  return folder.slice(folder.lastIndexOf('/') + 1);
}

/**
 * The breadcrumbs at once, then the subfolders of the current folder with their
 * counts (folders(parent): each counts its whole subtree, the trash left out).
 */
export function loadFolders() {
  var request = ++folderRequest;
  var folder = currentFolder();
  showBreadcrumbs(folder);
  $('folder-actions').hidden = !folder;
  if (inTrash()) return Promise.resolve();
  return api.graphql(api.queries.folders, { parent: folder || null }).then(
    function (data) {
      if (request !== folderRequest) return;
      $('subfolders').textContent = '';
      data.folders.forEach(function (subfolder) {
        $('subfolders').append(subfolderItem(subfolder));
      });
    },
    function (error) {
      if (request !== folderRequest) return;
      $('subfolders').textContent = '';
      // A folder still being typed ("a/.") may not be a valid one yet: the list below already says nothing matches.
      if (error.code !== 'BAD_USER_INPUT') failed(error);
    },
  );
}

/** "All files / reports / 2024": every folder above the current one is a way back up. */
function showBreadcrumbs(folder) {
  var trail = el('ol');
  var crumb = function (label, path, current) {
    return el('li', {}, current
      ? el('span', { 'aria-current': 'page' }, label)
      : el('button', { type: 'button', className: 'linkish', dataset: { path: path } }, label));
  };
  // The top level lists every file: the API has no filter for "in no folder".
  trail.append(crumb('All files', '', !folder));
  var segments = folder ? folder.split('/') : [];
  segments.forEach(function (segment, i) {
    trail.append(crumb(segment, segments.slice(0, i + 1).join('/'), i === segments.length - 1));
  });
  $('breadcrumbs').replaceChildren(trail);
}

function subfolderItem(folder) {
  return el('li', {}, el('button', { type: 'button', className: 'subfolder', dataset: { path: folder.path }, title: 'Open ' + folder.path },
    el('span', { className: 'subfolder-name' }, folder.name),
    el('span', { className: 'muted small' }, countText(folder.fileCount) + ' · ' + formatSize(folder.totalBytes)),
  ));
}

function onFolderClick(event) {
  var button = event.target.closest('button[data-path]');
  if (button) enterFolder(button.dataset.path);
}

/** renameFolder moves the whole subtree, and merges into a folder of that name if there is one. */
function renameFolder() {
  var folder = currentFolder();
  askName({
    title: 'Rename the folder ' + folder,
    label: 'New path',
    value: folder,
    hint: 'A path moves it too ("archive/' + lastSegment(folder) + '"); a folder that exists already is merged with it.',
    button: 'Rename',
    run: function (to) {
      return api.graphql(api.queries.renameFolder, { from: folder, to: to }).then(function (data) {
        var path = to.replace(/\/+$/, '');
        toast('Renamed ' + folder + ' to ' + path + ' (' + countText(data.renameFolder) + ')');
        enterFolder(path);
      });
    },
  });
}

function deleteFolder() {
  var folder = currentFolder();
  confirmAction({
    title: 'Delete the folder ' + folder + '?',
    text: 'Its files, and those of its subfolders, go to the trash, from where they can be restored.',
    button: 'Delete folder',
    run: function () {
      return api.graphql(api.queries.deleteFolder, { folder: folder, hardDelete: false }).then(function (data) {
        toast(countText(data.deleteFolder) + ' of ' + folder + ' moved to the trash');
        enterFolder(parentOf(folder));
      });
    },
  });
}

export function wireFolders() {
  $('breadcrumbs').addEventListener('click', onFolderClick);
  $('subfolders').addEventListener('click', onFolderClick);
  $('rename-folder').addEventListener('click', renameFolder);
  $('delete-folder').addEventListener('click', deleteFolder);
  $('folder-zip').addEventListener('click', function (event) {
    var folder = currentFolder();
    whileBusy(event.currentTarget, downloadArchive({ folder: folder }, lastSegment(folder)));
  });
}
