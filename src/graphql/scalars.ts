import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { DateTimeResolver, JSONObjectResolver, SafeIntResolver } from 'graphql-scalars';
import { GraphQLUpload, type FileUpload } from 'graphql-upload-minimal';
import { AppError, Errors } from '../errors';
import { holdsNul, NUL_MESSAGE } from './nul-characters';
export const SafeIntScalar = SafeIntResolver;

/** graphql-scalars' DateTime, named as API.md names it. */
export const DateTimeScalar = new GraphQLScalarType({ ...DateTimeResolver.toConfig(), name: 'DateTime' });

/**
 * A JSON object. A string holding a JSON object is accepted too and parsed, because
 * multipart forms and hand-written scripts often send metadata that way.
 */
export const JSONObjectScalar = new GraphQLScalarType({
  ...JSONObjectResolver.toConfig(),
  name: 'JSONObject',
  description: 'A JSON object; a string holding a JSON object is also accepted and parsed.',
  parseValue: (value: unknown) => withoutNul(JSONObjectResolver.parseValue(parseIfString(value))),
  parseLiteral: (ast: ValueNode, variables) =>
    withoutNul(ast.kind === Kind.STRING ? JSONObjectResolver.parseValue(parseIfString(ast.value)) : JSONObjectResolver.parseLiteral(ast, variables)),
});

/** A string of JSON may spell NUL as an escape, which only parsing reveals (see nul-characters.ts). */
function withoutNul<T>(value: T): T {
  if (holdsNul(value)) throw new GraphQLError(`JSONObject: ${NUL_MESSAGE}`);
  return value;
}

function parseIfString(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new GraphQLError('JSONObject: the string is not valid JSON');
  }
}

/**
 * graphql-upload-minimal's Upload, whose promise rejects when the multipart
 * request itself is broken (a malformed part header, a missing file): that is the
 * client's error, so it becomes one here, at the edge.
 */
export const UploadScalar = new GraphQLScalarType({
  ...GraphQLUpload.toConfig(),
  parseValue: (value: unknown) =>
    (GraphQLUpload.parseValue(value) as Promise<FileUpload>).catch((error: Error & { status?: number }) => {
      if (error.status === 413) throw new AppError('FILE_TOO_LARGE', error.message);
      throw Errors.badInput(`The multipart request is malformed: ${error.message}`);
    }),
});
