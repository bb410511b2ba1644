import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { parseConfig } from '../src/config';
import { createS3Client } from '../src/storage/s3-storage';
import type { BenchContext } from './bench-context';
import type { GraphQLClient } from './graphql-client';
import { checkAnswer, requestRate, type Rate } from './load';
import { cpuMsOf, peakRssDuring } from './process-usage';
import { median, MB, round } from './stats';
import { ratioOfRounds } from './results';
import { storageEnv } from './storage-env';

const CACHED_GOAL = 0.8;
const LIST_CPU_GOAL = 1.3;
const CONNECTIONS = 32;
const FIRST_RENDERS = 10;
const PAGE = 50;
const CONCURRENT_FIRST_RENDERS = 20;

const IMAGE_URL = 'query ($id: ID!, $t: ImageTransformInput!) { file(id: $id) { imageUrl(transform: $t) } }';
const LIST = 'query { files(first: 50) { edges { node { id originalName size contentType } } } }';
const LIST_WITH_THUMBNAILS = 'query { files(first: 50) { edges { node { id originalName size contentType imageUrl(transform: { width: 256 }) } } } }';

/**
 * Image renditions (issue 14):
 * - image_first_render_ms: a 12-megapixel JPEG to a 256-pixel-wide WebP through
 *   the route, first request (rendered and stored), median of 10 files;
 * - rendition_vs_presigned_get: requests per second of a stored rendition through
 *   the route over a presigned GET of the same rendition object, 32 connections;
 * - list_imageurl_cpu_ratio: server CPU per `files(first: 50)` request selecting
 *   imageUrl(transform: { width: 256 }) over the same list without it;
 * - rss_20_first_renders_mb: the server's peak RSS during 20 concurrent first
 *   renders of 12-megapixel JPEGs (recorded; IMAGE_RENDER_CONCURRENCY bounds it).
 */
export async function measureImages(bench: BenchContext): Promise<void> {
  const client = await bench.clientFor('bench-images');
  const photo = await twelveMegapixelJpeg(bench.scratch);
  const count = Math.max(FIRST_RENDERS, CONCURRENT_FIRST_RENDERS) + 1;
  bench.note(`uploading ${count} copies of a 12-megapixel JPEG (${round(photo.length / MB, 1)} MB)`);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await uploadJpeg(bench.server.url, client, photo, `photo-${i}.jpg`));
  const urlOf = async (id: string, transform: Record<string, unknown>): Promise<string> => (await client.request(IMAGE_URL, { id, t: transform })).file.imageUrl;

  // 1. First renders, one file at a time.
  const firstMs: number[] = [];
  for (const id of ids.slice(0, FIRST_RENDERS)) {
    const url = await urlOf(id, { width: 256, format: 'WEBP' });
    const started = performance.now();
    await fetchOk(url);
    firstMs.push(performance.now() - started);
  }
  const firstValue = round(median(firstMs), 1);
  bench.results.image_first_render_ms = {
    value: firstValue,
    unit: 'ms',
    goal: 'recorded',
    met: true,
    detail: { machine: `${os.cpus().length} × ${os.cpus()[0]?.model}`, source: '4000 × 3000 JPEG', rendition: '256 wide WebP, q80', ms: firstMs.map((ms) => round(ms, 1)) },
  };
  bench.note(`first renders: median ${firstValue} ms (${firstMs.map((ms) => Math.round(ms)).join(', ')})`);

  // 2. A stored rendition through the route against a presigned GET of its object.
  const cachedUrl = await urlOf(ids[0], { width: 256, format: 'WEBP' });
  const key = `.renditions/${ids[0]}/w256-fitcover-q80.webp`;
  const s3 = createS3Client(parseConfig({ ...process.env, ...storageEnv(bench) }).s3);
  const presigned = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bench.server.s3.bucket, Key: key }), { expiresIn: 3600 });
  await fetchOk(presigned);
  const seconds = bench.quick ? 4 : 10;
  const rounds = bench.quick ? 3 : 5;
  const rates = { route: [] as number[], presigned: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    for (const [name, url] of (r % 2 ? [['presigned', presigned], ['route', cachedUrl]] : [['route', cachedUrl], ['presigned', presigned]]) as [keyof typeof rates, string][]) {
      rates[name].push(await getRate(url, seconds));
    }
    bench.note(`rendition round ${r + 1}: route ${Math.round(rates.route[r])}/s, presigned GET ${Math.round(rates.presigned[r])}/s`);
  }
  bench.results.rendition_vs_presigned_get = ratioOfRounds(rates.route, rates.presigned, CACHED_GOAL, {
    connections: CONNECTIONS,
    'route req/s': rates.route.map(Math.round),
    'presigned GET req/s': rates.presigned.map(Math.round),
  });

  // 3. A page of 50 images with and without a thumbnail URL per file: server CPU per request.
  const lister = await bench.clientFor('bench-images-list');
  const small = await sharp(photo).resize(400).jpeg().toBuffer();
  const listed: string[] = [];
  for (let i = 0; i < PAGE; i++) listed.push(await uploadJpeg(bench.server.url, lister, small, `small-${i}.jpg`));
  const list = { url: bench.server.url, headers: lister.headers, query: LIST };
  const withUrls = { ...list, query: LIST_WITH_THUMBNAILS };
  await checkAnswer(list);
  await checkAnswer(withUrls);
  const pid = bench.server.pid;
  for (const each of [list, withUrls]) await requestRate(each, CONNECTIONS, 2, pid);
  const cpu = { plain: [] as Rate[], urls: [] as Rate[] };
  for (let r = 0; r < rounds; r++) {
    for (const name of (r % 2 ? ['urls', 'plain'] : ['plain', 'urls']) as (keyof typeof cpu)[]) cpu[name].push(await requestRate(name === 'urls' ? withUrls : list, CONNECTIONS, seconds, pid));
    bench.note(`list round ${r + 1}: ${cpu.plain[r].serverCpuMs.toFixed(2)} ms CPU plain, ${cpu.urls[r].serverCpuMs.toFixed(2)} ms with imageUrl`);
  }
  const cpuRatios = cpu.urls.map((rate, r) => rate.serverCpuMs / cpu.plain[r].serverCpuMs);
  const cpuValue = round(median(cpuRatios));
  bench.results.list_imageurl_cpu_ratio = {
    value: cpuValue,
    unit: 'ratio',
    goal: `<= ${LIST_CPU_GOAL}`,
    met: cpuValue <= LIST_CPU_GOAL,
    detail: {
      files: PAGE,
      'plain server CPU ms/request': cpu.plain.map((rate) => round(rate.serverCpuMs, 3)),
      'with imageUrl server CPU ms/request': cpu.urls.map((rate) => round(rate.serverCpuMs, 3)),
      ratios: cpuRatios.map((v) => round(v, 3)),
    },
  };

  // 4. Twenty first renders at once.
  const burst = await Promise.all(ids.slice(1, 1 + CONCURRENT_FIRST_RENDERS).map((id) => urlOf(id, { width: 512, format: 'WEBP' })));
  const cpuBefore = cpuMsOf(pid);
  let burstSeconds = 0;
  const memory = await peakRssDuring(pid, async () => {
    const started = performance.now();
    await Promise.all(burst.map(fetchOk));
    burstSeconds = (performance.now() - started) / 1000;
  });
  const peakMb = round(memory.peak / MB, 0);
  bench.results.rss_20_first_renders_mb = {
    value: peakMb,
    unit: 'MB',
    goal: 'recorded',
    met: true,
    detail: { before: round(memory.before / MB, 0), renders: CONCURRENT_FIRST_RENDERS, seconds: round(burstSeconds, 1), 'server CPU s': round((cpuMsOf(pid) - cpuBefore) / 1000, 1), hwmReset: memory.hwmReset },
  };
  bench.note(`20 concurrent first renders: ${round(burstSeconds, 1)} s, peak RSS ${peakMb} MB (before ${round(memory.before / MB, 0)} MB)`);

  for (const id of ids) await client.hardDelete(id);
  for (const id of listed) await lister.hardDelete(id);
}

/** A photo-like 4000 × 3000 JPEG: smoothed noise, so that it compresses as a photo does rather than as a flat colour. */
async function twelveMegapixelJpeg(scratch: string): Promise<Buffer> {
  const file = path.join(scratch, 'photo-12mp.jpg');
  await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .blur(1.5)
    .jpeg({ quality: 88 })
    .toFile(file);
  return readFile(file);
}

async function uploadJpeg(serverUrl: string, client: GraphQLClient, bytes: Buffer, name: string): Promise<string> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: 'mutation ($file: Upload!) { uploadFile(file: $file) { id } }', variables: { file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), name);
  const response = await fetch(`${serverUrl}/graphql`, { method: 'POST', body: form, headers: { authorization: `Bearer ${client.token}`, 'apollo-require-preflight': 'true' } });
  const answer = (await response.json()) as { data?: { uploadFile: { id: string } }; errors?: { message: string }[] };
  if (!answer.data) throw new Error(`upload failed: ${answer.errors?.[0]?.message}`);
  return answer.data.uploadFile.id;
}

async function fetchOk(url: string): Promise<void> {
  const response = await fetch(url, { headers: { accept: 'image/webp,*/*' } });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
}

async function getRate(url: string, seconds: number): Promise<number> {
  const result = await autocannon({ url, method: 'GET', headers: { accept: 'image/webp,*/*' }, connections: CONNECTIONS, duration: seconds });
  if (result.errors || result.timeouts || result.non2xx) throw new Error(`load run failed: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
  return result.requests.total / result.duration;
}
