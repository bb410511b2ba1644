// The file manager's client for the public API: GraphQL over fetch, uploads over
// XMLHttpRequest (the only way to see upload progress). Nothing here touches the page.

var TOKEN_KEY = 'fileServer.token'; // graphiql-setup.js reads the same key
var state = { token: sessionStorage.getItem(TOKEN_KEY) };

var FILE_FIELDS = 'id originalName folder contentType extension size description metadata isPublic publicUrl status malwareSignature image { width height blurhash } createdAt updatedAt deletedAt expiresAt' +
  // Twice the cell's size, for high-density screens; one signature per file, nothing rendered until shown.
  ' thumbnail: imageUrl(transform: { width: 88, height: 88 }, expiresIn: 3600)';
var BULK_FIELDS = 'succeeded failed { id code message }';
var Q = {
  uploadConfig: 'query UploadConfig { uploadConfig { maxFileSizeBytes allowedExtensions allowedMimeTypes } }',
  storageUsage: 'query StorageUsage { storageUsage { usedBytes fileCount quotaBytes quotaFiles } }',
  files:
    'query Files($filter: FileFilter, $first: Int, $after: String, $orderBy: FileOrder) { files(filter: $filter, first: $first, after: $after, orderBy: $orderBy) {' +
    ' totalCount pageInfo { hasNextPage endCursor } edges { node { ' + FILE_FIELDS + ' } } } }',
  folders: 'query Folders($parent: String) { folders(parent: $parent) { path name fileCount totalBytes } }',
  uploadFile: 'mutation UploadFile($file: Upload!, $input: UploadFileInput) { uploadFile(file: $file, input: $input) { ' + FILE_FIELDS + ' } }',
  requestUpload: 'mutation RequestUpload($input: RequestUploadInput!) { requestUpload(input: $input) { url method headers expiresAt file { id } } }',
  completeUpload: 'mutation CompleteUpload($id: ID!) { completeUpload(id: $id) { ' + FILE_FIELDS + ' } }',
  download: 'query Download($id: ID!) { presignedUrl(id: $id, forceDownload: true) { url } }',
  preview: 'query Preview($id: ID!) { file(id: $id) { imageUrl(transform: { width: 1600, height: 1600, fit: INSIDE }) } }',
  copyFile: 'mutation CopyFile($id: ID!, $input: CopyFileInput) { copyFile(id: $id, input: $input) { ' + FILE_FIELDS + ' } }',
  updateFile: 'mutation UpdateFile($id: ID!, $input: UpdateFileInput!) { updateFile(id: $id, input: $input) { ' + FILE_FIELDS + ' } }',
  deleteFile: 'mutation DeleteFile($id: ID!, $hardDelete: Boolean) { deleteFile(id: $id, hardDelete: $hardDelete) }',
  restoreFile: 'mutation RestoreFile($id: ID!) { restoreFile(id: $id) { ' + FILE_FIELDS + ' } }',
  renameFile: 'mutation RenameFile($id: ID!, $name: String!) { renameFile(id: $id, name: $name) { ' + FILE_FIELDS + ' } }',
  // Bulk calls answer per id: a failure on one never stops the others.
  moveFiles: 'mutation MoveFiles($ids: [ID!]!, $toFolder: String!) { moveFiles(ids: $ids, toFolder: $toFolder) { ' + BULK_FIELDS + ' } }',
  deleteFiles: 'mutation DeleteFiles($ids: [ID!]!, $hardDelete: Boolean) { deleteFiles(ids: $ids, hardDelete: $hardDelete) { ' + BULK_FIELDS + ' } }',
  restoreFiles: 'mutation RestoreFiles($ids: [ID!]!) { restoreFiles(ids: $ids) { ' + BULK_FIELDS + ' } }',
  emptyTrash: 'mutation EmptyTrash { emptyTrash }',
  renameFolder: 'mutation RenameFolder($from: String!, $to: String!) { renameFolder(from: $from, to: $to) }',
  deleteFolder: 'mutation DeleteFolder($folder: String!, $hardDelete: Boolean) { deleteFolder(folder: $folder, hardDelete: $hardDelete) }',
  createArchive: 'mutation CreateArchive($ids: [ID!], $folder: String, $name: String) { createArchive(ids: $ids, folder: $folder, name: $name) { url } }',
  requestMultipartUpload:
    'mutation RequestMultipartUpload($input: RequestUploadInput!) { requestMultipartUpload(input: $input) { partSize partCount expiresAt file { id } } }',
  signUploadParts:
    'mutation SignUploadParts($id: ID!, $partNumbers: [Int!]!, $checksumsSha256: [String!]) { signUploadParts(id: $id, partNumbers: $partNumbers, checksumsSha256: $checksumsSha256) { partNumber url headers expiresAt } }',
  uploadedParts: 'query UploadedParts($id: ID!) { uploadedParts(id: $id) { partNumber size etag } }',
  completeMultipartUpload:
    'mutation CompleteMultipartUpload($id: ID!, $parts: [CompletedPartInput!]!) { completeMultipartUpload(id: $id, parts: $parts) { ' + FILE_FIELDS + ' } }',
  abortUpload: 'mutation AbortUpload($id: ID!) { abortUpload(id: $id) }',
};

function ApiError(message, code) {
  this.message = message;
  this.code = code;
}
ApiError.prototype = Object.create(Error.prototype);

function authHeaders() {
  return state.token ? { Authorization: 'Bearer ' + state.token } : {};
}

/** The GraphQL answer's data, or its first error (message and code, both from the server). */
function dataOf(status, body) {
  if (body && body.errors && body.errors.length) {
    var first = body.errors[0];
    throw new ApiError(first.message, (first.extensions && first.extensions.code) || 'HTTP ' + status);
  }
  if (!body || !body.data) throw new ApiError('Unexpected answer from the server (HTTP ' + status + ')', 'HTTP ' + status);
  return body.data;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (notJson) {
    return null; // dataOf reports the HTTP status instead
  }
}

function graphqlRaw(query, variables) {
  var headers = Object.assign({ 'Content-Type': 'application/json' }, authHeaders());
  return fetch('/graphql', { method: 'POST', headers: headers, body: JSON.stringify({ query: query, variables: variables || {} }) }).then(
    function (response) {
      return response.text().then(function (text) {
        return { status: response.status, body: parseJson(text) };
      });
    },
    function () {
      throw new ApiError('The server cannot be reached', 'NETWORK');
    },
  );
}

function graphql(query, variables) {
  return graphqlRaw(query, variables).then(function (answer) {
    return dataOf(answer.status, answer.body);
  });
}

var BULK_MAX_IDS = 1000; // the server refuses a bulk call with more

/**
 * A bulk mutation (moveFiles, deleteFiles, restoreFiles) over any number of ids,
 * BULK_MAX_IDS at a time, one batch after another: one BulkResult for them all.
 */
function bulk(name, ids, variables) {
  var result = { succeeded: [], failed: [] };
  var batches = [];
  for (var i = 0; i < ids.length; i += BULK_MAX_IDS) batches.push(ids.slice(i, i + BULK_MAX_IDS));
  return batches.reduce(function (done, batch) {
    return done.then(function () {
      return graphql(Q[name], Object.assign({ ids: batch }, variables)).then(function (data) {
        result.succeeded = result.succeeded.concat(data[name].succeeded);
        result.failed = result.failed.concat(data[name].failed);
      });
    });
  }, Promise.resolve()).then(function () {
    return result;
  });
}

/** XMLHttpRequest rather than fetch: only it reports upload progress. An AbortSignal, if given, cancels it. */
function send(method, url, headers, body, onProgress, signal) {
  return new Promise(function (resolve, reject) {
    var xhr = new XMLHttpRequest();
    if (signal) {
      if (signal.aborted) return reject(new ApiError('Cancelled', 'ABORTED'));
      signal.addEventListener('abort', function () { xhr.abort(); });
    }
    xhr.open(method, url);
    Object.keys(headers).forEach(function (name) {
      // The browser sets Content-Length from the body itself and refuses to be told.
      if (name.toLowerCase() !== 'content-length') xhr.setRequestHeader(name, headers[name]);
    });
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = function () {
      resolve({ status: xhr.status, text: xhr.responseText, etag: xhr.getResponseHeader('ETag') });
    };
    xhr.onabort = function () {
      reject(new ApiError('Cancelled', 'ABORTED'));
    };
    xhr.onerror = function () {
      reject(new ApiError('The request to ' + new URL(url, location.href).host + ' failed (network error or CORS refusal)', 'NETWORK'));
    };
    xhr.send(body);
  });
}

/** Kept for this tab only: sessionStorage survives a reload, not the tab. */
function setToken(token) {
  state.token = token || null;
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function uploadThroughServer(file, details, onProgress) {
  var form = new FormData();
  // The size declared: the server streams the file to storage in one PUT, and checks it got every byte.
  var input = Object.assign({ size: file.size }, details);
  form.append('operations', JSON.stringify({ query: Q.uploadFile, variables: { file: null, input: input } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', file, file.name);
  // Multipart is a "simple" request a foreign page could send: the server demands this header (CSRF).
  var headers = Object.assign({ 'Apollo-Require-Preflight': 'true' }, authHeaders());
  return send('POST', '/graphql', headers, form, onProgress).then(function (answer) {
    return dataOf(answer.status, parseJson(answer.text)).uploadFile;
  });
}

function storageMessage(text) {
  var xml = new DOMParser().parseFromString(text || '', 'application/xml');
  var message = xml.querySelector('Message');
  return message ? ': ' + message.textContent : '';
}

function uploadDirect(file, details, onProgress, onStage) {
  var input = Object.assign({ filename: file.name, contentType: file.type || 'application/octet-stream', size: file.size }, details);
  return graphql(Q.requestUpload, { input: input }).then(function (data) {
    var ticket = data.requestUpload;
    // Exactly the headers the URL was signed with: storage refuses the PUT otherwise.
    return send(ticket.method, ticket.url, ticket.headers, file, onProgress)
      .then(function (put) {
        if (put.status < 200 || put.status >= 300) throw new ApiError('Storage refused the upload (HTTP ' + put.status + ')' + storageMessage(put.text), 'STORAGE');
      })
      .catch(function (error) {
        // A PENDING file whose bytes never arrived is of no use: deleting it removes the row (and any object).
        return graphql(Q.deleteFile, { id: ticket.file.id, hardDelete: true }).then(
          function () { throw error; },
          function () { throw error; }, // the upload's own error is the one worth showing
        );
      })
      .then(function () {
        onStage('Checking…');
        return graphql(Q.completeUpload, { id: ticket.file.id });
      })
      .then(function (completed) {
        return completed.completeUpload;
      });
  });
}

// ------------------------------------------------------------ resumable multipart direct uploads

var PARTS_IN_PARALLEL = 4;
var SIGN_BATCH_MAX = 100; // the server signs at most 100 part URLs per call
var SIGN_BATCH_BYTES = 256 * 1024 * 1024; // hash at most this much ahead of the PUTs
var PART_RETRIES = 3;
var RETRY_DELAY_MS = 300; // doubled at each retry
var RECHECK_DELAY_MS = 500;

function base64(buffer) {
  var bytes = new Uint8Array(buffer);
  var binary = '';
  for (var i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function partBlob(file, partSize, partNumber) {
  return file.slice((partNumber - 1) * partSize, Math.min(partNumber * partSize, file.size));
}

/** base64 SHA-256 of a part: signed into its URL, so storage refuses other bytes. */
function partChecksum(file, partSize, partNumber) {
  return partBlob(file, partSize, partNumber).arrayBuffer().then(function (bytes) {
    return crypto.subtle.digest('SHA-256', bytes);
  }).then(base64);
}

function delay(ms, signal) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(resolve, ms);
    if (signal) signal.addEventListener('abort', function () {
      clearTimeout(timer);
      reject(new ApiError('Cancelled', 'ABORTED'));
    });
  });
}

/** Signs part URLs a batch at a time, just ahead of the PUTs that need them. */
function partSigner(fileId, file, partSize, partNumbers, onSign) {
  var waiting = partNumbers.slice();
  var ready = [];
  var signing = null;
  var batch = Math.max(PARTS_IN_PARALLEL, Math.min(SIGN_BATCH_MAX, Math.floor(SIGN_BATCH_BYTES / partSize)));

  function sign(numbers) {
    return Promise.all(numbers.map(function (n) { return partChecksum(file, partSize, n); })).then(function (sums) {
      onSign(numbers);
      return graphql(Q.signUploadParts, { id: fileId, partNumbers: numbers, checksumsSha256: sums });
    }).then(function (data) {
      return data.signUploadParts;
    });
  }

  function fill() {
    if (!signing && waiting.length) {
      var numbers = waiting.splice(0, batch);
      signing = sign(numbers).then(
        function (urls) {
          signing = null;
          Array.prototype.push.apply(ready, urls);
        },
        function (error) {
          signing = null;
          Array.prototype.unshift.apply(waiting, numbers);
          throw error;
        },
      );
    }
    return signing;
  }

  return {
    /** The next part's signed URL, or null when every part has been handed out. */
    next: function next() {
      if (ready.length) {
        var url = ready.shift();
        if (ready.length < PARTS_IN_PARALLEL && waiting.length) fill().catch(function () {}); // a failure shows again to whoever waits next
        return Promise.resolve(url);
      }
      if (!waiting.length && !signing) return Promise.resolve(null);
      return fill().then(next);
    },
    /** A fresh URL for one part (a retry: the old one may have expired). */
    again: function (partNumber) {
      return sign([partNumber]).then(function (urls) { return urls[0]; });
    },
  };
}

/**
 * Uploads the parts not yet in storage, PARTS_IN_PARALLEL at a time, and completes.
 * `upload` is { fileId, partSize, partCount } (from requestMultipartUpload or a saved resume
 * record). A part that keeps failing stops the upload, still resumable, with an error
 * whose code is RESUMABLE. hooks: onProgress(fraction), onStage(text), onPart(partNumber, 'signed' | 'sent'), signal.
 */
function uploadParts(file, upload, hooks) {
  // completeMultipartUpload answers BAD_USER_INPUT (and keeps the upload) when storage's own part
  // list disagrees with the ETags sent: a part missing, short, or overwritten. One more pass
  // follows at once: list again, send again whatever is missing or of the wrong size, complete.
  return uploadPass(file, upload, hooks).catch(function (error) {
    if (error.code !== 'BAD_USER_INPUT') throw error;
    return delay(RECHECK_DELAY_MS, hooks.signal).then(function () {
      return uploadPass(file, upload, hooks);
    });
  });
}

function uploadPass(file, upload, hooks) {
  var signal = hooks.signal;
  var etags = new Map();
  var sentBytes = new Map(); // partNumber → bytes sent so far, for parts in flight
  var doneBytes = 0;
  var stopped = null;

  function partSize(n) {
    return Math.min(upload.partSize, file.size - (n - 1) * upload.partSize);
  }
  function progress() {
    var sending = 0;
    sentBytes.forEach(function (bytes) { sending += bytes; });
    hooks.onProgress(Math.min(1, (doneBytes + sending) / file.size), etags.size, upload.partCount);
  }

  return graphql(Q.uploadedParts, { id: upload.fileId }).then(function (data) {
    data.uploadedParts.forEach(function (part) {
      // A part of the wrong size (not ours, or cut short) is sent again.
      if (part.partNumber <= upload.partCount && part.size === partSize(part.partNumber)) {
        etags.set(part.partNumber, part.etag);
        doneBytes += part.size;
      }
    });
    progress();
    var missing = [];
    for (var n = 1; n <= upload.partCount; n++) if (!etags.has(n)) missing.push(n);
    var signer = partSigner(upload.fileId, file, upload.partSize, missing, function (numbers) {
      numbers.forEach(function (number) { hooks.onPart(number, 'signed'); });
    });

    function put(signed) {
      var n = signed.partNumber;
      hooks.onPart(n, 'sent');
      sentBytes.set(n, 0);
      return send('PUT', signed.url, signed.headers, partBlob(file, upload.partSize, n), function (fraction) {
        sentBytes.set(n, fraction * partSize(n));
        progress();
      }, signal).then(function (answer) {
        if (answer.status < 200 || answer.status >= 300) throw new ApiError('Storage refused part ' + n + ' (HTTP ' + answer.status + ')' + storageMessage(answer.text), 'STORAGE');
        return answer.etag;
      }).then(
        function (etag) {
          sentBytes.delete(n);
          etags.set(n, etag); // null if the bucket's CORS rule hides ETag: read from uploadedParts below
          doneBytes += partSize(n);
          progress();
        },
        function (error) {
          sentBytes.delete(n);
          progress();
          throw error;
        },
      );
    }

    function putWithRetries(signed) {
      var attempt = 0;
      var tryOnce = function (url) {
        return put(url).catch(function (error) {
          if (error.code === 'ABORTED' || stopped || attempt >= PART_RETRIES) throw error;
          attempt++;
          return delay(RETRY_DELAY_MS * Math.pow(2, attempt - 1), signal).then(function () {
            return signer.again(signed.partNumber);
          }).then(tryOnce);
        });
      };
      return tryOnce(signed);
    }

    function worker() {
      if (stopped) return Promise.resolve();
      return signer.next().then(function (signed) {
        if (!signed || stopped) return;
        return putWithRetries(signed).then(worker);
      }).catch(function (error) {
        stopped = stopped || error; // the others finish what they are sending, then stop
      });
    }

    var workers = [];
    for (var i = 0; i < Math.min(PARTS_IN_PARALLEL, missing.length); i++) workers.push(worker());
    return Promise.all(workers);
  }).then(function () {
    if (stopped) {
      if (stopped.code === 'ABORTED' || stopped.code === 'UNAUTHENTICATED') throw stopped;
      throw new ApiError(etags.size + ' of ' + upload.partCount + ' parts uploaded; ' + stopped.message, 'RESUMABLE');
    }
    var unknown = [];
    etags.forEach(function (etag, n) { if (!etag) unknown.push(n); });
    return unknown.length
      ? graphql(Q.uploadedParts, { id: upload.fileId }).then(function (data) {
          data.uploadedParts.forEach(function (part) { if (!etags.get(part.partNumber)) etags.set(part.partNumber, part.etag); });
        })
      : null;
  }).then(function () {
    hooks.onStage('Checking…');
    var parts = [];
    for (var n = 1; n <= upload.partCount; n++) parts.push({ partNumber: n, etag: etags.get(n) });
    return graphql(Q.completeMultipartUpload, { id: upload.fileId, parts: parts });
  }).then(function (data) {
    return data.completeMultipartUpload;
  });
}

/** Starts a multipart upload: { fileId, partSize, partCount }, to pass to uploadParts. */
function requestMultipartUpload(file, details) {
  var input = Object.assign({ filename: file.name, contentType: file.type || 'application/octet-stream', size: file.size }, details);
  return graphql(Q.requestMultipartUpload, { input: input }).then(function (data) {
    var ticket = data.requestMultipartUpload;
    return { fileId: ticket.file.id, partSize: ticket.partSize, partCount: ticket.partCount, expiresAt: ticket.expiresAt };
  });
}

function abortUpload(fileId) {
  return graphql(Q.abortUpload, { id: fileId });
}

/** The token the API calls send (null: none). */
export function token() {
  return state.token;
}

export {
  ApiError,
  Q as queries,
  graphql,
  graphqlRaw,
  bulk,
  setToken,
  uploadThroughServer,
  uploadDirect,
  requestMultipartUpload,
  uploadParts,
  abortUpload,
};
