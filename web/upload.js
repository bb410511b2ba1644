// Uploads: files dropped or chosen go into a queue, three at a time, through the
// server (uploadFile) or straight to storage (requestUpload, a PUT, completeUpload);
// large direct ones in parts (resumable.js).
import * as api from './api.js';
import { $, formatSize } from './dom.js';
import { errorText, failed } from './feedback.js';
import { precheck } from './limits.js';
import { refreshSoon } from './list.js';
import { MULTIPART_THRESHOLD, readResume, runMultipart } from './resumable.js';
import { uploadItem } from './upload-item.js';

var UPLOADS_AT_ONCE = 3;

var queue = [];
var running = 0;

function uploadMethod() {
  return document.querySelector('input[name="upload-method"]:checked').value;
}

function describeMethod() {
  $('method-note').textContent =
    uploadMethod() === 'direct'
      ? 'Direct: requestUpload signs a PUT, the browser sends the bytes straight to storage, completeUpload checks them. Files over ' +
        formatSize(MULTIPART_THRESHOLD) + ' go in parts, a few at a time, and resume after a failure or a reload.'
      : 'Through the server: one multipart uploadFile request; the server checks and stores the bytes as they arrive.';
}

function uploadDetails() {
  var details = { isPublic: $('upload-public').checked };
  var folder = $('upload-folder').value.trim();
  if (folder) details.folder = folder;
  return details;
}

function enqueue(fileList) {
  var method = uploadMethod();
  var details = uploadDetails();
  var check = $('precheck').checked;
  var queued = { bytes: 0, files: 0 };
  Array.prototype.forEach.call(fileList, function (file) {
    var item = uploadItem(file, method);
    $('uploads').prepend(item.node);
    var problem = check ? precheck(file, queued) : null;
    if (problem) return item.fail('Not sent: ' + problem, true);
    queued.bytes += file.size;
    queued.files += 1;
    var multipart = !!readResume(file) || (method === 'direct' && file.size > MULTIPART_THRESHOLD);
    if (multipart) item.inParts();
    queue.push({ file: file, method: method, details: details, item: item, multipart: multipart });
  });
  pump();
}

function requeue(job) {
  queue.push(job);
  pump();
}

function pump() {
  while (running < UPLOADS_AT_ONCE && queue.length) {
    var job = queue.shift();
    running++;
    runUpload(job).then(function () {
      running--;
      pump();
    });
  }
}

function runUpload(job) {
  if (job.multipart) return runMultipart(job, requeue);
  var item = job.item;
  item.stage('Uploading…');
  var upload = job.method === 'direct' ? api.uploadDirect(job.file, job.details, item.progress, item.stage) : api.uploadThroughServer(job.file, job.details, item.progress);
  return upload.then(
    function (file) {
      item.done(file);
      refreshSoon();
    },
    function (error) {
      if (error.code === 'UNAUTHENTICATED') failed(error);
      item.fail(errorText(error));
    },
  );
}

export function wireUploads() {
  describeMethod();
  var drop = $('drop-zone');
  ['dragenter', 'dragover'].forEach(function (type) {
    drop.addEventListener(type, function (event) {
      event.preventDefault();
      drop.classList.add('over');
    });
  });
  ['dragleave', 'drop'].forEach(function (type) {
    drop.addEventListener(type, function (event) {
      event.preventDefault();
      drop.classList.remove('over');
    });
  });
  drop.addEventListener('drop', function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) enqueue(event.dataTransfer.files);
  });
  // A file dropped beside the zone would otherwise be opened by the browser, leaving the page.
  window.addEventListener('dragover', function (event) { event.preventDefault(); });
  window.addEventListener('drop', function (event) { event.preventDefault(); });
  $('file-input').addEventListener('change', function (event) {
    enqueue(event.target.files);
    event.target.value = ''; // choosing the same file again must fire change again
  });
  document.querySelectorAll('input[name="upload-method"]').forEach(function (radio) {
    radio.addEventListener('change', describeMethod);
  });
}
