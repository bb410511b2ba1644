import { Errors } from '../errors';
import type { Metrics } from '../metrics';
import { type EventFilter, type FileEvent, matches } from './file-event';

export interface SubscriptionLimits {
  /** Subscriptions one connection may hold at once. */
  perConnection: number;
  /** Subscriptions one user may hold at once on this instance, over all their connections. */
  perUser: number;
  /** Events waiting for a slow client before its connection is closed. */
  bufferedEvents: number;
}

/** The connection a subscription lives on: closed when its client cannot keep up. */
export interface SubscriberConnection {
  close(code: number, reason: string): void;
}

/**
 * RFC 6455's "try again later": graphql-ws keeps the 44xx codes for its own
 * (4429 is its "too many initialisation requests") and treats most 10xx codes as
 * fatal, but reconnects after this one, as a client that fell behind should
 * (then re-reads its list).
 */
export const SLOW_CONSUMER_CLOSE = 1013;
/** A burst (one transaction's events) may fill the buffer at once: a client is only slow if it has not drained it meanwhile. */
const STALL_MS = 2000;
/** However fast the client, no more than this many buffers' worth wait in memory for it. */
const HARD_LIMIT_FACTOR = 10;

interface Subscriber {
  userId: string;
  connection: SubscriberConnection;
  filter: EventFilter;
  push(event: FileEvent): void;
}

/**
 * This instance's subscriptions, and the events of every instance handed to
 * them. Each subscription has a bounded queue: a client that stops reading is
 * cut off once BUFFER events wait, instead of growing the server's memory.
 */
export class EventHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly perConnection = new Map<SubscriberConnection, number>();
  private readonly perUser = new Map<string, number>();

  constructor(
    private readonly limits: SubscriptionLimits,
    private readonly metrics: Metrics,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  publish(event: FileEvent): void {
    for (const subscriber of this.subscribers) if (matches(subscriber.filter, event)) subscriber.push(event);
  }

  /** The events for one subscription, until the client ends it or its connection closes. */
  subscribe(userId: string, connection: SubscriberConnection, filter: EventFilter): AsyncIterableIterator<FileEvent> {
    const onConnection = this.perConnection.get(connection) ?? 0;
    const ofUser = this.perUser.get(userId) ?? 0;
    if (onConnection >= this.limits.perConnection) throw Errors.badInput(`At most ${this.limits.perConnection} subscriptions per connection (SUBSCRIPTIONS_PER_CONNECTION)`);
    if (ofUser >= this.limits.perUser) throw Errors.badInput(`At most ${this.limits.perUser} subscriptions per user (SUBSCRIPTIONS_PER_USER)`);

    const queue: FileEvent[] = [];
    /** When the queue last became non-empty: how long the client has left events waiting. */
    let backlogSince = 0;
    let waiting: ((result: IteratorResult<FileEvent>) => void) | null = null;
    let done = false;
    const end = (): IteratorResult<FileEvent> => {
      if (!done) {
        done = true;
        this.subscribers.delete(subscriber);
        this.count(this.perConnection, connection, -1);
        this.count(this.perUser, userId, -1);
        this.metrics.subscriptionsOpen.dec();
      }
      waiting?.({ value: undefined, done: true });
      waiting = null;
      return { value: undefined, done: true };
    };
    const subscriber: Subscriber = {
      userId,
      connection,
      filter,
      push: (event) => {
        if (done) return;
        if (waiting) {
          waiting({ value: event, done: false });
          waiting = null;
          return;
        }
        const full = queue.length >= this.limits.bufferedEvents;
        if ((full && Date.now() - backlogSince >= STALL_MS) || queue.length >= HARD_LIMIT_FACTOR * this.limits.bufferedEvents) {
          this.metrics.slowSubscribers.inc();
          end();
          connection.close(SLOW_CONSUMER_CLOSE, `The client fell ${queue.length} events behind`);
          return;
        }
        if (!queue.length) backlogSince = Date.now();
        queue.push(event);
      },
    };
    this.subscribers.add(subscriber);
    this.count(this.perConnection, connection, 1);
    this.count(this.perUser, userId, 1);
    this.metrics.subscriptionsOpen.inc();

    return {
      next: () => {
        if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: () => Promise.resolve(end()),
      throw: (error?: unknown) => {
        end();
        return Promise.reject(error);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  private count<K>(counts: Map<K, number>, key: K, change: number): void {
    const value = (counts.get(key) ?? 0) + change;
    if (value > 0) counts.set(key, value);
    else counts.delete(key);
  }
}
