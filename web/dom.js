// Small helpers every view uses: finding and making elements, and saying sizes,
// counts and dates as the page shows them.

export function $(id) {
  return document.getElementById(id);
}

/** el('button', { type: 'button', className: 'small', dataset: { id } }, 'Label', child…) */
export function el(tag, attributes) {
  var node = document.createElement(tag);
  Object.keys(attributes || {}).forEach(function (name) {
    var value = attributes[name];
    if (value === false || value === null || value === undefined) return;
    if (name === 'className') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : value);
  });
  for (var i = 2; i < arguments.length; i++) {
    var child = arguments[i];
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

export function countText(files) {
  return files === 1 ? '1 file' : files + ' files';
}

export function formatSize(bytes) {
  if (bytes < 1024) return bytes + ' B';
  var units = ['KiB', 'MiB', 'GiB', 'TiB'];
  var value = bytes;
  var unit = -1;
  do {
    value /= 1024;
    unit++;
  } while (value >= 1024 && unit < units.length - 1);
  return (value >= 10 || Number.isInteger(value) ? Math.round(value) : value.toFixed(1)) + ' ' + units[unit];
}

export var dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function extensionOf(name) {
  var dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** For URLs that answer with Content-Disposition: attachment: following one saves the file and leaves the page be. */
export function followDownload(url) {
  var link = el('a', { href: url, rel: 'noopener' });
  document.body.append(link);
  link.click();
  link.remove();
}
