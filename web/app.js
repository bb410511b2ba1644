// The file manager: plain JavaScript on the public GraphQL API, as any SPA would use it.
'use strict';
(function () {
  var PAGE_SIZE = 20;
  var UPLOADS_AT_ONCE = 3;
  var SEARCH_DELAY_MS = 250;
  /**
   * Direct uploads over this size go to storage in parts (requestMultipartUpload), resumably.
   * For tests and demos: ?multipartThreshold=<bytes> or <body data-multipart-threshold>.
   */
  var MULTIPART_THRESHOLD = (function () {
    var asked = new URLSearchParams(location.search).get('multipartThreshold') || document.body.dataset.multipartThreshold;
    var bytes = Number(asked);
    return asked && Number.isFinite(bytes) && bytes >= 0 ? bytes : 64 * 1024 * 1024;
  })();
  var RESUME_PREFIX = 'fileServer.resume.';
  /** Codes after which the multipart upload is gone (or never was): nothing left to resume. */
  var FINAL_CODES = ['FILE_TOO_LARGE', 'UNSUPPORTED_FILE_TYPE', 'NOT_FOUND', 'FORBIDDEN', 'CONFLICT'];

  var api = window.FileApi; // api.js
  var Q = api.queries;
  var graphql = api.graphql;
  var ApiError = api.ApiError;

  var $ = function (id) { return document.getElementById(id); };
  var state = {
    config: null,
    files: new Map(), // id → file, for the rows on screen
    endCursor: null,
    listRequest: 0, // answers to older list requests are dropped
    folderRequest: 0, // the same for the subfolders
    order: { field: 'CREATED_AT', direction: 'DESC' }, // the server's own default
    selected: new Set(), // ids of rows on screen
    trash: false, // the trash (status DELETED) instead of the files
  };

  // ---------------------------------------------------------------- token

  /** Who the token names, for display only: the server verifies it. */
  function describeToken(token) {
    try {
      var binary = atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'));
      var payload = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, function (c) { return c.charCodeAt(0); })));
      var admin = Array.isArray(payload.roles) && payload.roles.indexOf('admin') >= 0;
      return (payload.sub || 'unknown user') + (admin ? ' · admin' : '');
    } catch (notAJwt) {
      return 'token set';
    }
  }

  function showTokenPanel(message) {
    $('app').hidden = true;
    $('who').hidden = true;
    $('sign-out').hidden = true;
    $('token-panel').hidden = false;
    $('token-error').hidden = !message;
    $('token-error').textContent = message || '';
    $('token-input').value = '';
    $('token-input').focus();
  }

  function tokenHint() {
    var source = document.body.dataset.tokenSource;
    var hint = $('token-hint');
    hint.textContent = '';
    if (source === 'jwks') {
      hint.textContent = 'Paste an access token from your identity provider.';
      return;
    }
    hint.append(
      'No token yet? On the server machine run ',
      el('code', {}, 'npm run token -- alice'),
      ' (add ',
      el('code', {}, '--admin'),
      ' for an administrator) and paste what it prints.',
      source === 'development' ? ' It signs with the development secret kept under DATA_DIR.' : ' It signs with the server\u2019s JWT_SECRET, so run it with the same environment.',
    );
  }

  // ---------------------------------------------------------------- small DOM helpers

  function el(tag, attributes) {
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

  var toastTimer = null;
  function toast(message, kind) {
    var box = $('toast');
    box.textContent = message;
    box.className = 'toast' + (kind ? ' ' + kind : '');
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () {
      box.hidden = true;
    }, kind === 'error' ? 8000 : 4000);
  }

  function errorText(error) {
    return error.code && error.code !== 'NETWORK' ? error.code + ': ' + error.message : error.message;
  }

  /** An UNAUTHENTICATED answer means the token is bad or expired: ask for a new one. */
  function failed(error) {
    if (error.code === 'UNAUTHENTICATED') {
      api.setToken(null); // a reload must not try it again
      showTokenPanel('The server refused the token: ' + error.message);
      return;
    }
    toast(errorText(error), 'error');
  }

  function countText(files) {
    return files === 1 ? '1 file' : files + ' files';
  }

  function formatSize(bytes) {
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

  var dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

  function extensionOf(name) {
    var dot = name.lastIndexOf('.');
    return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  }

  // ---------------------------------------------------------------- upload

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

  /**
   * What uploadConfig and the quota say the server will refuse: said before a byte
   * is sent. `queued`: what this batch has accepted so far, which will count too.
   */
  function precheck(file, queued) {
    var config = state.config;
    if (!config) return null;
    var usage = state.usage;
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

  function uploadDetails() {
    var details = { isPublic: $('upload-public').checked };
    var folder = $('upload-folder').value.trim();
    if (folder) details.folder = folder;
    return details;
  }

  var queue = [];
  var running = 0;

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
    if (job.multipart) return runMultipart(job);
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

  function uploadItem(file, method) {
    var bar = el('div', { className: 'bar' });
    var status = el('span', { className: 'upload-status' }, 'Waiting');
    var node = el(
      'li',
      { className: 'upload', dataset: { name: file.name } },
      el('div', { className: 'upload-line' },
        el('span', { className: 'upload-name' }, file.name),
        el('span', { className: 'muted small' }, formatSize(file.size) + ' · ' + (method === 'direct' ? 'direct' : 'via server')),
        status,
      ),
      el('div', { className: 'progress', role: 'progressbar', 'aria-label': 'Upload of ' + file.name, 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' }, bar),
    );
    var progressBox = node.querySelector('.progress');
    var buttons = el('span', { className: 'upload-actions' });
    node.querySelector('.upload-line').append(buttons);
    var clearNotes = function () {
      node.classList.remove('paused');
      node.querySelectorAll('.upload-error, .upload-hint').forEach(function (note) { note.remove(); });
    };
    return {
      node: node,
      progress: function (fraction, partsDone, partCount) {
        var percent = Math.floor(fraction * 100);
        bar.style.width = percent + '%';
        progressBox.setAttribute('aria-valuenow', String(percent));
        var parts = partCount ? ' · ' + partsDone + '/' + partCount + ' parts' : '';
        status.textContent = (percent < 100 ? 'Uploading ' + percent + '%' : 'Processing…') + parts;
      },
      /** Marks the item as a multipart (resumable) upload. */
      inParts: function () {
        node.querySelector('.upload-line .muted').textContent = formatSize(file.size) + ' · direct, in parts';
      },
      /** Buttons beside the status, e.g. { Cancel: fn, Resume: fn }; none removes them. */
      actions: function (handlers) {
        buttons.textContent = '';
        Object.keys(handlers || {}).forEach(function (label) {
          var button = el('button', { type: 'button', className: 'small' + (label === 'Cancel' ? ' danger-text' : '') }, label);
          button.addEventListener('click', function () {
            button.disabled = true;
            handlers[label]();
          });
          buttons.append(button);
        });
      },
      /** Stopped part-way, and resumable: says how to go on. */
      paused: function (message, hint) {
        clearNotes();
        node.classList.add('paused');
        status.textContent = 'Paused';
        if (message) node.append(el('p', { className: 'error upload-error', role: 'alert' }, message));
        node.append(el('p', { className: 'hint upload-hint' }, hint));
      },
      resumed: function () {
        clearNotes();
        status.textContent = 'Resuming…';
      },
      cancelled: function () {
        clearNotes();
        buttons.textContent = '';
        node.classList.add('cancelled');
        status.textContent = 'Cancelled';
      },
      stage: function (text) {
        status.textContent = text;
      },
      done: function (stored) {
        clearNotes();
        buttons.textContent = '';
        node.classList.add('ok');
        bar.style.width = '100%';
        progressBox.setAttribute('aria-valuenow', '100');
        status.textContent = (stored.status === 'PROCESSING' ? 'Uploaded, being checked' : stored.status === 'QUARANTINED' ? 'Quarantined: ' + stored.malwareSignature : 'Uploaded') + (stored.folder ? ' to ' + stored.folder : '');
      },
      fail: function (message, notSent) {
        clearNotes();
        buttons.textContent = '';
        node.classList.add('failed');
        if (notSent) node.classList.add('not-sent');
        status.textContent = 'Failed';
        node.append(el('p', { className: 'error upload-error', role: 'alert' }, message));
      },
    };
  }

  // ---------------------------------------------------------------- resumable multipart uploads

  /** Whose uploads these are: resume records are kept per user, in this browser's localStorage. */
  function tokenSubject() {
    try {
      var binary = atob(api.token().split('.')[1].replace(/-/g, '+').replace(/_/g, '/'));
      return String(JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, function (c) { return c.charCodeAt(0); }))).sub || '');
    } catch (notAJwt) {
      return '';
    }
  }

  /** The same file chosen again (after a reload or a failure) has the same name, size and date. */
  function resumeKey(file) {
    return RESUME_PREFIX + tokenSubject() + ':' + JSON.stringify([file.name, file.size, file.lastModified]);
  }

  function readResume(file) {
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

  function runMultipart(job) {
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
        if (controller.signal.aborted) throw new ApiError('Cancelled', 'ABORTED');
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
            queue.push(job);
            pump();
          },
          Cancel: function () { cancelUpload(file, record, item); },
        });
        refreshSoon(); // the PENDING row shows in the list
      },
    );
  }

  /** After a reload: the uploads left part-way, each waiting for its file to be chosen again. */
  function showPausedUploads() {
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
    graphql(Q.uploadedParts, { id: record.fileId }).then(
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

  // ---------------------------------------------------------------- list

  /**
   * The folder on screen. The folder field is its only record: typed there, or set
   * by a breadcrumb, a subfolder or a row's folder. A trailing "/" is dropped, as
   * the server drops it from folder names.
   */
  function currentFolder() {
    return $('folder-filter').value.trim().replace(/\/+$/, '');
  }

  function currentFilter() {
    var filter = {};
    var search = $('search').value.trim();
    if (search) filter.search = search;
    // The trash is one list across folders: folders() counts only what is not in it.
    if (state.trash) {
      filter.status = 'DELETED';
      return filter;
    }
    var folder = currentFolder();
    if (folder) filter.folder = folder;
    if ($('show-deleted').checked) filter.includeDeleted = true;
    return filter;
  }

  /** Where the user stands against their quota (storageUsage), shown under the limits and used by precheck. */
  function loadUsage() {
    return graphql(Q.storageUsage).then(function (data) {
      var usage = (state.usage = data.storageUsage);
      var files = usage.fileCount === 1 ? '1 file' : usage.fileCount + ' files';
      $('usage').textContent = usage.quotaBytes === null
        ? 'Using ' + formatSize(usage.usedBytes) + ' · ' + files
        : 'Using ' + formatSize(usage.usedBytes) + ' of ' + formatSize(usage.quotaBytes) + ' · ' + files + (usage.quotaFiles === null ? '' : ' of ' + usage.quotaFiles);
      $('usage').hidden = false;
    }, function () {
      // Usage is information: without it, uploads are still checked by the server.
    });
  }

  /** The first page again (more: false), or the next page of the same list. */
  function loadFiles(more) {
    var request = ++state.listRequest;
    var button = $('load-more');
    button.disabled = true;
    // Whatever changed the list (an upload, a move, a delete) changed the folders' counts too.
    if (!more) loadFolders();
    return graphql(Q.files, { filter: currentFilter(), first: PAGE_SIZE, after: more ? state.endCursor : null, orderBy: state.order })
      .then(function (data) {
        if (request !== state.listRequest) return; // a newer search or filter has been asked for
        var page = data.files;
        if (!more) {
          state.files.clear();
          $('file-rows').textContent = '';
        }
        page.edges.forEach(function (edge) {
          state.files.set(edge.node.id, edge.node);
          $('file-rows').append(fileRow(edge.node));
        });
        state.endCursor = page.pageInfo.endCursor;
        button.hidden = !page.pageInfo.hasNextPage;
        $('count').textContent = countText(page.totalCount);
        var empty = state.files.size === 0;
        $('empty').hidden = !empty;
        document.querySelector('.table-wrap').hidden = empty;
        $('empty').textContent = emptyText();
        // A selected file that left the list (moved, deleted, past the first page) is no longer selected.
        state.selected.forEach(function (id) {
          if (!state.files.has(id)) state.selected.delete(id);
        });
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
    if (state.trash) return $('search').value.trim() ? 'Nothing in the trash matches.' : 'The trash is empty.';
    if (currentFolder() && !$('search').value.trim()) return 'No files directly in ' + currentFolder() + '.';
    return Object.keys(currentFilter()).length ? 'No files match.' : 'No files yet: drop one above.';
  }

  var refreshTimer = null;
  function refreshLater(delayMs) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      loadFiles(false);
    }, delayMs);
  }
  function refreshSoon() {
    refreshLater(150);
  }

  var STATUS_BADGES = { DELETED: 'Deleted', PENDING: 'Pending', PROCESSING: 'Processing…', QUARANTINED: 'Quarantined' };

  /** Past its expiresAt a file reads as deleted (it is in the trash) though its status is unchanged. */
  function hasExpired(file) {
    return !!file.expiresAt && Date.parse(file.expiresAt) <= Date.now();
  }

  /** The date the list is sorted by, when it is sorted by one: else the creation date. */
  function dateCell(file) {
    var updated = state.order.field === 'UPDATED_AT';
    var date = updated ? file.updatedAt : file.createdAt;
    var title = 'Created ' + dateFormat.format(new Date(file.createdAt)) + ' · updated ' + dateFormat.format(new Date(file.updatedAt));
    return el('td', { className: 'muted small nowrap', title: title }, el('time', { datetime: date }, dateFormat.format(new Date(date))));
  }

  function fileRow(file) {
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
      : state.trash
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

    var select = el('input', { type: 'checkbox', className: 'select', 'aria-label': 'Select ' + file.originalName, checked: state.selected.has(file.id) });
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
    var placeholder = file.image.blurhash && window.blurhashDataUrl && window.blurhashDataUrl(file.image.blurhash);
    if (placeholder) cell.style.backgroundImage = 'url("' + placeholder + '")';
    var img = el('img', { src: file.thumbnail, alt: '', loading: 'lazy', decoding: 'async' });
    // Hidden until decoded, so the placeholder shows instead of a half-drawn picture.
    img.addEventListener('load', function () {
      img.classList.add('loaded');
    });
    cell.append(img);
    return cell;
  }

  function preview(file) {
    return graphql(Q.preview, { id: file.id }).then(function (data) {
      if (!data.file || !data.file.imageUrl) throw new ApiError('This file has no preview');
      $('preview-title').textContent = file.originalName;
      $('preview-meta').textContent = file.image.width + ' × ' + file.image.height + ' · ' + formatSize(file.size);
      $('preview-image').src = data.file.imageUrl;
      $('preview-dialog').showModal();
    });
  }

  // ---------------------------------------------------------------- row actions

  /** For URLs that answer with Content-Disposition: attachment: following one saves the file and leaves the page be. */
  function followDownload(url) {
    var link = el('a', { href: url, rel: 'noopener' });
    document.body.append(link);
    link.click();
    link.remove();
  }

  function download(file) {
    return graphql(Q.download, { id: file.id }).then(function (data) {
      followDownload(data.presignedUrl.url);
    });
  }

  function softDelete(file) {
    return graphql(Q.deleteFile, { id: file.id, hardDelete: false }).then(function () {
      toast(file.status === 'PENDING' ? 'Discarded ' + file.originalName : 'Deleted ' + file.originalName + ' (Show deleted to restore it)');
      loadFiles(false);
    });
  }

  function restore(file) {
    return graphql(Q.restoreFile, { id: file.id }).then(function () {
      toast('Restored ' + file.originalName);
      loadFiles(false);
    });
  }

  function openDialog(id, errorId) {
    $(errorId).hidden = true;
    $(id).showModal();
  }

  function dialogError(errorId, error) {
    $(errorId).textContent = errorText(error);
    $(errorId).hidden = false;
  }

  var editing = null;
  function edit(file) {
    editing = file;
    $('edit-title').textContent = 'Edit ' + file.originalName;
    $('edit-description').value = file.description || '';
    $('edit-metadata').value = JSON.stringify(file.metadata || {}, null, 2);
    $('edit-public').checked = file.isPublic;
    openDialog('edit-dialog', 'edit-error');
  }

  function saveEdit(event) {
    event.preventDefault();
    var metadata;
    try {
      metadata = JSON.parse($('edit-metadata').value.trim() || '{}');
      if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) throw new Error();
    } catch (notAnObject) {
      return dialogError('edit-error', new ApiError('Metadata must be a JSON object, like {"project": "apollo"}'));
    }
    var input = { description: $('edit-description').value.trim() || null, metadata: metadata, isPublic: $('edit-public').checked };
    graphql(Q.updateFile, { id: editing.id, input: input }).then(
      function () {
        $('edit-dialog').close();
        toast('Saved ' + editing.originalName);
        loadFiles(false);
      },
      function (error) {
        dialogError('edit-error', error);
      },
    );
  }

  var copying = null;
  function copy(file) {
    copying = file;
    $('copy-title').textContent = 'Copy ' + file.originalName;
    $('copy-folder').value = file.folder || '';
    $('copy-name').value = '';
    openDialog('copy-dialog', 'copy-error');
    $('copy-folder').select();
  }

  function saveCopy(event) {
    event.preventDefault();
    var input = {};
    var folder = $('copy-folder').value.trim();
    var name = $('copy-name').value.trim();
    if (folder) input.newFolder = folder;
    if (name) input.newName = name;
    graphql(Q.copyFile, { id: copying.id, input: input }).then(
      function (data) {
        $('copy-dialog').close();
        var copied = data.copyFile;
        toast('Copied to ' + (copied.folder ? copied.folder + '/' : '') + copied.originalName);
        loadFiles(false);
      },
      function (error) {
        dialogError('copy-error', error);
      },
    );
  }

  var confirming = null;
  /**
   * The confirm dialog, before what cannot be undone or touches many files at once.
   * options: { title, text, button, run }; run() returns a promise, and its error
   * is shown in the dialog, which then stays open.
   */
  function confirmAction(options) {
    confirming = options;
    $('confirm-title').textContent = options.title;
    $('confirm-text').textContent = options.text;
    $('confirm-submit').textContent = options.button;
    openDialog('confirm-dialog', 'confirm-error');
  }

  function onConfirm(event) {
    event.preventDefault();
    submitDialog('confirm-dialog', 'confirm-error', confirming.run);
  }

  var naming = null;
  /**
   * One field in a dialog, for a file name or a folder. options: { title, label,
   * value, hint, button, selectTo (how much of the value to select), run(value) }.
   */
  function askName(options) {
    naming = options;
    $('name-title').textContent = options.title;
    $('name-label').textContent = options.label;
    $('name-hint').textContent = options.hint || '';
    $('name-hint').hidden = !options.hint;
    $('name-submit').textContent = options.button;
    var input = $('name-input');
    input.value = options.value || '';
    openDialog('name-dialog', 'name-error');
    input.focus();
    input.setSelectionRange(0, options.selectTo === undefined ? input.value.length : options.selectTo);
  }

  function onName(event) {
    event.preventDefault();
    var value = $('name-input').value.trim();
    submitDialog('name-dialog', 'name-error', function () {
      return naming.run(value);
    });
  }

  /** Runs a dialog's action once (the button waits meanwhile): closes it when done, else shows why not. */
  function submitDialog(id, errorId, run) {
    var submit = $(id).querySelector('button[type="submit"]');
    submit.disabled = true;
    run()
      .then(
        function () {
          $(id).close();
        },
        function (error) {
          dialogError(errorId, error);
        },
      )
      .then(function () {
        submit.disabled = false;
      });
  }

  function purge(file) {
    confirmAction({
      title: 'Delete forever?',
      text: file.originalName + ' is removed from storage and from the list. This cannot be undone.',
      button: 'Delete forever',
      run: function () {
        return graphql(Q.deleteFile, { id: file.id, hardDelete: true }).then(function () {
          toast('Deleted ' + file.originalName + ' for good');
          loadFiles(false);
        });
      },
    });
  }

  /** The name stays a name of the same type: the server refuses another extension, so only the part before it is selected. */
  function rename(file) {
    var dot = file.originalName.lastIndexOf('.');
    askName({
      title: 'Rename ' + file.originalName,
      label: 'New name',
      value: file.originalName,
      hint: dot > 0 ? 'The extension (' + file.originalName.slice(dot) + ') stays.' : null,
      button: 'Rename',
      selectTo: dot > 0 ? dot : undefined,
      run: function (name) {
        return graphql(Q.renameFile, { id: file.id, name: name }).then(function (data) {
          toast('Renamed ' + file.originalName + ' to ' + data.renameFile.originalName);
          loadFiles(false);
        });
      },
    });
  }

  function onRowClick(event) {
    var button = event.target.closest('button[data-action]');
    if (!button) return;
    var file = state.files.get(button.closest('tr').dataset.id);
    if (!file) return;
    var action = button.dataset.action;
    if (action === 'folder') return enterFolder(file.folder);
    if (action === 'edit') return edit(file);
    if (action === 'copy') return copy(file);
    if (action === 'purge') return purge(file);
    if (action === 'rename') return rename(file);
    var run = { download: download, delete: softDelete, restore: restore, preview: preview }[action];
    button.disabled = true;
    run(file)
      .catch(failed)
      .then(function () {
        button.disabled = false;
      });
  }

  // ---------------------------------------------------------------- folders

  function enterFolder(path) {
    $('folder-filter').value = path;
    return loadFiles(false);
  }

  function parentOf(folder) {
    return folder.slice(0, Math.max(0, folder.lastIndexOf('/')));
  }

  function lastSegment(folder) {
    return folder.slice(folder.lastIndexOf('/') + 1);
  }

  /**
   * The breadcrumbs at once, then the subfolders of the current folder with their
   * counts (folders(parent): each counts its whole subtree, the trash left out).
   */
  function loadFolders() {
    var request = ++state.folderRequest;
    var folder = currentFolder();
    showBreadcrumbs(folder);
    $('folder-actions').hidden = !folder;
    if (state.trash) return Promise.resolve();
    return graphql(Q.folders, { parent: folder || null }).then(
      function (data) {
        if (request !== state.folderRequest) return;
        $('subfolders').textContent = '';
        data.folders.forEach(function (subfolder) {
          $('subfolders').append(subfolderItem(subfolder));
        });
      },
      function (error) {
        if (request !== state.folderRequest) return;
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
        return graphql(Q.renameFolder, { from: folder, to: to }).then(function (data) {
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
        return graphql(Q.deleteFolder, { folder: folder, hardDelete: false }).then(function (data) {
          toast(countText(data.deleteFolder) + ' of ' + folder + ' moved to the trash');
          enterFolder(parentOf(folder));
        });
      },
    });
  }

  // ---------------------------------------------------------------- sort order

  /** A new column starts names A to Z, sizes and dates largest and newest first; the same column again turns it round. */
  var FIRST_DIRECTION = { NAME: 'ASC', SIZE: 'DESC', CREATED_AT: 'DESC', UPDATED_AT: 'DESC' };

  function sortBy(field) {
    var direction = state.order.field !== field ? FIRST_DIRECTION[field] : state.order.direction === 'ASC' ? 'DESC' : 'ASC';
    state.order = { field: field, direction: direction };
    showOrder();
    // A cursor belongs to the order it was made in: the list starts again from its first page.
    loadFiles(false);
  }

  function showOrder() {
    document.querySelectorAll('table.files button.sort').forEach(function (button) {
      delete button.dataset.direction;
      button.closest('th').removeAttribute('aria-sort');
    });
    var active = document.querySelector('table.files button.sort[data-field="' + state.order.field + '"]');
    active.dataset.direction = state.order.direction;
    active.closest('th').setAttribute('aria-sort', state.order.direction === 'ASC' ? 'ascending' : 'descending');
  }

  // ---------------------------------------------------------------- selection and bulk actions

  function showSelection() {
    var count = state.selected.size;
    $('bulk-bar').hidden = count === 0;
    $('selection-count').textContent = count + ' selected';
    $('select-all').checked = count > 0 && count === state.files.size;
    $('select-all').indeterminate = count > 0 && count < state.files.size;
    var view = state.trash ? 'trash' : 'files';
    document.querySelectorAll('#bulk-bar [data-view]').forEach(function (button) {
      button.hidden = button.dataset.view !== view;
    });
  }

  function onRowSelect(event) {
    if (!event.target.matches('input.select')) return;
    var id = event.target.closest('tr').dataset.id;
    if (event.target.checked) state.selected.add(id);
    else state.selected.delete(id);
    showSelection();
  }

  /** Every row loaded so far ("on this page"), not every file the filter matches. */
  function selectAll(on) {
    state.selected.clear();
    if (on) state.files.forEach(function (file, id) { state.selected.add(id); });
    document.querySelectorAll('#file-rows input.select').forEach(function (box) {
      box.checked = on;
    });
    showSelection();
  }

  /**
   * A bulk call's answer, as the page says errors: "3 files moved to reports", or
   * what failed and why, "2 of 3 moved to reports; 1 not found".
   */
  function reportBulk(result, done) {
    var total = result.succeeded.length + result.failed.length;
    if (!result.failed.length) return toast(countText(total) + ' ' + done);
    var reasons = new Map();
    result.failed.forEach(function (failure) {
      var reason = failure.code === 'NOT_FOUND' ? 'not found' : failure.code + ': ' + failure.message;
      reasons.set(reason, (reasons.get(reason) || 0) + 1);
    });
    var parts = [];
    reasons.forEach(function (count, reason) {
      parts.push(count + ' ' + reason);
    });
    toast(result.succeeded.length + ' of ' + total + ' ' + done + '; ' + parts.join('; '), 'error');
  }

  /** Runs a bulk mutation on the selection, says how it went, and shows the list as it is now. */
  function bulk(name, variables, done) {
    var ids = Array.from(state.selected);
    return api.bulk(name, ids, variables).then(function (result) {
      selectAll(false);
      reportBulk(result, done);
      loadFiles(false);
    });
  }

  function moveSelection() {
    askName({
      title: 'Move ' + countText(state.selected.size),
      label: 'Destination folder',
      value: currentFolder(),
      hint: 'Blank: the top level. A folder that does not exist yet is made.',
      button: 'Move',
      run: function (folder) {
        return bulk('moveFiles', { toFolder: folder }, 'moved to ' + (folder.replace(/\/+$/, '') || 'the top level'));
      },
    });
  }

  function purgeSelection() {
    confirmAction({
      title: 'Delete forever?',
      text: 'The ' + countText(state.selected.size) + ' selected are removed from storage and from the trash. This cannot be undone.',
      button: 'Delete forever',
      run: function () {
        return bulk('deleteFiles', { hardDelete: true }, 'deleted for good');
      },
    });
  }

  function onBulkClick(event) {
    var button = event.target.closest('button[data-bulk]');
    if (!button) return;
    var what = button.dataset.bulk;
    if (what === 'clear') return selectAll(false);
    if (what === 'move') return moveSelection();
    if (what === 'purge') return purgeSelection();
    var run = {
      delete: function () { return bulk('deleteFiles', { hardDelete: false }, 'moved to the trash'); },
      restore: function () { return bulk('restoreFiles', {}, 'restored'); },
      zip: function () { return downloadArchive({ ids: Array.from(state.selected) }, (lastSegment(currentFolder()) || 'files') + '-selection'); },
    }[what];
    whileBusy(button, run());
  }

  /** Disables a button until its work is done; the work's error is shown the usual way. */
  function whileBusy(button, work) {
    button.disabled = true;
    return work.catch(failed).then(function () {
      button.disabled = false;
    });
  }

  // ---------------------------------------------------------------- trash

  /** The trash is a view of its own (status: DELETED) with its own actions; "Show deleted" mixes it into the files instead. */
  function showTrash(on) {
    state.trash = on;
    $('files-heading').textContent = on ? 'Trash' : 'Your files';
    $('folder-filter').hidden = on;
    $('show-deleted-option').hidden = on;
    $('folder-bar').hidden = on;
    $('subfolders').hidden = on;
    $('empty-trash').hidden = !on;
    state.selected.clear();
    loadFiles(false);
  }

  function emptyTrash() {
    confirmAction({
      title: 'Empty the trash?',
      text: 'Every file in the trash is removed from storage for good. This cannot be undone.',
      button: 'Empty trash',
      run: function () {
        return graphql(Q.emptyTrash).then(function (data) {
          toast('Emptied the trash: ' + countText(data.emptyTrash) + ' deleted for good');
          loadFiles(false);
        });
      },
    });
  }

  // ---------------------------------------------------------------- ZIP archives

  /**
   * target: { ids } or { folder } (its whole subtree, paths relative to it).
   * createArchive answers with a short-lived URL of this server that streams the
   * ZIP as an attachment; files the caller may not read are left out by the server.
   */
  function downloadArchive(target, name) {
    return graphql(Q.createArchive, Object.assign({ name: name + '.zip' }, target)).then(function (data) {
      followDownload(data.createArchive.url);
    });
  }

  // ---------------------------------------------------------------- start

  function start() {
    $('token-panel').hidden = true;
    $('app').hidden = false;
    $('who').textContent = describeToken(api.token());
    $('who').hidden = false;
    $('sign-out').hidden = false;
    graphql(Q.uploadConfig).then(function (data) {
      var config = data.uploadConfig;
      state.config = config;
      $('limits').textContent = 'Up to ' + formatSize(config.maxFileSizeBytes) + ' each · ' + config.allowedExtensions.join(', ');
    }, failed);
    loadUsage();
    loadFiles(false);
    showPausedUploads();
  }

  function wire() {
    $('graphiql-link').hidden = document.body.dataset.graphiql !== 'true';
    tokenHint();
    describeMethod();

    $('token-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var token = $('token-input').value.trim().replace(/^Bearer\s+/i, '');
      if (!token) return;
      api.setToken(token);
      start();
    });
    $('sign-out').addEventListener('click', function () {
      api.setToken(null);
      showTokenPanel();
    });

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

    var searchTimer = null;
    var filterChanged = function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(function () {
        loadFiles(false);
      }, SEARCH_DELAY_MS);
    };
    $('search').addEventListener('input', filterChanged);
    $('folder-filter').addEventListener('input', filterChanged);
    $('breadcrumbs').addEventListener('click', onFolderClick);
    $('subfolders').addEventListener('click', onFolderClick);
    $('rename-folder').addEventListener('click', renameFolder);
    $('delete-folder').addEventListener('click', deleteFolder);
    $('folder-zip').addEventListener('click', function (event) {
      var folder = currentFolder();
      whileBusy(event.currentTarget, downloadArchive({ folder: folder }, lastSegment(folder)));
    });
    document.querySelectorAll('table.files button.sort').forEach(function (button) {
      button.addEventListener('click', function () {
        sortBy(button.dataset.field);
      });
    });
    showOrder();
    $('select-all').addEventListener('change', function (event) {
      selectAll(event.target.checked);
    });
    $('file-rows').addEventListener('change', onRowSelect);
    $('bulk-bar').addEventListener('click', onBulkClick);
    document.querySelectorAll('input[name="view"]').forEach(function (radio) {
      radio.addEventListener('change', function () {
        showTrash(radio.value === 'trash' && radio.checked);
      });
    });
    $('empty-trash').addEventListener('click', emptyTrash);
    $('show-deleted').addEventListener('change', function () {
      loadFiles(false);
    });
    $('refresh').addEventListener('click', function () {
      loadFiles(false);
    });
    $('load-more').addEventListener('click', function () {
      loadFiles(true);
    });
    $('file-rows').addEventListener('click', onRowClick);

    $('edit-form').addEventListener('submit', saveEdit);
    $('copy-form').addEventListener('submit', saveCopy);
    $('confirm-form').addEventListener('submit', onConfirm);
    $('name-form').addEventListener('submit', onName);
    document.querySelectorAll('dialog [data-close]').forEach(function (button) {
      button.addEventListener('click', function () {
        button.closest('dialog').close();
      });
    });

    if (api.token()) start();
    else showTokenPanel();
  }

  wire();
})();
