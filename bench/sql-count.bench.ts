import type { BenchContext } from './bench-context';
import { startCountingServer } from './counting-server';
import { GraphQLClient } from './graphql-client';
import { LIST_QUERY } from './request-rates.bench';
import { seedCopyChain } from './seed-files';
import { median } from './stats';

const PAGE_SIZES = [10, 50, 100];
const REQUESTS = 20;
const SMALL = 5;

/**
 * sql_per_list_request: statements sent to PostgreSQL per files request (the
 * query of list_vs_trivial_rps, copiedFrom included), counted on the wire, one
 * request at a time.
 */
export async function measureSqlPerList(bench: BenchContext): Promise<void> {
  const owner = await bench.clientFor('bench-sql');
  await seedCopyChain(bench, owner, Math.max(...PAGE_SIZES) + 10);
  const counting = await startCountingServer(bench);
  try {
    const client = new GraphQLClient(counting.server.url, owner.token);
    const perRequest: Record<string, number> = {};
    const everyCount: Record<string, number[]> = {};
    for (const first of PAGE_SIZES) {
      for (let i = 0; i < 3; i++) await client.request(LIST_QUERY, { first }); // connections opened, nothing lazy left
      const counts: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const before = counting.counter.statements;
        const { files } = await client.request(LIST_QUERY, { first });
        counts.push(counting.counter.statements - before);
        if (files.edges.length !== first) throw new Error(`files(first: ${first}) returned ${files.edges.length} files`);
      }
      // The median: the instance's own background statements (its timers) go through the same
      // counter and now and then land inside a request (3.05 in one run); every count is in `detail`.
      perRequest[`first: ${first}`] = median(counts);
      everyCount[`first: ${first}`] = counts;
    }
    counting.counter.startCapture();
    await client.request(LIST_QUERY, { first: 50 });
    const statements = counting.counter.stopCapture().map(({ sql }) => sql);

    const counts = Object.values(perRequest);
    const value = Math.max(...counts);
    bench.results.sql_per_list_request = {
      value,
      unit: 'statements/request',
      goal: `same for first 10/50/100, <= ${SMALL}`,
      met: counts.every((count) => count === counts[0]) && value <= SMALL,
      detail: { ...perRequest, everyCount, statementsOfOneRequest: statements },
    };
  } finally {
    await counting.stop();
  }
}
