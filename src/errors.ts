/**
 * The error codes of API.md, each with the HTTP status it answers with where a
 * route speaks plain HTTP. Codes are for programs, messages for people; this
 * table is the one list of them.
 */
const HTTP_STATUS = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  FILE_TOO_LARGE: 413,
  UNSUPPORTED_FILE_TYPE: 415,
  CONFLICT: 409,
  STORAGE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
  MALWARE_DETECTED: 403,
  FILE_NOT_READY: 409,
  // Like FILE_TOO_LARGE, a size refused; the quota is the owner's, not the file's.
  QUOTA_EXCEEDED: 413,
} as const;

export type ErrorCode = keyof typeof HTTP_STATUS;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(HTTP_STATUS, code);
}

/**
 * The one error type services throw. The GraphQL formatError and the HTTP error
 * writer turn it into extensions.code / an HTTP status; anything that is not an
 * AppError becomes INTERNAL_SERVER_ERROR with no internals.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

/** Named factories, so the same situation always reads the same way. */
export const Errors = {
  unauthenticated: (message = 'A valid bearer token is required') => new AppError('UNAUTHENTICATED', message),
  forbidden: (message = 'Not allowed') => new AppError('FORBIDDEN', message),
  fileNotFound: () => new AppError('NOT_FOUND', 'File not found'),
  notFound: (message: string) => new AppError('NOT_FOUND', message),
  badInput: (message: string) => new AppError('BAD_USER_INPUT', message),
  tooLarge: (limitBytes: number) => new AppError('FILE_TOO_LARGE', `File exceeds the maximum size of ${limitBytes} bytes`),
  unsupportedType: (message: string) => new AppError('UNSUPPORTED_FILE_TYPE', message),
  conflict: (message: string) => new AppError('CONFLICT', message),
  storageUnavailable: (cause: unknown) =>
    new AppError('STORAGE_UNAVAILABLE', 'File storage is unavailable, try again later', { cause }),
  malwareDetected: (signature: string) => new AppError('MALWARE_DETECTED', `The file contains malware (${signature})`),
  fileNotReady: () => new AppError('FILE_NOT_READY', 'The file is still being processed; try again shortly'),
  quotaExceeded: (what: string) => new AppError('QUOTA_EXCEEDED', `The storage quota is exceeded: ${what}`),
  // The same code (a backing service is down, try again), but an operator reading it must know which one.
  databaseUnavailable: (cause: unknown) =>
    new AppError('STORAGE_UNAVAILABLE', 'The file database is unavailable, try again later', { cause }),
};

/**
 * The object under a file's key is not the one the file was made of (its ETag is
 * not the one recorded): replaced in storage behind the server's back. Its bytes
 * are never served as the file's; storage logs it (integrity_mismatch).
 */
export class ObjectReplacedError extends AppError {
  constructor() {
    super('INTERNAL_SERVER_ERROR', "The file's stored object was changed outside this server: it is not served");
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** A client's error that must not be mistaken for a backing service's outage. */
export function isRefusal(error: unknown): error is AppError {
  return isAppError(error) && error.code !== 'STORAGE_UNAVAILABLE' && error.code !== 'INTERNAL_SERVER_ERROR';
}
