/** What a handler knows of the job it runs. */
export interface JobContext {
  jobId: string;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
  createdAt: Date;
}

export type JobHandler<P> = (payload: P, job: JobContext) => Promise<void>;

export interface EnqueueOptions {
  /** Runs in all, the first included (default 25: about four days of backoff). */
  maxAttempts?: number;
  runAt?: Date;
  /** At most one waiting job per key: queueing again replaces it (e.g. one pass per file). */
  jobKey?: string;
}

/** Runs one statement in the caller's transaction, `?` placeholders (MikroORM's connection). */
export type SqlInTransaction = (sql: string, params: unknown[]) => Promise<unknown>;

/**
 * Durable background work in PostgreSQL. A job is queued in the transaction of
 * the change that calls for it (it exists if and only if that change commits),
 * survives restarts and killed instances, runs on any instance, once to
 * completion, and is retried with backoff when its handler throws. Handlers must
 * be safe to run again: an instance killed mid-job leaves it to be run anew.
 */
export interface JobQueue {
  enqueue(task: string, payload: object, options?: EnqueueOptions, within?: SqlInTransaction): Promise<void>;
  /** Registers a task's handler; every task is registered before start(). */
  work<P>(task: string, handler: JobHandler<P>): void;
  start(): Promise<void>;
  /** Jobs not yet done (waiting, scheduled for a retry, or running); those out of attempts are not counted. */
  waiting(): Promise<number>;
  /** Stops taking jobs and waits for those running, at most `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}
