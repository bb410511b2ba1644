import { Client } from 'pg';
import { cursorAt } from '../src/files/cursor';
import type { BenchContext } from './bench-context';
import { startCountingServer, type CountingServer } from './counting-server';
import { GraphQLClient } from './graphql-client';
import { median, round } from './stats';

const GOAL = 1.5;
const SIZES = [10_000, 1_000_000];
const OWNERS = 10;
const OWNER = 'scale-user-0';
const FILTER = { folderPrefix: 'projects/', contentTypePrefix: 'image/' };
// An infinite-scroll page: totalCount is not asked for.
const QUERY = `query ($filter: FileFilter, $after: String) {
  files(filter: $filter, first: 50, after: $after) {
    edges { cursor node { id originalName folder contentType size createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/**
 * Rows for OWNERS users, generated in SQL (not through the API). Every owner has
 * 1/OWNERS of the table, so the queried owner's share grows with it: 1 000 rows
 * of 10 000, 100 000 of 1 000 000. Within an owner, a third of the rows are under
 * archive/, the others under projects/; a quarter each png, jpeg, pdf, text; 5 %
 * soft-deleted. The filter (projects/, image/) therefore matches about 32 % of them.
 */
const INSERT = `
insert into files (id, owner_id, original_name, s3_key, bucket, folder, content_type, extension, size,
                   metadata, is_public, status, created_at, updated_at)
select gen_random_uuid(),
       'scale-user-' || (i % ${OWNERS}),
       'file-' || i || '.' || (array['png','jpg','pdf','txt'])[(i / ${OWNERS}) % 4 + 1],
       'scale/' || i || '.' || (array['png','jpg','pdf','txt'])[(i / ${OWNERS}) % 4 + 1],
       $3,
       (case (i / ${OWNERS * 4}) % 3 when 0 then 'archive/' else 'projects/' end) || 'p' || (i / 1000) % 25,
       (array['image/png','image/jpeg','application/pdf','text/plain'])[(i / ${OWNERS}) % 4 + 1],
       (array['png','jpg','pdf','txt'])[(i / ${OWNERS}) % 4 + 1],
       1000 + i % 100000,
       jsonb_build_object('n', i % 100),
       false,
       (case when (i / 7) % 20 = 0 then 'DELETED' else 'AVAILABLE' end)::file_status,
       timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second',
       timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second'
from generate_series($1::int, $2::int) as i`;

const MATCHING = `from files where owner_id = $1 and status = 'AVAILABLE' and folder like 'projects/%' and content_type like 'image/%'`;

/**
 * scale_1m_vs_10k: median latency of one filtered, paginated files request (owner,
 * folder prefix, content type prefix, a cursor halfway down the owner's matching
 * files) with 1 000 000 rows in the table over the same with 10 000. The plans of
 * the statements the server sends for it are recorded (EXPLAIN ANALYZE, with the
 * very parameters seen on the wire).
 */
export async function measureScale(bench: BenchContext): Promise<void> {
  const requests = bench.quick ? 100 : 300;
  const pg = new Client({ connectionString: bench.server.databaseUrl });
  await pg.connect();
  let counting: CountingServer | undefined;
  try {
    const owner = await bench.clientFor(OWNER);
    counting = await startCountingServer(bench);
    const viaCounter = new GraphQLClient(counting.server.url, owner.token);
    const latencies: Record<string, number> = {};
    const detail: Record<string, unknown> = { requestsPerSize: requests };
    let inserted = 0;
    for (const size of SIZES) {
      const existing = Number((await pg.query('select count(*) from files')).rows[0].count);
      const started = Date.now();
      await pg.query(INSERT, [inserted, inserted + size - existing - 1, bench.server.s3.bucket]);
      inserted += size - existing;
      await pg.query('vacuum analyze files');
      bench.note(`scale: ${size} rows in the table (insert and vacuum analyze: ${((Date.now() - started) / 1000).toFixed(1)} s)`);

      const ownerRows = Number((await pg.query('select count(*) from files where owner_id = $1', [OWNER])).rows[0].count);
      const matching = Number((await pg.query(`select count(*) ${MATCHING}`, [OWNER])).rows[0].count);
      const { rows } = await pg.query(`select id, created_at ${MATCHING} order by created_at desc, id desc offset $2 limit 1`, [OWNER, Math.floor(matching / 2)]);
      const after = cursorAt({ id: rows[0].id, value: rows[0].created_at });
      const variables = { filter: FILTER, after };

      const check = await owner.request(QUERY, variables);
      if (check.files.edges.length !== 50) throw new Error(`the scale query returned ${check.files.edges.length} files`);
      for (let i = 0; i < 20; i++) await owner.request(QUERY, variables);
      const times: number[] = [];
      for (let i = 0; i < requests; i++) {
        const start = process.hrtime.bigint();
        await owner.request(QUERY, variables);
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      const label = size >= 1_000_000 ? '1m' : '10k';
      latencies[label] = median(times);

      counting.counter.startCapture();
      await viaCounter.request(QUERY, variables);
      const plans = [];
      for (const statement of counting.counter.stopCapture()) {
        const plan = await pg.query({ text: `explain (analyze, buffers) ${statement.sql}`, values: statement.params, rowMode: 'array' });
        plans.push({ sql: statement.sql, params: statement.params, plan: plan.rows.map((row) => row[0] as string) });
      }
      detail[label] = { rows: size, ownerRows, matchingRows: matching, cursorDepth: Math.floor(matching / 2), medianMs: round(latencies[label]), p90Ms: round(percentile(times, 0.9)), plans };
      bench.note(`scale: ${size} rows: median ${latencies[label].toFixed(2)} ms`);
    }
    const value = round(latencies['1m'] / latencies['10k']);
    bench.results.scale_1m_vs_10k = { value, unit: 'ratio', goal: `<= ${GOAL}`, met: value <= GOAL, detail };
  } finally {
    await counting?.stop();
    await pg.end();
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
