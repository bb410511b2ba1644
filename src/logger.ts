import pino, { type Logger } from 'pino';

export type { Logger };

/** One JSON line per event. Tokens never reach a log line. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'token'], censor: '[redacted]' },
  });
}

/** Presigned URLs carry their signature in the query string: log where they point, never how. */
export function withoutQuery(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? url : url.slice(0, at);
}
