import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { Logger as WorkerLogger, run, runMigrations, type Runner, type TaskList, type WorkerEvents } from 'graphile-worker';
import { Pool } from 'pg';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { EnqueueOptions, JobHandler, JobQueue, SqlInTransaction } from './job-queue';

/**
 * An instance silent this long is taken for dead and its running jobs are freed
 * (graphile-worker 0.16 itself would wait 4 hours); alive, it says so 6 times as often.
 */
const DEFAULT_LEASE_MS = 30_000;
/** A database that does not take a connection in this long is down: the caller hears so, nothing waits on. */
const CONNECT_TIMEOUT_MS = 10_000;
/** About four days: e^n seconds between runs, capped by the library at 6 hours. */
const DEFAULT_MAX_ATTEMPTS = 25;

/**
 * The job queue on graphile-worker (0.16: the last release for Node 20): jobs
 * live in PostgreSQL, and workers wake on LISTEN/NOTIFY within milliseconds of a
 * commit. Chosen over pg-boss for that, for queueing with a plain SQL function
 * inside any transaction, and because a long job keeps its lock (pg-boss runs a
 * job again once its lease expires, even while the first run goes on).
 * docs/operations.md, "Background jobs", has the comparison.
 */
export class GraphileJobQueue implements JobQueue {
  private readonly tasks: TaskList = {};
  private readonly pool: Pool;
  private readonly instanceId = randomUUID();
  private readonly workerIds = new Set<string>();
  private readonly logger: WorkerLogger;
  private runner?: Runner;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    databaseUrl: string,
    private readonly log: Logger,
    private readonly concurrency: number,
    private readonly leaseMs = DEFAULT_LEASE_MS,
    private readonly metrics?: Metrics,
  ) {
    // Its own pool: a LISTEN connection, one per running job, and room to queue.
    this.pool = new Pool({ connectionString: databaseUrl, max: concurrency + 3, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    this.pool.on('error', (error) => log.warn({ event: 'job_queue_connection_lost', err: error }));
    this.logger = new WorkerLogger(() => (level, message, meta) => {
      if (level === 'error') log.error({ event: 'job_queue', ...meta }, message);
      else if (level === 'warning') log.warn({ event: 'job_queue', ...meta }, message);
      else log.debug({ event: 'job_queue', ...meta }, message);
    });
  }

  async enqueue(task: string, payload: object, options: EnqueueOptions = {}, within?: SqlInTransaction): Promise<void> {
    const sql = 'select graphile_worker.add_job(?, ?::json, run_at := ?::timestamptz, max_attempts := ?::int, job_key := ?)';
    const params = [task, JSON.stringify(payload), options.runAt?.toISOString() ?? null, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, options.jobKey ?? null];
    if (within) await within(sql, params);
    else await this.pool.query(numbered(sql), params);
  }

  work<P>(task: string, handler: JobHandler<P>): void {
    this.tasks[task] = (payload, helpers) =>
      handler(payload as P, { jobId: helpers.job.id, attempt: helpers.job.attempts, maxAttempts: helpers.job.max_attempts, createdAt: new Date(helpers.job.created_at) });
  }

  /** Creates or updates the queue's schema, then runs workers on this instance. */
  async start(): Promise<void> {
    await runMigrations({ pgPool: this.pool, logger: this.logger });
    const events: WorkerEvents = new EventEmitter();
    events.on('worker:create', ({ worker }) => this.workerIds.add(worker.workerId));
    events.on('job:error', ({ job, error }) => {
      this.metrics?.jobsFailed.inc({ task: job.task_identifier });
      this.log.warn({ event: 'job_failed', task: job.task_identifier, jobId: job.id, attempt: job.attempts, maxAttempts: job.max_attempts, err: error });
    });
    this.runner = await run({
      pgPool: this.pool,
      taskList: this.tasks,
      concurrency: this.concurrency,
      // A freed job (below) gets no NOTIFY: the poll is what picks it up.
      pollInterval: 2000,
      noHandleSignals: true, // main.ts owns the signals
      crontab: '',
      events,
      logger: this.logger,
    });
    await this.beat();
    this.heartbeat = setInterval(() => {
      this.beat().catch((error: unknown) => this.log.warn({ event: 'job_queue_heartbeat_failed', err: error }));
    }, this.leaseMs / 6);
    this.heartbeat.unref();
  }

  async waiting(): Promise<number> {
    const { rows } = await this.pool.query<{ count: number }>('select count(*)::int as count from graphile_worker.jobs where attempts < max_attempts');
    return rows[0].count;
  }

  async stop(timeoutMs = 30_000): Promise<void> {
    clearInterval(this.heartbeat);
    // Running jobs may finish, within the shutdown's bound; one cut short runs again elsewhere (at least once).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.runner?.stop(), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    await this.pool.query('delete from job_queue_instances where instance_id = $1', [this.instanceId]).catch(() => undefined);
    await this.pool.end();
  }

  /** Says this instance is alive, and frees the jobs of instances that are not. */
  private async beat(): Promise<void> {
    const lease = `${this.leaseMs} milliseconds`;
    await this.pool.query(
      `insert into job_queue_instances (instance_id, worker_ids, seen_at) values ($1, $2, now())
       on conflict (instance_id) do update set worker_ids = excluded.worker_ids, seen_at = now()`,
      [this.instanceId, [...this.workerIds]],
    );
    await this.pool.query('delete from job_queue_instances where seen_at < now() - 10 * $1::interval', [lease]);
    const { rows } = await this.pool.query<{ worker: string }>(
      `select distinct j.locked_by as worker from graphile_worker.jobs j
       where j.locked_by is not null and j.locked_at < now() - $1::interval
         and not exists (select 1 from job_queue_instances i where j.locked_by = any(i.worker_ids) and i.seen_at > now() - $1::interval)`,
      [lease],
    );
    if (!rows.length) return;
    const workers = rows.map((row) => row.worker);
    await this.pool.query('select graphile_worker.force_unlock_workers($1::text[])', [workers]);
    this.log.warn({ event: 'jobs_freed', workers, note: 'their instance fell silent; the jobs run again elsewhere' });
  }
}

/** `?` placeholders (as MikroORM takes them) as pg's `$1, $2, ...`. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
