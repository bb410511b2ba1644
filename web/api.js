// The file manager's client for the public API: GraphQL over fetch, uploads over
// XMLHttpRequest (the only way to see upload progress). Nothing here touches the page.
'use strict';
window.FileApi = (function () {
  var TOKEN_KEY = 'fileServer.token'; // graphiql-setup.js reads the same key
  var state = { token: sessionStorage.getItem(TOKEN_KEY) };

  var FILE_FIELDS = 'id originalName folder contentType extension size description metadata isPublic status createdAt deletedAt';
  var Q = {
    uploadConfig: 'query UploadConfig { uploadConfig { maxFileSizeBytes allowedExtensions allowedMimeTypes } }',
    files:
      'query Files($filter: FileFilter, $first: Int, $after: String) { files(filter: $filter, first: $first, after: $after) {' +
      ' totalCount pageInfo { hasNextPage endCursor } edges { node { ' + FILE_FIELDS + ' } } } }',
    uploadFile: 'mutation UploadFile($file: Upload!, $input: UploadFileInput) { uploadFile(file: $file, input: $input) { ' + FILE_FIELDS + ' } }',
    requestUpload: 'mutation RequestUpload($input: RequestUploadInput!) { requestUpload(input: $input) { url method headers expiresAt file { id } } }',
    completeUpload: 'mutation CompleteUpload($id: ID!) { completeUpload(id: $id) { ' + FILE_FIELDS + ' } }',
    download: 'query Download($id: ID!) { presignedUrl(id: $id, forceDownload: true) { url } }',
    copyFile: 'mutation CopyFile($id: ID!, $input: CopyFileInput) { copyFile(id: $id, input: $input) { ' + FILE_FIELDS + ' } }',
    updateFile: 'mutation UpdateFile($id: ID!, $input: UpdateFileInput!) { updateFile(id: $id, input: $input) { ' + FILE_FIELDS + ' } }',
    deleteFile: 'mutation DeleteFile($id: ID!, $hardDelete: Boolean) { deleteFile(id: $id, hardDelete: $hardDelete) }',
    restoreFile: 'mutation RestoreFile($id: ID!) { restoreFile(id: $id) { ' + FILE_FIELDS + ' } }',
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

  /** XMLHttpRequest rather than fetch: only it reports upload progress. */
  function send(method, url, headers, body, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      Object.keys(headers).forEach(function (name) {
        // The browser sets Content-Length from the body itself and refuses to be told.
        if (name.toLowerCase() !== 'content-length') xhr.setRequestHeader(name, headers[name]);
      });
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      };
      xhr.onload = function () {
        resolve({ status: xhr.status, text: xhr.responseText });
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
    form.append('operations', JSON.stringify({ query: Q.uploadFile, variables: { file: null, input: details } }));
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

  return {
    ApiError: ApiError,
    queries: Q,
    graphql: graphql,
    graphqlRaw: graphqlRaw,
    uploadThroughServer: uploadThroughServer,
    uploadDirect: uploadDirect,
    token: function () {
      return state.token;
    },
    setToken: setToken,
  };
})();
