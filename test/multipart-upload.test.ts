import { createHash, randomBytes } from 'node:crypto';
import { ListPartsCommand } from '@aws-sdk/client-s3';
import type { GraphQLClient } from 'graphql-request';
import { errorCode } from './support/error-code';
import { fixtures } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

const MIB = 1024 * 1024;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ S3_MAX_FILE_SIZE_MB: '512', MULTIPART_PART_SIZE_MB: '5' });
});
afterAll(() => server.stop());

const REQUEST = `mutation($input: RequestUploadInput!) {
  requestMultipartUpload(input: $input) { partSize partCount expiresAt file { id status s3Key size } }
}`;
const SIGN = `mutation($id: ID!, $parts: [Int!]!, $sums: [String!]) {
  signUploadParts(id: $id, partNumbers: $parts, checksumsSha256: $sums) { partNumber url headers expiresAt }
}`;
const LIST = `query($id: ID!) { uploadedParts(id: $id) { partNumber size etag } }`;
const COMPLETE = `mutation($id: ID!, $parts: [CompletedPartInput!]!) {
  completeMultipartUpload(id: $id, parts: $parts) { id status size contentType serverSideEncryption }
}`;

interface Ticket {
  partSize: number;
  partCount: number;
  file: { id: string; s3Key: string };
}

/** A real PNG followed by random bytes: sniffed as PNG. */
function png(bytes: number): Buffer {
  return Buffer.concat([fixtures.png, randomBytes(bytes - fixtures.png.length)]);
}

async function request(client: GraphQLClient, name: string, bytes: Buffer | number, contentType = 'image/png'): Promise<Ticket> {
  const size = typeof bytes === 'number' ? bytes : bytes.length;
  return (await client.request<any>(REQUEST, { input: { filename: name, contentType, size } })).requestMultipartUpload;
}

function partOf(ticket: Ticket, body: Buffer, partNumber: number): Buffer {
  return body.subarray((partNumber - 1) * ticket.partSize, partNumber * ticket.partSize);
}

/** PUTs the given parts, four at a time, as a browser would; returns their ETags. */
async function putParts(client: GraphQLClient, ticket: Ticket, body: Buffer, partNumbers: number[]): Promise<Map<number, string>> {
  const { signUploadParts } = await client.request<any>(SIGN, { id: ticket.file.id, parts: partNumbers });
  const etags = new Map<number, string>();
  const queue = [...signUploadParts];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let signed = queue.shift(); signed; signed = queue.shift()) {
        const response = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: new Uint8Array(partOf(ticket, body, signed.partNumber)) });
        expect(response.status).toBe(200);
        etags.set(signed.partNumber, response.headers.get('etag')!);
      }
    }),
  );
  return etags;
}

function completedParts(etags: Map<number, string>): { partNumber: number; etag: string }[] {
  return [...etags.entries()].sort(([a], [b]) => a - b).map(([partNumber, etag]) => ({ partNumber, etag }));
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('resumable multipart direct uploads', () => {
  it('uploads a few hundred MB in parts straight to storage; the download has the same bytes', async () => {
    const user = someUser();
    const client = await server.client(user);
    const body = png(200 * MIB + 12345);
    const ticket = await request(client, 'video.png', body);
    expect(ticket.partSize).toBe(5 * MIB);
    expect(ticket.partCount).toBe(41);

    const etags = await putParts(client, ticket, body, range(1, ticket.partCount));
    const { completeMultipartUpload: file } = await client.request<any>(COMPLETE, { id: ticket.file.id, parts: completedParts(etags) });
    expect(file).toMatchObject({ status: 'AVAILABLE', size: body.length, contentType: 'image/png', serverSideEncryption: 'AES256' });

    const response = await fetch(`${server.url}/files/${file.id}/download`, { headers: { authorization: `Bearer ${await server.token(user)}` } });
    const downloaded = createHash('sha256');
    for await (const chunk of response.body!) downloaded.update(chunk);
    expect(downloaded.digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('resumes an interrupted upload from uploadedParts', async () => {
    const client = await server.client(someUser());
    const body = png(23 * MIB);
    const ticket = await request(client, 'resume.png', body);
    expect(ticket.partCount).toBe(5);

    const first = await putParts(client, ticket, body, [1, 2, 4]); // then the connection "drops"
    const { uploadedParts } = await client.request<any>(LIST, { id: ticket.file.id });
    expect(uploadedParts.map((part: any) => [part.partNumber, part.size])).toEqual([[1, 5 * MIB], [2, 5 * MIB], [4, 5 * MIB]]);
    expect(uploadedParts.map((part: any) => part.etag)).toEqual([first.get(1), first.get(2), first.get(4)]);

    const missing = range(1, ticket.partCount).filter((n) => !uploadedParts.some((part: any) => part.partNumber === n));
    const rest = await putParts(client, ticket, body, missing);
    const parts = completedParts(new Map([...first, ...rest]));
    const { completeMultipartUpload } = await client.request<any>(COMPLETE, { id: ticket.file.id, parts });
    expect(completeMultipartUpload.size).toBe(body.length);
    expect((await server.objectBytes(ticket.file.s3Key)).equals(body)).toBe(true);
  });

  it('binds each part\'s SHA-256 into its URL: storage refuses other bytes (BadDigest), or (RGW 16) a swapped checksum', async () => {
    const client = await server.client(someUser());
    const body = png(6 * MIB);
    const ticket = await request(client, 'sums.png', body);
    const sums = [1, 2].map((n) => createHash('sha256').update(partOf(ticket, body, n)).digest('base64'));
    const { signUploadParts } = await client.request<any>(SIGN, { id: ticket.file.id, parts: [1, 2], sums });
    expect(signUploadParts[0].headers).toEqual({ 'x-amz-checksum-sha256': sums[0] });
    expect(new URL(signUploadParts[0].url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host;x-amz-checksum-sha256');

    const corrupted = Buffer.from(partOf(ticket, body, 1));
    corrupted[1000] ^= 0xff;
    const wrongBytes = await fetch(signUploadParts[0].url, { method: 'PUT', headers: signUploadParts[0].headers, body: new Uint8Array(corrupted) });
    if (wrongBytes.status === 200) {
      // Ceph RGW 16 does not verify x-amz-checksum-* (AWS and the embedded server do). What it
      // enforces is the signature, and the checksum is signed: a client cannot swap in its own.
      const forged = await fetch(signUploadParts[0].url, {
        method: 'PUT',
        headers: { 'x-amz-checksum-sha256': createHash('sha256').update(corrupted).digest('base64') },
        body: new Uint8Array(corrupted),
      });
      expect(forged.status).toBe(403);
      return;
    }
    expect(wrongBytes.status).toBe(400);
    expect(await wrongBytes.text()).toContain('BadDigest');
    expect((await client.request<any>(LIST, { id: ticket.file.id })).uploadedParts).toEqual([]);

    const right = await fetch(signUploadParts[0].url, { method: 'PUT', headers: signUploadParts[0].headers, body: new Uint8Array(partOf(ticket, body, 1)) });
    expect(right.status).toBe(200);
    // Every byte of the checked part is stored, not only those after the check began.
    expect((await client.request<any>(LIST, { id: ticket.file.id })).uploadedParts.map((part: any) => part.size)).toEqual([ticket.partSize]);
  });

  it('refuses a declaration over the limit up front (FILE_TOO_LARGE), leaving nothing', async () => {
    const rows = await server.rowCount();
    const client = await server.client(someUser());
    expect(await errorCode(client.request(REQUEST, { input: { filename: 'huge.png', contentType: 'image/png', size: 512 * MIB + 1 } }))).toBe('FILE_TOO_LARGE');
    expect(await server.rowCount()).toBe(rows);
  });

  it('rejects and removes a completed upload that is a disguised executable', async () => {
    const client = await server.client(someUser());
    const body = Buffer.concat([fixtures.exe, randomBytes(7 * MIB)]);
    const ticket = await request(client, 'invoice.pdf', body, 'application/pdf');
    const etags = await putParts(client, ticket, body, [1, 2]);
    const keys = (await server.objectKeys()).length;
    expect(await errorCode(client.request(COMPLETE, { id: ticket.file.id, parts: completedParts(etags) }))).toBe('UNSUPPORTED_FILE_TYPE');
    expect(await server.objectKeys()).not.toContain(ticket.file.s3Key);
    expect((await server.objectKeys()).length).toBe(keys);
    expect((await client.request<any>(`query($id: ID!) { file(id: $id) { id } }`, { id: ticket.file.id })).file).toBeNull();
  });

  it('refuses a completion whose parts do not match what storage holds, and keeps the upload resumable', async () => {
    const client = await server.client(someUser());
    const body = png(11 * MIB);
    const ticket = await request(client, 'short.png', body);
    const etags = await putParts(client, ticket, body, [1, 3]);
    const missingPart = completedParts(new Map([...etags, [2, '"0123456789abcdef0123456789abcdef"']]));
    expect(await errorCode(client.request(COMPLETE, { id: ticket.file.id, parts: missingPart }))).toBe('BAD_USER_INPUT');
    expect(await errorCode(client.request(COMPLETE, { id: ticket.file.id, parts: completedParts(etags) }))).toBe('BAD_USER_INPUT');

    // Part 2 sent short: its length is signed, so storage refuses it.
    const { signUploadParts } = await client.request<any>(SIGN, { id: ticket.file.id, parts: [2] });
    const short = await fetch(signUploadParts[0].url, { method: 'PUT', body: new Uint8Array(partOf(ticket, body, 2).subarray(0, 1000)) });
    expect(short.status).toBe(403);
    const fixed = await putParts(client, ticket, body, [2]);
    const { completeMultipartUpload } = await client.request<any>(COMPLETE, { id: ticket.file.id, parts: completedParts(new Map([...etags, ...fixed])) });
    expect(completeMultipartUpload.status).toBe('AVAILABLE');
  });

  it('refuses bad signing requests (BAD_USER_INPUT)', async () => {
    const client = await server.client(someUser());
    const ticket = await request(client, 'x.png', 12 * MIB);
    const cases: { parts: number[]; sums?: string[] }[] = [
      { parts: [0] },
      { parts: [4] },
      { parts: [1, 1] },
      { parts: [] },
      { parts: range(1, 101) },
      { parts: [1, 2], sums: ['x'] },
      { parts: [1], sums: ['not-base64-sha256'] },
    ];
    for (const variables of cases) {
      expect(await errorCode(client.request(SIGN, { id: ticket.file.id, ...variables }))).toBe('BAD_USER_INPUT');
    }
  });

  it('lets only the owner sign, list, complete or abort; to anyone else the upload does not exist', async () => {
    const owner = await server.client(someUser());
    const ticket = await request(owner, 'mine.png', 6 * MIB);
    for (const other of [await server.client(someUser()), await server.client('root', { admin: true })]) {
      expect(await errorCode(other.request(SIGN, { id: ticket.file.id, parts: [1] }))).toBe('NOT_FOUND');
      expect(await errorCode(other.request(LIST, { id: ticket.file.id }))).toBe('NOT_FOUND');
      expect(await errorCode(other.request(COMPLETE, { id: ticket.file.id, parts: [{ partNumber: 1, etag: 'x' }] }))).toBe('NOT_FOUND');
      expect(await errorCode(other.request(`mutation($id: ID!) { abortUpload(id: $id) }`, { id: ticket.file.id }))).toBe('NOT_FOUND');
    }
    expect(await errorCode((await server.client()).request(SIGN, { id: ticket.file.id, parts: [1] }))).toBe('UNAUTHENTICATED');
  });

  it('aborts an upload: its parts and its row are gone', async () => {
    const client = await server.client(someUser());
    const body = png(6 * MIB);
    const ticket = await request(client, 'abandon.png', body);
    await putParts(client, ticket, body, [1]);
    const rows = await server.rowCount();
    const { uploadId } = await uploadIdOf(ticket.file.id);
    expect((await client.request<any>(`mutation($id: ID!) { abortUpload(id: $id) }`, { id: ticket.file.id })).abortUpload).toBe(true);
    expect(await server.rowCount()).toBe(rows - 1);
    await expect(server.s3.send(new ListPartsCommand({ Bucket: server.config.s3.bucket, Key: ticket.file.s3Key, UploadId: uploadId }))).rejects.toMatchObject({ name: expect.stringMatching(/^NoSuch(Upload|Key)$/) }); // RGW says NoSuchKey
  });
});

async function uploadIdOf(id: string): Promise<{ uploadId: string }> {
  const rows = await server.app.orm.em.getConnection().execute('select multipart_upload_id from files where id = ?', [id]);
  return { uploadId: rows[0].multipart_upload_id };
}
