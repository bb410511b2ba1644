// One row of the list: a file's thumbnail, name, type, size, folder, date, access
// and status, and the actions its state allows.
import { dateFormat, el, formatSize } from './dom.js';
import { blurhashDataUrl } from './placeholders.js';
import { isSelected } from './selection.js';
import { inTrash, order } from './view.js';

var STATUS_BADGES = { DELETED: 'Deleted', PENDING: 'Pending', PROCESSING: 'Processing…', QUARANTINED: 'Quarantined' };

/** Past its expiresAt a file reads as deleted (it is in the trash) though its status is unchanged. */
function hasExpired(file) {
  return !!file.expiresAt && Date.parse(file.expiresAt) <= Date.now();
}

/** The date the list is sorted by, when it is sorted by one: else the creation date. */
function dateCell(file) {
  var updated = order().field === 'UPDATED_AT';
  var date = updated ? file.updatedAt : file.createdAt;
  var title = 'Created ' + dateFormat.format(new Date(file.createdAt)) + ' · updated ' + dateFormat.format(new Date(file.updatedAt));
  return el('td', { className: 'muted small nowrap', title: title }, el('time', { datetime: date }, dateFormat.format(new Date(date))));
}

export function fileRow(file) {
  var expired = hasExpired(file);
  var deleted = file.status === 'DELETED' || expired;
  var pending = file.status === 'PENDING';
  var preview = thumbnail(file);
  var name = el('td', { className: 'name-cell' },
    el('div', { className: 'file-name', title: file.originalName }, file.originalName),
    file.description ? el('div', { className: 'description muted small' }, file.description) : null,
    file.expiresAt && !expired ? el('div', { className: 'muted small' }, 'Expires ' + dateFormat.format(new Date(file.expiresAt))) : null,
  );
  // In the trash a folder is only information: the folder view lists what is not in it.
  var folder = !file.folder
    ? el('span', { className: 'muted' }, '—')
    : inTrash()
      ? el('span', {}, file.folder)
      : el('button', { type: 'button', className: 'linkish', dataset: { action: 'folder' }, title: 'Show only this folder' }, file.folder);
  // A public file served by a CDN (PUBLIC_BASE_URL): its badge is the link to share.
  var access = file.publicUrl
    ? el('a', { className: 'badge public', href: file.publicUrl, target: '_blank', rel: 'noopener noreferrer', title: 'Public link: ' + file.publicUrl }, 'Public')
    : el('span', { className: 'badge ' + (file.isPublic ? 'public' : 'private') }, file.isPublic ? 'Public' : 'Private');
  var status = STATUS_BADGES[file.status]
    ? el('span', { className: 'badge ' + file.status.toLowerCase(), title: file.malwareSignature ? 'Malware found: ' + file.malwareSignature : '' }, STATUS_BADGES[file.status])
    : expired
      ? el('span', { className: 'badge deleted', title: 'Expired ' + dateFormat.format(new Date(file.expiresAt)) }, 'Expired')
      : null;
  // Its bytes are served to nobody (quarantined) or not yet (processing): only deleting makes sense.
  var unreadable = file.status === 'PROCESSING' || file.status === 'QUARANTINED';

  var actions = el('td', { className: 'actions' });
  var action = function (name, label, extra) {
    return el('button', Object.assign({ type: 'button', className: 'small', dataset: { action: name } }, extra || {}), label);
  };
  if (deleted) {
    actions.append(action('restore', 'Restore'), action('purge', 'Delete forever', { className: 'small danger-text' }));
  } else if (pending) {
    actions.append(action('delete', 'Discard'));
  } else if (unreadable) {
    actions.append(action('delete', 'Delete', { className: 'small danger-text' }));
  } else {
    actions.append(
      action('download', 'Download'),
      action('copy', 'Copy'),
      action('edit', 'Edit'),
      action('rename', 'Rename'),
      action('delete', 'Delete', { className: 'small danger-text' }),
    );
  }

  var select = el('input', { type: 'checkbox', className: 'select', 'aria-label': 'Select ' + file.originalName, checked: isSelected(file.id) });
  return el(
    'tr',
    { dataset: { id: file.id }, className: deleted ? 'is-deleted' : '' },
    el('td', { className: 'select-col' }, select),
    el('td', { className: 'thumb-col' }, preview),
    name,
    el('td', { className: 'type muted small' }, file.contentType, file.image ? el('div', { className: 'dimensions' }, file.image.width + ' × ' + file.image.height) : null),
    el('td', { className: 'num' }, formatSize(file.size)),
    el('td', {}, folder),
    dateCell(file),
    el('td', {}, access, status ? ' ' : null, status),
    actions,
  );
}

/**
 * An image's thumbnail is a rendition the server makes (File.imageUrl, asked for
 * in the list query itself), painted over its blurhash while it loads; any other
 * file shows its extension. A thumbnail opens a larger preview.
 */
function thumbnail(file) {
  var ext = file.extension.toUpperCase().slice(0, 4);
  if (!file.thumbnail) return el('div', { className: 'thumb', dataset: { ext: ext } });
  var cell = el('button', { type: 'button', className: 'thumb has-image', dataset: { ext: ext, action: 'preview' }, title: 'Preview ' + file.originalName });
  var placeholder = file.image.blurhash && blurhashDataUrl(file.image.blurhash);
  if (placeholder) cell.style.backgroundImage = 'url("' + placeholder + '")';
  var img = el('img', { src: file.thumbnail, alt: '', loading: 'lazy', decoding: 'async' });
  // Hidden until decoded, so the placeholder shows instead of a half-drawn picture.
  img.addEventListener('load', function () {
    img.classList.add('loaded');
  });
  cell.append(img);
  return cell;
}
