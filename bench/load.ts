import autocannon from 'autocannon';
import { cpuMsOf } from './process-usage';

export interface GraphQLLoad {
  url: string;
  headers: Record<string, string>;
  query: string;
  variables?: Record<string, unknown>;
}

export interface Rate {
  perSecond: number;
  /**
   * The server process's CPU time per request over the run: less disturbed than the
   * rate by other work on the machine, so it shows where a change helps.
   */
  serverCpuMs: number;
}

/**
 * Requests per second of one GraphQL query at a fixed concurrency, from
 * autocannon. Every answer must be a 2xx: a rate of failures is no rate.
 * (GraphQL errors come with 200, so the caller checks one answer before.)
 */
export async function requestRate(load: GraphQLLoad, connections: number, seconds: number, serverPid: number): Promise<Rate> {
  const cpuBefore = cpuMsOf(serverPid);
  const result = await autocannon({
    url: `${load.url}/graphql`,
    method: 'POST',
    headers: { ...load.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ query: load.query, variables: load.variables ?? {} }),
    connections,
    duration: seconds,
  });
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(`load run failed: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers`);
  }
  return { perSecond: result.requests.total / result.duration, serverCpuMs: (cpuMsOf(serverPid) - cpuBefore) / result.requests.total };
}

/** Checks that the query answers without GraphQL errors before it is measured. */
export async function checkAnswer(load: GraphQLLoad): Promise<unknown> {
  const response = await fetch(`${load.url}/graphql`, {
    method: 'POST',
    headers: { ...load.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ query: load.query, variables: load.variables ?? {} }),
  });
  const answer = (await response.json()) as { data?: unknown; errors?: { message: string }[] };
  if (response.status !== 200 || answer.errors?.length) throw new Error(`the query fails (${response.status}): ${answer.errors?.[0]?.message}`);
  return answer.data;
}
