// What the server will accept: uploadConfig's limits and the user's quota
// (storageUsage), shown under the drop zone and checked before a byte is sent.
import * as api from './api.js';
import { $, countText, extensionOf, formatSize } from './dom.js';
import { failed } from './feedback.js';

var limits = { config: null, usage: null };

export function loadUploadConfig() {
  return api.graphql(api.queries.uploadConfig).then(function (data) {
    var config = data.uploadConfig;
    limits.config = config;
    $('limits').textContent = 'Up to ' + formatSize(config.maxFileSizeBytes) + ' each · ' + config.allowedExtensions.join(', ');
  }, failed);
}

/** Where the user stands against their quota, shown under the limits and used by precheck. */
export function loadUsage() {
  return api.graphql(api.queries.storageUsage).then(function (data) {
    var usage = (limits.usage = data.storageUsage);
    var files = countText(usage.fileCount);
    $('usage').textContent = usage.quotaBytes === null
      ? 'Using ' + formatSize(usage.usedBytes) + ' · ' + files
      : 'Using ' + formatSize(usage.usedBytes) + ' of ' + formatSize(usage.quotaBytes) + ' · ' + files + (usage.quotaFiles === null ? '' : ' of ' + usage.quotaFiles);
    $('usage').hidden = false;
  }, function () {
    // Usage is information: without it, uploads are still checked by the server.
  });
}

/**
 * What uploadConfig and the quota say the server will refuse: said before a byte
 * is sent. `queued`: what this batch has accepted so far, which will count too.
 */
export function precheck(file, queued) {
  var config = limits.config;
  if (!config) return null;
  var usage = limits.usage;
  if (usage && usage.quotaBytes !== null && usage.usedBytes + queued.bytes + file.size > usage.quotaBytes) {
    var left = Math.max(0, usage.quotaBytes - usage.usedBytes - queued.bytes);
    return formatSize(file.size) + ' is more than your quota leaves (' + formatSize(left) + ' of ' + formatSize(usage.quotaBytes) + ')';
  }
  if (usage && usage.quotaFiles !== null && usage.fileCount + queued.files + 1 > usage.quotaFiles) {
    return 'your quota of ' + usage.quotaFiles + ' files is reached';
  }
  var extension = extensionOf(file.name);
  if (!extension) return 'The file name has no extension';
  if (config.allowedExtensions.indexOf(extension) < 0) {
    return 'Files with the extension .' + extension + ' are not allowed here (allowed: ' + config.allowedExtensions.join(', ') + ')';
  }
  if (file.size > config.maxFileSizeBytes) {
    return formatSize(file.size) + ' is over the limit of ' + formatSize(config.maxFileSizeBytes) + ' (' + config.maxFileSizeBytes + ' bytes)';
  }
  if (file.size === 0) return 'The file is empty';
  return null;
}
