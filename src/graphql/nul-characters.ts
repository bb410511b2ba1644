import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, visit, type DocumentNode } from 'graphql';

/**
 * PostgreSQL's text cannot hold U+0000: a NUL sent in a search, a description or a
 * metadata value would come back from the database as a protocol error, which
 * reads like an outage. It is the client's mistake, so it is refused here, before
 * any resolver: in the document's string literals and anywhere in the variables.
 * (JSONObject values given as a string of JSON are checked by the scalar, once
 * parsed; tokens by the authenticator.)
 */
export function refuseNulCharacters(): ApolloServerPlugin {
  const documents = new WeakMap<DocumentNode, boolean>(); // Apollo reuses a parsed document for the same text
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          let inDocument = documents.get(document);
          if (inDocument === undefined) {
            inDocument = literalsHoldNul(document);
            documents.set(document, inDocument);
          }
          if (inDocument || holdsNul(request.variables)) {
            throw new GraphQLError(NUL_MESSAGE, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
          }
        },
      };
    },
  };
}

export const NUL_MESSAGE = 'Text may not contain NUL characters (U+0000)';

/** Any string in value, keys included, holding U+0000. Iterative: nesting as deep as a JSON body allows must not overflow the stack. */
export function holdsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (next.includes('\0')) return true;
    } else if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
    } else if (isPlainObject(next)) {
      for (const [key, inner] of Object.entries(next)) {
        if (key.includes('\0')) return true;
        pending.push(inner);
      }
    }
  }
  return false;
}

/** Plain JSON only: an Upload in the variables is graphql-upload's object, not text. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function literalsHoldNul(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes('\0')) found = true;
    },
  });
  return found;
}
