import { createHash } from 'node:crypto';
import { get, type IncomingMessage } from 'node:http';
import { fixtures, pngOfSize } from './support/fixtures';
import { nothingLeft } from './support/answers';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/*
 * UploadFileInput.size (issue 19, part 1): a streamed upload whose size the
 * client declares goes to storage as one PUT of that length, and its bytes must
 * match the declaration exactly; a mismatch leaves nothing behind.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ S3_MAX_FILE_SIZE_MB: '40' });
});
afterAll(() => server.stop());

/** How many requests of an S3 operation the server has made so far, from /metrics. */
async function s3Requests(operation: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const pattern = new RegExp(`^s3_request_duration_seconds_count\\{[^}]*operation="${operation}"[^}]*\\} (\\d+)`, 'gm');
  return [...text.matchAll(pattern)].reduce((sum, match) => sum + Number(match[1]), 0);
}


/** Whether the download route serves these bytes (its status when it answers otherwise). */
async function servesBack(userId: string, id: string, bytes: Buffer): Promise<boolean | number> {
  const headers = { authorization: `Bearer ${await server.token(userId)}` };
  const response = await new Promise<IncomingMessage>((resolve, reject) => get(`${server.url}/files/${id}/download`, { headers, agent: false }, resolve).on('error', reject));
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return response.statusCode === 200 ? Buffer.concat(chunks).equals(bytes) : response.statusCode!;
}

describe('a streamed upload with its size declared', () => {
  it('goes to storage in one PUT, even past the part size, byte for byte, and is served back', async () => {
    const bytes = pngOfSize(20 * 1024 * 1024 + 12_345); // more than two 8 MiB parts
    const [puts, multiparts] = [await s3Requests('PutObject'), await s3Requests('CreateMultipartUpload')];
    const user = someUser();
    const answer = await server.upload(user, { name: 'big.png', bytes }, { size: bytes.length });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.uploadFile).toMatchObject({ size: bytes.length, status: 'AVAILABLE', checksumSha256: createHash('sha256').update(bytes).digest('hex') });
    expect(await s3Requests('PutObject')).toBe(puts + 1);
    expect(await s3Requests('CreateMultipartUpload')).toBe(multiparts);
    expect((await server.objectBytes(answer.data!.uploadFile.s3Key)).equals(bytes)).toBe(true);
    // Served against the ETag recorded at the upload (If-Match): the one storage answered the PUT with.
    expect(await servesBack(user, answer.data!.uploadFile.id, bytes)).toBe(true);
  });

  it('the same without a declared size: a multipart upload, as before, served back', async () => {
    const bytes = pngOfSize(20 * 1024 * 1024);
    const multiparts = await s3Requests('CreateMultipartUpload');
    const user = someUser();
    const answer = await server.upload(user, { name: 'big.png', bytes });
    expect(answer.data!.uploadFile.size).toBe(bytes.length);
    expect(await s3Requests('CreateMultipartUpload')).toBe(multiparts + 1);
    // Ceph RGW answers the completion with an empty ETag: recorded as such, no read could match it.
    expect(await servesBack(user, answer.data!.uploadFile.id, bytes)).toBe(true);
  });

  it.each([
    ['one byte fewer than sent', (length: number) => length - 1, /more bytes than the \d+ declared/],
    ['one byte more than sent', (length: number) => length + 1, /fewer bytes than the \d+ declared/],
    ['far fewer than sent (past the part size)', () => 1000, /more bytes than the 1000 declared/],
  ])('declared %s: BAD_USER_INPUT, nothing left', async (_case, declare, message) => {
    const bytes = pngOfSize(9 * 1024 * 1024);
    const answer = await nothingLeft(server, () => server.upload(someUser(), { name: 'liar.png', bytes }, { size: declare(bytes.length) }));
    expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0].message).toMatch(message);
  });

  it('declared over S3_MAX_FILE_SIZE_MB: FILE_TOO_LARGE before a byte is stored', async () => {
    const answer = await nothingLeft(server, () => server.upload(someUser(), { name: 'small.png', bytes: fixtures.png }, { size: 40 * 1024 * 1024 + 1 }));
    expect(answer.errors?.[0].extensions?.code).toBe('FILE_TOO_LARGE');
  });

  it.each([
    ['zero', 0],
    ['negative', -5],
  ])('declared %s: BAD_USER_INPUT', async (_case, size) => {
    const answer = await nothingLeft(server, () => server.upload(someUser(), { name: 'small.png', bytes: fixtures.png }, { size }));
    expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('a small file declared exactly is stored as ever', async () => {
    const text = fixtures.txt;
    const answer = await server.upload(someUser(), { name: 'note.txt', bytes: text }, { size: text.length });
    expect(answer.data!.uploadFile).toMatchObject({ size: text.length, contentType: 'text/plain' });
  });
});
