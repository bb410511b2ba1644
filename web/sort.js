// The list's order, chosen from the column headers.
import { loadFiles } from './list.js';
import { order, setOrder } from './view.js';

/** A new column starts names A to Z, sizes and dates largest and newest first; the same column again turns it round. */
var FIRST_DIRECTION = { NAME: 'ASC', SIZE: 'DESC', CREATED_AT: 'DESC', UPDATED_AT: 'DESC' };

function sortBy(field) {
  var current = order();
  var direction = current.field !== field ? FIRST_DIRECTION[field] : current.direction === 'ASC' ? 'DESC' : 'ASC';
  setOrder({ field: field, direction: direction });
  showOrder();
  // A cursor belongs to the order it was made in: the list starts again from its first page.
  loadFiles(false);
}

function showOrder() {
  document.querySelectorAll('table.files button.sort').forEach(function (button) {
    delete button.dataset.direction;
    button.closest('th').removeAttribute('aria-sort');
  });
  var current = order();
  var active = document.querySelector('table.files button.sort[data-field="' + current.field + '"]');
  active.dataset.direction = current.direction;
  active.closest('th').setAttribute('aria-sort', current.direction === 'ASC' ? 'ascending' : 'descending');
}

export function wireSort() {
  document.querySelectorAll('table.files button.sort').forEach(function (button) {
    button.addEventListener('click', function () {
      sortBy(button.dataset.field);
    });
  });
  showOrder();
}
