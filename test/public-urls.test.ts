import { fixtures } from './support/fixtures';
import { TcpProxy } from './support/tcp-proxy';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/**
 * S3_PUBLIC_ENDPOINT_URL: browsers reach storage by another address than the
 * server does (docker-compose: the server talks to minio:9000, a browser on the
 * host to localhost:9000). Here the other address is a TCP proxy in front of the
 * same storage: a URL signed for it works only if it was signed for that host.
 */
describe('S3_PUBLIC_ENDPOINT_URL', () => {
  let proxy: TcpProxy;
  let server: TestServer;
  let publicEndpoint: string;
  beforeAll(async () => {
    proxy = await TcpProxy.start(Number(new URL(process.env.TEST_S3_ENDPOINT_URL!).port));
    publicEndpoint = `http://127.0.0.1:${proxy.port}`;
    server = await startTestServer({ S3_PUBLIC_ENDPOINT_URL: publicEndpoint });
  });
  afterAll(async () => {
    await server.stop();
    await proxy.close();
  });

  it('names it in presigned downloads, direct uploads and part uploads, and storage accepts them there', async () => {
    const user = someUser();
    const client = await server.client(user);
    const uploaded = (await server.upload(user, { name: 'été.png', bytes: fixtures.png })).data!.uploadFile;
    const { presignedUrl } = await client.request<any>(`query($id: ID!) { presignedUrl(id: $id) { url } }`, { id: uploaded.id });
    expect(presignedUrl.url.startsWith(`${publicEndpoint}/`)).toBe(true);
    expect(Buffer.from(await (await fetch(presignedUrl.url)).arrayBuffer())).toEqual(fixtures.png);

    const declared = { contentType: 'image/png', size: fixtures.png.length };
    const { requestUpload } = await client.request<any>(`mutation($i: RequestUploadInput!) { requestUpload(input: $i) { url headers file { id } } }`, {
      i: { filename: 'direct.png', ...declared },
    });
    expect(requestUpload.url.startsWith(`${publicEndpoint}/`)).toBe(true);
    expect((await fetch(requestUpload.url, { method: 'PUT', headers: requestUpload.headers, body: new Uint8Array(fixtures.png) })).status).toBe(200);
    const { completeUpload } = await client.request<any>(`mutation($id: ID!) { completeUpload(id: $id) { status } }`, { id: requestUpload.file.id });
    expect(completeUpload.status).toBe('AVAILABLE');

    const { requestMultipartUpload } = await client.request<any>(`mutation($i: RequestUploadInput!) { requestMultipartUpload(input: $i) { file { id } } }`, {
      i: { filename: 'parts.png', ...declared },
    });
    const { signUploadParts } = await client.request<any>(`mutation($id: ID!) { signUploadParts(id: $id, partNumbers: [1]) { url headers } }`, {
      id: requestMultipartUpload.file.id,
    });
    expect(signUploadParts[0].url.startsWith(`${publicEndpoint}/`)).toBe(true);
    expect((await fetch(signUploadParts[0].url, { method: 'PUT', headers: signUploadParts[0].headers, body: new Uint8Array(fixtures.png) })).status).toBe(200);
  });
});

describe('PUBLIC_BASE_URL and File.publicUrl', () => {
  let server: TestServer;
  const base = 'https://cdn.example.com/files';
  beforeAll(async () => {
    server = await startTestServer({ PUBLIC_BASE_URL: `${base}/` });
  });
  afterAll(() => server.stop());

  const FILE = `query($id: ID!) { file(id: $id) { s3Key publicUrl } }`;

  it('is the base URL and the key, each segment encoded, for available public files; null for private or deleted ones', async () => {
    const user = someUser();
    const client = await server.client(user);
    const shared = (await server.upload(user, { name: 'a photo été.png', bytes: fixtures.png }, { isPublic: true, folder: 'shared' })).data!.uploadFile;
    const { file } = await client.request<any>(FILE, { id: shared.id });
    expect(file.s3Key).toMatch(/^shared\/.*a_photo_été\.png$/);
    expect(file.publicUrl).toBe(`${base}/${file.s3Key.split('/').map(encodeURIComponent).join('/')}`);
    expect(file.publicUrl).toMatch(/^https:\/\/cdn\.example\.com\/files\/shared\/.*a_photo_%C3%A9t%C3%A9\.png$/);
    // Anyone may read a public file, and gets the same link.
    expect((await (await server.client()).request<any>(FILE, { id: shared.id })).file.publicUrl).toBe(file.publicUrl);

    const kept = (await server.upload(user, { name: 'private.png', bytes: fixtures.png })).data!.uploadFile;
    expect((await client.request<any>(FILE, { id: kept.id })).file.publicUrl).toBeNull();

    await client.request(`mutation($id: ID!) { deleteFile(id: $id) }`, { id: shared.id });
    expect((await client.request<any>(FILE, { id: shared.id })).file.publicUrl).toBeNull();
  });

  it('is null everywhere when PUBLIC_BASE_URL is not set', async () => {
    const plain = await startTestServer();
    try {
      const user = someUser();
      const shared = (await plain.upload(user, { name: 'public.png', bytes: fixtures.png }, { isPublic: true })).data!.uploadFile;
      expect((await (await plain.client(user)).request<any>(FILE, { id: shared.id })).file.publicUrl).toBeNull();
    } finally {
      await plain.stop();
    }
  });
});
