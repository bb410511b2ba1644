import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import type { BenchContext } from './bench-context';
import type { GraphQLClient } from './graphql-client';
import { peakRssDuring } from './process-usage';
import { median, MB, round } from './stats';
import { pngFile } from './test-files';
import { interleave } from './transfer-speed.bench';
import { downloadAll, uploadThroughServer } from './transfers';

const FILE_SIZE = 10 * MB;
const THROUGHPUT_GOAL = 0.8;
const RSS_GOAL = 1.3;
const RSS_ROUNDS = 3;
const BIG = 'archive-bench/big';
const SMALL = 'archive-bench/small';

const CREATE_ARCHIVE = 'mutation ($folder: String) { createArchive(folder: $folder) { url } }';
const PRESIGNED_URL = 'query ($id: ID!) { presignedUrl(id: $id) { url } }';
const DELETE_FOLDER = 'mutation ($folder: String!) { deleteFolder(folder: $folder, hardDelete: true) }';

/**
 * ZIP archives (issue 15):
 * - archive_vs_presigned_get: a folder of 100 files of 10 MB (25 with --quick)
 *   as one ZIP through GET /archives/:token, against the same files by one
 *   presigned GET each, one after the other; MB/s of the files' bytes, 5 rounds
 *   in rotating order, median of the per-round ratios. The URLs are asked for
 *   untimed, as a client would have them already.
 * - archive_rss_1g_vs_10m: the server's peak RSS while the whole archive is
 *   downloaded over its peak while a one-file (10 MB) archive is, 3 rounds in
 *   alternating order, median of the per-round ratios.
 */
export async function measureArchives(bench: BenchContext): Promise<void> {
  const count = bench.quick ? 25 : 100;
  const file = await pngFile(bench.scratch, FILE_SIZE);
  const client = await bench.clientFor('bench-archives');
  try {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await uploadThroughServer(bench.server.url, client.token, file, { folder: BIG, size: FILE_SIZE })).value.id);
    await uploadThroughServer(bench.server.url, client.token, file, { folder: SMALL, size: FILE_SIZE });
    const payload = count * FILE_SIZE;
    const checks = await checkArchives(bench, client, file, payload);
    bench.note(`archives: ${count} files of ${FILE_SIZE / MB} MB uploaded; the archive has ${checks.archiveBytes} bytes`);

    // Memory first, before the rounds of gigabytes below.
    const downloadArchive = async (folder: string, expected: number) => {
      const url = await archiveUrl(client, folder);
      const run = await downloadAll(url);
      if (run.value !== expected) throw new Error(`the archive of ${folder} sent ${run.value} bytes, not ${expected}`);
      return run.seconds;
    };
    for (let i = 0; i < 3; i++) await downloadArchive(SMALL, checks.smallArchiveBytes);
    // Small and big take turns: the server's resting RSS drifts (down, after the uploads), and each round is compared within itself.
    const peaks = { small: [] as number[], big: [] as number[] };
    const growth = { small: [] as number[], big: [] as number[] };
    for (let r = 0; r < RSS_ROUNDS; r++) {
      for (const size of r % 2 ? (['big', 'small'] as const) : (['small', 'big'] as const)) {
        const { peak, before, hwmReset } = await peakRssDuring(bench.server.pid, async () => void (size === 'big' ? await downloadArchive(BIG, checks.archiveBytes) : await downloadArchive(SMALL, checks.smallArchiveBytes)));
        if (!hwmReset) bench.note('archives: VmHWM cannot be reset here; peaks are VmRSS samples every 20 ms');
        peaks[size].push(peak);
        growth[size].push(peak - before);
      }
    }
    const rssRatios = peaks.big.map((peak, r) => peak / peaks.small[r]);
    const rssValue = round(median(rssRatios));
    const mb = (values: number[]) => values.map((value) => round(value / MB, 1));
    bench.results.archive_rss_1g_vs_10m = {
      value: rssValue,
      unit: 'ratio',
      goal: `<= ${RSS_GOAL}`,
      met: rssValue <= RSS_GOAL,
      detail: {
        bigArchiveMB: round(checks.archiveBytes / MB, 1),
        rounds: RSS_ROUNDS,
        peakRssMB_10MB: mb(peaks.small),
        peakRssMB_big: mb(peaks.big),
        ratios: rssRatios.map((ratio) => round(ratio, 3)),
        'growth during the download MB (peak - RSS before)': { '10MB': mb(growth.small), big: mb(growth.big) },
      },
    };
    bench.note(`archives: peak RSS ${mb(peaks.big).join(', ')} MB during the big archive, ${mb(peaks.small).join(', ')} MB during the 10 MB one`);

    const runs = await interleave(bench, 'archive', payload, {
      server: () => downloadArchive(BIG, checks.archiveBytes),
      direct: async () => {
        const urls: string[] = [];
        for (const id of ids) urls.push((await client.request(PRESIGNED_URL, { id })).presignedUrl.url);
        let seconds = 0;
        for (const url of urls) {
          const run = await downloadAll(url);
          if (run.value !== FILE_SIZE) throw new Error(`a presigned GET sent ${run.value} bytes, not ${FILE_SIZE}`);
          seconds += run.seconds;
        }
        return seconds;
      },
    });
    const ratios = runs.speed.server.map((mbs, r) => mbs / runs.speed.direct[r]);
    const value = round(median(ratios));
    bench.results.archive_vs_presigned_get = {
      value,
      unit: 'ratio',
      goal: `>= ${THROUGHPUT_GOAL}`,
      met: value >= THROUGHPUT_GOAL,
      detail: {
        files: count,
        fileMB: FILE_SIZE / MB,
        archiveBytes: checks.archiveBytes,
        'archive route MB/s': runs.speed.server.map((mbs) => round(mbs, 1)),
        'presigned GETs MB/s': runs.speed.direct.map((mbs) => round(mbs, 1)),
        ratios: ratios.map((ratio) => round(ratio, 3)),
        'server process CPU ms/MB': { route: round(median(runs.cpuMsPerMB.server), 2), presigned: round(median(runs.cpuMsPerMB.direct), 2) },
        checks,
      },
    };
  } finally {
    await client.request(DELETE_FOLDER, { folder: 'archive-bench' });
  }
}

async function archiveUrl(client: GraphQLClient, folder: string): Promise<string> {
  return (await client.request(CREATE_ARCHIVE, { folder })).createArchive.url;
}

/**
 * Before timing anything: the small archive is a ZIP whose one entry is the file,
 * with its CRC-32; the big one announces its length, and a Range of it is
 * answered 206 with exactly that many bytes.
 */
async function checkArchives(bench: BenchContext, client: GraphQLClient, file: string, payload: number) {
  const small = await fetch(await archiveUrl(client, SMALL));
  const zip = Buffer.from(await small.arrayBuffer());
  const entries = await zipEntries(zip);
  const names = Object.keys(entries);
  const entry = entries[names[0]];
  if (small.status !== 200 || names.length !== 1 || !entry.content.equals(await readFile(file)) || entry.crc32 !== crc32(entry.content)) {
    throw new Error(`the one-file archive (${small.status}) holds ${names.join(', ')}, not the file with its CRC-32`);
  }
  const bigUrl = await archiveUrl(client, BIG);
  const head = await fetch(bigUrl, { method: 'HEAD' });
  const archiveBytes = Number(head.headers.get('content-length'));
  if (!(archiveBytes > payload && archiveBytes < payload + 1024 * 1024)) throw new Error(`the big archive announces ${archiveBytes} bytes for ${payload} of files`);
  const range = await fetch(bigUrl, { headers: { range: 'bytes=5000000-5999999' } });
  const part = Buffer.from(await range.arrayBuffer());
  if (range.status !== 206 || part.length !== 1_000_000) throw new Error(`a Range of the archive answered ${range.status} with ${part.length} bytes`);
  bench.note(`archives: checked (a ZIP of ${zip.length} bytes read back by yauzl; Range answered 206)`);
  return { smallArchiveBytes: zip.length, archiveBytes, smallEntry: names[0], rangeStatus: range.status };
}

/** Every entry of a ZIP, read through its central directory: name → content and the CRC-32 recorded (yauzl does not check it). */
function zipEntries(zip: Buffer): Promise<Record<string, { content: Buffer; crc32: number }>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, archive) => {
      if (error) return reject(error);
      const entries: Record<string, { content: Buffer; crc32: number }> = {};
      archive.on('error', reject);
      archive.on('end', () => resolve(entries));
      archive.on('entry', (entry: yauzl.Entry) => {
        archive.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            entries[entry.fileName] = { content: Buffer.concat(chunks), crc32: entry.crc32 };
            archive.readEntry();
          });
        });
      });
      archive.readEntry();
    });
  });
}
