import path from 'node:path';
import { Client } from 'pg';
import type { BenchContext } from './bench-context';
import { plansOf } from './captured-plans';
import { startCountingServer, type CountingServer } from './counting-server';
import { FOLDERS, ORDERS, OWNER, probesFor, timeInTurns, type Probe } from './folder-probes';
import { insertRenameRows, insertTreeRows, removeRows, RENAME_FILES, RENAME_OWNER, oneOwnerStatementCosts, type StatementCost } from './folder-rows';
import { GraphQLClient } from './graphql-client';
import { databaseBeside } from './scratch-database';
import { startServerChild } from './server-child';
import { median, round } from './stats';
import { storageEnv } from './storage-env';

const GOAL = 1.5;
const SMALL = 10_000;
const LARGE = 1_000_000;
const RENAME = 'mutation ($from: String!, $to: String!) { renameFolder(from: $from, to: $to) }';
// One owner's rows in one statement: what a bulk insert, or a hard delete of that many, costs.
const STATEMENT_SIZES = [1_000, 4_000, 16_000];

/**
 * folders_1m_vs_10k and sort_<field>_<direction>_1m_vs_10k: median latency of each
 * request against 1 000 000 files over the same against 10 000. The two sizes sit
 * side by side, in the server's database (1m) and in a new one on the same
 * PostgreSQL (10k), each served by a fresh server process of the same build, and
 * the requests to the two take turns. Rows are inserted by SQL through the
 * triggers on `files` (folder-rows.ts). rename_folder_10k_ms: renameFolder of a
 * 10 000-file subtree and back, in the million-row table. Every row added to the
 * server's database is removed at the end (the scale section counts its rows).
 */
export async function measureFolders(bench: BenchContext): Promise<void> {
  const requests = bench.quick ? 100 : 300;
  const pg = new Client({ connectionString: bench.server.databaseUrl });
  await pg.connect();
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const existing = await countFiles(pg);
    if (existing > SMALL / 10) throw new Error(`the files table already holds ${existing} rows: run the folders section before scale`);
    const smallDb = await databaseBeside(bench.server.databaseUrl, 'folders_10k');
    stops.push(smallDb.drop);
    const small = await startServerChild({ ...storageEnv(bench), DATABASE_URL: smallDb.url }, path.join(bench.scratch, 'folders-10k-server.log'));
    stops.push(small.stop);
    const large = await startServerChild({ ...storageEnv(bench), DATABASE_URL: bench.server.databaseUrl }, path.join(bench.scratch, 'folders-1m-server.log'));
    stops.push(large.stop);
    const counting = await startCountingServer(bench);
    stops.push(counting.stop);
    const pgSmall = new Client({ connectionString: smallDb.url });
    await pgSmall.connect();
    stops.push(() => pgSmall.end());

    const { token } = await bench.clientFor(OWNER);
    const bucket = bench.server.s3.bucket;
    const tables = {
      '10k': await fill(bench, pgSmall, '10k', () => insertTreeRows(pgSmall, bucket, 0, SMALL)),
      '1m': await fill(bench, pg, '1m', async () => [...(await insertTreeRows(pg, bucket, 0, LARGE - 2 * RENAME_FILES)), ...(await insertRenameRows(pg, bucket))]),
    };
    const smallClient = new GraphQLClient(small.url, token);
    const largeClient = new GraphQLClient(large.url, token);
    const sides = {
      '10k': { client: smallClient, probes: await probesFor(pgSmall, smallClient) },
      '1m': { client: largeClient, probes: await probesFor(pg, largeClient) },
    };
    const times = await timeInTurns(sides, requests);
    // The statements of a request do not depend on the data: both sizes' are captured on the counting instance
    // (on the 1m database), each with its own variables, and explained on its own database.
    const viaCounter = new GraphQLClient(counting.server.url, token);
    const figures = async (label: '10k' | '1m', probe: Probe) => ({
      medianMs: round(median(times[label][probe.name]), 3),
      p90Ms: round(percentile(times[label][probe.name], 0.9), 3),
      ...(probe.depth === undefined ? {} : { cursorDepth: probe.depth }),
      ...(probe.name === 'trivial' ? {} : { plans: await plansOf(counting, label === '1m' ? pg : pgSmall, () => viaCounter.request(probe.query, probe.variables)) }),
    });
    const byProbe: Record<string, { '10k': Awaited<ReturnType<typeof figures>>; '1m': Awaited<ReturnType<typeof figures>> }> = {};
    for (const [i, probe] of sides['1m'].probes.entries()) byProbe[probe.name] = { '10k': await figures('10k', sides['10k'].probes[i]), '1m': await figures('1m', probe) };
    bench.note(`folders: ${Object.entries(byProbe).map(([name, f]) => `${name} ${f['10k'].medianMs.toFixed(2)} → ${f['1m'].medianMs.toFixed(2)} ms`).join(', ')}`);

    const rename = await measureRename(bench, pg, large.url, counting);
    const perStatement = (await oneOwnerStatementCosts(pg, bucket, STATEMENT_SIZES)).map((cost) => ({ rows: cost.rows, insert: summarize(cost.insert), delete: summarize(cost.delete) }));
    bench.note(`folders: one owner's rows in one statement: ${perStatement.map((cost) => `${cost.rows} inserted in ${cost.insert.ms} ms, deleted in ${cost.delete.ms} ms`).join('; ')}`);

    const ratio = (name: string) => round(byProbe[name]['1m'].medianMs / byProbe[name]['10k'].medianMs);
    const value = ratio('folders top');
    bench.results.folders_1m_vs_10k = {
      value,
      unit: 'ratio',
      goal: `<= ${GOAL}`,
      met: value <= GOAL,
      detail: {
        requestsPerProbe: requests,
        tables,
        'folders top': byProbe['folders top'],
        subfolderRatio: ratio('folders dept-42'),
        'folders dept-42': byProbe['folders dept-42'],
        controlRatio: ratio('trivial'),
        trivial: byProbe.trivial,
        perStatement,
      },
    };
    for (const order of ORDERS) {
      const orderValue = ratio(order.metric);
      bench.results[order.metric] = { value: orderValue, unit: 'ratio', goal: `<= ${GOAL}`, met: orderValue <= GOAL, detail: { orderBy: `${order.field} ${order.direction}`, ...byProbe[order.metric] } };
    }
    bench.results.rename_folder_10k_ms = { value: rename.medianMs, unit: 'ms', goal: 'recorded', met: Number.isFinite(rename.medianMs), detail: rename };
  } finally {
    try {
      for (const stop of stops.reverse()) await stop();
      const ms = await removeRows(pg);
      bench.note(`folders: rows removed (${(ms / 1000).toFixed(1)} s)`);
    } finally {
      await pg.end();
    }
  }
}

/** Inserts a data set through the triggers, then vacuum analyze (as autovacuum would get to); what it cost. */
async function fill(bench: BenchContext, pg: Client, label: string, insert: () => Promise<StatementCost[]>) {
  const started = performance.now();
  const statements = await insert();
  const insertMs = performance.now() - started;
  const vacuumStarted = performance.now();
  await pg.query('vacuum analyze files, folder_stats, storage_usage');
  const vacuumMs = performance.now() - vacuumStarted;
  const rows = await countFiles(pg);
  bench.note(`folders: ${label}: ${rows} rows (insert ${(insertMs / 1000).toFixed(1)} s in ${statements.length} statements, vacuum analyze ${(vacuumMs / 1000).toFixed(1)} s)`);
  return {
    rows,
    ownerRows: await countFiles(pg, OWNER),
    folderStatsRows: Number((await pg.query('select count(*) from folder_stats')).rows[0].count),
    insertMs: round(insertMs, 0),
    statements: statements.length,
    statementMs: spread(statements.map((statement) => statement.ms)),
    triggerMs: triggerTotals(statements),
    vacuumAnalyzeMs: round(vacuumMs, 0),
  };
}

/** renameFolder of the 10 000 files of projects/2026 to archive/2026 and back, a few times; then one explained. */
async function measureRename(bench: BenchContext, pg: Client, serverUrl: string, counting: CountingServer) {
  const renamer = new GraphQLClient(serverUrl, (await bench.clientFor(RENAME_OWNER)).token);
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
  const all = [...forward, ...back];
  bench.note(`folders: renameFolder of ${RENAME_FILES} files: ${all.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  // Explained once renamed back, so that the captured statements find the 10 000 files again (and rolled back).
  const viaCounter = new GraphQLClient(counting.server.url, renamer.token);
  const plans = await plansOf(counting, pg, () => viaCounter.request(RENAME, { from: 'projects/2026', to: 'archive/2026' }), () => rename(renamer, 'archive/2026', 'projects/2026'));
  return { files: RENAME_FILES, medianMs: round(median(all), 1), forwardMs: forward.map((ms) => round(ms, 1)), backMs: back.map((ms) => round(ms, 1)), plans };
}

function summarize(cost: StatementCost) {
  return { ms: round(cost.ms, 0), triggers: mapValues(cost.triggers, (trigger) => ({ ms: round(trigger.ms, 0), calls: trigger.calls })) };
}

/** Milliseconds spent in each trigger over all the statements. */
function triggerTotals(costs: StatementCost[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const cost of costs) for (const [name, trigger] of Object.entries(cost.triggers)) totals[name] = (totals[name] ?? 0) + trigger.ms;
  return mapValues(totals, (ms) => round(ms, 0));
}

function spread(values: number[]): { min: number; median: number; max: number } {
  return { min: round(Math.min(...values), 0), median: round(median(values), 0), max: round(Math.max(...values), 0) };
}

async function countFiles(pg: Client, owner?: string): Promise<number> {
  const { rows } = owner ? await pg.query('select count(*) from files where owner_id = $1', [owner]) : await pg.query('select count(*) from files');
  return Number(rows[0].count);
}

function mapValues<T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
