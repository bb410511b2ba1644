import type { Client } from 'pg';

export const OWNERS = 10;
export const OWNER_PREFIX = 'folders-user-';
export const TOP_FOLDERS = 100;
export const SUBFOLDERS = 10;
/** The owner whose `projects/2026` (10 000 files) is renamed, beside as many files in `projects/2025`. */
export const RENAME_OWNER = 'folders-rename';
export const RENAME_FILES = 10_000;
// Statements of this many rows: one upload is one row, a bulk import is batches.
const BATCH = 100_000;

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

/** The rename owner: even rows in projects/2026/batch-N, odd rows in projects/2025/batch-N, all AVAILABLE. */
const RENAME_ROWS = `
insert into files (id, owner_id, original_name, s3_key, bucket, folder, content_type, extension, size,
                   metadata, is_public, status, created_at, updated_at)
select gen_random_uuid(), '${RENAME_OWNER}', 'scan-' || i || '.pdf', 'folders-bench/rename/' || i || '.pdf', $3,
       (case when i % 2 = 0 then 'projects/2026/' else 'projects/2025/' end) || 'batch-' || (i / 2) % 10,
       'application/pdf', 'pdf', 5000 + i, '{}'::jsonb, false, 'AVAILABLE',
       timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second', timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second'
from generate_series($1::int, $2::int) as i`;

/** One insert statement's cost, with what each trigger on `files` took of it (EXPLAIN ANALYZE of the very insert). */
export interface BatchCost {
  rows: number;
  ms: number;
  triggers: Record<string, { ms: number; calls: number }>;
}

/** Tree rows [from, to) in statements of BATCH rows, every one through the triggers on `files`. */
export async function insertTreeRows(pg: Client, bucket: string, from: number, to: number): Promise<BatchCost[]> {
  const costs: BatchCost[] = [];
  for (let start = from; start < to; start += BATCH) costs.push(await insertMeasured(pg, TREE_ROWS, [start, Math.min(to, start + BATCH) - 1, bucket]));
  return costs;
}

export async function insertRenameRows(pg: Client, bucket: string): Promise<BatchCost> {
  return insertMeasured(pg, RENAME_ROWS, [0, 2 * RENAME_FILES - 1, bucket]);
}

async function insertMeasured(pg: Client, sql: string, params: unknown[]): Promise<BatchCost> {
  const started = performance.now();
  const { rows } = await pg.query(`explain (analyze, format json) ${sql}`, params);
  const ms = performance.now() - started;
  const [{ Triggers: triggers = [] }] = rows[0]['QUERY PLAN'] as { Triggers?: { 'Trigger Name': string; Time: number; Calls: number }[] }[];
  return {
    rows: Number(params[1]) - Number(params[0]) + 1,
    ms,
    triggers: Object.fromEntries(triggers.map((trigger) => [trigger['Trigger Name'], { ms: trigger.Time, calls: trigger.Calls }])),
  };
}

/** Everything this section added, removed through the same triggers (a statement per owner), then vacuumed. */
export async function removeRows(pg: Client): Promise<number> {
  const started = performance.now();
  for (const owner of [...Array.from({ length: OWNERS }, (_, n) => `${OWNER_PREFIX}${n}`), RENAME_OWNER]) {
    await pg.query('delete from files where owner_id = $1', [owner]);
  }
  await pg.query(`delete from storage_usage where owner_id like '${OWNER_PREFIX}%' or owner_id = $1`, [RENAME_OWNER]);
  await pg.query('vacuum analyze files, folder_stats, storage_usage');
  return performance.now() - started;
}
