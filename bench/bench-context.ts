import type { GraphQLClient } from './graphql-client';
import type { Results } from './results';
import type { ServerChild } from './server-child';

/** What every benchmark section gets from run.ts. */
export interface BenchContext {
  quick: boolean;
  /** The server under test, booted on the embedded defaults (or the configured services). */
  server: ServerChild;
  /** The environment the server was started with: a second instance can be started like it. */
  serverEnv: Record<string, string>;
  /** A directory for test files and the server's data, removed at the end. */
  scratch: string;
  /** A client acting as this user (tokens signed with the server's secret). */
  clientFor(userId: string, admin?: boolean): Promise<GraphQLClient>;
  results: Results;
  /** Progress lines, on stderr so that the table stays clean on stdout. */
  note(message: string): void;
}
