import type { Client } from 'pg';

export const OWNERS = 10;
export const OWNER_PREFIX = 'folders-user-';
export const TOP_FOLDERS = 100;
export const SUBFOLDERS = 10;
/** The owner whose `projects/2026` (10 000 files) is renamed, beside as many files in `projects/2025`. */
export const RENAME_OWNER = 'folders-rename';
export const RENAME_FILES = 10_000;
const PROBE_OWNER = 'folders-statement-probe';
const ALL_OWNERS = `owner_id like '${OWNER_PREFIX}%' or owner_id in ('${RENAME_OWNER}', '${PROBE_OWNER}')`;
/**
 * Rows per insert statement: 1 000 per owner. files_usage, a row trigger, updates
 * the owner's storage_usage row once per row, and within one statement each update
 * costs more than the last (oneOwnerStatementCosts measures it): the million rows
 * of one statement would take the better part of an hour (see perStatement in
 * folders_1m_vs_10k).
 */
const BATCH = 10_000;
const RENAME_BATCH = 1_000;

const EXTENSIONS = `array['png','jpg','pdf','txt']`;
const TYPES = `array['image/png','image/jpeg','application/pdf','text/plain']`;
const DELETED = `get_byte(decode(md5('deleted' || i), 'hex'), 0) % 20 = 7`;

/**
 * Rows i of the tree owners: owner i % 10, so every owner holds a tenth of them
 * (1 000 of 10 000, 98 000 of 980 000). The owner's j-th file (j = i / 10) is in
 * dept-<j % 100>/team-<j / 100 % 10>: with 1 000 files an owner has one in each of
 * its 1 000 leaf folders, so the tree (100 top folders of 10 subfolders) is whole
 * at both sizes. Names are hashes (a name order unrelated to the insert order),
 * sizes 1 kB-10 MB scattered, updated_at scattered over a year after created_at;
 * about 5 % of the rows, picked by a hash, are soft-deleted, which folder_stats
 * does not count.
 */
const TREE_ROWS = `
insert into files (id, owner_id, original_name, s3_key, bucket, folder, content_type, extension, size,
                   metadata, is_public, status, deleted_at, created_at, updated_at)
select gen_random_uuid(),
       '${OWNER_PREFIX}' || (i % ${OWNERS}),
       'doc-' || substr(md5(i::text), 1, 12) || '.' || (${EXTENSIONS})[(i / ${OWNERS}) % 4 + 1],
       'folders-bench/' || i || '.' || (${EXTENSIONS})[(i / ${OWNERS}) % 4 + 1],
       $3,
       'dept-' || lpad(((i / ${OWNERS}) % ${TOP_FOLDERS})::text, 2, '0') || '/team-' || ((i / ${OWNERS * TOP_FOLDERS}) % ${SUBFOLDERS}),
       (${TYPES})[(i / ${OWNERS}) % 4 + 1],
       (${EXTENSIONS})[(i / ${OWNERS}) % 4 + 1],
       1000 + (i::bigint * 7919) % 10000019,
       '{}'::jsonb,
       false,
       (case when ${DELETED} then 'DELETED' else 'AVAILABLE' end)::file_status,
       case when ${DELETED} then timestamptz '2025-06-01 00:00:00+00' end,
       timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second',
       timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second' + ((i::bigint * 104729) % 31536000) * interval '1 second'
from generate_series($1::int, $2::int) as i`;

/** One owner's rows: even i in <even>/batch-N, odd i in <odd>/batch-N, all AVAILABLE. */
const OWNER_ROWS = (owner: string, even: string, odd: string) => `
insert into files (id, owner_id, original_name, s3_key, bucket, folder, content_type, extension, size,
                   metadata, is_public, status, created_at, updated_at)
select gen_random_uuid(), '${owner}', 'scan-' || i || '.pdf', 'folders-bench/${owner}/' || i || '.pdf', $3,
       (case when i % 2 = 0 then '${even}/' else '${odd}/' end) || 'batch-' || (i / 2) % 10,
       'application/pdf', 'pdf', 5000 + i, '{}'::jsonb, false, 'AVAILABLE',
       timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second', timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second'
from generate_series($1::int, $2::int) as i`;

/** One statement's cost, with what each trigger on `files` took of it (EXPLAIN ANALYZE of the very statement). */
export interface StatementCost {
  rows: number;
  ms: number;
  triggers: Record<string, { ms: number; calls: number }>;
}

/** Tree rows [from, to), BATCH rows a statement, every one through the triggers on `files`. */
export async function insertTreeRows(pg: Client, bucket: string, from: number, to: number): Promise<StatementCost[]> {
  const costs: StatementCost[] = [];
  for (let start = from; start < to; start += BATCH) costs.push(await measured(pg, TREE_ROWS, [start, Math.min(to, start + BATCH) - 1, bucket], Math.min(to, start + BATCH) - start));
  return costs;
}

/** The rename owner's 2 × RENAME_FILES rows, RENAME_BATCH a statement. */
export async function insertRenameRows(pg: Client, bucket: string): Promise<StatementCost[]> {
  const costs: StatementCost[] = [];
  for (let start = 0; start < 2 * RENAME_FILES; start += RENAME_BATCH) {
    costs.push(await measured(pg, OWNER_ROWS(RENAME_OWNER, 'projects/2026', 'projects/2025'), [start, start + RENAME_BATCH - 1, bucket], RENAME_BATCH));
  }
  return costs;
}

/**
 * What one statement of n rows of a single owner costs, inserted and then deleted
 * (as a hard deleteFolder, emptyTrash or the purge deletes them), for growing n:
 * linear would keep the cost per row flat.
 */
export async function oneOwnerStatementCosts(pg: Client, bucket: string, sizes: number[]): Promise<{ rows: number; insert: StatementCost; delete: StatementCost }[]> {
  const costs = [];
  for (const rows of sizes) {
    const insert = await measured(pg, OWNER_ROWS(PROBE_OWNER, 'probe/even', 'probe/odd'), [0, rows - 1, bucket], rows);
    const removal = await measured(pg, 'delete from files where owner_id = $1', [PROBE_OWNER], rows);
    costs.push({ rows, insert, delete: removal });
  }
  return costs;
}

async function measured(pg: Client, sql: string, params: unknown[], rows: number): Promise<StatementCost> {
  const started = performance.now();
  const explained = await pg.query(`explain (analyze, format json) ${sql}`, params);
  const ms = performance.now() - started;
  const [{ Triggers: triggers = [] }] = explained.rows[0]['QUERY PLAN'] as { Triggers?: { 'Trigger Name': string; Time: number; Calls: number }[] }[];
  return {
    rows,
    ms,
    triggers: Object.fromEntries(triggers.map((trigger) => [trigger['Trigger Name'], { ms: trigger.Time, calls: trigger.Calls }])),
  };
}

/**
 * Everything this section added, deleted with the bookkeeping triggers off, and
 * what they wrote for these owners (folder_stats, storage_usage, the events'
 * outbox) deleted with it: through them, deleting a million rows would take longer
 * than inserting them did, and leave a million PURGED events behind. In one
 * transaction, so the triggers cannot stay off. Then vacuumed, as before.
 */
export async function removeRows(pg: Client): Promise<number> {
  const started = performance.now();
  await pg.query('begin');
  try {
    // USER: the triggers of the schema; the foreign key's own triggers still run.
    await pg.query('alter table files disable trigger user');
    await pg.query(`delete from files where ${ALL_OWNERS}`);
    await pg.query('alter table files enable trigger user');
    for (const table of ['folder_stats', 'storage_usage', 'file_events']) await pg.query(`delete from ${table} where ${ALL_OWNERS}`);
    await pg.query('commit');
  } catch (error) {
    await pg.query('rollback');
    throw error;
  }
  await pg.query('vacuum analyze files, folder_stats, storage_usage, file_events');
  return performance.now() - started;
}
