import type { GraphQLClient } from 'graphql-request';
import { eventually } from './support/browser';
import { directUpload } from './support/direct-upload';
import { fixtures } from './support/fixtures';
import { bombPng, translucentPng, turnedJpeg } from './support/images';
import { someUser, startTestServer, type TestServer } from './support/test-server';

const IMAGE = 'image { width height format hasAlpha blurhash }';

const direct = (client: GraphQLClient, name: string, bytes: Buffer, contentType: string) => directUpload(client, name, bytes, contentType, `id status ${IMAGE}`);

describe('image analysis in the processing pass (File.image)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ S3_MAX_FILE_SIZE_MB: '8' });
  });
  afterAll(() => server.stop());

  const uploadFields = `id status ${IMAGE}`;
  async function streamed(user: string, name: string, bytes: Buffer): Promise<any> {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: `mutation($f: Upload!) { uploadFile(file: $f) { ${uploadFields} } }`, variables: { f: null } }));
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    form.append('0', new Blob([new Uint8Array(bytes)]), name);
    const headers = { 'apollo-require-preflight': 'true', authorization: `Bearer ${await server.token(user)}` };
    const json = (await (await fetch(`${server.url}/graphql`, { method: 'POST', body: form, headers })).json()) as any;
    if (json.errors) throw new Error(JSON.stringify(json.errors));
    return json.data.uploadFile;
  }

  it('a streamed image answers with its size, format and alpha; its blurhash follows from the job queue', async () => {
    const user = someUser();
    const file = await streamed(user, 'red.png', await translucentPng());
    expect(file).toMatchObject({ status: 'AVAILABLE', image: { width: 120, height: 80, format: 'png', hasAlpha: true, blurhash: null } });
    const client = await server.client(user);
    await eventually(async () => {
      const { file: later } = await client.request<any>(`query($id: ID!) { file(id: $id) { ${IMAGE} } }`, { id: file.id });
      expect(later.image.blurhash).toMatch(/^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{28}$/);
    }, 15_000);
  });

  it('a direct upload answers with everything, its size as displayed (EXIF orientation applied)', async () => {
    const file = await direct(await server.client(someUser()), 'turned.jpg', await turnedJpeg(), 'image/jpeg');
    expect(file).toMatchObject({ status: 'AVAILABLE', image: { width: 200, height: 300, format: 'jpeg', hasAlpha: false, blurhash: expect.any(String) } });
  });

  it('a decompression bomb (a PNG declaring 30 000 × 30 000) is stored but never decoded: image null', async () => {
    const user = someUser();
    const bomb = await bombPng();
    expect(await streamed(user, 'bomb.png', bomb)).toMatchObject({ status: 'AVAILABLE', image: null });
    expect(await direct(await server.client(user), 'bomb-direct.png', bomb, 'image/png')).toMatchObject({ status: 'AVAILABLE', image: null });
  });

  it('a corrupt image named .png is stored with image null; a truncated JPEG keeps the size its header gives, without a blurhash', async () => {
    const user = someUser();
    // A PNG signature and chunk header (what the upload rules check), then zeros: a header that describes no image.
    // (Random bytes here are sometimes taken for no PNG at all by the type sniffer.)
    const corrupt = Buffer.concat([fixtures.png.subarray(0, 16), Buffer.alloc(300)]);
    expect(await streamed(user, 'corrupt.png', corrupt)).toMatchObject({ status: 'AVAILABLE', image: null });
    const jpeg = await turnedJpeg();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    expect(await direct(await server.client(user), 'truncated.jpg', truncated, 'image/jpeg')).toMatchObject({
      status: 'AVAILABLE',
      image: { width: 200, height: 300, format: 'jpeg', blurhash: null },
    });
  });

  it('a file that is not an image has image null', async () => {
    expect(await streamed(someUser(), 'doc.pdf', fixtures.pdf)).toMatchObject({ status: 'AVAILABLE', image: null });
  });
});
