import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import { isAppError, isErrorCode } from '../errors';
import type { Logger } from '../logger';

// Apollo's own codes for requests that never reached a resolver; API.md knows them as bad input.
const REQUEST_ERRORS = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_SUPPORTED', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE']);

/**
 * The one place where errors become GraphQL answers: an AppError keeps its code
 * and message; anything unexpected becomes INTERNAL_SERVER_ERROR, with no stack,
 * SQL or SDK detail, and is logged in full instead.
 */
export function createFormatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
    if (isAppError(original)) {
      if (original.code === 'STORAGE_UNAVAILABLE') log.warn({ event: 'storage_unavailable', reason: original.message, err: original.cause });
      return { ...base, message: original.message, extensions: { code: original.code } };
    }
    if (original instanceof ArgumentValidationError) {
      const problems = original.extensions.validationErrors as { property: string; constraints?: Record<string, string> }[];
      const detail = problems.flatMap((problem) => Object.values(problem.constraints ?? {})).join('; ');
      return { ...base, message: `Invalid input: ${detail}`, extensions: { code: 'BAD_USER_INPUT' } };
    }
    const code = String(formatted.extensions?.code ?? '');
    if (REQUEST_ERRORS.has(code) || isAboutTheRequest(error)) return { ...base, extensions: { code: 'BAD_USER_INPUT' } };
    if (isErrorCode(code) && code !== 'INTERNAL_SERVER_ERROR') return { ...base, extensions: { code } };
    log.error({ event: 'internal_error', err: original });
    return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/**
 * GraphQL's and Apollo's own refusals that carry no code (Apollo calls them
 * INTERNAL_SERVER_ERROR before they reach us): an operation type the
 * schema lacks ("subscription"), a persisted query whose hash does not match its
 * text or whose version is unknown. They are made by graphql-js or Apollo about
 * the request itself, so they wrap nothing and name no field; whatever a resolver
 * throws reaches here with a path and the thrown error inside.
 */
function isAboutTheRequest(error: unknown): boolean {
  return error instanceof GraphQLError && error.extensions.code === undefined && error.originalError === undefined && error.path === undefined;
}
