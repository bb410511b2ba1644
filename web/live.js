// Live updates (issue 16): the fileEvents subscription over a WebSocket on
// /graphql (graphql-ws, the server's own protocol), a small indicator of its
// state in the top bar, and reconnection with backoff when the connection drops.
// What a change does to the page is the caller's business (list.js).
import { createClient } from '/web/vendor/graphql-ws/client.js';
import * as api from './api.js';
import { $ } from './dom.js';

// What the list needs to know whether a change concerns it; it fetches the rest itself.
var EVENTS = 'subscription FileEvents { fileEvents { id type previousFolder file { id folder status } } }';

var RETRY_FIRST_MS = 1000;
var RETRY_MAX_MS = 30000;
/** A ping every so often; a pong slower than PONG_TIMEOUT_MS means the connection is dead, though nothing closed it (sleep, a network change). */
var KEEP_ALIVE_MS = 30000;
var PONG_TIMEOUT_MS = 10000;

/** Close codes after which trying again cannot help (src/graphql/subscriptions.ts). */
var REFUSALS = { 4401: 'the token has expired', 4403: 'the server refused the token' };
/**
 * The server's close for a client that fell behind (src/events/event-hub.ts). The
 * library retries it itself; should it ever give up on it, the page starts a new
 * connection, and fetches the list again since events were lost.
 */
var FELL_BEHIND = 1013;

var current = null; // the connection for the token in use: { client, unsubscribe }

/**
 * Follows the signed-in user's file events until stopLive(). handlers.change(event)
 * for each event; handlers.missed() after a reconnection, since what changed while
 * the connection was down was not reported.
 */
export function startLive(handlers) {
  connect(handlers, false);
}

/** `resumed`: this connection follows one that was cut off, so what happened in between was missed. */
function connect(handlers, resumed) {
  stopLive();
  var connection = {};
  var mine = function () {
    return current === connection;
  };
  var connectedBefore = resumed;
  var pongTimer = null;

  var client = createClient({
    url: (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql',
    // Read at each (re)connection: the token is the one in use then.
    connectionParams: function () {
      return { Authorization: 'Bearer ' + api.token() };
    },
    keepAlive: KEEP_ALIVE_MS,
    retryAttempts: Infinity,
    // The library already gives up on its own fatal codes (4401 among them); 4403 it would retry.
    // Anything else, a close or a network error, is worth another try.
    shouldRetry: function (problem) {
      return !(problem && REFUSALS[problem.code]);
    },
    retryWait: function (retries) {
      var delay = retryDelay(retries);
      if (mine()) showRetrying(delay);
      return new Promise(function (resolve) {
        setTimeout(resolve, delay);
      });
    },
    on: {
      connected: function () {
        if (!mine()) return;
        show('live', 'Live', 'Changes made elsewhere (another tab, another device) show here as they happen.');
        if (connectedBefore) handlers.missed();
        connectedBefore = true;
      },
      closed: function (event) {
        clearTimeout(pongTimer);
        if (!mine()) return;
        if (event && REFUSALS[event.code]) stopped(REFUSALS[event.code]);
        else showRetrying();
      },
      ping: function (received) {
        if (received) return; // the server's: the library answers it
        clearTimeout(pongTimer);
        pongTimer = setTimeout(function () {
          client.terminate(); // a "closed" with 4499, which is retried
        }, PONG_TIMEOUT_MS);
      },
      pong: function (received) {
        if (received) clearTimeout(pongTimer);
      },
    },
  });

  var unsubscribe = client.subscribe(
    { query: EVENTS },
    {
      next: function (result) {
        if (!mine()) return;
        // An event the server could not resolve is still a change: what it was, a fetch will tell.
        if (result.data && result.data.fileEvents) handlers.change(result.data.fileEvents);
        else handlers.missed();
      },
      error: function (problem) {
        if (!mine()) return;
        if (!problem || problem.code !== FELL_BEHIND) return stopped(reasonOf(problem));
        // The first delay only: a client cut off for being slow needs its list again more than it needs to wait.
        var delay = retryDelay(0);
        showRetrying(delay);
        connection.restart = setTimeout(function () {
          if (mine()) connect(handlers, true);
        }, delay);
      },
      complete: function () {
        if (mine()) stopped('the server ended them');
      },
    },
  );
  connection.client = client;
  connection.unsubscribe = unsubscribe;
  current = connection;
  show('connecting', 'Connecting…', 'Connecting for live updates.');
}

/** Signing out, or another token: the connection ends and the indicator goes. */
export function stopLive() {
  var connection = current;
  current = null;
  $('live').hidden = true;
  if (!connection) return;
  clearTimeout(connection.restart);
  connection.unsubscribe();
  connection.client.dispose().catch(function () {
    // It rejects with the connection's own failure when it never opened: that is shown already, or no longer matters.
  });
}

function stopped(reason) {
  show('stopped', 'Live updates stopped: ' + reason, 'Reload the page (or sign in again) to start them again.');
  var connection = current;
  current = null;
  connection.unsubscribe();
  connection.client.dispose().catch(function () {
    // As in stopLive: the failure is the one just shown.
  });
}

/** Exponential, with jitter so that the tabs a server restart cut off do not all come back at once. */
function retryDelay(retries) {
  return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * Math.pow(2, retries)) * (0.5 + Math.random() / 2);
}

function showRetrying(delay) {
  show('retrying', delay ? 'Reconnecting in ' + Math.ceil(delay / 1000) + ' s…' : 'Reconnecting…', 'The connection for live updates dropped: trying again.');
}

/** What the library hands the sink's error: a close event, the server's GraphQL errors, or an Error. */
function reasonOf(problem) {
  if (problem && REFUSALS[problem.code]) return REFUSALS[problem.code];
  if (Array.isArray(problem) && problem.length) return problem[0].message;
  if (problem && typeof problem.code === 'number') return problem.reason || 'the connection closed (' + problem.code + ')';
  if (problem instanceof Error) return problem.message;
  return 'the connection failed';
}

function show(state, text, title) {
  var indicator = $('live');
  indicator.dataset.state = state;
  indicator.textContent = text;
  indicator.title = title;
  indicator.hidden = false;
}
