import type { Response } from 'express';
import { isAppError } from '../errors';
import type { Logger } from '../logger';

/** The download route's one error handler: an AppError's status and code, anything else a bare 500. */
export function sendError(res: Response, error: unknown, log: Logger): void {
  if (res.headersSent) {
    // The body was under way: all that is left is to cut the connection, so the client sees it short.
    res.destroy(error instanceof Error ? error : undefined);
    return;
  }
  if (isAppError(error)) {
    res.status(error.httpStatus).json({ error: { code: error.code, message: error.message } });
    return;
  }
  log.error({ event: 'internal_error', err: error });
  res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } });
}
