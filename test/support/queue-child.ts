/**
 * A job queue in a process of its own, for the test that kills it (SIGKILL) in
 * the middle of a job: `node -r ./test/support/swc-register.js test/support/queue-child.ts <url> <lease ms>`.
 * Its task "sleep" records that it started, then never ends on its own.
 */
import { Client } from 'pg';
import { GraphileJobQueue } from '../../src/jobs/graphile-job-queue';
import { createLogger } from '../../src/logger';

async function main(): Promise<void> {
  const [url, leaseMs] = process.argv.slice(2);
  const queue = new GraphileJobQueue(url, createLogger('silent'), 1, Number(leaseMs));
  const pg = new Client({ connectionString: url });
  await pg.connect();
  queue.work<{ n: number }>('sleep', async (payload) => {
    await pg.query('insert into queue_test_runs (n, runner) values ($1, $2)', [payload.n, 'child']);
    await new Promise(() => undefined);
  });
  await queue.start();
  process.stdout.write('started\n');
}

void main();
