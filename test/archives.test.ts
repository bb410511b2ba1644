import { randomUUID } from 'node:crypto';
import { pngOfSize } from './support/fixtures';
import { ask, nothingLeft } from './support/answers';
import { readZip } from './support/zip';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/*
 * ZIP archives (issue 15): createArchive fixes the list, GET /archives/:token
 * builds the ZIP as it sends it, with a Content-Length and Range.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ ARCHIVE_MAX_FILES: '5', ARCHIVE_MAX_BYTES: '200000' });
});
afterAll(async () => {
  await server.stop();
});

const gql = (as: string, query: string, variables: Record<string, unknown> = {}) => ask(server, as, query, variables);
const CREATE = 'mutation ($ids: [ID!], $folder: String, $name: String) { createArchive(ids: $ids, folder: $folder, name: $name) { url method expiresAt } }';

async function upload(user: string, name: string, folder?: string, input: Record<string, unknown> = {}): Promise<{ id: string; s3Key: string }> {
  const answer = await server.upload(user, { name, bytes: pngOfSize(1000 + Math.floor(Math.random() * 1000)) }, { ...input, ...(folder ? { folder } : {}) });
  if (!answer.data?.uploadFile) throw new Error(JSON.stringify(answer.errors));
  return answer.data.uploadFile;
}

async function archiveUrl(user: string, variables: Record<string, unknown>): Promise<string> {
  const answer = await gql(user, CREATE, variables);
  if (!answer.data) throw new Error(`${answer.code}: ${answer.message}`);
  expect(answer.data.createArchive.method).toBe('GET');
  return answer.data.createArchive.url;
}

async function fetchBytes(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

const contentOf = async (key: string) => server.objectBytes(key);

describe('createArchive and GET /archives/:token', () => {
  it('streams a ZIP of the named files, keeping their folders, with distinct names for duplicates', async () => {
    const user = someUser();
    const a = await upload(user, 'same.png', 'docs');
    const b = await upload(user, 'same.png', 'docs');
    const c = await upload(user, 'top.png');
    const url = await archiveUrl(user, { ids: [a.id, b.id, c.id], name: 'my files' });
    const answer = await fetchBytes(url);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/zip');
    expect(Number(answer.headers.get('content-length'))).toBe(answer.body.length);
    expect(answer.headers.get('content-disposition')).toContain('my_files.zip');
    const entries = await readZip(answer.body);
    expect([...entries.keys()]).toEqual(['docs/same.png', 'docs/same (2).png', 'top.png']);
    expect(entries.get('docs/same.png')!.equals(await contentOf(a.s3Key))).toBe(true);
    expect(entries.get('docs/same (2).png')!.equals(await contentOf(b.s3Key))).toBe(true);
    expect(entries.get('top.png')!.equals(await contentOf(c.s3Key))).toBe(true);
  });

  it('archives a folder\'s subtree with paths relative to it, never a folder that only starts alike', async () => {
    const user = someUser();
    await upload(user, 'a.png', 'photos');
    await upload(user, 'b.png', 'photos/2024');
    await upload(user, 'c.png', 'photosets');
    const trashed = await upload(user, 'd.png', 'photos');
    await gql(user, 'mutation ($id: ID!) { deleteFile(id: $id) }', { id: trashed.id });
    const answer = await fetchBytes(await archiveUrl(user, { folder: 'photos' }));
    expect(answer.headers.get('content-disposition')).toContain('photos.zip');
    expect([...(await readZip(answer.body)).keys()]).toEqual(['a.png', '2024/b.png']);
  });

  it('leaves out another user\'s private file, as if it did not exist, and a missing id', async () => {
    const user = someUser();
    const mine = await upload(user, 'mine.png');
    const theirs = await upload(someUser(), 'theirs.png');
    const shared = await upload(someUser(), 'shared.png', undefined, { isPublic: true });
    const answer = await fetchBytes(await archiveUrl(user, { ids: [theirs.id, mine.id, randomUUID(), shared.id] }));
    expect([...(await readZip(answer.body)).keys()]).toEqual(['mine.png', 'shared.png']);
  });

  it('answers a Range (a resumed download) with the same bytes, and 416 past the end', async () => {
    const user = someUser();
    const files = [await upload(user, 'one.png'), await upload(user, 'two.png'), await upload(user, 'three.png')];
    const url = await archiveUrl(user, { ids: files.map((file) => file.id) });
    const whole = await fetchBytes(url);
    const etag = whole.headers.get('etag')!;
    for (const start of [0, 1, 30, 1500, whole.body.length - 22, whole.body.length - 1]) {
      const part = await fetchBytes(url, { range: `bytes=${start}-`, 'if-range': etag });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes ${start}-${whole.body.length - 1}/${whole.body.length}`);
      expect(part.body.equals(whole.body.subarray(start))).toBe(true);
    }
    const middle = await fetchBytes(url, { range: 'bytes=100-2100' });
    expect(middle.body.equals(whole.body.subarray(100, 2101))).toBe(true);
    const past = await fetchBytes(url, { range: `bytes=${whole.body.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${whole.body.length}`);
    // A copy of another archive: the whole of this one.
    const other = await fetchBytes(url, { range: 'bytes=10-', 'if-range': '"archive-something-else"' });
    expect(other.status).toBe(200);
    expect(other.body.equals(whole.body)).toBe(true);
  });

  it('refuses a tampered URL (404), an expired one and one whose file was deleted since (410), before the first byte', async () => {
    const user = someUser();
    const file = await upload(user, 'a.png');
    const url = await archiveUrl(user, { ids: [file.id] });
    const mac = url.slice(url.lastIndexOf('.') + 1);
    const tampered = `${url.slice(0, url.lastIndexOf('.') + 1)}${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    expect((await fetchBytes(tampered)).status).toBe(404);
    expect((await fetchBytes(url.replace(/\/archives\/[^.]+/, `/archives/${randomUUID()}`))).status).toBe(404);

    await gql(user, 'mutation ($id: ID!) { deleteFile(id: $id) }', { id: file.id });
    const deleted = await fetchBytes(url);
    expect(deleted.status).toBe(410);
    expect(JSON.parse(deleted.body.toString()).errors[0].message).toMatch(/deleted or replaced/);

    const kept = await upload(user, 'b.png');
    const expiring = await archiveUrl(user, { ids: [kept.id] });
    await server.app.orm.em.getConnection().execute("update archives set expires_at = now() - interval '1 second'");
    const expired = await fetchBytes(expiring);
    expect(expired.status).toBe(410);
    expect(JSON.parse(expired.body.toString()).errors[0].message).toMatch(/expired/);
    expect((await server.app.purger.run()).expiredArchives).toBeGreaterThanOrEqual(2);
    expect((await fetchBytes(expiring)).status).toBe(404);
  });

  it('refuses ARCHIVE_MAX_FILES, ARCHIVE_MAX_BYTES, ids and a folder at once, or neither, an id twice, and a bad folder, writing nothing to storage', async () => {
    const user = someUser();
    const files: { id: string }[] = [];
    for (let i = 0; i < 6; i++) files.push(await upload(user, `f${i}.png`, 'many'));
    await nothingLeft(server, async () => {
      expect(await gql(user, CREATE, { ids: files.map((f) => f.id) })).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(await gql(user, CREATE, { folder: 'many' })).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('ARCHIVE_MAX_FILES') });
      expect(await gql(user, CREATE, { ids: [files[0].id], folder: 'many' })).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(await gql(user, CREATE, {})).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(await gql(user, CREATE, { ids: [files[0].id, files[0].id] })).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(await gql(user, CREATE, { folder: '../many' })).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(await gql(null as unknown as string, CREATE, { folder: 'many' })).toMatchObject({ code: 'UNAUTHENTICATED' });
    });
    const big: { id: string }[] = [];
    for (let i = 0; i < 3; i++) big.push((await server.upload(user, { name: `big${i}.png`, bytes: pngOfSize(90_000) })).data!.uploadFile);
    expect(await gql(user, CREATE, { ids: big.map((f) => f.id) })).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('ARCHIVE_MAX_BYTES') });
  });
});
