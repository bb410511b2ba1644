import { someUser, startTestServer, type TestServer } from './support/test-server';

/** GET /files/:id/download with a Range header (RFC 9110), on a 77-byte file. */
let server: TestServer;
let owner: string;
let id: string;
const bytes = Buffer.from('0123456789'.repeat(7) + 'abcdefg'); // 77 bytes, each position easy to read

beforeAll(async () => {
  server = await startTestServer();
  owner = someUser();
  const answer = await server.upload(owner, { name: 'seventy-seven.txt', bytes });
  expect(answer.data!.uploadFile.size).toBe(77);
  id = answer.data!.uploadFile.id;
});
afterAll(() => server.stop());

async function download(headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(`${server.url}/files/${id}/download`, { headers: { authorization: `Bearer ${await server.token(owner)}`, ...headers } });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

describe('byte ranges on the download route', () => {
  it.each([
    ['bytes=-5', 72, 76],
    ['bytes=-1000', 0, 76],
    ['bytes=70-', 70, 76],
    ['bytes=0-0', 0, 0],
    ['bytes=10-1000', 10, 76],
  ])('answers %s with 206 and bytes %i-%i', async (range, start, end) => {
    const answer = await download({ range });
    expect(answer.status).toBe(206);
    expect(answer.headers.get('content-range')).toBe(`bytes ${start}-${end}/77`);
    expect(answer.headers.get('content-length')).toBe(String(end - start + 1));
    expect(answer.body.equals(bytes.subarray(start, end + 1))).toBe(true);
  });

  it.each(['bytes=-0', 'bytes=77-', 'bytes=500-600'])('answers %s with 416, Content-Range bytes */77 and BAD_USER_INPUT', async (range) => {
    const answer = await download({ range });
    expect(answer.status).toBe(416);
    expect(answer.headers.get('content-range')).toBe('bytes */77');
    const body = JSON.parse(answer.body.toString());
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].message).toMatch(/not satisfiable/);
  });

  it.each([
    ['a syntactically invalid range', 'bytes=5-2'],
    ['another unit', 'items=0-5'],
    ['several ranges', 'bytes=0-1,5-6'],
    ['several ranges, one of them unsatisfiable', 'bytes=0-1,100-200'],
  ])('ignores %s: 200 and the whole file', async (_what, range) => {
    const answer = await download({ range });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-range')).toBeNull();
    expect(answer.headers.get('accept-ranges')).toBe('bytes');
    expect(answer.body.equals(bytes)).toBe(true);
  });

  it('still answers If-None-Match with 304 on a range request, and 416 wins over it', async () => {
    const etag = (await download({})).headers.get('etag')!;
    const current = await download({ range: 'bytes=0-9', 'if-none-match': etag });
    expect(current.status).toBe(304);
    expect(current.body).toHaveLength(0);
    const stale = await download({ range: 'bytes=0-9', 'if-none-match': '"something-else"' });
    expect(stale.status).toBe(206);
    expect(stale.body.equals(bytes.subarray(0, 10))).toBe(true);
    // RFC 9110 13.2.1: preconditions are ignored when the answer without them would not be 2xx.
    expect((await download({ range: 'bytes=-0', 'if-none-match': etag })).status).toBe(416);
  });
});
