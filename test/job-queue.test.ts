import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { ormConfig } from '../mikro-orm.config';
import { GraphileJobQueue } from '../src/jobs/graphile-job-queue';
import type { JobContext } from '../src/jobs/job-queue';
import { createLogger } from '../src/logger';
import { eventually } from './support/browser';
import { createTestResources, type TestResources } from './support/test-server';

/** The durable job queue on a database of its own: real PostgreSQL, real processes. */
describe('the job queue', () => {
  let resources: TestResources;
  let url: string;
  let orm: MikroORM;
  let pg: Client;
  const queues: GraphileJobQueue[] = [];
  const log = createLogger('silent');

  async function queue(leaseMs?: number): Promise<GraphileJobQueue> {
    const made = new GraphileJobQueue(url, log, 2, leaseMs);
    queues.push(made);
    return made;
  }
  const runs = async (n?: number) =>
    (await pg.query<{ n: number; runner: string }>('select n, runner from queue_test_runs where $1::int is null or n = $1 order by id', [n ?? null])).rows;

  beforeAll(async () => {
    resources = await createTestResources();
    url = resources.env.DATABASE_URL!;
    orm = await MikroORM.init(ormConfig(url, { logger: () => undefined }));
    await orm.getMigrator().up();
    pg = new Client({ connectionString: url });
    await pg.connect();
    await pg.query('create table queue_test_runs (id serial primary key, n int not null, runner text not null, attempt int)');
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.stop()));
    await pg.query('delete from queue_test_runs');
  });
  afterAll(async () => {
    await pg.end();
    await orm.close();
    await resources.remove();
  });

  it('queues in the caller transaction: a rolled-back change leaves no job, a committed one runs once', async () => {
    const worker = await queue();
    worker.work<{ n: number }>('record', async ({ n }) => void (await pg.query("insert into queue_test_runs (n, runner) values ($1, 'a')", [n])));
    await worker.start();

    await orm.em.fork().transactional(async (em) => {
      await worker.enqueue('record', { n: 1 }, {}, (sql, params) => em.getConnection().execute(sql, params, 'all', em.getTransactionContext()));
      throw new Error('roll back');
    }).catch(() => undefined);
    await orm.em.fork().transactional(async (em) => {
      await worker.enqueue('record', { n: 2 }, {}, (sql, params) => em.getConnection().execute(sql, params, 'all', em.getTransactionContext()));
    });

    await eventually(async () => expect(await runs()).toEqual([{ n: 2, runner: 'a' }]));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await runs()).toEqual([{ n: 2, runner: 'a' }]);
  });

  it('retries a failed job with backoff, and tells the handler which attempt it is', async () => {
    const worker = await queue();
    const seen: JobContext[] = [];
    worker.work<{ n: number }>('flaky', async ({ n }, job) => {
      seen.push(job);
      if (job.attempt < 3) throw new Error(`attempt ${job.attempt} fails`);
      await pg.query("insert into queue_test_runs (n, runner) values ($1, 'flaky')", [n]);
    });
    await worker.start();
    await worker.enqueue('flaky', { n: 7 }, { maxAttempts: 5 });
    // e^1 ≈ 2.7 s, then e^2 ≈ 7.4 s: the third run comes about 10 s after the first.
    await eventually(async () => expect(await runs(7)).toHaveLength(1), 20_000);
    expect(seen.map((job) => [job.attempt, job.maxAttempts])).toEqual([[1, 5], [2, 5], [3, 5]]);
  }, 30_000);

  it('two instances share the work: 40 jobs, each run once', async () => {
    const [a, b] = [await queue(), await queue()];
    for (const [worker, name] of [[a, 'a'], [b, 'b']] as const) {
      worker.work<{ n: number }>('count', async ({ n }) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        await pg.query('insert into queue_test_runs (n, runner) values ($1, $2)', [n, name]);
      });
      await worker.start();
    }
    await Promise.all(Array.from({ length: 40 }, (_, n) => a.enqueue('count', { n })));
    await eventually(async () => expect(await runs()).toHaveLength(40), 15_000);
    const done = await runs();
    expect(new Set(done.map((run) => run.n)).size).toBe(40);
    expect(new Set(done.map((run) => run.runner))).toEqual(new Set(['a', 'b']));
  }, 30_000);

  it('an instance killed (SIGKILL) in the middle of a job: another runs the job once its lease runs out', async () => {
    const leaseMs = 2000;
    let child: ChildProcess | undefined;
    try {
      child = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'test/support/queue-child.ts', url, String(leaseMs)], {
        cwd: path.join(__dirname, '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('started') && resolve()));
      // The survivor queues the job but starts its workers only once the child has it.
      const survivor = await queue(leaseMs);
      survivor.work<{ n: number }>('sleep', async ({ n }) => void (await pg.query("insert into queue_test_runs (n, runner) values ($1, 'survivor')", [n])));
      await survivor.enqueue('sleep', { n: 9 });
      await eventually(async () => expect((await runs(9)).map((run) => run.runner)).toEqual(['child']), 10_000);
      child.kill('SIGKILL');
      await survivor.start();
      await eventually(async () => expect((await runs(9)).map((run) => run.runner)).toEqual(['child', 'survivor']), 15_000);
      await new Promise((resolve) => setTimeout(resolve, 3 * leaseMs));
      expect((await runs(9)).map((run) => run.runner)).toEqual(['child', 'survivor']);
    } finally {
      child?.kill('SIGKILL');
    }
  }, 40_000);
});
