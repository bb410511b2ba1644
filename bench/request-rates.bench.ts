import type { BenchContext } from './bench-context';
import { checkAnswer, requestRate, type GraphQLLoad, type Rate } from './load';
import { median, round } from './stats';
import { seedCopyChain } from './seed-files';

const CONNECTIONS = 32;
/** Issue 19: server CPU per `files(first: 50)` request, a third of the 4.3-5.1 ms it cost before... */
const LIST_CPU_GOAL_MS = 1.5;
/** ...which the issue put as this ratio, with the trivial query at 0.36-0.47 ms. */
const LIST_GOAL = 0.3;
const PRESIGN_GOAL = 0.6;

export const TRIVIAL_QUERY = '{ uploadConfig { maxFileSizeBytes } }';
export const LIST_QUERY = `query ($first: Int) {
  files(first: $first) {
    edges { cursor node { id originalName folder contentType size status createdAt copiedFrom { id } } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}`;
const PRESIGN_QUERY = 'query ($id: ID!) { presignedUrl(id: $id) { url expiresAt } }';

/**
 * list_vs_trivial_rps and presign_vs_trivial_rps: requests per second at 32
 * concurrent clients, against the cheapest query the server has, on the same
 * server in the same rounds. All three carry the same token, so the ratio is
 * what listing or signing costs beyond parsing, authentication and answering.
 */
export async function measureRequestRates(bench: BenchContext): Promise<void> {
  const seconds = bench.quick ? 4 : 10;
  const rounds = bench.quick ? 3 : 5;
  const client = await bench.clientFor('bench-lister');
  const ids = await seedCopyChain(bench, client, 60);

  const load = (query: string, variables?: Record<string, unknown>): GraphQLLoad => ({ url: bench.server.url, headers: client.headers, query, variables });
  const trivial = load(TRIVIAL_QUERY);
  const list = load(LIST_QUERY, { first: 50 });
  const presign = load(PRESIGN_QUERY, { id: ids[0] });
  const page = (await checkAnswer(list)) as { files: { edges: { node: { copiedFrom: unknown } }[] } };
  if (page.files.edges.length !== 50 || page.files.edges.filter((edge) => edge.node.copiedFrom).length < 49) {
    throw new Error('the list query does not return a full page of copies');
  }
  await checkAnswer(trivial);
  await checkAnswer(presign);

  // Warm-up: JIT, connection pools.
  const pid = bench.server.pid;
  for (const each of [trivial, list, presign]) await requestRate(each, CONNECTIONS, 2, pid);

  const rates = { trivial: [] as Rate[], list: [] as Rate[], presign: [] as Rate[] };
  for (let r = 0; r < rounds; r++) {
    // The order rotates, so no query always runs on a server that has just been loaded by the same one.
    const order = (['trivial', 'list', 'presign'] as const).map((_, i, all) => all[(i + r) % all.length]);
    for (const name of order) rates[name].push(await requestRate({ trivial, list, presign }[name], CONNECTIONS, seconds, pid));
    const show = (rate: Rate) => `${Math.round(rate.perSecond)}/s (${rate.serverCpuMs.toFixed(2)} ms CPU)`;
    bench.note(`rates round ${r + 1}: trivial ${show(rates.trivial[r])}, files(first: 50) ${show(rates.list[r])}, presignedUrl ${show(rates.presign[r])}`);
  }

  const ratio = (name: 'list' | 'presign') => rates[name].map((rate, r) => rate.perSecond / rates.trivial[r].perSecond);
  const detail = (name: 'list' | 'presign') => ({
    connections: CONNECTIONS,
    secondsPerRun: seconds,
    [`${name} req/s`]: rates[name].map((rate) => Math.round(rate.perSecond)),
    'trivial req/s': rates.trivial.map((rate) => Math.round(rate.perSecond)),
    ratios: ratio(name).map((value) => round(value, 3)),
    [`${name} server CPU ms/request`]: round(median(rates[name].map((rate) => rate.serverCpuMs)), 3),
    'trivial server CPU ms/request': round(median(rates.trivial.map((rate) => rate.serverCpuMs)), 3),
  });
  const listCpu = round(median(rates.list.map((rate) => rate.serverCpuMs)), 2);
  bench.results.list_cpu_ms_per_request = { value: listCpu, unit: 'ms', goal: `<= ${LIST_CPU_GOAL_MS}`, met: listCpu <= LIST_CPU_GOAL_MS, detail: detail('list') };
  const listValue = round(median(ratio('list')));
  bench.results.list_vs_trivial_rps = { value: listValue, unit: 'ratio', goal: `>= ${LIST_GOAL}`, met: listValue >= LIST_GOAL, detail: detail('list') };
  const presignValue = round(median(ratio('presign')));
  bench.results.presign_vs_trivial_rps = { value: presignValue, unit: 'ratio', goal: `>= ${PRESIGN_GOAL}`, met: presignValue >= PRESIGN_GOAL, detail: detail('presign') };
}
