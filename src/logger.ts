import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One JSON line per event. Tokens never reach a log line. Writes are synchronous
 * so that nothing is lost when the process exits right after an event.
 */
export function createLogger(level: string, destination: 1 | 2 | NodeJS.WritableStream = 1): Logger {
  const options = {
    level,
    base: undefined,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'token'], censor: '[redacted]' },
  };
  // A stream of the caller's: a test reading the lines it writes.
  return pino(options, typeof destination === 'number' ? pino.destination({ dest: destination, sync: true }) : destination);
}
