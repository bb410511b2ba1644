import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One JSON line per event. Tokens never reach a log line. Writes are synchronous
 * so that nothing is lost when the process exits right after an event.
 */
export function createLogger(level: string, fd: 1 | 2 = 1): Logger {
  const options = {
    level,
    base: undefined,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'token'], censor: '[redacted]' },
  };
  return pino(options, pino.destination({ dest: fd, sync: true }));
}
