import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measureArchives } from './archives.bench';
import type { BenchContext } from './bench-context';
import { forkChild } from './child-process';
import { externalScratch } from './external-services';
import { freePort } from './free-port';
import { GraphQLClient, signToken } from './graphql-client';
import { measureFolders } from './folders.bench';
import { measureImages } from './images.bench';
import { measureEvents } from './events.bench';
import { measureMemory } from './memory.bench';
import { measureProcessing } from './processing.bench';
import { measureQuotas } from './quotas.bench';
import { measureRequestRates } from './request-rates.bench';
import { printTable, writeResults, type Results } from './results';
import type { S3Ready } from './s3-process';
import { measureScale } from './scale.bench';
import { startServerChild } from './server-child';
import { measureSqlPerList } from './sql-count.bench';
import { measureTransferSpeed } from './transfer-speed.bench';

/**
 * npm run bench -- [--quick] [--only memory,transfer,rates,sql,processing,images,quotas,events,folders,archives,scale] [--separate-s3] [--keep]
 *
 * Starts the server as `npm start` does (embedded PostgreSQL and S3 unless
 * DATABASE_URL / S3 variables are set) in a child process, runs the benchmarks
 * of issue 6, prints a table and writes bench-results.json. --separate-s3 runs
 * the embedded S3 server in a third process instead of inside the server's.
 */
const SECTIONS: Record<string, { metrics: string[]; run: (bench: BenchContext) => Promise<void> }> = {
  // Memory first: on a fresh server, before other transfers have grown its heap.
  memory: { metrics: ['rss_ratio_1g_vs_10m'], run: measureMemory },
  transfer: { metrics: ['upload_vs_direct_put', 'upload_unsized_vs_direct_multipart', 'download_vs_presigned_get'], run: measureTransferSpeed },
  rates: { metrics: ['list_cpu_ms_per_request', 'list_vs_trivial_rps', 'presign_vs_trivial_rps'], run: measureRequestRates },
  sql: { metrics: ['sql_per_list_request'], run: measureSqlPerList },
  processing: { metrics: ['scan_upload_vs_unscanned', 'pass_readback_vs_presigned_get', 'rss_ratio_pass_1g_vs_10m'], run: measureProcessing },
  images: { metrics: ['image_first_render_ms', 'rendition_vs_presigned_get', 'list_imageurl_cpu_ratio', 'rss_20_first_renders_mb'], run: measureImages },
  quotas: { metrics: ['quota_upload_vs_none', 'quota_request_upload_rps', 'quota_race_100'], run: measureQuotas },
  events: {
    metrics: ['events_latency_p50_ms', 'events_latency_p99_ms', 'events_fanout_1000x100_ms', 'events_fanout_rss_mb', 'events_upload_with_1000_subscribers'],
    run: measureEvents,
  },
  // Before scale: it grows the table to a million rows of its own owners and removes them at the end.
  folders: {
    metrics: ['folders_1m_vs_10k', 'sort_created_at_desc_1m_vs_10k', 'sort_updated_at_desc_1m_vs_10k', 'sort_name_desc_1m_vs_10k', 'sort_name_asc_1m_vs_10k', 'sort_size_desc_1m_vs_10k', 'rename_folder_10k_ms'],
    run: measureFolders,
  },
  archives: { metrics: ['archive_vs_presigned_get', 'archive_rss_1g_vs_10m'], run: measureArchives },
  // Last: it leaves a million rows behind.
  scale: { metrics: ['scale_1m_vs_10k'], run: measureScale },
};

const RESULTS_FILE = path.resolve(__dirname, '..', '..', 'bench-results.json');

async function main(): Promise<number> {
  const { values: options } = parseArgs({
    options: { quick: { type: 'boolean' }, only: { type: 'string' }, 'separate-s3': { type: 'boolean' }, keep: { type: 'boolean' } },
  });
  const quick = options.quick ?? false;
  const only = options.only ? options.only.split(',') : Object.keys(SECTIONS);
  const unknown = only.filter((name) => !SECTIONS[name]);
  if (unknown.length) throw new Error(`unknown section ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}`);

  const note = (message: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
  note(`${quick ? 'quick' : 'full'} run on ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  const started = Date.now();
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'file-server-bench-'));
  const cleanups: (() => Promise<void>)[] = [];
  const results: Results = {};
  let failed = false;
  try {
    const external = await externalScratch();
    cleanups.push(external.remove);
    const serverEnv: Record<string, string> = {
      PORT: '0',
      DATA_DIR: path.join(scratch, 'data'),
      EMBEDDED_DB_PORT: String(await freePort()),
      EMBEDDED_S3_PORT: '0',
      // The server's default level: its logging is part of what a request costs.
      LOG_LEVEL: 'info',
      // As the Dockerfile runs it (graphql-js, Express and others skip development-only checks).
      NODE_ENV: 'production',
      // The default 100 MB would refuse the large uploads.
      S3_MAX_FILE_SIZE_MB: '2048',
      // Completing a 1 GB direct upload waits for its pass (the read-back) to answer AVAILABLE.
      PROCESSING_WAIT_SECONDS: '300',
      ...external.env,
    };
    if (options['separate-s3'] && !external.env.S3_BUCKET_NAME) Object.assign(serverEnv, await startSeparateS3(scratch, cleanups, note));

    const server = await startServerChild(serverEnv, path.join(scratch, 'server.log'));
    cleanups.push(server.stop);
    const secret = server.jwtSecret ?? (await readFile(path.join(server.dataDir, 'jwt-secret'), 'utf8')).trim();
    note(`server ${server.url} (pid ${server.pid}), database ${server.databaseUrl}, S3 ${server.s3.endpoint ?? 'AWS'} bucket ${server.s3.bucket}`);
    const bench: BenchContext = {
      quick,
      server,
      serverEnv,
      scratch,
      clientFor: async (userId, admin = false) => new GraphQLClient(server.url, await signToken(secret, userId, admin)),
      results,
      note,
    };
    for (const name of only) {
      note(`${name}…`);
      try {
        await SECTIONS[name].run(bench);
      } catch (error) {
        failed = true;
        note(`${name} failed: ${(error as Error).stack}`);
        for (const metric of SECTIONS[name].metrics) {
          results[metric] ??= { value: NaN, unit: '', goal: '', met: false, detail: { error: (error as Error).message } };
        }
      }
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
    if (options.keep) note(`kept ${scratch}`);
    else await rm(scratch, { recursive: true, force: true });
  }
  note(`done in ${Math.round((Date.now() - started) / 1000)} s`);
  console.log();
  printTable(results);
  writeResults(RESULTS_FILE, results);
  console.log(`\n${path.relative(process.cwd(), RESULTS_FILE) || RESULTS_FILE} written`);
  return failed ? 1 : 0;
}

/** --separate-s3: the embedded S3 server in its own process, passed to the server as an external endpoint. */
async function startSeparateS3(scratch: string, cleanups: (() => Promise<void>)[], note: (message: string) => void): Promise<Record<string, string>> {
  const bucket = 'my-app-bucket';
  const s3 = await forkChild<S3Ready>('s3-process.js', { BENCH_S3_DIRECTORY: path.join(scratch, 's3'), BENCH_S3_BUCKET: bucket }, path.join(scratch, 's3.log'));
  cleanups.push(s3.stop);
  note(`embedded S3 in its own process (pid ${s3.pid}) at ${s3.ready.endpoint}`);
  return {
    S3_ENDPOINT_URL: s3.ready.endpoint,
    S3_BUCKET_NAME: bucket,
    AWS_ACCESS_KEY_ID: s3.ready.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.ready.credentials.secretAccessKey,
  };
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
