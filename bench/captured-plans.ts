import type { Client } from 'pg';
import type { CountingServer } from './counting-server';
import type { CapturedStatement } from './pg-statement-counter';

export interface CapturedPlan {
  sql: string;
  params: (string | null)[];
  /** EXPLAIN (ANALYZE, BUFFERS), one line per entry. */
  plan: string[];
}

const EXPLAINABLE = /^\s*(select|with|insert|update|delete)\b/i;
// The job queue polls and beats its heartbeat on the same pool meanwhile: those statements are not the request's.
const REQUEST_TABLES = /\b(files|folder_stats)\b/;

/**
 * The statements the server sends for one request (seen on the wire by the
 * counting instance) on `files` or `folder_stats`, each run again under EXPLAIN
 * (ANALYZE, BUFFERS) with the very parameters it was sent with. A statement that
 * changes rows is explained inside a transaction that is rolled back, so
 * explaining it changes nothing.
 */
export async function plansOf(counting: CountingServer, pg: Client, request: () => Promise<unknown>, beforeExplaining?: () => Promise<unknown>): Promise<CapturedPlan[]> {
  let statements: CapturedStatement[];
  counting.counter.startCapture();
  try {
    await request();
  } finally {
    statements = counting.counter.stopCapture();
  }
  await beforeExplaining?.();
  const plans: CapturedPlan[] = [];
  for (const { sql, params } of statements.filter((statement) => EXPLAINABLE.test(statement.sql) && REQUEST_TABLES.test(statement.sql))) {
    await pg.query('begin');
    try {
      const { rows } = await pg.query({ text: `explain (analyze, buffers) ${sql}`, values: params, rowMode: 'array' });
      plans.push({ sql, params, plan: rows.map((row) => row[0] as string) });
    } finally {
      await pg.query('rollback');
    }
  }
  return plans;
}
