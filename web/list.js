// The list of files: fetched a page at a time in the view's filter and order,
// and fetched again when something changes it (an action here, a change
// reported live, a file still being processed).
import * as api from './api.js';
import { $, countText } from './dom.js';
import { failed } from './feedback.js';
import { fileRow } from './file-row.js';
import { loadFolders } from './folders.js';
import { loadUsage } from './limits.js';
import { keepSelected, selectionSize, showSelection } from './selection.js';
import { currentFilter, currentFolder, inTrash, order, searchText } from './view.js';

var PAGE_SIZE = 20;
var SEARCH_DELAY_MS = 250;
var MAX_PAGE_SIZE = 100; // the most files(first:) gives at once
/** Changes reported live within this long are shown by one fetch. */
var LIVE_DELAY_MS = 200;

var list = {
  files: new Map(), // id → file, for the rows on screen
  endCursor: null,
  request: 0, // answers to older list requests are dropped
};

/** The files on screen, by id. */
export function shownFiles() {
  return list.files;
}

/**
 * The first page again (more: false), or the next page of the same list.
 * `first`: how many to fetch, a page unless said.
 */
export function loadFiles(more, first) {
  var request = ++list.request;
  if (!more) live.held = false; // whatever it was held for, this shows it
  var button = $('load-more');
  button.disabled = true;
  // Whatever changed the list (an upload, a move, a delete) changed the folders' counts too.
  if (!more) loadFolders();
  return api.graphql(api.queries.files, { filter: currentFilter(), first: first || PAGE_SIZE, after: more ? list.endCursor : null, orderBy: order() })
    .then(function (data) {
      if (request !== list.request) return; // a newer search or filter has been asked for
      var page = data.files;
      if (!more) {
        list.files.clear();
        $('file-rows').textContent = '';
      }
      page.edges.forEach(function (edge) {
        list.files.set(edge.node.id, edge.node);
        $('file-rows').append(fileRow(edge.node));
      });
      list.endCursor = page.pageInfo.endCursor;
      button.hidden = !page.pageInfo.hasNextPage;
      $('count').textContent = countText(page.totalCount);
      var empty = list.files.size === 0;
      $('empty').hidden = !empty;
      document.querySelector('.table-wrap').hidden = empty;
      $('empty').textContent = emptyText();
      // A selected file that left the list (moved, deleted, past the first page) is no longer selected.
      keepSelected(list.files);
      showSelection();
      // A direct upload's pass (checksums, scan) runs after it: look again until it is done.
      var processing = page.edges.some(function (edge) { return edge.node.status === 'PROCESSING'; });
      if (processing && !more) refreshLater(2000);
      // The list changed (an upload, a delete): so did the usage.
      if (!more) loadUsage();
    })
    .catch(failed)
    .then(function () {
      button.disabled = false;
    });
}

function emptyText() {
  if (inTrash()) return searchText() ? 'Nothing in the trash matches.' : 'The trash is empty.';
  if (currentFolder() && !searchText()) return 'No files directly in ' + currentFolder() + '.';
  return Object.keys(currentFilter()).length ? 'No files match.' : 'No files yet: drop one above.';
}

var refreshTimer = null;
export function refreshLater(delayMs) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(function () {
    loadFiles(false);
  }, delayMs);
}
export function refreshSoon() {
  refreshLater(150);
}

// ---------------------------------------------------------------- changes reported live

var live = { timer: null, reload: false, held: false };

/**
 * A file changed (live.js): the list is fetched again if the change can touch
 * it, else only the usage.
 */
export function showChange(event) {
  afterLiveChange(touchesList(event));
}

/** After a reconnection: whatever changed meanwhile was not reported, so anything may have. */
export function showMissedChanges() {
  afterLiveChange(true);
}

/** A burst of changes (a bulk move, another tab's uploads) makes one fetch: the first schedules it, the others join it. */
function afterLiveChange(reload) {
  live.reload = live.reload || reload;
  if (live.timer) return;
  live.timer = setTimeout(function () {
    var reloadList = live.reload;
    live.timer = null;
    live.reload = false;
    if (!reloadList) return loadUsage();
    // Rows do not move under a selection (a click meant for one row could land on another,
    // a file could leave it unseen): the change waits until the selection is cleared.
    if (selectionSize()) live.held = true;
    else reloadShown();
  }, LIVE_DELAY_MS);
}

/** Nothing is selected any more: a change held back meanwhile is shown now. */
export function selectionCleared() {
  if (live.held) reloadShown();
}

/** Whether a change can alter what the list shows: its rows, its count, the subfolders' counts. */
function touchesList(event) {
  var file = event.file;
  if (list.files.has(file.id)) return true;
  if (inTrash()) return file.status === 'DELETED' || event.type === 'RESTORED';
  var folder = currentFolder();
  if (!folder) return true; // the top level lists every file
  // In this folder or below it (the subfolders' counts), before a move or after it.
  return [file.folder, event.previousFolder].some(function (changed) {
    return changed === folder || (!!changed && changed.indexOf(folder + '/') === 0);
  });
}

/** The rows on screen fetched again, as many as were loaded (a page at least): the list keeps its place. */
function reloadShown() {
  return loadFiles(false, Math.min(MAX_PAGE_SIZE, Math.max(PAGE_SIZE, list.files.size)));
}

export function wireList() {
  var searchTimer = null;
  var filterChanged = function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      loadFiles(false);
    }, SEARCH_DELAY_MS);
  };
  $('search').addEventListener('input', filterChanged);
  $('folder-filter').addEventListener('input', filterChanged);
  $('show-deleted').addEventListener('change', function () {
    loadFiles(false);
  });
  $('refresh').addEventListener('click', function () {
    loadFiles(false);
  });
  $('load-more').addEventListener('click', function () {
    loadFiles(true);
  });
}
