import { AppError } from '../errors';

/**
 * graphql-upload-minimal's errors (HTTP errors with a status), as AppErrors. Only
 * a file's own bytes past the limit are FILE_TOO_LARGE; an oversized field
 * (operations, map), too many files or a broken body are the client's bad input.
 */
export function uploadParserError(error: Error & { status?: number }): AppError {
  if (/^File truncated as it exceeds/.test(error.message)) return new AppError('FILE_TOO_LARGE', error.message, { cause: error });
  return new AppError('BAD_USER_INPUT', error.message, { cause: error });
}
