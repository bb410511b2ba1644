import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config';

/** How often Node looks for requests past headersTimeout (its default, 30 s, would stretch a 15 s bound to 45). */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1000;

/**
 * Bounds for clients that hold a connection without using it. With Node's
 * defaults a silent connection stays open for 90 s and more, and one that sends
 * its headers a byte at a time is cut only after 60-90 s.
 *
 * - headers: the whole request head within `headersTimeoutSeconds` (Node answers
 *   408 and closes);
 * - idle: a connection on which the client sends nothing, or does not read its
 *   answer, for `idleTimeoutSeconds` is closed. Every byte restarts the clock, so
 *   a slow upload whose body keeps flowing, or a slow download the client keeps
 *   reading, is never cut; nor is a request on which the server, not the client,
 *   is the one keeping quiet (waitingForClient);
 * - between requests: `keepAliveTimeoutSeconds`, as Node's keepAliveTimeout;
 * - no bound on a request's total time (requestTimeout 0): a large upload on a
 *   slow link may take hours, and idleness already catches a client that stops.
 */
export function applyServerTimeouts(server: Server, timeouts: Config['http']): void {
  server.headersTimeout = timeouts.headersTimeoutSeconds * 1000;
  server.requestTimeout = 0;
  server.keepAliveTimeout = timeouts.keepAliveTimeoutSeconds * 1000;
  // Read when the server starts listening; typed only as a createServer option.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = CONNECTIONS_CHECKING_INTERVAL_MS;
  server.timeout = timeouts.idleTimeoutSeconds * 1000;

  const current = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    current.set(req.socket, { req, res });
    res.once('close', () => {
      if (current.get(req.socket)?.res === res) current.delete(req.socket);
    });
  });
  // With a listener here Node no longer destroys a timed-out socket itself: this decides.
  server.on('timeout', (socket: Socket) => {
    const exchange = current.get(socket);
    if (!exchange || waitingForClient(exchange.req, exchange.res)) socket.destroy();
  });
}

/**
 * Whose silence it is. The client's: a body the server is reading does not come,
 * or an answer the server is writing is not read. The server's: it has stopped
 * reading the body (storage is slow to take the bytes before them) or has it all
 * and is working (a storage write, a processing wait); those have bounds of
 * their own (S3_TIMEOUT_SECONDS, PROCESSING_WAIT_SECONDS).
 */
function waitingForClient(req: IncomingMessage, res: ServerResponse): boolean {
  if (!req.complete) return req.readableFlowing === true;
  return res.writableNeedDrain;
}
