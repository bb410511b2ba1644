import { statSync } from 'node:fs';
import autocannon from 'autocannon';
import type { BenchContext } from './bench-context';
import type { GraphQLClient } from './graphql-client';
import { MB, round } from './stats';
import { ratioOfRounds } from './results';
import { withClient } from './scratch-database';
import { pngFile } from './test-files';
import { interleave } from './transfer-speed.bench';
import { uploadThroughServer } from './transfers';

const UPLOAD_GOAL = 0.95;
const REQUEST_GOAL = 0.8;
const CONNECTIONS = 32;
const RACERS = 100;

const SET_QUOTA = 'mutation ($u: ID!, $b: SafeInt) { setQuota(ownerId: $u, quotaBytes: $b) { quotaBytes } }';
const REQUEST_UPLOAD = 'mutation { requestUpload(input: { filename: "q.png", contentType: "image/png", size: 1000 }) { file { id } } }';

/**
 * Quotas (issue 17):
 * - quota_upload_vs_none: streamed uploads (size declared) of a user with a quota
 *   over those of a user without, 5 rounds interleaved, median ratio of MB/s;
 * - quota_request_upload_rps: requestUpload per second for a user with a quota
 *   over one without (autocannon, 32 connections; every request reserves a row);
 * - quota_race_100: 100 uploads at once from one user whose quota fits 60 of
 *   them: exactly 60 must be stored; the time they take is recorded.
 */
export async function measureQuotas(bench: BenchContext): Promise<void> {
  const size = bench.quick ? 16 * MB : 64 * MB;
  const file = await pngFile(bench.scratch, size);
  const admin = await bench.clientFor('bench-quota-admin', true);
  const free = await bench.clientFor('bench-no-quota');
  const limited = await bench.clientFor('bench-quota');
  await admin.request(SET_QUOTA, { u: 'bench-quota', b: Number.MAX_SAFE_INTEGER });

  const upload = (client: GraphQLClient) => async () => {
    const { seconds, value } = await uploadThroughServer(bench.server.url, client.token, file, { size: statSync(file).size });
    await client.hardDelete(value.id);
    return seconds;
  };
  const { speed } = await interleave(bench, 'quota upload', size, { quota: upload(limited), none: upload(free) });
  bench.results.quota_upload_vs_none = ratioOfRounds(speed.quota, speed.none, UPLOAD_GOAL, {
    fileMB: size / MB,
    'with quota MB/s': speed.quota.map((v) => round(v, 1)),
    'no quota MB/s': speed.none.map((v) => round(v, 1)),
  });

  const seconds = bench.quick ? 4 : 10;
  const rounds = bench.quick ? 3 : 5;
  const rates = { quota: [] as number[], none: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    for (const name of (r % 2 ? ['none', 'quota'] : ['quota', 'none']) as (keyof typeof rates)[]) {
      rates[name].push(await requestRate(bench.server.url, name === 'quota' ? limited : free, seconds));
    }
    bench.note(`requestUpload round ${r + 1}: with quota ${Math.round(rates.quota[r])}/s, without ${Math.round(rates.none[r])}/s`);
  }
  bench.results.quota_request_upload_rps = ratioOfRounds(rates.quota, rates.none, REQUEST_GOAL, {
    connections: CONNECTIONS,
    'with quota req/s': rates.quota.map(Math.round),
    'no quota req/s': rates.none.map(Math.round),
  });

  // 100 at once, room for 60: the last bytes go to exactly as many as fit.
  const racer = await bench.clientFor('bench-quota-race');
  const small = await pngFile(bench.scratch, 100 * 1024);
  const each = statSync(small).size;
  await admin.request(SET_QUOTA, { u: 'bench-quota-race', b: 60 * each });
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: RACERS }, () => uploadThroughServer(bench.server.url, racer.token, small, { size: each }).then(() => 'stored', (error: Error) => (/QUOTA_EXCEEDED|quota/.test(error.message) ? 'refused' : error.message))),
  );
  const ms = performance.now() - started;
  const stored = outcomes.filter((outcome) => outcome === 'stored').length;
  const refused = outcomes.filter((outcome) => outcome === 'refused').length;
  bench.results.quota_race_100 = {
    value: stored,
    unit: 'stored',
    goal: '= 60',
    met: stored === 60 && refused === RACERS - 60,
    detail: { racers: RACERS, fileBytes: each, quotaBytes: 60 * each, stored, refused, other: outcomes.filter((outcome) => outcome !== 'stored' && outcome !== 'refused').slice(0, 3), ms: round(ms, 0) },
  };
  bench.note(`100 racing uploads: ${stored} stored, ${refused} refused, ${Math.round(ms)} ms`);
  await removeReservations(bench);
}

/**
 * The requestUpload runs leave tens of thousands of PENDING rows (no objects);
 * the sections that count the table's rows (folders, scale) come later.
 */
async function removeReservations(bench: BenchContext): Promise<void> {
  const { rowCount } = await withClient(bench.server.databaseUrl, (pg) => pg.query(`delete from files where owner_id in ('bench-quota', 'bench-no-quota') and status = 'PENDING'`));
  bench.note(`quotas: ${rowCount} reserved rows removed`);
}

async function requestRate(url: string, client: GraphQLClient, seconds: number): Promise<number> {
  const result = await autocannon({ url: `${url}/graphql`, method: 'POST', headers: client.headers, body: JSON.stringify({ query: REQUEST_UPLOAD }), connections: CONNECTIONS, duration: seconds });
  if (result.errors || result.timeouts || result.non2xx) throw new Error(`load run failed: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
  return result.requests.total / result.duration;
}

