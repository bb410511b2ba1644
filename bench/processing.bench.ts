import path from 'node:path';
import { statSync } from 'node:fs';
import { Clamd } from '../test/support/clamd';
import type { BenchContext } from './bench-context';
import { GraphQLClient } from './graphql-client';
import { databaseBeside } from './scratch-database';
import { peakRssDuring } from './process-usage';
import { startServerChild, type ServerChild } from './server-child';
import { median, MB, round } from './stats';
import { ratioOfRounds } from './results';
import { storageEnv } from './storage-env';
import { pngFile } from './test-files';
import { interleave } from './transfer-speed.bench';
import { downloadAll, putPresigned, uploadThroughServer } from './transfers';

const ROUNDS = 5;
const SCAN_GOAL = 0.8;
const READBACK_GOAL = 0.8;
const RSS_GOAL = 1.3;

const REQUEST_UPLOAD = `mutation ($input: RequestUploadInput!) { requestUpload(input: $input) { file { id } url headers } }`;
const COMPLETE_UPLOAD = 'mutation ($id: ID!) { completeUpload(id: $id) { id status checksumSha256 } }';
const PRESIGNED_URL = 'query ($id: ID!) { presignedUrl(id: $id) { url } }';

/**
 * The processing pass (issue 13):
 * - scan_upload_vs_unscanned: a streamed upload through a second instance with
 *   MALWARE_SCAN=clamd (a real clamd of the bench's own) over the same upload
 *   through the server under test (scanning off), rounds interleaved;
 * - pass_readback_vs_presigned_get: the pass over a direct upload's object read
 *   back (its duration as the server measures it, processing_pass_duration_seconds)
 *   over a presigned GET of the same object;
 * - rss_ratio_pass_1g_vs_10m: the server's peak RSS while completing (and so
 *   processing) a 1 GB direct upload over its peak for a 10 MB one.
 */
export async function measureProcessing(bench: BenchContext): Promise<void> {
  const size = bench.quick ? 64 * MB : 256 * MB;
  const file = await pngFile(bench.scratch, size);
  const clamd = await Clamd.start(bench.scratch);
  const cleanups: (() => Promise<void>)[] = [];
  let scanning: ServerChild | undefined;
  try {
    // A second instance, scanning, on the same bucket and DATA_DIR (the same token secret) but a database
    // of its own: instances sharing a database share the job queue, and each would run the other's passes.
    const database = await databaseBeside(bench.server.databaseUrl, 'files_bench_scanning');
    cleanups.push(database.drop);
    scanning = await startServerChild({ ...storageEnv(bench), DATABASE_URL: database.url, ...clamd.env() }, path.join(bench.scratch, 'scanning-server.log'));
    const plain = await bench.clientFor('bench-processing');
    const scanned = new GraphQLClient(scanning.url, plain.token);

    // 1. Streamed uploads, scanning on against off.
    const upload = (server: ServerChild, client: GraphQLClient) => async () => {
      const { seconds, value } = await uploadThroughServer(server.url, client.token, file);
      await client.hardDelete(value.id);
      return seconds;
    };
    const { speed: speeds } = await interleave(bench, 'scan', size, { scanned: upload(scanning, scanned), plain: upload(bench.server, plain) });
    bench.results.scan_upload_vs_unscanned = ratioOfRounds(speeds.scanned, speeds.plain, SCAN_GOAL, {
      fileMB: size / MB,
      'scanned MB/s': speeds.scanned.map((v) => round(v, 1)),
      'unscanned MB/s': speeds.plain.map((v) => round(v, 1)),
    });

    // 2. The pass's read-back against a presigned GET of the same object.
    const readback = { pass: [] as number[], passScanning: [] as number[], get: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [server, client, into] of [[bench.server, plain, readback.pass], [scanning, scanned, readback.passScanning]] as const) {
        const { id, passSeconds } = await directUpload(server, client, file);
        into.push(size / MB / passSeconds);
        if (server === bench.server) {
          const { presignedUrl } = await client.request(PRESIGNED_URL, { id });
          const get = await downloadAll(presignedUrl.url);
          readback.get.push(size / MB / get.seconds);
        }
        await client.hardDelete(id);
      }
      bench.note(`read-back round ${r + 1}: pass ${readback.pass[r].toFixed(0)} MB/s (with clamd ${readback.passScanning[r].toFixed(0)}), presigned GET ${readback.get[r].toFixed(0)} MB/s`);
    }
    const readbackRatios = readback.pass.map((mbs, r) => mbs / readback.get[r]);
    const readbackValue = round(median(readbackRatios));
    bench.results.pass_readback_vs_presigned_get = {
      value: readbackValue,
      unit: 'ratio',
      goal: `>= ${READBACK_GOAL}`,
      met: readbackValue >= READBACK_GOAL,
      detail: {
        fileMB: size / MB,
        'pass MB/s (scanning off)': readback.pass.map((v) => round(v, 1)),
        'pass MB/s (clamd)': readback.passScanning.map((v) => round(v, 1)),
        'presigned GET MB/s': readback.get.map((v) => round(v, 1)),
        ratios: readbackRatios.map((v) => round(v, 3)),
        'clamd / presigned GET': round(median(readback.passScanning.map((mbs, r) => mbs / readback.get[r])), 3),
      },
    };

    // 3. Memory during the pass of a large direct upload (scanning on: every part of the pass at work).
    const bigSize = bench.quick ? 256 * MB : 1024 * MB;
    const small = await pngFile(bench.scratch, 10 * MB);
    const big = await pngFile(bench.scratch, bigSize);
    for (let i = 0; i < 2; i++) await scanned.hardDelete((await directUpload(scanning, scanned, small)).id);
    const smallPeaks: number[] = [];
    for (let i = 0; i < 3; i++) {
      let id = '';
      smallPeaks.push((await peakRssDuring(scanning.pid, async () => void ({ id } = await directUpload(scanning!, scanned, small)))).peak);
      await scanned.hardDelete(id);
    }
    let bigId = '';
    const { peak } = await peakRssDuring(scanning.pid, async () => void ({ id: bigId } = await directUpload(scanning!, scanned, big)));
    await scanned.hardDelete(bigId);
    const rssValue = round(peak / median(smallPeaks));
    bench.results.rss_ratio_pass_1g_vs_10m = {
      value: rssValue,
      unit: 'ratio',
      goal: `<= ${RSS_GOAL}`,
      met: rssValue <= RSS_GOAL,
      detail: { bigMB: bigSize / MB, 'peak RSS MB, 10 MB': smallPeaks.map((v) => round(v / MB, 1)), 'peak RSS MB, big': round(peak / MB, 1), scanning: 'clamd' },
    };
  } finally {
    await scanning?.stop();
    for (const cleanup of cleanups) await cleanup();
    await clamd.down();
  }
}

/** requestUpload, the client's PUT, completeUpload (which waits for the pass); the pass's own duration from the server's metrics. */
async function directUpload(server: ServerChild, client: GraphQLClient, file: string): Promise<{ id: string; passSeconds: number }> {
  const { requestUpload: ticket } = await client.request(REQUEST_UPLOAD, { input: { filename: 'pass.png', contentType: 'image/png', size: statSync(file).size } });
  await putPresigned(ticket.url, ticket.headers, file);
  const before = await passSecondsTotal(server);
  const { completeUpload } = await client.request(COMPLETE_UPLOAD, { id: ticket.file.id });
  if (completeUpload.status !== 'AVAILABLE') throw new Error(`the direct upload is ${completeUpload.status} after completeUpload`);
  return { id: ticket.file.id, passSeconds: (await passSecondsTotal(server)) - before };
}

async function passSecondsTotal(server: ServerChild): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith('processing_pass_duration_seconds_sum{read="object"} '));
  return line ? Number(line.split(' ')[1]) : 0;
}
