import type { BenchContext } from './bench-context';
import { startCountingServer } from './counting-server';
import { GraphQLClient } from './graphql-client';
import { LIST_QUERY } from './request-rates.bench';
import { seedCopyChain } from './seed-files';
import { round } from './stats';

const PAGE_SIZES = [10, 50, 100];
const REQUESTS = 20;
const SMALL = 5;

/**
 * sql_per_list_request: statements sent to PostgreSQL per files request (the
 * query of list_vs_trivial_rps, copiedFrom included), counted on the wire.
 */
export async function measureSqlPerList(bench: BenchContext): Promise<void> {
  const owner = await bench.clientFor('bench-sql');
  await seedCopyChain(bench, owner, Math.max(...PAGE_SIZES) + 10);
  const counting = await startCountingServer(bench);
  try {
    const client = new GraphQLClient(counting.server.url, owner.token);
    const perRequest: Record<string, number> = {};
    for (const first of PAGE_SIZES) {
      for (let i = 0; i < 3; i++) await client.request(LIST_QUERY, { first }); // connections opened, nothing lazy left
      const before = counting.counter.statements;
      for (let i = 0; i < REQUESTS; i++) {
        const { files } = await client.request(LIST_QUERY, { first });
        if (files.edges.length !== first) throw new Error(`files(first: ${first}) returned ${files.edges.length} files`);
      }
      perRequest[`first: ${first}`] = round((counting.counter.statements - before) / REQUESTS);
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
      detail: { ...perRequest, statementsOfOneRequest: statements },
    };
  } finally {
    await counting.stop();
  }
}
