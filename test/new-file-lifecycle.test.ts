import { Errors } from '../src/errors';
import type { Arrival, NewFileHooks } from '../src/files/new-file-lifecycle';
import { directUpload, resumableUpload } from './support/direct-upload';
import { errorCode } from './support/error-code';
import { fixtures, pngOfSize } from './support/fixtures';
import { trickleUpload } from './support/half-upload';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/**
 * Every way a file comes into being (streamed, direct, resumable, copied) goes
 * through the one life cycle, and a feature that joins it (NewFileHooks) sees
 * the same steps on every path. The hooks here are the test's own, listed in the
 * composition root as a feature's would be; what they record or refuse is real.
 */
describe('the life cycle of a new file', () => {
  let server: TestServer;
  const steps: string[] = [];
  const recorder: NewFileHooks = {
    async beforeBytes(file, arrival) {
      steps.push(`${file.originalName} ${arrival} beforeBytes`);
      if (file.originalName.startsWith('refused-before')) throw Errors.badInput('refused before any byte');
    },
    async bytesStored(file, arrival) {
      steps.push(`${file.originalName} ${arrival} bytesStored ${file.size}`);
      if (file.originalName.startsWith('refused-after')) throw Errors.unsupportedType('refused once stored');
    },
    statusChanging({ file, arrival, from, to }) {
      steps.push(`${file.originalName} ${arrival} ${from} -> ${to}`);
    },
  };
  const stepsOf = (name: string) => steps.filter((step) => step.startsWith(`${name} `)).map((step) => step.slice(name.length + 1));

  beforeAll(async () => {
    server = await startTestServer({}, { parts: { newFileHooks: [recorder] } });
  });
  afterAll(() => server.stop());

  it('takes every path through the same steps: reserved PENDING, bytes stored, then AVAILABLE (client-written bytes: PROCESSING first)', async () => {
    const user = someUser();
    const client = await server.client(user);
    const streamed = (await server.upload(user, { name: 'path-stream.png', bytes: fixtures.png })).data!.uploadFile;
    const directly = await directUpload(client, 'path-direct.png', fixtures.png, 'image/png');
    const resumed = await resumableUpload(client, 'path-resumable.png', fixtures.png, 'image/png');
    const copied = (await client.request<any>(`mutation($id: ID!) { copyFile(id: $id, input: { newName: "path-copy.png" }) { id status } }`, { id: streamed.id })).copyFile;
    expect([streamed.status, directly.status, resumed.status, copied.status]).toEqual(['AVAILABLE', 'AVAILABLE', 'AVAILABLE', 'AVAILABLE']);

    const size = fixtures.png.length;
    const expected = (arrival: Arrival) => [`${arrival} beforeBytes`, `${arrival} null -> PENDING`, `${arrival} bytesStored ${size}`, `${arrival} PENDING -> AVAILABLE`];
    // Bytes the client put are processed after (from the job queue): PROCESSING first.
    const processedAfter = (arrival: Arrival) => [...expected(arrival).slice(0, 3), `${arrival} PENDING -> PROCESSING`, `${arrival} PROCESSING -> AVAILABLE`];
    expect(stepsOf('path-stream.png')).toEqual(expected('stream'));
    expect(stepsOf('path-direct.png')).toEqual(processedAfter('direct'));
    expect(stepsOf('path-resumable.png')).toEqual(processedAfter('resumable'));
    expect(stepsOf('path-copy.png')).toEqual(expected('copy'));
  });

  it('a file refused before its bytes are accepted leaves nothing, on every path', async () => {
    const user = someUser();
    const client = await server.client(user);
    const source = (await server.upload(user, { name: 'source.png', bytes: fixtures.png })).data!.uploadFile;
    const [rows, keys] = [await server.rowCount(), await server.objectKeys()];

    expect((await server.upload(user, { name: 'refused-before-1.png', bytes: fixtures.png })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const declared = { contentType: 'image/png', size: fixtures.png.length };
    expect(await errorCode(client.request(`mutation($i: RequestUploadInput!) { requestUpload(input: $i) { url } }`, { i: { filename: 'refused-before-2.png', ...declared } }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      await errorCode(client.request(`mutation($i: RequestUploadInput!) { requestMultipartUpload(input: $i) { partSize } }`, { i: { filename: 'refused-before-3.png', ...declared } })),
    ).toBe('BAD_USER_INPUT');
    expect(await errorCode(client.request(`mutation($id: ID!) { copyFile(id: $id, input: { newName: "refused-before-4.png" }) { id } }`, { id: source.id }))).toBe('BAD_USER_INPUT');

    expect(await server.rowCount()).toBe(rows);
    expect(await server.objectKeys()).toEqual(keys);
  });

  it('a file refused once its bytes are stored is discarded: no object, no row, on every path', async () => {
    const user = someUser();
    const client = await server.client(user);
    const source = (await server.upload(user, { name: 'source.png', bytes: fixtures.png })).data!.uploadFile;
    const [rows, keys] = [await server.rowCount(), await server.objectKeys()];

    expect((await server.upload(user, { name: 'refused-after-1.png', bytes: fixtures.png })).errors?.[0].extensions?.code).toBe('UNSUPPORTED_FILE_TYPE');
    expect(await errorCode(directUpload(client, 'refused-after-2.png', fixtures.png, 'image/png'))).toBe('UNSUPPORTED_FILE_TYPE');
    expect(await errorCode(resumableUpload(client, 'refused-after-3.png', fixtures.png, 'image/png'))).toBe('UNSUPPORTED_FILE_TYPE');
    expect(await errorCode(client.request(`mutation($id: ID!) { copyFile(id: $id, input: { newName: "refused-after-4.png" }) { id } }`, { id: source.id }))).toBe(
      'UNSUPPORTED_FILE_TYPE',
    );

    expect(await server.rowCount()).toBe(rows);
    expect(await server.objectKeys()).toEqual(keys);
    expect(stepsOf('refused-after-1.png').at(-1)).toBe('stream PENDING -> null');
  });
});

describe('the reservation of a streamed upload', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ UPLOAD_RESERVATION_SECONDS: '1' });
  });
  afterAll(() => server.stop());

  it('stays alive while bytes flow: a purge during a slow upload does not take it for abandoned', async () => {
    const port = Number(new URL(server.url).port);
    // 3.5 s of uploading, a slice every 250 ms: three times the reservation, never idle for long.
    const answer = trickleUpload(port, await server.token(someUser()), pngOfSize(200 * 1024), 14, 250);
    const purged: string[] = [];
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 600));
      purged.push(...(await server.app.purger.run()).expiredUploads);
    }
    const { data, errors } = JSON.parse(await answer);
    expect(errors).toBeUndefined();
    expect(data.uploadFile).toMatchObject({ status: 'AVAILABLE', size: 200 * 1024 });
    expect(purged).toEqual([]);
  });
});
