import type { Response } from 'express';
import { AppError, type ErrorCode, isAppError } from '../errors';
import type { Logger } from '../logger';

const RETRY_PROCESSING_SECONDS = 2;

/**
 * The one JSON shape of an error answered over plain HTTP (the download route,
 * the request guards, the draining answer, the last-resort handler): GraphQL's,
 * so that a client reads every error of this server the same way.
 */
export function sendError(res: Response, error: unknown, log: Logger): void {
  if (res.headersSent) {
    // The body was under way: all that is left is to cut the connection, so the client sees it short.
    res.destroy(error instanceof Error ? error : undefined);
    return;
  }
  if (!isAppError(error)) log.error({ event: 'internal_error', err: error });
  const known = isAppError(error) ? error : new AppError('INTERNAL_SERVER_ERROR', 'Internal server error');
  // A pass takes seconds: say when asking again is worth it.
  if (known.code === 'FILE_NOT_READY') res.setHeader('Retry-After', String(RETRY_PROCESSING_SECONDS));
  writeError(res, known.httpStatus, known.code, known.message);
}

/** An answer of the server's own making, with a status the code alone does not give (413 for a body, 503 while draining). */
export function writeError(res: Response, status: number, code: ErrorCode, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}
