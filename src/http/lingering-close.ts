import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How long the rest of a refused body is read after the answer; clients that read answers while sending have stopped by then. */
const LINGER_MS = 10_000;

/**
 * Answers given before the request's body was read (a refusal: a guard, a
 * limit, a GraphQL error whose file was never consumed) must still reach the
 * client. Closing at once would reset the connection while the client is still
 * sending, and a reset can destroy the answer before the client reads it (seen
 * as ECONNRESET instead of BAD_USER_INPUT). So, whoever refused:
 *
 * - the answer says `Connection: close`: the connection is not reused, since what
 *   is left of the body would otherwise be read as the next request;
 * - once it is written, the server half-closes (its FIN ends the answer), reads
 *   and discards the rest of the body, then closes: at the body's end, after
 *   `maxBytes` more bytes, or after LINGER_MS, whichever comes first
 *   (RFC 9112, 9.6, "lingering close").
 */
export function lingeringClose(server: Server, bounds: { maxBytes: number }): void {
  // First of the 'request' listeners: the app may answer synchronously.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!hasBody(req)) return;
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      if (!req.complete) {
        this.setHeader('Connection', 'close');
        lingerOnClose(req, req.socket, bounds.maxBytes);
      }
      return (writeHead as (...args: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];
  });
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * Node ends a `Connection: close` answer with socket.destroySoon(), which
 * destroys the socket as soon as the answer is flushed, unread bytes or not:
 * for this socket, it lingers instead.
 */
function lingerOnClose(req: IncomingMessage, socket: Socket, maxBytes: number): void {
  const destroySoon = socket.destroySoon.bind(socket);
  socket.destroySoon = () => {
    if (req.complete) return destroySoon(); // the body arrived meanwhile: nothing left to read
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once('close', () => clearTimeout(timer));
    let read = 0;
    // Whoever was reading the body (the multipart parser, waiting on a file nobody reads) lets go of it.
    req.unpipe();
    req.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read > maxBytes) socket.destroy();
    });
    req.once('end', () => socket.destroy());
    req.resume();
  };
}
