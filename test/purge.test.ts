import { CreateMultipartUploadCommand, DeleteObjectCommand, ListPartsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Client } from 'pg';
import { fixtures, pngOfSize } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

const DAY = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY);

/** A server of its own per test: the purge sees the whole table and bucket. */
let server: TestServer;
beforeEach(async () => {
  server = await startTestServer({ SOFT_DELETE_RETENTION_DAYS: '30', MULTIPART_PART_SIZE_MB: '5', S3_MAX_FILE_SIZE_MB: '64' });
});
afterEach(() => server.stop());

async function upload(user: string, name = 'a.png'): Promise<{ id: string; s3Key: string }> {
  const answer = await server.upload(user, { name, bytes: fixtures.png });
  return answer.data!.uploadFile;
}

async function softDelete(user: string, id: string): Promise<void> {
  await (await server.client(user)).request(`mutation($id: ID!) { deleteFile(id: $id) }`, { id });
}

/** A direct upload requested, PUT, and never completed. */
async function abandonedDirectUpload(user: string): Promise<{ id: string; s3Key: string }> {
  const client = await server.client(user);
  const { requestUpload } = await client.request<any>(`mutation { requestUpload(input: { filename: "never.png", contentType: "image/png", size: ${fixtures.png.length} }) { url headers file { id s3Key } } }`);
  await fetch(requestUpload.url, { method: 'PUT', headers: requestUpload.headers, body: new Uint8Array(fixtures.png) });
  return requestUpload.file;
}

/** A resumable upload with one part in storage, never completed. */
async function abandonedMultipartUpload(user: string): Promise<{ id: string; s3Key: string; uploadId: string }> {
  const client = await server.client(user);
  const { requestMultipartUpload } = await client.request<any>(`mutation { requestMultipartUpload(input: { filename: "big.png", contentType: "image/png", size: ${12 * 1024 * 1024} }) { file { id s3Key } } }`);
  const { signUploadParts } = await client.request<any>(`mutation($id: ID!) { signUploadParts(id: $id, partNumbers: [1]) { url } }`, { id: requestMultipartUpload.file.id });
  await fetch(signUploadParts[0].url, { method: 'PUT', body: new Uint8Array(pngOfSize(5 * 1024 * 1024)) });
  const rows = await server.app.orm.em.getConnection().execute('select multipart_upload_id from files where id = ?', [requestMultipartUpload.file.id]);
  return { ...requestMultipartUpload.file, uploadId: rows[0].multipart_upload_id };
}

describe('purge', () => {
  it('removes soft-deleted files past retention and expired uploads (with their parts), and nothing else', async () => {
    const user = someUser();
    const kept = await upload(user, 'kept.png');
    const deleted = await upload(user, 'deleted.png');
    await softDelete(user, deleted.id);
    const direct = await abandonedDirectUpload(user);
    const multipart = await abandonedMultipartUpload(user);

    // Today nothing has expired yet.
    const today = await server.app.purger.run();
    expect([today.expiredDeleted, today.expiredUploads]).toEqual([[], []]);

    // 31 days on (uploads expire after a day, deleted files after 30).
    const report = await server.app.purger.run({ now: inDays(31) });
    expect(report.skipped).toBe(false);
    expect(report.expiredDeleted).toEqual([deleted.id]);
    expect(report.expiredUploads.sort()).toEqual([direct.id, multipart.id].sort());
    expect(await server.objectKeys()).toEqual([kept.s3Key]);
    expect(await server.rowCount()).toBe(1);
    await expect(server.s3.send(new ListPartsCommand({ Bucket: server.config.s3.bucket, Key: multipart.s3Key, UploadId: multipart.uploadId }))).rejects.toMatchObject({ name: expect.stringMatching(/^NoSuch(Upload|Key)$/) }); // RGW says NoSuchKey
  });

  it('changes nothing in a dry run, and reports what it would do', async () => {
    const user = someUser();
    const deleted = await upload(user);
    await softDelete(user, deleted.id);
    const direct = await abandonedDirectUpload(user);
    const keys = await server.objectKeys();

    const report = await server.app.purger.run({ now: inDays(31), dryRun: true });
    expect(report).toMatchObject({ dryRun: true, expiredDeleted: [deleted.id], expiredUploads: [direct.id] });
    expect(await server.objectKeys()).toEqual(keys);
    expect(await server.rowCount()).toBe(2);
  });

  it('skips while another purge holds the lock, and two runs at once do the work once', async () => {
    const user = someUser();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const file = await upload(user, `f${i}.png`);
      await softDelete(user, file.id);
      ids.push(file.id);
    }
    const other = new Client({ connectionString: server.config.database.url });
    await other.connect();
    try {
      await other.query('select pg_advisory_lock($1)', [0x66696c65]);
      expect((await server.app.purger.run({ now: inDays(31) })).skipped).toBe(true);
      expect(await server.rowCount()).toBe(6);
      await other.query('select pg_advisory_unlock($1)', [0x66696c65]);
    } finally {
      await other.end();
    }

    const [first, second] = await Promise.all([server.app.purger.run({ now: inDays(31) }), server.app.purger.run({ now: inDays(31) })]);
    expect([...first.expiredDeleted, ...second.expiredDeleted].sort()).toEqual(ids.sort());
    expect(await server.rowCount()).toBe(0);
    expect(await server.objectKeys()).toEqual([]);
  });

  it('reports orphans on both sides, and deletes them only when asked', async () => {
    const user = someUser();
    const bucket = server.config.s3.bucket;
    await server.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'stray/object.bin', Body: 'no row for me' }));
    const lost = await upload(user, 'lost.png');
    await server.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: lost.s3Key }));
    const healthy = await upload(user, 'healthy.png');
    const { UploadId } = await server.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'stray/multipart.bin' }));

    // Today everything is too fresh to be called an orphan.
    expect(await server.app.purger.run()).toMatchObject({ orphanObjects: [], orphanRows: [], abandonedMultipart: [] });

    const reported = await server.app.purger.run({ now: inDays(2) });
    expect(reported).toMatchObject({ orphanObjects: ['stray/object.bin'], orphanRows: [lost.id], abandonedMultipart: [UploadId] });
    expect((await server.objectKeys()).sort()).toEqual([healthy.s3Key, 'stray/object.bin'].sort());
    expect(await server.rowCount()).toBe(2);

    await server.app.purger.run({ now: inDays(2), deleteOrphans: true });
    expect(await server.objectKeys()).toEqual([healthy.s3Key]);
    expect(await server.rowCount()).toBe(1);
  });
});

describe('purge on a schedule (PURGE_INTERVAL)', () => {
  it('runs inside the server', async () => {
    const scheduled = await startTestServer({ PURGE_INTERVAL: '1', S3_PRESIGNED_URL_EXPIRY: '1' });
    try {
      const client = await scheduled.client(someUser());
      await client.request(`mutation { requestUpload(input: { filename: "soon.png", contentType: "image/png", size: 10 }) { url } }`);
      expect(await scheduled.rowCount()).toBe(1);
      for (let waited = 0; waited < 50 && (await scheduled.rowCount()) > 0; waited++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await scheduled.rowCount()).toBe(0);
    } finally {
      await scheduled.stop();
    }
  });
});
