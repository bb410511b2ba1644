import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/embedded/embedded-postgres';
import { createLogger } from '../src/logger';
import { errorCode } from './support/error-code';
import { fixtures, pngOfSize } from './support/fixtures';
import { freePort } from './support/global-setup';
import { halfUpload } from './support/half-upload';
import { StoppableS3 } from './support/stoppable-s3';
import { TcpProxy } from './support/tcp-proxy';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/** On the embedded path the S3 server is an s3rver of this file's own; on the Ceph path, radosgw itself is killed. */
describe('S3 faults', () => {
  let s3: StoppableS3;
  let server: TestServer;
  beforeAll(async () => {
    s3 = await StoppableS3.start();
    server = await startTestServer({ ...s3.env(), S3_MAX_FILE_SIZE_MB: '64' });
  });
  afterAll(async () => {
    await server.stop();
    await s3.dispose();
  });

  it('S3 that accepts connections and never answers: STORAGE_UNAVAILABLE within S3_TIMEOUT_SECONDS, retries included, and no row', async () => {
    const proxy = await TcpProxy.start(s3.port);
    const timeoutSeconds = 2;
    const slow = await startTestServer({ ...s3.env(proxy.port), S3_TIMEOUT_SECONDS: String(timeoutSeconds) });
    // The SDK makes 3 attempts: a bound per attempt would answer after 3 timeouts, not 1.
    const inTime = async (work: () => Promise<string | undefined>) => {
      const started = Date.now();
      const code = await work();
      return { code, inTime: Date.now() - started < timeoutSeconds * 1000 + 1500 };
    };
    try {
      const user = someUser();
      const client = await slow.client(user);
      const stored = await slow.upload(user, { name: 'before.png', bytes: fixtures.png });
      const id = stored.data!.uploadFile.id;
      const rows = await slow.rowCount();
      proxy.mode = 'stall';

      const expected = { code: 'STORAGE_UNAVAILABLE', inTime: true };
      expect(await inTime(async () => (await slow.upload(user, { name: 'stall.png', bytes: fixtures.png })).errors?.[0].extensions?.code)).toEqual(expected);
      expect(await inTime(() => errorCode(client.request(`query($id: ID!) { fileMetadata(id: $id) { etag } }`, { id })))).toEqual(expected);
      expect(await inTime(() => errorCode(client.request(`mutation($id: ID!) { copyFile(id: $id) { id } }`, { id })))).toEqual(expected);
      expect(
        await inTime(async () => {
          const response = await fetch(`${slow.url}/files/${id}/download`, { headers: { authorization: `Bearer ${await slow.token(user)}` } });
          return ((await response.json()) as any).errors[0].extensions.code;
        }),
      ).toEqual(expected);
      expect(await slow.rowCount()).toBe(rows);
    } finally {
      proxy.mode = 'pass';
      await slow.stop().catch(() => undefined); // its bucket is the shared fault bucket: nothing to drop there
      await proxy.close();
    }
  }, 60_000);

  it('S3 stopped before an upload: STORAGE_UNAVAILABLE and no row; S3 back: the server recovers without a restart', async () => {
    const user = someUser();
    await s3.down();
    const rows = await server.rowCount();
    const answer = await server.upload(user, { name: 'down.png', bytes: fixtures.png });
    expect(answer.errors?.[0].extensions?.code).toBe('STORAGE_UNAVAILABLE');
    expect(await server.rowCount()).toBe(rows);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);

    await s3.up();
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const again = await server.upload(user, { name: 'back.png', bytes: fixtures.png });
    expect(again.data?.uploadFile.status).toBe('AVAILABLE');
    expect(await s3.keys()).toContain(again.data!.uploadFile.s3Key);
  });

  it('S3 stopped in the middle of a large upload: no row, and no parts left once it is back and the purge has run', async () => {
    const keys = await s3.keys();
    const rows = await server.rowCount();
    const upload = halfUpload(Number(new URL(server.url).port), await server.token(someUser()), pngOfSize(40 * 1024 * 1024));
    // Wait until storage holds the server's multipart upload, then pull the plug.
    for (let waited = 0; (await s3.multipartUploads()) === 0; waited++) {
      if (waited > 100) throw new Error('the upload never reached storage');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await s3.down();
    upload.finish();
    const answer = JSON.parse(await upload.response);
    expect(answer.errors[0].extensions.code).toBe('STORAGE_UNAVAILABLE');
    expect(await server.rowCount()).toBe(rows);

    await s3.up();
    // The abort could not reach storage while it was down: the purge's sweep of unclaimed uploads removes the parts.
    await server.app.purger.run({ now: new Date(Date.now() + 2 * 86_400_000) });
    expect(await s3.multipartUploads()).toBe(0);
    expect(await s3.keys()).toEqual(keys);
  });

});

describe('PostgreSQL faults', () => {
  let dataDir: string;
  let port: number;
  let postgres: EmbeddedPostgres;
  let s3: StoppableS3;
  let server: TestServer;
  const log = createLogger('silent');

  beforeAll(async () => {
    dataDir = path.join(process.env.TEST_SCRATCH_DIR!, `faults-pg-${randomBytes(4).toString('hex')}`);
    port = await freePort();
    postgres = await startEmbeddedPostgres({ dataDir, port, log });
    s3 = await StoppableS3.start();
    server = await startTestServer({ ...s3.env(), DATABASE_URL: postgres.url });
  }, 30_000);
  afterAll(async () => {
    await server.stop();
    await postgres.stop();
    await s3.dispose();
  });

  it('PostgreSQL stopped before an upload: STORAGE_UNAVAILABLE and no object; back: the server recovers', async () => {
    const user = someUser();
    await postgres.stop();
    const keys = await s3.keys();
    const answer = await server.upload(user, { name: 'nodb.png', bytes: fixtures.png });
    expect(answer.errors?.[0]).toMatchObject({ message: 'The file database is unavailable, try again later', extensions: { code: 'STORAGE_UNAVAILABLE' } });
    expect(await s3.keys()).toEqual(keys);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);

    postgres = await startEmbeddedPostgres({ dataDir, port, log });
    let again = await server.upload(user, { name: 'db-back.png', bytes: fixtures.png });
    // The pool may hand out one connection that died with the old server before it notices.
    if (again.errors) again = await server.upload(user, { name: 'db-back.png', bytes: fixtures.png });
    expect(again.data?.uploadFile.status).toBe('AVAILABLE');
  }, 30_000);
});
