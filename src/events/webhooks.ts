import { createHmac } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { JobQueue, SqlInTransaction } from '../jobs/job-queue';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { fileEvent, type FileEvent, type FileEventRow } from './file-event';
import { fileJson } from './file-json';

export const DELIVER_WEBHOOK = 'deliver-webhook';
/**
 * graphile-worker waits e^attempt seconds between attempts (at most e^10, about
 * six hours): the first retry after 3 s, the fourteenth attempt about 28 hours
 * after the change. Then it gives up.
 */
const MAX_ATTEMPTS = 14;
const BATCH = 200;

export interface WebhookSettings {
  urls: readonly string[];
  secret: string | null;
  timeoutSeconds: number;
}

interface WebhookJob {
  seq: number;
  url: string;
}

/** The JSON a receiver gets; `sha256=` HMAC of exactly these bytes goes in X-Files-Signature. */
export function webhookBody(event: FileEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, occurredAt: event.occurredAt.toISOString(), file: fileJson(event.file) });
}

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Webhooks from the outbox. `dispatch` turns undelivered events into one job per
 * URL, in one transaction with marking them dispatched: each event is queued
 * once, whichever instances dispatch at once (SKIP LOCKED), and a crash
 * in between queues it again rather than never. The jobs POST, retried with
 * backoff by the queue: a receiver that is down never slows the change itself.
 */
export class Webhooks {
  constructor(
    private readonly orm: MikroORM,
    private readonly queue: JobQueue,
    private readonly settings: WebhookSettings,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    queue.work<WebhookJob>(DELIVER_WEBHOOK, (job) => this.deliver(job));
  }

  get enabled(): boolean {
    return this.settings.urls.length > 0;
  }

  private dispatching: Promise<void> | null = null;
  private again = false;

  /**
   * A dispatch soon: one at a time, and one more if asked for while it ran (events
   * committed meanwhile). Without WEBHOOK_URLS, nothing: the outbox keeps its
   * rows undispatched, and an instance that has URLs sends them (up to the
   * outbox's week of retention), as it would after an outage.
   */
  requestDispatch(): void {
    if (!this.enabled) return;
    if (this.dispatching) {
      this.again = true;
      return;
    }
    this.dispatching = this.dispatch()
      .catch((error: unknown) => this.log.warn({ event: 'webhook_dispatch_failed', err: error, note: 'retried on the next round' }))
      .finally(() => {
        this.dispatching = null;
        if (this.again) {
          this.again = false;
          this.requestDispatch();
        }
      });
  }

  /** Queues the outbox's undispatched events. */
  async dispatch(): Promise<void> {
    for (;;) {
      const queued = await this.orm.em.fork().transactional(async (em) => {
        const sql: SqlInTransaction = (text, params) => em.getConnection().execute(text, params, 'all', em.getTransactionContext());
        const rows = await em.getConnection().execute<{ seq: string; id: string }[]>(
          'select seq, id from file_events where not dispatched order by seq limit ? for update skip locked',
          [BATCH],
          'all',
          em.getTransactionContext(),
        );
        for (const row of rows) {
          for (const [i, url] of this.settings.urls.entries()) {
            await this.queue.enqueue(DELIVER_WEBHOOK, { seq: Number(row.seq), url }, { maxAttempts: MAX_ATTEMPTS, jobKey: `webhook:${row.id}:${i}` }, sql);
          }
        }
        if (rows.length) await sql('update file_events set dispatched = true where seq = any(?::bigint[])', [`{${rows.map((row) => row.seq).join(',')}}`]);
        return rows.length;
      });
      if (queued < BATCH) return;
    }
  }

  private async deliver({ seq, url }: WebhookJob): Promise<void> {
    const [row] = await this.orm.em.fork().getConnection().execute<FileEventRow[]>('select * from file_events where seq = ?', [seq]);
    if (!row) return; // removed by the purge after its retention: nothing left to send
    const event = fileEvent(row);
    const body = webhookBody(event);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 's3-file-graphql webhooks' };
    if (this.settings.secret) headers['x-files-signature'] = signature(this.settings.secret, body);
    const started = Date.now();
    try {
      const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.settings.timeoutSeconds * 1000), redirect: 'manual' });
      await response.body?.cancel();
      if (response.status < 200 || response.status > 299) throw new Error(`the receiver answered ${response.status}`);
    } catch (error) {
      this.metrics.webhookDeliveries.inc({ outcome: 'failed' });
      this.log.warn({ event: 'webhook_failed', eventId: event.id, target: receiverOf(url), durationMs: Date.now() - started, err: error });
      throw error; // the queue retries it, with backoff
    }
    this.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
    this.log.info({ event: 'webhook_delivered', eventId: event.id, type: event.type, target: receiverOf(url), durationMs: Date.now() - started });
  }
}

/** A receiver as logs name it: its host, never its path or query (which often hold a token). */
function receiverOf(url: string): string {
  return new URL(url).host;
}
