// What the list shows: the files or the trash, which folder, which names, in
// which order. The folder and search fields are their own record; the rest is here.
import { $ } from './dom.js';

var view = {
  trash: false, // the trash (status DELETED) instead of the files
  order: { field: 'CREATED_AT', direction: 'DESC' }, // the server's own default
};

export function inTrash() {
  return view.trash;
}

export function setTrash(on) {
  view.trash = on;
}

export function order() {
  return view.order;
}

export function setOrder(order) {
  view.order = order;
}

/**
 * The folder on screen. The folder field is its only record: typed there, or set
 * by a breadcrumb, a subfolder or a row's folder. A trailing "/" is dropped, as
 * the server drops it from folder names.
 */
export function currentFolder() {
  return $('folder-filter').value.trim().replace(/\/+$/, '');
}

export function searchText() {
  return $('search').value.trim();
}

export function currentFilter() {
  var filter = {};
  var search = searchText();
  if (search) filter.search = search;
  // The trash is one list across folders: folders() counts only what is not in it.
  if (view.trash) {
    filter.status = 'DELETED';
    return filter;
  }
  var folder = currentFolder();
  if (folder) filter.folder = folder;
  if ($('show-deleted').checked) filter.includeDeleted = true;
  return filter;
}
