// The file manager: plain JavaScript modules on the public GraphQL API, as any SPA
// would use it. This one starts the page; each feature is a module of its own.
import * as api from './api.js';
import { wireDialogs } from './dialogs.js';
import { $ } from './dom.js';
import { wireFileActions } from './file-actions.js';
import { wireFileEdit } from './file-edit.js';
import { wireFolders } from './folders.js';
import { loadUploadConfig, loadUsage } from './limits.js';
import { loadFiles, showChange, showMissedChanges, wireList } from './list.js';
import { startLive } from './live.js';
import { showPausedUploads } from './resumable.js';
import { wireSelection } from './selection.js';
import { describeToken, showTokenPanel, signOut, tokenHint } from './session.js';
import { wireSort } from './sort.js';
import { wireTrash } from './trash.js';
import { wireUploads } from './upload.js';

/** Signed in: the page for the token in use. */
function start() {
  $('token-panel').hidden = true;
  $('app').hidden = false;
  $('who').textContent = describeToken(api.token());
  $('who').hidden = false;
  $('sign-out').hidden = false;
  loadUploadConfig();
  loadUsage();
  loadFiles(false);
  showPausedUploads();
  startLive({ change: showChange, missed: showMissedChanges });
}

function wire() {
  $('graphiql-link').hidden = document.body.dataset.graphiql !== 'true';
  tokenHint();

  $('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var token = $('token-input').value.trim().replace(/^Bearer\s+/i, '');
    if (!token) return;
    api.setToken(token);
    start();
  });
  $('sign-out').addEventListener('click', function () {
    signOut();
  });

  wireUploads();
  wireList();
  wireFolders();
  wireSort();
  wireSelection();
  wireTrash();
  wireFileActions();
  wireFileEdit();
  wireDialogs();

  if (api.token()) start();
  else showTokenPanel();
}

wire();
