import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Context } from './context';

/** Results kept for events being fanned out: the most recent, a few per subscription shape. */
const REMEMBERED = 2000;

type Result = ExecutionResult | Promise<ExecutionResult>;

/**
 * graphql-js executes a subscription's selection once per subscriber and event.
 * A thousand subscriptions asking the same document of the same event would
 * compute the same answer a thousand times; here it is computed once per event,
 * document, variables and view (who sees it, from which origin: all that a
 * File's fields depend on), and the same result is handed to each.
 */
export function sharedSubscribe(): (args: ExecutionArgs) => Promise<AsyncIterable<ExecutionResult> | ExecutionResult> {
  const results = new Map<string, Result>();
  const remember = (key: string, result: Result) => {
    // The oldest first: a Map iterates in insertion order.
    if (results.size >= REMEMBERED) results.delete(results.keys().next().value!);
    results.set(key, result);
  };
  return async (args) => {
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in stream)) return stream;
    const shape = `${args.document.loc?.source.body}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}\u0000${viewOf(args.contextValue as Context)}`;
    return mapEvents(stream[Symbol.asyncIterator](), (event) => {
      const key = `${(event as { seq: number }).seq}\u0000${shape}`;
      let result = results.get(key);
      if (!result) {
        result = execute({ ...args, rootValue: event });
        remember(key, result);
      }
      return result;
    });
  };
}

/**
 * What a File's fields depend on besides the file: a subscriber sees only its own
 * files' events (administrators: anyone's), and URLs name the request's origin.
 */
function viewOf(context: Context): string {
  return `${context.actor?.isAdmin ? 'admin' : `user:${context.actor?.userId}`}\u0000${context.origin}`;
}

/** Each event mapped; ending the mapped iterator ends the source at once (it may be waiting for an event). */
function mapEvents<T, U>(source: AsyncIterator<T>, map: (value: T) => U | Promise<U>): AsyncIterableIterator<U> {
  return {
    async next() {
      const step = await source.next();
      return step.done ? { value: undefined, done: true } : { value: await map(step.value), done: false };
    },
    return: async () => {
      await source.return?.();
      return { value: undefined, done: true };
    },
    throw: async (error?: unknown) => {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
