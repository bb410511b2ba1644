import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { DateTimeResolver, JSONObjectResolver, SafeIntResolver } from 'graphql-scalars';

export { GraphQLUpload as UploadScalar } from 'graphql-upload-minimal';
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
  parseValue: (value: unknown) => JSONObjectResolver.parseValue(parseIfString(value)),
  parseLiteral: (ast: ValueNode, variables) =>
    ast.kind === Kind.STRING ? JSONObjectResolver.parseValue(parseIfString(ast.value)) : JSONObjectResolver.parseLiteral(ast, variables),
});

function parseIfString(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new GraphQLError('JSONObject: the string is not valid JSON');
  }
}
