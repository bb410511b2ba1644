import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { someUser, startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const appJs = readFileSync(path.join(__dirname, '..', 'web', 'app.js'));
const graphiqlJs = readFileSync(path.join(path.dirname(require.resolve('graphiql/package.json')), 'graphiql.min.js'));
const version = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** As sent: still compressed (fetch would decompress it and hide Content-Encoding's effect). */
  body: Buffer;
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .request(`${server.url}${url}`, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject)
      .end();
  });
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const appUrl = `/web/app.js?v=${version(appJs)}`;
const graphiqlUrl = `/graphiql/graphiql.min.js?v=${version(graphiqlJs)}`;

describe('the pages', () => {
  it('link every asset by a URL versioned with its content hash', async () => {
    const fileManager = (await get('/')).body.toString();
    expect(fileManager).toContain(`src="${appUrl}"`);
    expect(fileManager).toMatch(/href="\/web\/styles\.css\?v=[0-9a-f]{16}"/);
    expect(fileManager).not.toContain('{{');
    const graphiql = (await get('/graphql', { accept: 'text/html' })).body.toString();
    expect(graphiql).toContain(`src="${graphiqlUrl}"`);
    expect(graphiql).toMatch(/href="\/web\/favicon\.svg\?v=[0-9a-f]{16}"/);
    expect(graphiql).not.toContain('{{');
  });

  it('are compressed but revalidated on every load, with their security headers', async () => {
    for (const page of [await get('/', { 'accept-encoding': 'br' }), await get('/graphql', { accept: 'text/html', 'accept-encoding': 'br' })]) {
      expect(page.status).toBe(200);
      expect(page.headers['content-encoding']).toBe('br');
      expect(zlib.brotliDecompressSync(page.body).toString()).toMatch(/^<!doctype html>/);
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.headers['referrer-policy']).toBe('same-origin');
    }
  });
});

describe('a versioned asset', () => {
  it('comes as brotli when accepted, kept for a year, with an ETag', async () => {
    const answer = await get(graphiqlUrl, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(answer.body).equals(graphiqlJs)).toBe(true);
    expect(answer.body.length).toBeLessThan(graphiqlJs.length / 4);
    expect(answer.headers['content-length']).toBe(String(answer.body.length));
    expect(answer.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(answer.headers['cache-control']).toBe(IMMUTABLE);
    expect(answer.headers.etag).toMatch(/^"[0-9a-f]{16}-br"$/);
    expect(answer.headers.vary).toBe('Accept-Encoding');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });

  it('comes as gzip when brotli is not accepted', async () => {
    const answer = await get(appUrl, { 'accept-encoding': 'br;q=0, gzip' });
    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(answer.body).equals(appJs)).toBe(true);
    expect(answer.headers['cache-control']).toBe(IMMUTABLE);
    expect(answer.headers.etag).toMatch(/^"[0-9a-f]{16}-gzip"$/);
    expect(answer.headers.vary).toBe('Accept-Encoding');
  });

  it('comes as is when the request accepts no encoding', async () => {
    const answer = await get(appUrl);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.body.equals(appJs)).toBe(true);
    expect(answer.headers['cache-control']).toBe(IMMUTABLE);
    expect(answer.headers.etag).toMatch(/^"[0-9a-f]{16}"$/);
    expect(answer.headers.vary).toBe('Accept-Encoding');
  });

  it('answers its ETag in If-None-Match with 304 and no body', async () => {
    const first = await get(appUrl, { 'accept-encoding': 'br' });
    const again = await get(appUrl, { 'accept-encoding': 'br', 'if-none-match': first.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.headers['cache-control']).toBe(IMMUTABLE);
    expect(again.headers.vary).toBe('Accept-Encoding');
    // Another encoding is another representation: its bytes are sent.
    expect((await get(appUrl, { 'accept-encoding': 'gzip', 'if-none-match': first.headers.etag! })).status).toBe(200);
  });

  it('answers HEAD with the headers of the GET and no body', async () => {
    const get200 = await get(graphiqlUrl, { 'accept-encoding': 'br' });
    const head = await get(graphiqlUrl, { 'accept-encoding': 'br' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(get200.body.length));
    expect(head.headers['content-encoding']).toBe('br');
    expect(head.headers.etag).toBe(get200.headers.etag);
  });
});

describe('an old or bare asset URL', () => {
  it('is revalidated (no-cache), so a page cached before an upgrade cannot keep a stale script', async () => {
    for (const url of ['/web/app.js?v=0123456789abcdef', '/web/app.js']) {
      const answer = await get(url, { 'accept-encoding': 'br' });
      expect(answer.status).toBe(200);
      expect(answer.headers['cache-control']).toBe('no-cache');
      expect(answer.headers.etag).toMatch(/^"[0-9a-f]{16}-br"$/);
      expect(zlib.brotliDecompressSync(answer.body).equals(appJs)).toBe(true);
    }
  });
});

describe('the download route', () => {
  it('is never compressed: its bytes are the file, whatever the request accepts', async () => {
    const owner = someUser();
    const text = Buffer.from('notes, very compressible. '.repeat(2000));
    const uploaded = await server.upload(owner, { name: 'notes.txt', bytes: text });
    const answer = await get(`/files/${uploaded.data!.uploadFile.id}/download`, {
      authorization: `Bearer ${await server.token(owner)}`,
      'accept-encoding': 'br, gzip',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.body.equals(text)).toBe(true);
  });
});
