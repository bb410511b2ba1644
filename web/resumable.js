// Direct uploads of large files go to storage in parts (requestMultipartUpload),
// and resume: each upload's record is kept in localStorage until it ends, so the
// same file chosen again (after a failure, a reload, another day) sends only
// the parts storage does not have yet.
import * as api from './api.js';
import { $ } from './dom.js';
import { errorText, failed } from './feedback.js';
import { refreshSoon } from './list.js';
import { tokenSubject } from './session.js';
import { uploadItem } from './upload-item.js';

/**
 * Direct uploads over this size go to storage in parts, resumably.
 * For tests and demos: ?multipartThreshold=<bytes> or <body data-multipart-threshold>.
 */
export var MULTIPART_THRESHOLD = (function () {
  var asked = new URLSearchParams(location.search).get('multipartThreshold') || document.body.dataset.multipartThreshold;
  var bytes = Number(asked);
  return asked && Number.isFinite(bytes) && bytes >= 0 ? bytes : 64 * 1024 * 1024;
})();
var RESUME_PREFIX = 'fileServer.resume.';
/** Codes after which the multipart upload is gone (or never was): nothing left to resume. */
var FINAL_CODES = ['FILE_TOO_LARGE', 'UNSUPPORTED_FILE_TYPE', 'NOT_FOUND', 'FORBIDDEN', 'CONFLICT'];

/** The same file chosen again (after a reload or a failure) has the same name, size and date. */
function resumeKey(file) {
  return RESUME_PREFIX + tokenSubject() + ':' + JSON.stringify([file.name, file.size, file.lastModified]);
}

export function readResume(file) {
  try {
    return JSON.parse(localStorage.getItem(resumeKey(file)));
  } catch (broken) {
    return null;
  }
}

function saveResume(file, upload) {
  var record = { fileId: upload.fileId, name: file.name, size: file.size, lastModified: file.lastModified, partSize: upload.partSize, partCount: upload.partCount, expiresAt: upload.expiresAt };
  localStorage.setItem(resumeKey(file), JSON.stringify(record));
  return record;
}

function dropResume(file) {
  localStorage.removeItem(resumeKey(file));
}

var RESUME_HINT = 'Choose the same file again to resume: only the missing parts are sent.';

/** Cancel: the parts and the PENDING file are removed (abortUpload), and the resume record. */
function cancelUpload(file, record, item) {
  dropResume(file);
  var ended = record ? api.abortUpload(record.fileId).catch(function (error) {
    if (error.code !== 'NOT_FOUND') failed(error); // already gone is what was wanted
  }) : Promise.resolve();
  return ended.then(function () {
    item.cancelled();
    refreshSoon();
  });
}

/**
 * Sends a job's file in parts, resuming its saved upload if there is one. A failure
 * that leaves it resumable pauses it, with a Resume button that hands the job to
 * `requeue` (the upload queue, which runs it here again).
 */
export function runMultipart(job, requeue) {
  var file = job.file;
  var item = job.item;
  var key = resumeKey(file);
  // An item shown for this file since the page loaded ("Paused") is replaced by this one.
  document.querySelectorAll('#uploads li.paused').forEach(function (node) {
    if (node !== item.node && node.dataset.resumeKey === key) node.remove();
  });
  item.node.dataset.resumeKey = key;

  var controller = new AbortController();
  var record = readResume(file);
  var sentAny = false;
  item.actions({ Cancel: function () { controller.abort(); } });
  item.stage(record ? 'Resuming…' : 'Starting…');

  var hooks = {
    signal: controller.signal,
    onProgress: item.progress,
    onStage: function (text) {
      item.actions(); // past the point where cancelling makes sense
      item.stage(text);
    },
    onPart: function (partNumber, what) {
      if (what === 'sent') sentAny = true;
    },
  };
  var fresh = function () {
    return api.requestMultipartUpload(file, job.details).then(function (upload) {
      record = saveResume(file, upload);
      if (controller.signal.aborted) throw new api.ApiError('Cancelled', 'ABORTED');
      return api.uploadParts(file, record, hooks);
    });
  };
  var run = record
    ? api.uploadParts(file, record, hooks).catch(function (error) {
        // The saved upload is gone (expired, purged, aborted elsewhere): start again from zero.
        if (error.code !== 'NOT_FOUND' || sentAny) throw error;
        dropResume(file);
        record = null;
        return fresh();
      })
    : fresh();

  return run.then(
    function (stored) {
      dropResume(file);
      item.done(stored);
      refreshSoon();
    },
    function (error) {
      if (error.code === 'ABORTED') return cancelUpload(file, record, item);
      if (!record || FINAL_CODES.indexOf(error.code) >= 0) {
        // Refused up front, or refused on completion (the server then removed object and row).
        dropResume(file);
        if (error.code === 'UNAUTHENTICATED') failed(error);
        item.fail(errorText(error));
        if (record) refreshSoon();
        return;
      }
      if (error.code === 'UNAUTHENTICATED') failed(error);
      item.paused(error.code === 'RESUMABLE' ? error.message : errorText(error), RESUME_HINT);
      item.actions({
        Resume: function () {
          item.resumed();
          job.item = item;
          requeue(job);
        },
        Cancel: function () { cancelUpload(file, record, item); },
      });
      refreshSoon(); // the PENDING row shows in the list
    },
  );
}

/** After a reload: the uploads left part-way, each waiting for its file to be chosen again. */
export function showPausedUploads() {
  var prefix = RESUME_PREFIX + tokenSubject() + ':';
  for (var i = 0; i < localStorage.length; i++) {
    var key = localStorage.key(i);
    if (key.indexOf(prefix) !== 0 || document.querySelector('#uploads li[data-resume-key="' + CSS.escape(key) + '"]')) continue;
    var record;
    try {
      record = JSON.parse(localStorage.getItem(key));
    } catch (broken) {
      continue;
    }
    showPaused(key, record);
  }
}

function showPaused(key, record) {
  var file = { name: record.name, size: record.size, lastModified: record.lastModified };
  var item = uploadItem(file, 'direct');
  item.inParts();
  item.node.dataset.resumeKey = key;
  item.paused(null, RESUME_HINT);
  item.actions({ Cancel: function () { cancelUpload(file, record, item); } });
  $('uploads').append(item.node);
  api.graphql(api.queries.uploadedParts, { id: record.fileId }).then(
    function (data) {
      var bytes = data.uploadedParts.reduce(function (sum, part) { return sum + part.size; }, 0);
      item.progress(bytes / record.size, data.uploadedParts.length, record.partCount);
      item.stage('Paused · ' + data.uploadedParts.length + '/' + record.partCount + ' parts uploaded');
    },
    function (error) {
      if (error.code !== 'NOT_FOUND') return; // kept: the server may be back later
      localStorage.removeItem(key); // expired or removed: nothing to resume
      item.node.remove();
    },
  );
}
