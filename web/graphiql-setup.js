// Starts GraphiQL (UMD globals React, ReactDOM and GraphiQL, all served by this server).
'use strict';
(function () {
  // The file manager at / keeps its token under this key: one sign-in serves both pages in a tab.
  var token = sessionStorage.getItem('fileServer.token');
  var headers = token ? JSON.stringify({ Authorization: 'Bearer ' + token }, null, 2) : '{}';

  var defaultQuery = [
    '# Queries need a token: set it under Headers,',
    '#   { "Authorization": "Bearer <token>" }',
    '# `npm run token -- <user>` prints one; signing',
    '# in on the file manager (/) fills it in here.',
    '',
    'query MyFiles {',
    '  uploadConfig {',
    '    maxFileSizeBytes',
    '    allowedExtensions',
    '  }',
    '  files(first: 10) {',
    '    totalCount',
    '    edges {',
    '      node { id originalName size createdAt }',
    '    }',
    '    pageInfo { hasNextPage endCursor }',
    '  }',
    '}',
    '',
  ].join('\n');

  var fetcher = GraphiQL.createFetcher({ url: location.origin + '/graphql' });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultHeaders: headers,
      // Opens the Headers tab: that is where the Authorization header goes.
      defaultEditorToolsVisibility: 'headers',
      // Headers hold the token: keep them out of localStorage.
      shouldPersistHeaders: false,
    }),
  );
})();
