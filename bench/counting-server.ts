import path from 'node:path';
import type { BenchContext } from './bench-context';
import { startStatementCounter, type StatementCounter } from './pg-statement-counter';
import { startServerChild, type ServerChild } from './server-child';
import { storageEnv } from './storage-env';

export interface CountingServer {
  server: ServerChild;
  counter: StatementCounter;
  stop(): Promise<void>;
}

/**
 * A second instance of the same build, on the same database and bucket as the
 * server under test, whose PostgreSQL connections pass through the statement
 * counter. Kept apart from the first so that the proxy's extra hop never slows
 * down the request rates being measured.
 */
export async function startCountingServer(bench: BenchContext): Promise<CountingServer> {
  const counter = await startStatementCounter(bench.server.databaseUrl);
  try {
    const server = await startServerChild({ ...storageEnv(bench), DATABASE_URL: counter.url }, path.join(bench.scratch, 'counting-server.log'));
    return {
      server,
      counter,
      async stop() {
        await server.stop();
        await counter.close();
      },
    };
  } catch (error) {
    await counter.close();
    throw error;
  }
}
