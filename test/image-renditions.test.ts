import { PassThrough } from 'node:stream';
import sharp from 'sharp';
import { fixtures } from './support/fixtures';
import { animatedGif, bombPng, jpegWithLocation, translucentPng, turnedJpeg } from './support/images';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/*
 * File.imageUrl and the image route (API.md, "Images"): renditions rendered on
 * first request, kept in storage, served without a header, never leaking
 * metadata, and never served where the file may not be read.
 */

let server: TestServer;
let log = '';
let owner: string;
let photo: { id: string }; // private, turned a quarter, with GPS, EXIF and XMP

const IMAGE_URL = 'query ($id: ID!, $t: ImageTransformInput!, $e: Int) { file(id: $id) { imageUrl(transform: $t, expiresIn: $e) } }';

beforeAll(async () => {
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => (log += chunk.toString()));
  server = await startTestServer(
    { LOG_LEVEL: 'info', S3_ALLOWED_EXTENSIONS: 'jpg,png,gif,pdf,svg', S3_ALLOWED_MIME_TYPES: 'image/jpeg,image/png,image/gif,application/pdf,image/svg+xml' },
    { logTo: sink },
  );
  owner = someUser();
  photo = await upload('photo.jpg', await jpegWithLocation());
});
afterAll(() => server.stop());

async function upload(name: string, bytes: Buffer, input: Record<string, unknown> = {}, user = owner): Promise<{ id: string; s3Key: string }> {
  const answer = await server.upload(user, { name, bytes }, input);
  if (!answer.data) throw new Error(`upload of ${name}: ${JSON.stringify(answer.errors)}`);
  return answer.data.uploadFile;
}

async function imageUrl(id: string, transform: Record<string, unknown>, options: { expiresIn?: number; as?: string } = {}): Promise<{ url?: string | null; code?: string }> {
  const client = await server.client(options.as ?? owner);
  try {
    const { file } = await client.request<any>(IMAGE_URL, { id, t: transform, e: options.expiresIn });
    return { url: file === null ? 'no such file' : file.imageUrl };
  } catch (error: any) {
    return { code: error.response?.errors?.[0]?.extensions?.code };
  }
}

/** As `<img src>` fetches: no Authorization header. */
async function fetchImage(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; bytes: Buffer; code?: string }> {
  const response = await fetch(url, { headers });
  const bytes = Buffer.from(await response.arrayBuffer());
  const code = response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(bytes.toString()).errors?.[0]?.extensions?.code : undefined;
  return { status: response.status, headers: response.headers, bytes, code };
}

const renderedCount = () => (log.match(/"event":"image_rendered"/g) ?? []).length;

describe('File.imageUrl and the image route', () => {
  it('signs a private file\'s URL, and the URL alone (no header) serves a WebP of the asked width, turned as displayed, without EXIF, GPS or XMP', async () => {
    const { url } = await imageUrl(photo.id, { width: 100, format: 'WEBP' });
    expect(url).toMatch(new RegExp(`^${server.url}/files/${photo.id}/image\\?w=100&fit=cover&fmt=webp&q=80&expires=\\d+&signature=[\\w-]{43}$`));
    const image = await fetchImage(url!);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/webp');
    expect(image.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    expect(image.headers.get('vary')).not.toMatch(/Accept/); // the format was asked for, not negotiated
    const meta = await sharp(image.bytes).metadata();
    // Stored 300 × 200 with orientation 6: displayed 200 × 300, so 100 wide is 150 high.
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 100, 150]);
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    const source = await sharp(await jpegWithLocation()).metadata();
    expect(source.exif?.length).toBeGreaterThan(0); // the source did carry them
  });

  it('renders once, keeps the rendition in storage, and answers later requests from it (ETag, 304)', async () => {
    const { url } = await imageUrl(photo.id, { width: 64, height: 64, format: 'PNG' });
    const before = renderedCount();
    const first = await Promise.all(Array.from({ length: 6 }, () => fetchImage(url!)));
    expect(first.map((answer) => answer.status)).toEqual(Array(6).fill(200));
    expect(renderedCount() - before).toBe(1); // six concurrent first requests, one render
    const keys = (await server.objectKeys()).filter((key) => key.startsWith(`.renditions/${photo.id}/`));
    expect(keys).toContain(`.renditions/${photo.id}/w64-h64-fitcover-q80.png`);
    const again = await fetchImage(url!);
    expect(renderedCount() - before).toBe(1);
    expect(again.bytes.equals(first[0].bytes)).toBe(true);
    const etag = again.headers.get('etag')!;
    expect(etag).toBe(first[0].headers.get('etag'));
    expect((await fetchImage(url!, { 'if-none-match': etag })).status).toBe(304);
    expect(await sharp(again.bytes).metadata()).toMatchObject({ format: 'png', width: 64, height: 64 });
  });

  it('negotiates AUTO from Accept (AVIF, then WebP, else the source\'s format), with Vary: Accept', async () => {
    const { url } = await imageUrl(photo.id, { width: 50 });
    const cases: [string, string][] = [
      ['image/avif,image/webp,*/*', 'image/avif'],
      ['image/webp,*/*', 'image/webp'],
      ['image/avif;q=0,image/webp', 'image/webp'],
      ['*/*', 'image/jpeg'],
    ];
    for (const [accept, type] of cases) {
      const image = await fetchImage(url!, { accept });
      expect([image.status, image.headers.get('content-type')]).toEqual([200, type]);
      expect(image.headers.get('vary')).toMatch(/\bAccept\b/);
    }
  });

  it('gives a public file a plain URL that can be cached, and stops serving it once the file is private', async () => {
    const shared = await upload('shared.png', await translucentPng(), { isPublic: true });
    const { url } = await imageUrl(shared.id, { width: 60 });
    expect(url).not.toMatch(/signature=/);
    const image = await fetchImage(url!);
    expect([image.status, image.headers.get('cache-control')]).toEqual([200, 'public, max-age=3600']);
    const client = await server.client(owner);
    await client.request('mutation ($id: ID!) { updateFile(id: $id, input: { isPublic: false }) { isPublic } }', { id: shared.id });
    expect((await fetchImage(url!)).code).toBe('NOT_FOUND');
  });

  it('renders the first frame of an animation', async () => {
    const gif = await upload('moving.gif', await animatedGif());
    const { url } = await imageUrl(gif.id, { width: 40, format: 'PNG' });
    const { data, info } = await sharp((await fetchImage(url!)).bytes).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([40, 30]);
    expect([data[0], data[2]]).toEqual([255, 0]); // red, the first frame (the second is blue)
  });

  it('removes a file\'s renditions when it is deleted for good, and serves none of a file in the trash', async () => {
    const doomed = await upload('doomed.png', await translucentPng());
    const { url } = await imageUrl(doomed.id, { width: 30 });
    expect((await fetchImage(url!)).status).toBe(200);
    const client = await server.client(owner);
    await client.request('mutation ($id: ID!) { deleteFile(id: $id) }', { id: doomed.id });
    expect((await fetchImage(url!)).code).toBe('NOT_FOUND');
    expect((await server.objectKeys()).some((key) => key.startsWith(`.renditions/${doomed.id}/`))).toBe(true);
    await client.request('mutation ($id: ID!) { restoreFile(id: $id) { id } }', { id: doomed.id });
    expect((await fetchImage(url!)).status).toBe(200);
    await client.request('mutation ($id: ID!) { deleteFile(id: $id, hardDelete: true) }', { id: doomed.id });
    expect((await server.objectKeys()).filter((key) => key.includes(doomed.id))).toEqual([]);
  });

  it('never counts renditions as orphans in the purge, and removes them with a file past its retention', async () => {
    const trashed = await upload('trashed.png', await translucentPng());
    expect((await fetchImage((await imageUrl(trashed.id, { width: 30 })).url!)).status).toBe(200);
    expect((await fetchImage((await imageUrl(photo.id, { width: 30 })).url!)).status).toBe(200);
    await (await server.client(owner)).request('mutation ($id: ID!) { deleteFile(id: $id) }', { id: trashed.id });
    const report = await server.app.purger.run({ now: new Date(Date.now() + 31 * 86_400_000) });
    expect(report.orphanObjects.filter((key) => key.startsWith('.renditions/'))).toEqual([]);
    expect(report.expiredDeleted).toContain(trashed.id);
    const keys = await server.objectKeys();
    expect(keys.filter((key) => key.includes(trashed.id))).toEqual([]);
    expect(keys.some((key) => key.startsWith(`.renditions/${photo.id}/`))).toBe(true); // an available file keeps its own
  });
});

describe('image transforms: bad input, each refused with nothing rendered', () => {
  it.each([
    ['width 0', { width: 0 }],
    ['width 4097 (IMAGE_MAX_DIMENSION is 4096)', { width: 4097 }],
    ['a negative width', { width: -5 }],
    ['no width and no height', { fit: 'COVER' }],
    ['quality 0', { width: 10, quality: 0 }],
    ['quality 101', { width: 10, quality: 101 }],
  ])('%s: BAD_USER_INPUT', async (_case, transform) => {
    expect(await imageUrl(photo.id, transform)).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('expiresIn out of range: BAD_USER_INPUT', async () => {
    expect(await imageUrl(photo.id, { width: 10 }, { expiresIn: 0 })).toEqual({ code: 'BAD_USER_INPUT' });
    expect(await imageUrl(photo.id, { width: 10 }, { expiresIn: 604_801 })).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('the same limits on the route: a URL edited to width 4097 or quality 101 is refused', async () => {
    const { url } = await imageUrl(photo.id, { width: 10 });
    expect((await fetchImage(url!.replace('w=10', 'w=4097'))).code).toBe('BAD_USER_INPUT');
    expect((await fetchImage(url!.replace('q=80', 'q=101'))).code).toBe('BAD_USER_INPUT');
    expect((await fetchImage(url!.replace('w=10', 'w=1e3'))).code).toBe('BAD_USER_INPUT');
  });

  it('a tampered signature, another transform or another file under a valid signature: FORBIDDEN', async () => {
    const other = await upload('other.png', await translucentPng());
    const { url } = await imageUrl(photo.id, { width: 20 });
    const signature = new URL(url!).searchParams.get('signature')!;
    const flipped = signature.slice(0, -1) + (signature.endsWith('A') ? 'B' : 'A');
    expect((await fetchImage(url!.replace(signature, flipped))).code).toBe('FORBIDDEN');
    expect((await fetchImage(url!.replace('w=20', 'w=21'))).code).toBe('FORBIDDEN');
    expect((await fetchImage(url!.replace(photo.id, other.id))).code).toBe('FORBIDDEN');
    const expires = new URL(url!).searchParams.get('expires')!;
    expect((await fetchImage(url!.replace(`expires=${expires}`, `expires=${Number(expires) + 3600}`))).code).toBe('FORBIDDEN');
    // Without the signature, a private file is as if it did not exist.
    expect((await fetchImage(url!.split('&expires=')[0])).code).toBe('NOT_FOUND');
  });

  it('an expired URL: FORBIDDEN', async () => {
    const { url } = await imageUrl(photo.id, { width: 22 }, { expiresIn: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await fetchImage(url!)).code).toBe('FORBIDDEN');
  });

  it('a file that is not an image (a PDF, an SVG, a decompression bomb) has no imageUrl, and its route refuses', async () => {
    for (const [name, bytes] of [['doc.pdf', fixtures.pdf], ['drawing.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')], ['bomb.png', await bombPng()]] as const) {
      const file = await upload(name, bytes, { isPublic: true });
      expect(await imageUrl(file.id, { width: 10 })).toEqual({ url: null });
      expect((await fetchImage(`${server.url}/files/${file.id}/image?w=10`)).code).toBe('BAD_USER_INPUT');
    }
  });

  it('a truncated JPEG: BAD_USER_INPUT from the route, and nothing stored', async () => {
    const jpeg = await turnedJpeg();
    const file = await upload('truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2)), { isPublic: true });
    expect((await fetchImage(`${server.url}/files/${file.id}/image?w=10`)).code).toBe('BAD_USER_INPUT');
    expect((await server.objectKeys()).filter((key) => key.startsWith(`.renditions/${file.id}/`))).toEqual([]);
  });

  it('someone else\'s private image: imageUrl null (as the file is), and its route NOT_FOUND', async () => {
    expect(await imageUrl(photo.id, { width: 10 }, { as: someUser() })).toEqual({ url: 'no such file' });
    expect((await fetchImage(`${server.url}/files/${photo.id}/image?w=10`)).code).toBe('NOT_FOUND');
  });
});
