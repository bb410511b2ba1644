import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A new, empty database on the same PostgreSQL as `url` (a server started on it
 * migrates it): two data sets side by side, so that requests against each can
 * take turns instead of running one size after the other.
 */
export async function databaseBeside(url: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await withClient(url, (pg) => pg.query(`create database ${name}`));
  const beside = new URL(url);
  beside.pathname = `/${name}`;
  return {
    url: beside.toString(),
    drop: () => withClient(url, (pg) => pg.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/** One connection for `work`, closed whatever it does. */
export async function withClient<T>(url: string, work: (pg: Client) => Promise<T>): Promise<T> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  try {
    return await work(pg);
  } finally {
    await pg.end();
  }
}
