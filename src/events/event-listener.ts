import { Client } from 'pg';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { fileEvent, type FileEvent, type FileEventRow } from './file-event';

export const CHANNEL = 'file_events';
/** Events handed on, remembered so that none is handed on twice (a NOTIFY and a catch-up read can both bring it). */
const REMEMBERED = 50_000;
const RECONNECT_MS = [100, 500, 1000, 2000, 5000];
/** How far before a lost connection a catch-up reads: transactions that committed around the loss. */
const CATCH_UP_MARGIN_MS = 60_000;
/** Events read at once: a renameFolder of 100 000 files is read, and handed on, a page at a time. */
const PAGE = 1000;

export type ReadEvents = (sql: string, params: unknown[]) => Promise<FileEventRow[]>;

/**
 * Hears of committed changes from PostgreSQL (LISTEN file_events) and hands their
 * events, read from the outbox, to `deliver`, each once, in commit order. A
 * NOTIFY is sent at commit by the server itself, so an instance killed right after
 * committing loses nothing: every other instance hears of it. When the
 * listening connection drops (PostgreSQL restarted), it is made again and the
 * events committed meanwhile are read from the outbox.
 */
export class EventListener {
  private client: Client | null = null;
  private stopped = false;
  private readonly seen = new Set<number>();
  private lastHeard = Date.now();
  /** Notifications are handled one after another: their events go out in commit order. */
  private work: Promise<void> = Promise.resolve();

  constructor(
    private readonly databaseUrl: string,
    private readonly read: ReadEvents,
    private readonly deliver: (events: FileEvent[]) => void,
    /** Whether anyone here wants events now (subscribers, webhooks): if not, a notification costs no read. */
    private readonly wanted: () => boolean,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
    await this.work;
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl });
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) this.enqueue(() => this.readTransaction(message.payload!));
    });
    client.on('error', (error) => this.log.warn({ event: 'event_listener_error', err: error }));
    client.on('end', () => this.lost(client));
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
    this.client = client;
  }

  private lost(client: Client): void {
    if (this.stopped || client !== this.client) return;
    this.client = null;
    const since = new Date(this.lastHeard - CATCH_UP_MARGIN_MS);
    this.log.warn({ event: 'event_listener_lost', note: 'reconnecting; events committed meanwhile are read from the outbox' });
    void this.reconnect(0, since);
  }

  private async reconnect(attempt: number, since: Date): Promise<void> {
    if (this.stopped) return;
    try {
      await this.connect();
      this.log.info({ event: 'event_listener_reconnected', attempt });
      this.enqueue(() => this.catchUp(since));
    } catch (error) {
      const delay = RECONNECT_MS[Math.min(attempt, RECONNECT_MS.length - 1)];
      this.log.warn({ event: 'event_listener_reconnect_failed', attempt, retryInMs: delay, err: error });
      setTimeout(() => void this.reconnect(attempt + 1, since), delay).unref();
    }
  }

  private enqueue(task: () => Promise<void>): void {
    this.work = this.work.then(task).catch((error: unknown) => this.log.error({ event: 'event_delivery_failed', err: error }));
  }

  private async readTransaction(xid: string): Promise<void> {
    this.lastHeard = Date.now();
    if (this.wanted()) await this.handAll('xid = ?::xid8', [xid]);
  }

  private async catchUp(since: Date): Promise<void> {
    if (this.wanted()) await this.handAll('occurred_at >= ?', [since]);
  }

  /** The events matching `where`, in seq order, a page at a time. */
  private async handAll(where: string, params: unknown[]): Promise<void> {
    for (let after = 0; ; ) {
      const rows = await this.read(`select * from file_events where ${where} and seq > ? order by seq limit ?`, [...params, after, PAGE]);
      this.hand(rows);
      if (rows.length < PAGE) return;
      after = Number(rows.at(-1)!.seq);
    }
  }

  private hand(rows: FileEventRow[]): void {
    const fresh = rows.map(fileEvent).filter((event) => !this.seen.has(event.seq));
    for (const event of fresh) {
      this.seen.add(event.seq);
      // The oldest first: a Set iterates in insertion order.
      if (this.seen.size > REMEMBERED) this.seen.delete(this.seen.values().next().value!);
    }
    if (!fresh.length) return;
    this.metrics.eventsDelivered.inc(fresh.length);
    this.deliver(fresh);
  }
}
