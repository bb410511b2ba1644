import type { Request } from 'express';

/**
 * The scheme and host a client used to reach this server, for URLs handed back to
 * it (File.imageUrl). Behind a TLS-terminating proxy the connection is plain
 * HTTP: X-Forwarded-Proto says what the client saw. Both come from the request,
 * and the URL goes back to the same client: nothing here is trusted for access.
 */
export function requestOrigin(req: Request): string {
  const forwarded = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim().toLowerCase();
  const scheme = forwarded === 'https' || forwarded === 'http' ? forwarded : req.protocol;
  return `${scheme}://${req.headers.host ?? 'localhost'}`;
}
