import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { type DocumentNode, execute, type ExecutionResult, GraphQLError, type GraphQLSchema, printSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/** Distinct operations kept compiled, and seen once; an SPA sends a few dozen, so these are only bounds. */
const MAX_COMPILED = 1000;
const MAX_SEEN_ONCE = 10_000;

/**
 * Executes operations compiled by graphql-jit instead of interpreted by
 * graphql-js: a `files(first: 50)` page resolves some 500 fields, and the
 * interpreter walks the document and allocates per field what a compiled
 * function knows in advance (BENCHMARKS.md, "list CPU"). Apollo still parses,
 * validates (our rules included) and caches documents, runs its plugins and
 * formats errors; only the execution step is replaced, through Apollo's executor
 * hook (the gateway interface, whose schema here is simply ours). Subscriptions
 * are executed by graphql-ws, not here.
 *
 * An operation is compiled the second time it is seen, and interpreted by
 * graphql-js the first: compiling a 500-field document costs about 10 ms, twice
 * its validation, and a client sending a new document every time must not make
 * the server pay that for nothing.
 */
export function compiledExecution(schema: GraphQLSchema): GatewayInterface {
  const compiled = new Map<string, CompiledQuery>();
  const seenOnce = new Set<string>();

  const compile = (key: string, document: DocumentNode, operationName: string | undefined): CompiledQuery | ExecutionResult => {
    const result = compileQuery(schema, document, operationName);
    if (!isCompiledQuery(result)) return result; // the document's own errors, answered as graphql-js would
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!); // the oldest
    compiled.set(key, result);
    return result;
  };

  const executor: GatewayExecutor = async ({ document, operationName, queryHash, request, context }) => {
    // Apollo's hash is of the query text; one text may hold several named operations.
    const key = `${queryHash}:${operationName ?? ''}`;
    if (!compiled.has(key) && !seenOnce.delete(key)) {
      if (seenOnce.size >= MAX_SEEN_ONCE) seenOnce.delete(seenOnce.values().next().value!);
      seenOnce.add(key);
      return execute({ schema, document, operationName, variableValues: request.variables, contextValue: context });
    }
    const query = compiled.get(key) ?? compile(key, document, operationName ?? undefined);
    const result = isCompiledQuery(query) ? await query.query(undefined, context, request.variables ?? {}) : query;
    if (!result.errors) return result;
    // No `data` at all: refused before execution (a variable's value), the request's fault, as with graphql-js.
    const refused = !('data' in result);
    return { ...result, errors: result.errors.map((error) => asGraphQLError(error, refused)) };
  };

  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    load: async () => ({ executor }),
    stop: async () => undefined,
  };
}

/**
 * graphql-jit's errors are GraphQLErrors by prototype only: their `extensions` may
 * be undefined, where Apollo and formatError read `extensions.code`. The same
 * error as graphql-js makes it: path, what the resolver threw, locations; and a
 * variable refused is BAD_USER_INPUT, which Apollo recognises in graphql-js's errors.
 */
function asGraphQLError(error: GraphQLError, refused: boolean): GraphQLError {
  const extensions = refused ? { ...error.extensions, code: 'BAD_USER_INPUT' } : error.extensions;
  const made = new GraphQLError(error.message, { path: error.path, originalError: error.originalError, extensions });
  return Object.assign(made, { locations: error.locations });
}
