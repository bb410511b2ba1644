import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isAppError } from '../errors';
import type { Logger } from '../logger';
import { actorOf } from './authenticate';
import { sendError, writeError } from './send-error';
import { uploadParserError } from './upload-parser-errors';

/**
 * Multipart requests are the one kind a browser may send cross-site without a
 * preflight: demand a non-simple header before reading a single file byte.
 * (Apollo's own CSRF check runs too, but only after the upload is parsed.)
 */
const requirePreflightForMultipart: RequestHandler = (req, res, next) => {
  const multipart = (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/');
  if (multipart && !req.headers['apollo-require-preflight'] && !req.headers['x-apollo-operation-name']) {
    req.resume();
    return writeError(res, 400, 'BAD_USER_INPUT', 'Multipart requests must carry an Apollo-Require-Preflight header (CSRF protection)');
  }
  next();
};

/** Files arrive only in mutations, and every mutation needs a user: refuse before reading them. */
const requireUserForMultipart: RequestHandler = (req, res, next) => {
  const multipart = (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/');
  if (multipart && !actorOf(res.locals)) {
    req.resume();
    return writeError(res, 401, 'UNAUTHENTICATED', 'A valid bearer token is required to upload');
  }
  next();
};

export function graphqlRequestGuards(): RequestHandler[] {
  return [requirePreflightForMultipart, requireUserForMultipart];
}

/**
 * A JSON body that declares more than the limit is refused at once: body-parser
 * would otherwise read (and discard) all the declared bytes before saying so.
 */
export function refuseDeclaredOversize(maxBytes: number): RequestHandler {
  return (req, res, next) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const multipart = (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/');
    if (multipart || declared <= maxBytes) return next();
    res.setHeader('Connection', 'close');
    writeError(res, 413, 'BAD_USER_INPUT', `The request body is larger than ${maxBytes} bytes`);
  };
}

/** A batch (an array of operations, JSON or multipart) of at most `max` operations, checked once the body is parsed. */
export function limitBatch(max: number): RequestHandler {
  return (req, res, next) => {
    if (Array.isArray(req.body) && req.body.length > max) {
      return writeError(res, 400, 'BAD_USER_INPUT', `A batch may hold at most ${max} operations; this one has ${req.body.length}`);
    }
    next();
  };
}

/** Errors from the body parsers (a JSON body too large, a broken multipart request) in GraphQL's shape. */
export const graphqlBodyErrors: ErrorRequestHandler = (error, req, res, next) => {
  if (res.headersSent) return next(error);
  req.resume();
  if (isAppError(error)) return writeError(res, error.httpStatus, error.code, error.message);
  const status = Number((error as { status?: number }).status) || 400;
  // graphql-upload-minimal calls a multipart body with neither operations nor map a 500; it is the client's.
  if (status >= 500 && !/couldn't find any files or JSON/.test((error as Error).message)) return next(error);
  const refusal = uploadParserError(error as Error);
  // 413 stays 413 (a field or a file too large), whichever code it carries.
  writeError(res, status === 413 ? 413 : refusal.httpStatus, refusal.code, refusal.message);
};

/** The last handler: whatever reaches it is answered as JSON, never Express's HTML page with a stack. */
export function lastErrorHandler(log: Logger): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (res.headersSent) return next(error);
    sendError(res, error, log);
  };
}
