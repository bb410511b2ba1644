import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * The scheme and host a client used to reach this server, for URLs handed back to
 * it (File.imageUrl). Behind a TLS-terminating proxy the connection is plain
 * HTTP: X-Forwarded-Proto says what the client saw. Both come from the request,
 * and the URL goes back to the same client: nothing here is trusted for access.
 */
export function requestOrigin(req: IncomingMessage & { protocol?: string }): string {
  const forwarded = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim().toLowerCase();
  // Express's req.protocol; a WebSocket upgrade is a bare IncomingMessage.
  const own = req.protocol ?? ((req.socket as TLSSocket).encrypted ? 'https' : 'http');
  const scheme = forwarded === 'https' || forwarded === 'http' ? forwarded : own;
  return `${scheme}://${req.headers.host ?? 'localhost'}`;
}
