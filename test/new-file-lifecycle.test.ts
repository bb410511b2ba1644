import type { GraphQLClient } from 'graphql-request';
import { Errors } from '../src/errors';
import type { Arrival, NewFileHooks } from '../src/files/new-file-lifecycle';
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

  async function direct(client: GraphQLClient, name: string): Promise<any> {
    const size = fixtures.png.length;
    const { requestUpload } = await client.request<any>(`mutation($i: RequestUploadInput!) { requestUpload(input: $i) { url headers file { id } } }`, {
      i: { filename: name, contentType: 'image/png', size },
    });
    expect((await fetch(requestUpload.url, { method: 'PUT', headers: requestUpload.headers, body: new Uint8Array(fixtures.png) })).status).toBe(200);
    return (await client.request<any>(`mutation($id: ID!) { completeUpload(id: $id) { id status size } }`, { id: requestUpload.file.id })).completeUpload;
  }

  async function resumable(client: GraphQLClient, name: string): Promise<any> {
    const { requestMultipartUpload: ticket } = await client.request<any>(`mutation($i: RequestUploadInput!) { requestMultipartUpload(input: $i) { file { id } } }`, {
      i: { filename: name, contentType: 'image/png', size: fixtures.png.length },
    });
    const { signUploadParts } = await client.request<any>(`mutation($id: ID!) { signUploadParts(id: $id, partNumbers: [1]) { url headers } }`, { id: ticket.file.id });
    const put = await fetch(signUploadParts[0].url, { method: 'PUT', headers: signUploadParts[0].headers, body: new Uint8Array(fixtures.png) });
    const parts = [{ partNumber: 1, etag: put.headers.get('etag') }];
    return (await client.request<any>(`mutation($id: ID!, $p: [CompletedPartInput!]!) { completeMultipartUpload(id: $id, parts: $p) { id status size } }`, { id: ticket.file.id, p: parts }))
      .completeMultipartUpload;
  }

  it('takes every path through the same steps: reserved PENDING, bytes stored, then AVAILABLE (client-written bytes: PROCESSING first)', async () => {
    const user = someUser();
    const client = await server.client(user);
    const streamed = (await server.upload(user, { name: 'path-stream.png', bytes: fixtures.png })).data!.uploadFile;
    const directly = await direct(client, 'path-direct.png');
    const resumed = await resumable(client, 'path-resumable.png');
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
    expect(await errorCode(direct(client, 'refused-after-2.png'))).toBe('UNSUPPORTED_FILE_TYPE');
    expect(await errorCode(resumable(client, 'refused-after-3.png'))).toBe('UNSUPPORTED_FILE_TYPE');
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
