import type { Client } from 'pg';
import { cursorAt, type FileOrderField, type SortDirection } from '../src/files/cursor';
import { OWNER_PREFIX } from './folder-rows';
import type { GraphQLClient } from './graphql-client';

export const OWNER = `${OWNER_PREFIX}0`;
const WARM_UPS = 20;

export const FOLDERS = 'query ($parent: String) { folders(parent: $parent) { path name fileCount totalBytes updatedAt } }';
// An infinite-scroll page, as in scale_1m_vs_10k: totalCount is not asked for.
const PAGE = `query ($after: String, $orderBy: FileOrder) {
  files(first: 50, after: $after, orderBy: $orderBy) {
    edges { cursor node { id originalName folder contentType size createdAt updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;
// A control: what the same request costs the two servers whatever their tables hold.
const TRIVIAL = '{ uploadConfig { maxFileSizeBytes } }';

export const ORDERS: { metric: string; field: FileOrderField; direction: SortDirection }[] = [
  { metric: 'sort_created_at_desc_1m_vs_10k', field: 'CREATED_AT', direction: 'DESC' },
  { metric: 'sort_updated_at_desc_1m_vs_10k', field: 'UPDATED_AT', direction: 'DESC' },
  { metric: 'sort_name_desc_1m_vs_10k', field: 'NAME', direction: 'DESC' },
  { metric: 'sort_name_asc_1m_vs_10k', field: 'NAME', direction: 'ASC' },
  { metric: 'sort_size_desc_1m_vs_10k', field: 'SIZE', direction: 'DESC' },
];
const COLUMNS: Record<FileOrderField, string> = { CREATED_AT: 'created_at', UPDATED_AT: 'updated_at', NAME: 'original_name', SIZE: 'size' };
// What files() lists by default (src/files/file-repository.ts): the rows a cursor's depth is counted among.
const LISTED = `owner_id = $1 and status = any('{AVAILABLE,PROCESSING,QUARANTINED}'::file_status[]) and (expires_at is null or expires_at > now())`;

/** One request, as sent to one of the two servers. */
export interface Probe {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  /** Throws unless the answer is what the rows say it should be. */
  check(data: any): void;
  /** A page: how many of the owner's files come before its cursor. */
  depth?: number;
}

/** The requests for the data set `pg` holds: folder listings checked against the rows, cursors halfway down each order. */
export async function probesFor(pg: Client, client: GraphQLClient): Promise<Probe[]> {
  const probes = [await foldersProbe(pg, 'folders top', null), await foldersProbe(pg, 'folders dept-42', 'dept-42'), { name: 'trivial', query: TRIVIAL, variables: {}, check: () => undefined }];
  const listed = Number((await pg.query(`select count(*) from files where ${LISTED}`, [OWNER])).rows[0].count);
  const depth = Math.floor(listed / 2);
  for (const { metric, field, direction } of ORDERS) {
    const column = COLUMNS[field];
    const { rows } = await pg.query(`select id, ${column} as value from files where ${LISTED} order by ${column} ${direction}, id ${direction} offset $2 limit 2`, [OWNER, depth]);
    const orderBy = { field, direction };
    probes.push({
      name: metric,
      query: PAGE,
      variables: { orderBy, after: cursorAt({ value: rows[0].value, id: rows[0].id }, orderBy) },
      depth,
      check: (data) => {
        const edges = data.files.edges;
        if (edges.length !== 50 || edges[0].node.id !== rows[1].id) throw new Error(`${metric}: ${edges.length} files, the first ${edges[0]?.node.id}, expected ${rows[1].id}`);
      },
    });
  }
  for (const probe of probes) probe.check(await client.request(probe.query, probe.variables));
  return probes;
}

/** folders(parent) must count, per subfolder, the AVAILABLE files of its subtree, as a GROUP BY over the rows does. */
async function foldersProbe(pg: Client, name: string, parent: string | null): Promise<Probe> {
  const level = parent === null ? `split_part(folder, '/', 1)` : `split_part(folder, '/', 1) || '/' || split_part(folder, '/', 2)`;
  const { rows } = await pg.query(
    `select ${level} as path, count(*)::int as files from files where owner_id = $1 and status = 'AVAILABLE' and ($2::text is null or folder like $2 || '/%') group by 1 order by 1`,
    [OWNER, parent],
  );
  const truth = JSON.stringify(rows.map((row) => [row.path, row.files]));
  return {
    name,
    query: FOLDERS,
    variables: { parent },
    check: (data) => {
      const answered = JSON.stringify(data.folders.map((folder: { path: string; fileCount: number }) => [folder.path, folder.fileCount]));
      if (answered !== truth) throw new Error(`folders(parent: ${parent}) answered ${answered.slice(0, 200)}, the rows say ${truth.slice(0, 200)}`);
    },
  };
}

export interface Side {
  client: GraphQLClient;
  probes: Probe[];
}

/**
 * Warm-ups, then `requests` rounds in which every probe is sent once to each
 * side: the probes rotate, and which side goes first alternates, so that the
 * machine's ups and downs fall on both sizes alike. Milliseconds per side and probe.
 */
export async function timeInTurns(sides: Record<string, Side>, requests: number): Promise<Record<string, Record<string, number[]>>> {
  const names = Object.keys(sides);
  for (const name of names) for (let i = 0; i < WARM_UPS; i++) for (const probe of sides[name].probes) await sides[name].client.request(probe.query, probe.variables);
  const times = Object.fromEntries(names.map((name) => [name, Object.fromEntries(sides[name].probes.map((probe) => [probe.name, [] as number[]]))]));
  const count = sides[names[0]].probes.length;
  for (let r = 0; r < requests; r++) {
    for (let i = 0; i < count; i++) {
      const p = (i + r) % count;
      for (const name of (r + i) % 2 ? [...names].reverse() : names) {
        const { client, probes } = sides[name];
        const start = process.hrtime.bigint();
        await client.request(probes[p].query, probes[p].variables);
        times[name][probes[p].name].push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }
  }
  return times;
}
