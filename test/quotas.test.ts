import { Client } from 'pg';
import { pngOfSize } from './support/fixtures';
import { ask, nothingLeft } from './support/answers';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/*
 * Quotas (issue 17, first slice): usage kept by the database in the
 * transactions that change files, every path checked against it, race-free
 * across instances.
 */

let server: TestServer;
let other: TestServer; // a second instance on the same database and bucket
const admin = 'quota-admin';

beforeAll(async () => {
  server = await startTestServer({ S3_MAX_FILE_SIZE_MB: '5' });
  other = await startTestServer({ S3_MAX_FILE_SIZE_MB: '5' }, { shareWith: server });
});
afterAll(async () => {
  await other.stop();
  await server.stop();
});

const USAGE = 'query ($ownerId: ID) { storageUsage(ownerId: $ownerId) { usedBytes fileCount quotaBytes quotaFiles } }';
const SET_QUOTA = 'mutation ($ownerId: ID!, $b: SafeInt, $f: Int) { setQuota(ownerId: $ownerId, quotaBytes: $b, quotaFiles: $f) { usedBytes fileCount quotaBytes quotaFiles } }';


/** As `as`, on the first instance. */
const gql = (as: string, query: string, variables: Record<string, unknown> = {}, options: { admin?: boolean } = {}) => ask(server, as, query, variables, options);

const usageOf = async (user: string) => (await gql(user, USAGE)).data.storageUsage;
const setQuota = (user: string, quotaBytes: number | null, quotaFiles: number | null = null) => gql(admin, SET_QUOTA, { ownerId: user, b: quotaBytes, f: quotaFiles }, { admin: true });


describe('storage usage and quotas', () => {
  it('counts stored files, the trash and pending uploads\' declared sizes, and releases them', async () => {
    const user = someUser();
    expect(await usageOf(user)).toEqual({ usedBytes: 0, fileCount: 0, quotaBytes: null, quotaFiles: null });
    const kept = (await server.upload(user, { name: 'a.png', bytes: pngOfSize(1000) })).data!.uploadFile;
    const trashed = (await server.upload(user, { name: 'b.png', bytes: pngOfSize(2000) })).data!.uploadFile;
    await gql(user, 'mutation ($id: ID!) { deleteFile(id: $id) }', { id: trashed.id });
    const ticket = (await gql(user, 'mutation { requestUpload(input: { filename: "c.png", contentType: "image/png", size: 4000 }) { file { id } } }')).data.requestUpload;
    expect(await usageOf(user)).toMatchObject({ usedBytes: 7000, fileCount: 3 });
    await gql(user, 'mutation ($id: ID!) { abortUpload(id: $id) }', { id: ticket.file.id });
    await gql(user, 'mutation ($id: ID!) { deleteFile(id: $id, hardDelete: true) }', { id: trashed.id });
    expect(await usageOf(user)).toMatchObject({ usedBytes: 1000, fileCount: 1 });
    expect(kept.size).toBe(1000);
  });

  it('lets only administrators set quotas or read another user\'s usage', async () => {
    const user = someUser();
    expect(await gql(user, SET_QUOTA, { ownerId: user, b: 10 })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await gql(user, USAGE, { ownerId: 'someone-else' })).toMatchObject({ code: 'FORBIDDEN' });
    expect((await setQuota(user, 5000, 3)).data.setQuota).toEqual({ usedBytes: 0, fileCount: 0, quotaBytes: 5000, quotaFiles: 3 });
    expect((await gql(admin, USAGE, { ownerId: user }, { admin: true })).data.storageUsage.quotaBytes).toBe(5000);
    expect((await setQuota(user, null, null)).data.setQuota).toMatchObject({ quotaBytes: null, quotaFiles: null });
    expect(await setQuota(user, -1)).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('refuses each path one byte over the quota, leaving nothing, and takes exactly what fits', async () => {
    const user = someUser();
    await setQuota(user, 10_000);
    await server.upload(user, { name: 'first.png', bytes: pngOfSize(6000) });
    // 4000 bytes left.
    const streamed = await nothingLeft(server, () => server.upload(user, { name: 'over.png', bytes: pngOfSize(4001) }));
    expect(streamed.errors?.[0].extensions?.code).toBe('QUOTA_EXCEEDED');
    const declared = await nothingLeft(server, () => server.upload(user, { name: 'over.png', bytes: pngOfSize(4001) }, { size: 4001 }));
    expect(declared.errors?.[0].extensions?.code).toBe('QUOTA_EXCEEDED');
    const direct = await nothingLeft(server, () => gql(user, 'mutation { requestUpload(input: { filename: "d.png", contentType: "image/png", size: 4001 }) { url } }'));
    expect(direct.code).toBe('QUOTA_EXCEEDED');
    const resumable = await nothingLeft(server, () => gql(user, 'mutation { requestMultipartUpload(input: { filename: "r.png", contentType: "image/png", size: 4001 }) { partSize } }'));
    expect(resumable.code).toBe('QUOTA_EXCEEDED');
    const big = (await server.upload(user, { name: 'fits.png', bytes: pngOfSize(4000) })).data!.uploadFile;
    expect(await usageOf(user)).toMatchObject({ usedBytes: 10_000, fileCount: 2, quotaBytes: 10_000 });
    // A copy counts too.
    const copy = await nothingLeft(server, () => gql(user, 'mutation ($id: ID!) { copyFile(id: $id) { id } }', { id: big.id }));
    expect(copy.code).toBe('QUOTA_EXCEEDED');
  });

  it('stops a large streamed upload (several parts in flight) as soon as it passes the quota, leaving nothing', async () => {
    const user = someUser();
    await setQuota(user, 18 * 1024 * 1024); // two 8 MiB parts are written before the bytes pass it
    const big = await startTestServer({ S3_MAX_FILE_SIZE_MB: '40' }, { shareWith: server });
    try {
      const rows = await server.rowCount();
      const answer = await big.upload(user, { name: 'big.png', bytes: pngOfSize(20 * 1024 * 1024) });
      expect(answer.errors?.[0].extensions?.code).toBe('QUOTA_EXCEEDED');
      expect(answer.errors?.[0].message).toMatch(/only 18874368 bytes are left/);
      expect(await server.rowCount()).toBe(rows);
      expect((await server.objectKeys()).some((key) => key.endsWith('big.png'))).toBe(false);
      expect(await usageOf(user)).toMatchObject({ usedBytes: 0, fileCount: 0 });
    } finally {
      await big.stop();
    }
  });

  it('releases a reservation the client never completed (a crash, a closed tab) when the purge removes it', async () => {
    const user = someUser();
    await gql(user, 'mutation { requestUpload(input: { filename: "left.png", contentType: "image/png", size: 4000 }) { file { id } } }');
    expect(await usageOf(user)).toMatchObject({ usedBytes: 4000, fileCount: 1 });
    const report = await server.app.purger.run({ now: new Date(Date.now() + 2 * 86_400_000) });
    expect(report.expiredUploads.length).toBeGreaterThan(0);
    expect(await usageOf(user)).toMatchObject({ usedBytes: 0, fileCount: 0 });
  });

  it('a file quota counts files, and a quota set below usage refuses new uploads and deletes nothing', async () => {
    const user = someUser();
    await server.upload(user, { name: 'one.png', bytes: pngOfSize(500) });
    await server.upload(user, { name: 'two.png', bytes: pngOfSize(500) });
    await setQuota(user, null, 2);
    const third = await nothingLeft(server, () => server.upload(user, { name: 'three.png', bytes: pngOfSize(500) }));
    expect(third.errors?.[0].extensions?.code).toBe('QUOTA_EXCEEDED');
    await setQuota(user, 100, null);
    expect((await server.upload(user, { name: 'small.png', bytes: pngOfSize(200) })).errors?.[0].extensions?.code).toBe('QUOTA_EXCEEDED');
    expect(await usageOf(user)).toMatchObject({ usedBytes: 1000, fileCount: 2, quotaBytes: 100 });
  });

  it('sets a usage that drifted (a hand edit) right from the rows, in the purge', async () => {
    const user = someUser();
    await server.upload(user, { name: 'real.png', bytes: pngOfSize(3000) });
    const pg = new Client({ connectionString: server.config.database.url });
    await pg.connect();
    try {
      await pg.query('update storage_usage set used_bytes = 999999, file_count = 7 where owner_id = $1', [user]);
    } finally {
      await pg.end();
    }
    expect(await usageOf(user)).toMatchObject({ usedBytes: 999_999, fileCount: 7 });
    const report = await server.app.purger.run();
    expect(report.usageCorrected).toEqual([user]);
    expect(await usageOf(user)).toMatchObject({ usedBytes: 3000, fileCount: 1 });
    expect((await server.app.purger.run()).usageCorrected).toEqual([]);
  });

  it('lets exactly the uploads that fit pass when 20 race for the last bytes on two instances', async () => {
    const user = someUser();
    await setQuota(user, 10 * 1000 + 500);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? other : server).upload(user, { name: `race-${i}.png`, bytes: pngOfSize(1000) })),
    );
    const stored = answers.filter((answer) => answer.data?.uploadFile);
    expect(stored).toHaveLength(10);
    expect(answers.filter((answer) => answer.errors?.[0].extensions?.code === 'QUOTA_EXCEEDED')).toHaveLength(10);
    expect(await usageOf(user)).toMatchObject({ usedBytes: 10_000, fileCount: 10 });
  });
});
