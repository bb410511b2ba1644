import { PassThrough } from 'node:stream';
import { fixtures } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/** The server's own JSON lines, as an operator's log collector reads them. */
describe('logs', () => {
  let server: TestServer;
  let text = '';
  const lines = () => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
  const events = (event: string) => lines().filter((line) => line.event === event);

  beforeAll(async () => {
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => (text += chunk.toString()));
    server = await startTestServer({ LOG_LEVEL: 'info' }, { logTo: sink });
  });
  afterAll(() => server.stop());

  it('reports each bucket protection once at start-up (on, off, or unknown where storage cannot tell)', () => {
    const protections = events('bucket_protection');
    expect(protections.map((line) => line.protection).sort()).toEqual(['encryption', 'publicAccessBlock', 'versioning']);
    for (const line of protections) {
      expect(['on', 'off', 'unknown']).toContain(line.state);
      // A protection that is off is a warning, with the reason it matters.
      if (line.state === 'off') expect(line).toMatchObject({ level: 40, msg: expect.any(String) });
    }
  });

  it('writes the seed event for an upload, a download, a presigned URL, a copy and a delete, with no token and no signature', async () => {
    const user = someUser();
    const token = await server.token(user);
    const client = await server.client(user);
    const uploaded = (await server.upload(user, { name: 'logged.png', bytes: fixtures.png })).data!.uploadFile;
    const download = await fetch(`${server.url}/files/${uploaded.id}/download`, { headers: { authorization: `Bearer ${token}` } });
    expect(Buffer.from(await download.arrayBuffer())).toEqual(fixtures.png);
    const { presignedUrl } = await client.request<any>(`query($id: ID!) { presignedUrl(id: $id) { url } }`, { id: uploaded.id });
    const { copyFile } = await client.request<any>(`mutation($id: ID!) { copyFile(id: $id) { id } }`, { id: uploaded.id });
    await client.request(`mutation($id: ID!) { deleteFile(id: $id, hardDelete: true) }`, { id: copyFile.id });
    const refused = await server.upload(user, { name: 'logged.exe', bytes: fixtures.png });
    expect(refused.errors?.[0].extensions?.code).toBe('UNSUPPORTED_FILE_TYPE');

    const size = fixtures.png.length;
    expect(events('s3_file_uploaded')).toContainEqual(
      expect.objectContaining({ fileId: uploaded.id, userId: user, bytes: size, durationMs: expect.any(Number), path: 'stream' }),
    );
    expect(events('s3_file_downloaded_bytes')).toContainEqual(
      expect.objectContaining({ fileId: uploaded.id, userId: user, bytes: size, durationMs: expect.any(Number), complete: true }),
    );
    expect(events('presigned_url_generated')).toContainEqual(expect.objectContaining({ fileId: uploaded.id, userId: user, expiresIn: expect.any(Number) }));
    expect(events('s3_file_copied')).toContainEqual(
      expect.objectContaining({ fileId: copyFile.id, sourceId: uploaded.id, userId: user, bytes: size, durationMs: expect.any(Number) }),
    );
    expect(events('s3_file_deleted')).toContainEqual(expect.objectContaining({ fileId: copyFile.id, userId: user, hardDelete: true, bytes: size }));
    expect(events('upload_rejected')).toContainEqual(expect.objectContaining({ userId: user, code: 'UNSUPPORTED_FILE_TYPE', path: 'stream' }));

    const signature = new URL(presignedUrl.url).searchParams.get('X-Amz-Signature');
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(text).not.toContain(signature);
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split('.')[2]); // nor the token's own signature alone
  });
});
