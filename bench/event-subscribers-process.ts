import { openSocket, type OpenSocket, type Subscription } from './graphql-ws-socket';

/**
 * The subscribers of the events bench, in a process of their own: a thousand
 * sockets and their messages on the bench's event loop would delay the requests
 * it times, and apart their CPU time can be read from /proc. Driven over the IPC
 * channel by bench/event-subscribers.ts; times are epoch milliseconds
 * (performance.timeOrigin + performance.now()), comparable with the parent's.
 */
export type SubscribersRequest =
  | { type: 'open'; url: string; connections: { token: string; subscriptions: Subscription[] }[]; concurrency: number }
  /** Counts from zero, and notes when each subscription has `each` events (those whose text contains `contains`, or any). */
  | { type: 'expect'; each: number; contains?: string }
  | { type: 'wait'; timeoutMs: number }
  | { type: 'close' };

export interface Arrivals {
  /** Per subscription, when it received its `each`-th event; NaN when it did not within the time. */
  reachedAt: number[];
  /** Every `next` since `expect`, of any kind. */
  received: number;
  firstAt: number;
  failures: number;
  firstFailures: string[];
}

const now = () => performance.timeOrigin + performance.now();

let sockets: OpenSocket[] = [];
let counts = new Int32Array(0);
let reachedAt = new Float64Array(0);
let target = { each: Infinity, contains: undefined as string | undefined };
let received = 0;
let firstAt = NaN;
let reached = 0;
let failures = 0;
const firstFailures: string[] = [];

function arrived(subscription: number, text: string): void {
  const at = now();
  received++;
  if (Number.isNaN(firstAt)) firstAt = at;
  // E.g. '"type":"CREATED"': within a string value (a description) the quotes would be escaped.
  if (target.contains && !text.includes(target.contains)) return;
  if (++counts[subscription] === target.each) {
    reachedAt[subscription] = at;
    reached++;
  }
}

function failed(reason: string): void {
  failures++;
  if (firstFailures.length < 5) firstFailures.push(reason);
}

async function open(request: Extract<SubscribersRequest, { type: 'open' }>): Promise<{ subscriptions: number }> {
  if (sockets.length) throw new Error('the subscribers are open already: close them first');
  let base = 0;
  const bases = request.connections.map((connection) => {
    const first = base;
    base += connection.subscriptions.length;
    return first;
  });
  counts = new Int32Array(base);
  reachedAt = new Float64Array(base).fill(NaN);
  let next = 0;
  const opener = async () => {
    while (next < request.connections.length) {
      const index = next++;
      const { token, subscriptions } = request.connections[index];
      sockets.push(await openSocket(request.url, token, subscriptions, { next: (id, text) => arrived(bases[index] + id, text), failed }));
    }
  };
  await Promise.all(Array.from({ length: request.concurrency }, opener));
  return { subscriptions: base };
}

async function handle(request: SubscribersRequest): Promise<unknown> {
  switch (request.type) {
    case 'open':
      return open(request);
    case 'expect':
      counts.fill(0);
      reachedAt.fill(NaN);
      target = { each: request.each, contains: request.contains };
      received = 0;
      firstAt = NaN;
      reached = 0;
      return {};
    case 'wait': {
      const deadline = now() + request.timeoutMs;
      while (reached < counts.length && now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      const arrivals: Arrivals = { reachedAt: [...reachedAt], received, firstAt, failures, firstFailures };
      return arrivals;
    }
    case 'close': {
      const closing = sockets;
      sockets = [];
      await Promise.all(closing.map((socket) => socket.close()));
      counts = new Int32Array(0);
      reachedAt = new Float64Array(0);
      return {};
    }
  }
}

process.on('message', (message: { id: number; request: SubscribersRequest }) => {
  handle(message.request).then(
    (result) => process.send!({ id: message.id, result }),
    (error: Error) => process.send!({ id: message.id, error: error.stack ?? error.message }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ id: 0, result: 'ready' });
