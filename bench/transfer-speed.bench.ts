import { statSync } from 'node:fs';
import type { BenchContext } from './bench-context';
import { DirectMultipart } from './direct-multipart';
import { cpuMsOf } from './process-usage';
import { median, MB, round } from './stats';
import { ratioOfRounds } from './results';
import { pngFile } from './test-files';
import { downloadAll, putPresigned, uploadThroughServer } from './transfers';

const GOAL = 0.85;
const UNSIZED_GOAL = 0.9;
const ROUNDS = 5;

const REQUEST_UPLOAD = `mutation ($input: RequestUploadInput!) { requestUpload(input: $input) { file { id } url headers } }`;
const COMPLETE_UPLOAD = 'mutation ($id: ID!) { completeUpload(id: $id) { id size status } }';
const PRESIGNED_URL = 'query ($id: ID!) { presignedUrl(id: $id) { url } }';

/**
 * upload_vs_direct_put and download_vs_presigned_get: the server's streaming paths
 * against the same bytes moved straight to or from the same S3 endpoint. The sides
 * take turns at going first, round after round; each round gives a ratio, and the
 * median ratio is the figure.
 */
export async function measureTransferSpeed(bench: BenchContext): Promise<void> {
  const size = bench.quick ? 64 * MB : 256 * MB;
  const file = await pngFile(bench.scratch, size);
  const client = await bench.clientFor('bench-transfer');
  const multipart = new DirectMultipart(bench);
  try {
    const direct = async () => {
      const { requestUpload: ticket } = await client.request(REQUEST_UPLOAD, {
        input: { filename: 'direct.png', contentType: 'image/png', size: statSync(file).size },
      });
      const { seconds } = await putPresigned(ticket.url, ticket.headers, file);
      const { completeUpload } = await client.request(COMPLETE_UPLOAD, { id: ticket.file.id });
      if (completeUpload.status !== 'AVAILABLE') throw new Error('the direct upload did not complete');
      await client.hardDelete(ticket.file.id);
      return seconds;
    };
    let kept = ''; // the last file uploaded through the server: the one downloaded below
    // With the size declared, as an SPA does (UploadFileInput.size: one streamed PUT); without, a multipart upload.
    const through = (input: Record<string, unknown>) => async () => {
      const { seconds, value } = await uploadThroughServer(bench.server.url, client.token, file, input);
      if (kept) await client.hardDelete(kept);
      kept = value.id;
      return seconds;
    };
    const upload = await interleave(bench, 'upload', size, {
      server: through({ size: statSync(file).size }),
      unsized: through({}),
      direct,
      // Not part of the ratio: what the same storage makes of a multipart upload sent without the server.
      multipart: async () => (await multipart.upload(file)).seconds,
    });

    // A single download of a 64 MB object is over in a tenth of a second, too short
    // to time against this machine's noise: each timed sample downloads it repeatedly.
    const repeats = Math.max(1, Math.ceil((bench.quick ? 512 : 1024) / (size / MB)));
    const route = `${bench.server.url}/files/${kept}/download`;
    const download = await interleave(bench, 'download', size * repeats, {
      server: async () => {
        let seconds = 0;
        for (let i = 0; i < repeats; i++) {
          const run = await downloadAll(route, { authorization: `Bearer ${client.token}` });
          if (run.value !== size) throw new Error(`the download route sent ${run.value} bytes, not ${size}`);
          seconds += run.seconds;
        }
        return seconds;
      },
      direct: async () => {
        let seconds = 0;
        for (let i = 0; i < repeats; i++) {
          const { presignedUrl } = await client.request(PRESIGNED_URL, { id: kept }); // untimed, as a client would have it already
          const run = await downloadAll(presignedUrl.url);
          if (run.value !== size) throw new Error(`the presigned GET sent ${run.value} bytes, not ${size}`);
          seconds += run.seconds;
        }
        return seconds;
      },
    });
    await client.hardDelete(kept);

    bench.results.upload_vs_direct_put = summary(upload, {
      fileMB: size / MB,
      server: 'uploadFile, size declared, MB/s',
      unsized: 'uploadFile, no size, MB/s',
      direct: 'presigned PUT MB/s',
      multipart: 'direct multipart (no server) MB/s',
    });
    // Issue 19: an upload whose size is not declared, against the same writer's multipart upload with no server.
    bench.results.upload_unsized_vs_direct_multipart = ratioOfRounds(upload.speed.unsized, upload.speed.multipart, UNSIZED_GOAL, { rounds: ROUNDS, 'the figures': 'upload_vs_direct_put' });
    bench.results.download_vs_presigned_get = summary(download, { fileMB: size / MB, downloadsPerSample: repeats, server: 'download route MB/s', direct: 'presigned GET MB/s' });
  } finally {
    multipart.close();
  }
}

/** MB/s per path and round, and the server process's CPU time per MB moved (its embedded S3 included). */
interface Runs {
  speed: Record<string, number[]>;
  cpuMsPerMB: Record<string, number[]>;
}

/** One untimed warm-up each, then ROUNDS rounds in a rotating order. */
export async function interleave(bench: BenchContext, what: string, bytes: number, paths: Record<string, () => Promise<number>>): Promise<Runs> {
  const names = Object.keys(paths);
  for (const name of names) await paths[name]();
  const runs: Runs = { speed: Object.fromEntries(names.map((name) => [name, []])), cpuMsPerMB: Object.fromEntries(names.map((name) => [name, []])) };
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      const cpuBefore = cpuMsOf(bench.server.pid);
      runs.speed[name].push(bytes / MB / (await paths[name]()));
      runs.cpuMsPerMB[name].push((cpuMsOf(bench.server.pid) - cpuBefore) / (bytes / MB));
    }
    bench.note(`${what} round ${r + 1}: ${names.map((name) => `${name} ${runs.speed[name][r].toFixed(0)} MB/s`).join(', ')}`);
  }
  return runs;
}

function summary({ speed, cpuMsPerMB }: Runs, labels: Record<string, string | number>) {
  const ratios = speed.server.map((mbs, r) => mbs / speed.direct[r]);
  const value = round(median(ratios));
  const detail: Record<string, unknown> = { rounds: ROUNDS };
  for (const [key, label] of Object.entries(labels)) {
    if (speed[key]) detail[label as string] = speed[key].map((mbs) => round(mbs, 1));
    else detail[key] = label;
  }
  detail.ratios = ratios.map((ratio) => round(ratio, 3));
  if (speed.multipart) detail['server / direct multipart'] = round(median(speed.server.map((mbs, r) => mbs / speed.multipart[r])), 2);
  if (speed.unsized) detail['no size / direct'] = round(median(speed.unsized.map((mbs, r) => mbs / speed.direct[r])), 2);
  detail['server process CPU ms/MB'] = Object.fromEntries(Object.entries(cpuMsPerMB).map(([name, values]) => [name, round(median(values), 2)]));
  return { value, unit: 'ratio', goal: `>= ${GOAL}`, met: value >= GOAL, detail };
}
