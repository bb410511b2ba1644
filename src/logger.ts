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

