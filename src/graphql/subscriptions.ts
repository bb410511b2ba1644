import type { IncomingMessage, Server } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema, specifiedRules, type ValidationRule, validate } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { decodeJwt } from 'jose';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Actor, Authenticator } from '../auth/authenticator';
import { Errors } from '../errors';
import type { EventHub, SubscriberConnection } from '../events/event-hub';
import { requestOrigin } from '../http/request-origin';
import type { Logger } from '../logger';
import type { Context } from './context';
import { sharedSubscribe } from './shared-execution';

/** Longer than any client's message needs to be: a subscription document and its variables. */
const MAX_MESSAGE_BYTES = 256 * 1024;
/** setTimeout's limit (about 24.8 days): a token valid longer ends its connection then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type Connection = Record<PropertyKey, unknown> & {
  socket: WebSocket;
  request: IncomingMessage;
  actor?: Actor;
  /** One per socket: the hub counts a connection's subscriptions by it. */
  connection?: SubscriberConnection;
  expiry?: NodeJS.Timeout;
};

export interface SubscriptionServer {
  /** Closes every connection with 1001 (going away), after the HTTP drain. */
  close(): Promise<void>;
}

/**
 * GraphQL subscriptions with the graphql-ws protocol, on the HTTP server's own
 * port and /graphql path (Apollo Server's documented way). The token comes in
 * the connection's init payload ({ "Authorization": "Bearer <JWT>" }); without a
 * valid one the connection is closed (4403), and it is closed (4401) when the
 * token expires.
 */
export function serveSubscriptions(
  httpServer: Server,
  schema: GraphQLSchema,
  deps: {
    authenticator: Authenticator;
    /** A request's context, as an HTTP request to /graphql gets it, plus `subscribe`. */
    contextFor(actor: Actor, origin: string, subscribe: NonNullable<Context['subscribe']>): Context;
    hub: EventHub;
    formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
    /** The rules HTTP requests are validated with beyond GraphQL's own (depth, aliases: request-limits.ts). */
    validationRules: readonly ValidationRule[];
    log: Logger;
  },
): SubscriptionServer {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_MESSAGE_BYTES });
  const format = (errors: readonly GraphQLError[]) => errors.map((error) => deps.formatError(error.toJSON(), error));

  const server = useServer<Record<string, unknown> | undefined, Connection>(
    {
      schema,
      subscribe: sharedSubscribe(),
      validate: (schema, document) => validate(schema, document, [...specifiedRules, ...deps.validationRules]),
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const raw = params.Authorization ?? params.authorization;
        const header = typeof raw === 'string' ? raw : undefined;
        try {
          const actor = await deps.authenticator.authenticate(header);
          if (!actor) return false;
          ctx.extra.actor = actor;
          const socket = ctx.extra.socket;
          ctx.extra.connection = { close: (code, reason) => socket.close(code, reason) };
          const exp = decodeJwt(header!.trim().replace(/^Bearer\s+/i, '')).exp;
          if (exp !== undefined) {
            const close = () => ctx.extra.socket.close(CloseCode.Unauthorized, 'The token has expired');
            ctx.extra.expiry = setTimeout(close, Math.min(Math.max(exp * 1000 - Date.now(), 0), MAX_TIMER_MS));
          }
          return true;
        } catch (error) {
          deps.log.info({ event: 'subscription_refused', reason: (error as Error).message });
          return false;
        }
      },
      onClose: (ctx) => clearTimeout(ctx.extra.expiry),
      context: (ctx) => {
        const actor = ctx.extra.actor!;
        const connection = ctx.extra.connection!;
        return deps.contextFor(actor, requestOrigin(ctx.extra.request), (request) => {
          if (request.ownerId && request.ownerId !== actor.userId && !actor.isAdmin) throw Errors.forbidden("Only administrators may follow other users' files");
          return deps.hub.subscribe(actor.userId, connection, { ...request, ownerId: request.ownerId ?? (actor.isAdmin ? null : actor.userId) });
        });
      },
      // The codes of HTTP answers (extensions.code), for errors of subscriptions too.
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors as readonly GraphQLError[]) } : undefined),
      onError: (_ctx, _id, _payload, errors) => format(errors),
    },
    wss,
  );

  return {
    async close() {
      for (const socket of wss.clients) socket.close(1001, 'The server is shutting down');
      await server.dispose();
    },
  };
}

/** Apollo would run a subscription sent over HTTP as a query, and fail inside it: it is the client's mistake. */
export function refuseSubscriptionsOverHttp(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError('Subscriptions are served over WebSocket (the graphql-ws protocol) on /graphql', { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
        },
      };
    },
  };
}
