import { PassThrough } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Client } from 'pg';
import { fixtures } from './support/fixtures';
import { translucentPng } from './support/images';
import { ask as askAs } from './support/answers';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/*
 * An object replaced in storage behind the server's back (issue 18, item 13):
 * every read the server makes names the object the file was made of (If-Match
 * with the ETag recorded when it became available), so the other bytes are never
 * served as the file's, on the embedded S3 and on Ceph RGW alike.
 */

let server: TestServer;
let log = '';
const owner = someUser();

beforeAll(async () => {
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => (log += chunk.toString()));
  server = await startTestServer({ LOG_LEVEL: 'info' }, { logTo: sink });
});
afterAll(() => server.stop());

const IMPOSTOR = Buffer.from('These are not the bytes that were uploaded; there are more of them, too.\n'.repeat(4));

async function uploaded(name: string, bytes: Buffer): Promise<{ id: string; s3Key: string }> {
  return (await server.upload(owner, { name, bytes })).data!.uploadFile;
}

/** What someone with write access to the bucket does, the server unaware. */
async function replaceObject(key: string): Promise<void> {
  await server.s3.send(new PutObjectCommand({ Bucket: server.resources.bucket, Key: key, Body: IMPOSTOR, ContentType: 'text/plain' }));
}

const ask = (query: string, variables: Record<string, unknown>) => askAs(server, owner, query, variables);

async function download(id: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; json?: any }> {
  const response = await fetch(`${server.url}/files/${id}/download`, { headers: { authorization: `Bearer ${await server.token(owner)}`, ...headers } });
  const body = Buffer.from(await response.arrayBuffer());
  const json = response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(body.toString()) : undefined;
  return { status: response.status, body, json };
}

const mismatches = () => log.split('\n').filter((line) => line.includes('"event":"integrity_mismatch"'));

describe('an object replaced in storage behind the server\'s back', () => {
  it('is refused by every read (download, range, metadata, copy, renditions), logged and counted, and nothing is left of a copy', async () => {
    const file = await uploaded('notes.txt', fixtures.txt);
    const image = await uploaded('picture.png', await translucentPng());
    expect((await download(file.id)).body.equals(fixtures.txt)).toBe(true);
    const before = mismatches().length;
    await replaceObject(file.s3Key);
    await replaceObject(image.s3Key);

    const whole = await download(file.id);
    expect([whole.status, whole.json?.errors?.[0]?.extensions?.code]).toEqual([500, 'INTERNAL_SERVER_ERROR']);
    expect(whole.json.errors[0].message).toMatch(/changed outside this server/);
    expect(whole.body.includes('not the bytes')).toBe(false);
    expect((await download(file.id, { range: 'bytes=0-9' })).status).toBe(500);

    expect(await ask('query ($id: ID!) { fileMetadata(id: $id) { fileSize } }', { id: file.id })).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: expect.stringMatching(/changed outside/) });

    const rows = await server.rowCount();
    const keys = await server.objectKeys();
    expect(await ask('mutation ($id: ID!) { copyFile(id: $id) { id } }', { id: file.id })).toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    expect(await server.rowCount()).toBe(rows);
    expect(await server.objectKeys()).toEqual(keys);

    const { data } = await ask('query ($id: ID!) { file(id: $id) { imageUrl(transform: { width: 20 }) } }', { id: image.id });
    const rendition = await fetch(data.file.imageUrl);
    expect(rendition.status).toBe(500);
    expect((await server.objectKeys()).filter((key) => key.startsWith(`.renditions/${image.id}/`))).toEqual([]);

    const logged = mismatches().slice(before).map((line) => JSON.parse(line));
    // Two downloads and a rendition read (GetObject); metadata and the copy's check of its source (HeadObject).
    expect(logged.map((line) => line.operation).sort()).toEqual(['GetObject', 'GetObject', 'GetObject', 'HeadObject', 'HeadObject']);
    expect(logged.every((line) => line.key === file.s3Key || line.key === image.s3Key)).toBe(true);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/integrity_mismatches_total\{operation="GetObject"\} [1-9]/);
  });

  it('while files nobody touched are served as before: whole, by range, revalidated, copied', async () => {
    const file = await uploaded('fine.txt', fixtures.txt);
    const whole = await download(file.id);
    expect([whole.status, whole.body.equals(fixtures.txt)]).toEqual([200, true]);
    expect((await download(file.id, { range: 'bytes=0-4' })).body.equals(fixtures.txt.subarray(0, 5))).toBe(true);
    const etag = (await fetch(`${server.url}/files/${file.id}/download`, { headers: { authorization: `Bearer ${await server.token(owner)}` } })).headers.get('etag')!;
    expect((await download(file.id, { 'if-none-match': etag })).status).toBe(304);
    const copy = await ask('mutation ($id: ID!) { copyFile(id: $id) { id } }', { id: file.id });
    expect((await download(copy.data.copyFile.id)).body.equals(fixtures.txt)).toBe(true);
  });

  it('a file stored before ETags were recorded (object_etag null) is still served', async () => {
    const file = await uploaded('legacy.txt', fixtures.txt);
    const pg = new Client({ connectionString: server.config.database.url });
    await pg.connect();
    try {
      const { rows } = await pg.query('select object_etag from files where id = $1', [file.id]);
      expect(rows[0].object_etag).toMatch(/^"?[0-9a-f-]+"?$/);
      await pg.query('update files set object_etag = null where id = $1', [file.id]);
    } finally {
      await pg.end();
    }
    expect((await download(file.id)).body.equals(fixtures.txt)).toBe(true);
  });
});
