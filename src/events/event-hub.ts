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

/** 4xxx codes are the application's own (RFC 6455, 7.4.2); graphql-ws uses 44xx for its own. */
export const SLOW_CONSUMER_CLOSE = 4429;

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
        } else if (queue.length < this.limits.bufferedEvents) {
          queue.push(event);
        } else {
          this.metrics.slowSubscribers.inc();
          end();
          connection.close(SLOW_CONSUMER_CLOSE, `The client fell ${this.limits.bufferedEvents} events behind`);
        }
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
