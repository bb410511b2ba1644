import { Client } from 'pg';
import { cursorAt, type FileOrderField, type SortDirection } from '../src/files/cursor';
import type { BenchContext } from './bench-context';
import { plansOf, type CapturedPlan } from './captured-plans';
import { startCountingServer, type CountingServer } from './counting-server';
import { insertRenameRows, insertTreeRows, OWNER_PREFIX, removeRows, RENAME_FILES, RENAME_OWNER, type BatchCost } from './folder-rows';
import { GraphQLClient } from './graphql-client';
import { median, round } from './stats';

const GOAL = 1.5;
const SMALL = 10_000;
const LARGE = 1_000_000;
const OWNER = `${OWNER_PREFIX}0`;
const WARM_UPS = 20;

const FOLDERS = 'query ($parent: String) { folders(parent: $parent) { path name fileCount totalBytes updatedAt } }';
// An infinite-scroll page, as in scale_1m_vs_10k: totalCount is not asked for.
const PAGE = `query ($after: String, $orderBy: FileOrder) {
  files(first: 50, after: $after, orderBy: $orderBy) {
    edges { cursor node { id originalName folder contentType size createdAt updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;
// A control: what the server's own cost does between the two sizes, whatever the tables hold.
const TRIVIAL = '{ uploadConfig { maxFileSizeBytes } }';
const RENAME = 'mutation ($from: String!, $to: String!) { renameFolder(from: $from, to: $to) }';

const ORDERS: { metric: string; field: FileOrderField; direction: SortDirection }[] = [
  { metric: 'sort_created_at_desc_1m_vs_10k', field: 'CREATED_AT', direction: 'DESC' },
  { metric: 'sort_updated_at_desc_1m_vs_10k', field: 'UPDATED_AT', direction: 'DESC' },
  { metric: 'sort_name_desc_1m_vs_10k', field: 'NAME', direction: 'DESC' },
  { metric: 'sort_name_asc_1m_vs_10k', field: 'NAME', direction: 'ASC' },
  { metric: 'sort_size_desc_1m_vs_10k', field: 'SIZE', direction: 'DESC' },
];
const COLUMNS: Record<FileOrderField, string> = { CREATED_AT: 'created_at', UPDATED_AT: 'updated_at', NAME: 'original_name', SIZE: 'size' };
// What files() lists by default (src/files/file-repository.ts): the rows a cursor position is counted among.
const LISTED = `owner_id = $1 and status = any('{AVAILABLE,PROCESSING,QUARANTINED}'::file_status[]) and (expires_at is null or expires_at > now())`;

/** One request measured at both sizes. */
interface Probe {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  /** Throws unless the answer is the one expected. */
  check(data: any): void;
  /** For a page: how many of the owner's files come before its cursor. */
  depth?: number;
}

/**
 * folders_1m_vs_10k and sort_<field>_<direction>_1m_vs_10k: median latency of
 * each request with 1 000 000 files in the table over the same with 10 000, the
 * requests of one size taking turns; rows inserted by SQL through the triggers
 * on `files` (folder-rows.ts). rename_folder_10k_ms: renameFolder of a 10 000-file
 * subtree and back, in the million-row table. Every row added is removed at the
 * end (the scale section counts the table's rows).
 */
export async function measureFolders(bench: BenchContext): Promise<void> {
  const requests = bench.quick ? 100 : 300;
  const pg = new Client({ connectionString: bench.server.databaseUrl });
  await pg.connect();
  let counting: CountingServer | undefined;
  try {
    const existing = await countFiles(pg);
    if (existing > SMALL / 10) throw new Error(`the files table already holds ${existing} rows: run the folders section before scale, on a table of at most ${SMALL / 10}`);
    const owner = await bench.clientFor(OWNER);
    counting = await startCountingServer(bench);
    const viaCounter = new GraphQLClient(counting.server.url, owner.token);
    const tables: Record<string, unknown> = {};
    // probe → size → its figures.
    const figures: Record<string, Record<string, { medianMs: number; p90Ms: number; cursorDepth?: number; plans?: CapturedPlan[] }>> = {};
    let rename: Record<string, unknown> & { medianMs: number } = { medianMs: NaN };

    for (const [label, size] of [['10k', SMALL], ['1m', LARGE]] as const) {
      const started = performance.now();
      const batches = await insertTreeRows(pg, bench.server.s3.bucket, label === '10k' ? 0 : SMALL, size - (label === '1m' ? 2 * RENAME_FILES : 0));
      if (label === '1m') batches.push(await insertRenameRows(pg, bench.server.s3.bucket));
      const insertMs = performance.now() - started;
      const vacuumStarted = performance.now();
      await pg.query('vacuum analyze files, folder_stats, storage_usage');
      const vacuumMs = performance.now() - vacuumStarted;
      const rows = await countFiles(pg);
      bench.note(`folders: ${rows} rows in the table (insert ${(insertMs / 1000).toFixed(1)} s, vacuum analyze ${(vacuumMs / 1000).toFixed(1)} s)`);
      tables[label] = {
        rows,
        ownerRows: await countFiles(pg, OWNER),
        folderStatsRows: Number((await pg.query('select count(*) from folder_stats')).rows[0].count),
        insertMs: round(insertMs, 0),
        batches: batches.map(summarizeBatch),
        vacuumAnalyzeMs: round(vacuumMs, 0),
      };

      const probes = await probesAt(pg, owner);
      const times = await timeInTurns(probes, owner, requests);
      for (const probe of probes) {
        const plans = probe.name === 'trivial' ? undefined : await plansOf(counting, pg, () => viaCounter.request(probe.query, probe.variables));
        (figures[probe.name] ??= {})[label] = { medianMs: round(median(times[probe.name]), 3), p90Ms: round(percentile(times[probe.name], 0.9), 3), cursorDepth: probe.depth, plans };
      }
      bench.note(`folders: ${label}: ${probes.map((probe) => `${probe.name} ${median(times[probe.name]).toFixed(2)} ms`).join(', ')}`);
      if (label === '1m') rename = await measureRename(bench, pg, counting);
    }

    const ratio = (name: string) => round(figures[name]['1m'].medianMs / figures[name]['10k'].medianMs);
    const value = ratio('folders top');
    bench.results.folders_1m_vs_10k = {
      value,
      unit: 'ratio',
      goal: `<= ${GOAL}`,
      met: value <= GOAL,
      detail: { requestsPerProbe: requests, tables, 'folders top': figures['folders top'], subfolderRatio: ratio('folders dept-42'), 'folders dept-42': figures['folders dept-42'], controlRatio: ratio('trivial'), trivial: figures.trivial },
    };
    for (const order of ORDERS) {
      const orderValue = ratio(order.metric);
      bench.results[order.metric] = { value: orderValue, unit: 'ratio', goal: `<= ${GOAL}`, met: orderValue <= GOAL, detail: { orderBy: `${order.field} ${order.direction}`, ...figures[order.metric] } };
    }
    bench.results.rename_folder_10k_ms = { value: rename.medianMs, unit: 'ms', goal: 'recorded', met: Number.isFinite(rename.medianMs), detail: rename };
  } finally {
    await counting?.stop();
    try {
      const ms = await removeRows(pg);
      bench.note(`folders: rows removed (${(ms / 1000).toFixed(1)} s)`);
    } finally {
      await pg.end();
    }
  }
}

/** The requests, checked against the rows themselves; cursors halfway down the owner's files in each order. */
async function probesAt(pg: Client, owner: GraphQLClient): Promise<Probe[]> {
  const listed = await countFiles(pg, OWNER, LISTED);
  const folderTruth = async (parent: string | null) => {
    const level = parent === null ? `split_part(folder, '/', 1)` : `split_part(folder, '/', 1) || '/' || split_part(folder, '/', 2)`;
    const { rows } = await pg.query(
      `select ${level} as path, count(*)::int as files from files where owner_id = $1 and status = 'AVAILABLE' and ($2::text is null or folder like $2 || '/%') group by 1 order by 1`,
      [OWNER, parent],
    );
    return JSON.stringify(rows.map((row) => [row.path, row.files]));
  };
  const foldersProbe = async (name: string, parent: string | null): Promise<Probe> => {
    const truth = await folderTruth(parent);
    return {
      name,
      query: FOLDERS,
      variables: { parent },
      check: (data) => {
        const answered = JSON.stringify(data.folders.map((folder: { path: string; fileCount: number }) => [folder.path, folder.fileCount]));
        if (answered !== truth) throw new Error(`folders(parent: ${parent}) answered ${answered.slice(0, 200)}, the rows say ${truth.slice(0, 200)}`);
      },
    };
  };
  const probes: Probe[] = [await foldersProbe('folders top', null), await foldersProbe('folders dept-42', 'dept-42'), { name: 'trivial', query: TRIVIAL, variables: {}, check: () => undefined }];
  const depth = Math.floor(listed / 2);
  for (const { metric, field, direction } of ORDERS) {
    const column = COLUMNS[field];
    const { rows } = await pg.query(`select id, ${column} as value from files where ${LISTED} order by ${column} ${direction}, id ${direction} offset $2 limit 2`, [OWNER, depth]);
    const orderBy = { field, direction };
    probes.push({
      name: metric,
      query: PAGE,
      variables: { orderBy, after: cursorAt({ value: rows[0].value, id: rows[0].id }, orderBy) },
      depth,
      check: (data) => {
        const edges = data.files.edges;
        if (edges.length !== 50 || edges[0].node.id !== rows[1].id) throw new Error(`${metric}: ${edges.length} files, the first ${edges[0]?.node.id}, expected ${rows[1].id}`);
      },
    });
  }
  for (const probe of probes) probe.check(await owner.request(probe.query, probe.variables));
  return probes;
}

/** Warm-ups, then `requests` rounds in which every probe is sent once, the order rotating. */
async function timeInTurns(probes: Probe[], client: GraphQLClient, requests: number): Promise<Record<string, number[]>> {
  for (let i = 0; i < WARM_UPS; i++) for (const probe of probes) await client.request(probe.query, probe.variables);
  const times: Record<string, number[]> = Object.fromEntries(probes.map((probe) => [probe.name, []]));
  for (let r = 0; r < requests; r++) {
    for (let i = 0; i < probes.length; i++) {
      const probe = probes[(i + r) % probes.length];
      const start = process.hrtime.bigint();
      await client.request(probe.query, probe.variables);
      times[probe.name].push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return times;
}

/** renameFolder of the 10 000 files of projects/2026 to archive/2026 and back, a few times; then one of each explained. */
async function measureRename(bench: BenchContext, pg: Client, counting: CountingServer): Promise<Record<string, unknown> & { medianMs: number }> {
  const renamer = await bench.clientFor(RENAME_OWNER);
  const rename = async (client: GraphQLClient, from: string, to: string) => {
    const started = performance.now();
    const { renameFolder: moved } = await client.request(RENAME, { from, to });
    const ms = performance.now() - started;
    if (moved !== RENAME_FILES) throw new Error(`renameFolder(${from} → ${to}) moved ${moved} files, not ${RENAME_FILES}`);
    return ms;
  };
  const forward: number[] = [];
  const back: number[] = [];
  for (let r = 0; r < (bench.quick ? 2 : 3); r++) {
    forward.push(await rename(renamer, 'projects/2026', 'archive/2026'));
    back.push(await rename(renamer, 'archive/2026', 'projects/2026'));
  }
  const { folders } = await renamer.request(FOLDERS, { parent: 'projects' });
  const counts = Object.fromEntries(folders.map((folder: { path: string; fileCount: number }) => [folder.path, folder.fileCount]));
  if (counts['projects/2026'] !== RENAME_FILES || counts['projects/2025'] !== RENAME_FILES) throw new Error(`after the renames, folders(parent: "projects") counts ${JSON.stringify(counts)}`);
  // Explained once renamed back, so that the captured statements find the 10 000 files again (and rolled back).
  const viaCounter = new GraphQLClient(counting.server.url, renamer.token);
  const plans = await plansOf(counting, pg, () => viaCounter.request(RENAME, { from: 'projects/2026', to: 'archive/2026' }), () => rename(renamer, 'archive/2026', 'projects/2026'));
  const all = [...forward, ...back];
  bench.note(`folders: renameFolder of ${RENAME_FILES} files: ${all.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  return { files: RENAME_FILES, medianMs: round(median(all), 1), forwardMs: forward.map((ms) => round(ms, 1)), backMs: back.map((ms) => round(ms, 1)), plans };
}

function summarizeBatch(batch: BatchCost) {
  return { rows: batch.rows, ms: round(batch.ms, 0), triggers: mapValues(batch.triggers, (trigger) => ({ ms: round(trigger.ms, 0), calls: trigger.calls })) };
}

async function countFiles(pg: Client, owner?: string, where = 'owner_id = $1'): Promise<number> {
  const { rows } = owner ? await pg.query(`select count(*) from files where ${where}`, [owner]) : await pg.query('select count(*) from files');
  return Number(rows[0].count);
}

function mapValues<T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
