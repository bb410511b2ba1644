import { fixtures, pngOfSize } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
let owner: string;
let file: Record<string, any>;
const bytes = pngOfSize(300 * 1024);

beforeAll(async () => {
  server = await startTestServer();
  owner = someUser();
  const answer = await server.upload(owner, { name: 'Ünïcode "quoted"\r\nname.png', bytes });
  file = answer.data!.uploadFile;
});
afterAll(() => server.stop());

async function get(id: string, headers: Record<string, string> = {}, query = ''): Promise<Response> {
  return fetch(`${server.url}/files/${id}/download${query}`, { headers });
}

async function auth(user = owner): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await server.token(user)}` };
}

describe('GET /files/:id/download', () => {
  it('streams the bytes with type, length, ETag and safe headers', async () => {
    const response = await get(file.id, await auth());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('content-length')).toBe(String(bytes.length));
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('etag')).toMatch(/^"/);
    expect(response.headers.get('content-disposition')).toMatch(/^inline; filename="/);
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('keeps quotes and line breaks of a name out of Content-Disposition', async () => {
    // FormData sends the quote and CR LF percent-encoded (%22, %0D%0A); sanitizing turns "%" into "_".
    expect(file.originalName).toBe('Ünïcode_22quoted_22_0D_0Aname.png');
    const response = await get(file.id, await auth(), '?as_attachment=true');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="Unicode_22quoted_22_0D_0Aname.png"; filename*=UTF-8''%C3%9Cn%C3%AFcode_22quoted_22_0D_0Aname.png`,
    );
    await response.arrayBuffer();
  });

  it('answers a Range with 206 and just those bytes', async () => {
    const response = await get(file.id, { ...(await auth()), range: 'bytes=100-199' });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(response.headers.get('content-length')).toBe('100');
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
  });

  it('answers a range past the end with 416 and BAD_USER_INPUT, not a storage failure', async () => {
    const response = await get(file.id, { ...(await auth()), range: `bytes=${bytes.length + 10}-${bytes.length + 20}` });
    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('answers If-None-Match with the current ETag with 304 and no body', async () => {
    const first = await get(file.id, await auth());
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    const again = await get(file.id, { ...(await auth()), 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers 401 to a bad token and 404 to strangers, anonymous callers and unknown ids alike', async () => {
    expect((await get(file.id, { authorization: 'Bearer not.a.token' })).status).toBe(401);
    for (const response of [await get(file.id, await auth(someUser())), await get(file.id), await get('00000000-0000-4000-8000-000000000000', await auth()), await get('nope', await auth())]) {
      expect(response.status).toBe(404);
      expect(((await response.json()) as any).errors[0].extensions.code).toBe('NOT_FOUND');
    }
  });

  it('serves a public file to anyone', async () => {
    const answer = await server.upload(owner, { name: 'open.gif', bytes: fixtures.gif }, { isPublic: true });
    const response = await get(answer.data!.uploadFile.id);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(fixtures.gif);
  });
});

describe('health', () => {
  it('answers /healthz and /readyz (database and storage reachable)', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', storage: 'ok' } });
  });
});
