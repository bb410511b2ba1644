import { createHash } from 'node:crypto';
import { fixtures, pngOfSize } from './support/fixtures';
import { errorCode } from './support/error-code';
import { someUser, startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const REQUEST = `mutation($input: RequestUploadInput!) {
  requestUpload(input: $input) { url method headers expiresAt file { id status s3Key size contentType } }
}`;
const COMPLETE = `mutation($id: ID!) { completeUpload(id: $id) { id status size contentType checksumSha256 serverSideEncryption } }`;


async function put(ticket: { url: string; headers: Record<string, string> }, body: Buffer): Promise<Response> {
  return fetch(ticket.url, { method: 'PUT', headers: ticket.headers, body: new Uint8Array(body) });
}

describe('requestUpload + PUT + completeUpload (direct to storage)', () => {
  it('issues a signed PUT binding type and length; completing makes the file AVAILABLE', async () => {
    const user = someUser();
    const client = await server.client(user);
    const { requestUpload: ticket } = await client.request<any>(REQUEST, {
      input: { filename: 'holiday.png', contentType: 'image/png', size: fixtures.png.length, folder: 'direct', metadata: { via: 'browser' } },
    });
    expect(ticket.method).toBe('PUT');
    expect(ticket.headers).toEqual({ 'Content-Type': 'image/png', 'If-None-Match': '*', 'x-amz-server-side-encryption': 'AES256' });
    expect(ticket.file).toMatchObject({ status: 'PENDING', size: fixtures.png.length, contentType: 'image/png' });
    expect(new URL(ticket.url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host;if-none-match;x-amz-server-side-encryption');

    // Hidden from listings while pending.
    expect((await client.request<any>('{ files { totalCount } }')).files.totalCount).toBe(0);
    expect((await put(ticket, fixtures.png)).status).toBe(200);
    const { completeUpload } = await client.request<any>(COMPLETE, { id: ticket.file.id });
    expect(completeUpload).toMatchObject({ status: 'AVAILABLE', size: fixtures.png.length, contentType: 'image/png', checksumSha256: createHash('sha256').update(fixtures.png).digest('hex'), serverSideEncryption: 'AES256' });
    expect(await server.objectBytes(ticket.file.s3Key)).toEqual(fixtures.png);
    // Completing twice is harmless.
    expect((await client.request<any>(COMPLETE, { id: ticket.file.id })).completeUpload.status).toBe('AVAILABLE');
  });

  it.each([
    ['a size over the limit', { filename: 'big.png', contentType: 'image/png', size: 1024 * 1024 + 1 }, 'FILE_TOO_LARGE'],
    ['a disallowed extension', { filename: 'x.exe', contentType: 'application/x-msdownload', size: 10 }, 'UNSUPPORTED_FILE_TYPE'],
    ['a type that does not match the extension', { filename: 'x.png', contentType: 'application/pdf', size: 10 }, 'UNSUPPORTED_FILE_TYPE'],
    ['a size of zero', { filename: 'x.png', contentType: 'image/png', size: 0 }, 'BAD_USER_INPUT'],
    ['a negative size', { filename: 'x.png', contentType: 'image/png', size: -1 }, 'BAD_USER_INPUT'],
    ['an unsafe folder', { filename: 'x.png', contentType: 'image/png', size: 10, folder: '../x' }, 'BAD_USER_INPUT'],
  ])('refuses %s up front, leaving nothing', async (_case, input, code) => {
    const rows = await server.rowCount();
    expect(await errorCode((await server.client(someUser())).request(REQUEST, { input }))).toBe(code);
    expect(await server.rowCount()).toBe(rows);
  });

  it('refuses, then deletes, a completed upload whose content is not what its name says', async () => {
    const user = someUser();
    const client = await server.client(user);
    const { requestUpload: ticket } = await client.request<any>(REQUEST, { input: { filename: 'report.pdf', contentType: 'application/pdf', size: fixtures.exe.length } });
    expect((await put(ticket, fixtures.exe)).status).toBe(200);
    expect(await errorCode(client.request(COMPLETE, { id: ticket.file.id }))).toBe('UNSUPPORTED_FILE_TYPE');
    expect(await server.objectKeys()).not.toContain(ticket.file.s3Key);
    expect((await client.request<any>(`query($id: ID!) { file(id: $id) { id } }`, { id: ticket.file.id })).file).toBeNull();
  });

  it('refuses a body of another length than declared: storage, since the length is signed', async () => {
    const user = someUser();
    const client = await server.client(user);
    const { requestUpload: ticket } = await client.request<any>(REQUEST, { input: { filename: 'a.png', contentType: 'image/png', size: 1000 } });
    expect((await put(ticket, pngOfSize(2000))).status).toBe(403);
    expect(await server.objectKeys()).not.toContain(ticket.file.s3Key);
    expect(await errorCode(client.request(COMPLETE, { id: ticket.file.id }))).toBe('BAD_USER_INPUT');
  });

  it('answers completeUpload before any PUT with BAD_USER_INPUT and keeps the ticket usable', async () => {
    const user = someUser();
    const client = await server.client(user);
    const { requestUpload: ticket } = await client.request<any>(REQUEST, { input: { filename: 'late.txt', contentType: 'text/plain', size: fixtures.txt.length } });
    expect(await errorCode(client.request(COMPLETE, { id: ticket.file.id }))).toBe('BAD_USER_INPUT');
    expect((await put(ticket, fixtures.txt)).status).toBe(200);
    expect((await client.request<any>(COMPLETE, { id: ticket.file.id })).completeUpload.status).toBe('AVAILABLE');
  });

  it('lets only the owner complete an upload; to anyone else it does not exist', async () => {
    const owner = await server.client(someUser());
    const { requestUpload: ticket } = await owner.request<any>(REQUEST, { input: { filename: 'mine.png', contentType: 'image/png', size: fixtures.png.length } });
    expect(await errorCode((await server.client(someUser())).request(COMPLETE, { id: ticket.file.id }))).toBe('NOT_FOUND');
  });

  it('refuses an expired upload on completion and removes it', async () => {
    const quick = await startTestServer({ S3_PRESIGNED_URL_EXPIRY: '1' });
    try {
      const client = await quick.client(someUser());
      const { requestUpload: ticket } = await client.request<any>(REQUEST, { input: { filename: 'slow.png', contentType: 'image/png', size: fixtures.png.length } });
      expect((await put(ticket, fixtures.png)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await errorCode(client.request(COMPLETE, { id: ticket.file.id }))).toBe('BAD_USER_INPUT');
      expect(await quick.objectKeys()).toEqual([]);
      expect(await quick.rowCount()).toBe(0);
    } finally {
      await quick.stop();
    }
  });

  it('removes a pending upload when it is deleted', async () => {
    const client = await server.client(someUser());
    const { requestUpload: ticket } = await client.request<any>(REQUEST, { input: { filename: 'gone.png', contentType: 'image/png', size: fixtures.png.length } });
    await put(ticket, fixtures.png);
    const rows = await server.rowCount();
    expect((await client.request<any>(`mutation($id: ID!) { deleteFile(id: $id) }`, { id: ticket.file.id })).deleteFile).toBe(true);
    expect(await server.rowCount()).toBe(rows - 1);
    expect(await server.objectKeys()).not.toContain(ticket.file.s3Key);
  });
});
