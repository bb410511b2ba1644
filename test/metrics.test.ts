import { fixtures } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

/** The value of one series in the /metrics text, 0 when absent. */
async function metric(series: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('GET /metrics', () => {
  it('counts uploads, rejections, downloaded bytes, S3 and GraphQL requests', async () => {
    const before = {
      uploaded: await metric('files_uploaded_total{path="multipart"}'),
      bytes: await metric('files_upload_bytes_total{path="multipart"}'),
      rejected: await metric('files_rejected_total{code="UNSUPPORTED_FILE_TYPE"}'),
      downloaded: await metric('files_downloaded_bytes_total'),
      puts: await metric('s3_request_duration_seconds_count{operation="PutObject",outcome="ok"}'),
      gql: await metric('graphql_request_duration_seconds_count{operation="mutation:uploadFile",outcome="ok"}'),
    };
    const user = someUser();
    const file = (await server.upload(user, { name: 'm.png', bytes: fixtures.png })).data!.uploadFile;
    await server.upload(user, { name: 'bad.pdf', bytes: fixtures.png });
    const response = await fetch(`${server.url}/files/${file.id}/download`, { headers: { authorization: `Bearer ${await server.token(user)}` } });
    await response.arrayBuffer();

    expect(await metric('files_uploaded_total{path="multipart"}')).toBe(before.uploaded + 1);
    expect(await metric('files_upload_bytes_total{path="multipart"}')).toBe(before.bytes + fixtures.png.length);
    expect(await metric('files_rejected_total{code="UNSUPPORTED_FILE_TYPE"}')).toBe(before.rejected + 1);
    expect(await metric('files_downloaded_bytes_total')).toBe(before.downloaded + fixtures.png.length);
    expect(await metric('s3_request_duration_seconds_count{operation="PutObject",outcome="ok"}')).toBe(before.puts + 1);
    expect(await metric('graphql_request_duration_seconds_count{operation="mutation:uploadFile",outcome="ok"}')).toBe(before.gql + 1);
    expect(await metric('graphql_request_duration_seconds_count{operation="mutation:uploadFile",outcome="UNSUPPORTED_FILE_TYPE"}')).toBeGreaterThanOrEqual(1);
    expect(await metric('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('times the processing pass and reports the job queue', async () => {
    const before = { stream: await metric('processing_pass_duration_seconds_count{read="stream"}'), object: await metric('processing_pass_duration_seconds_count{read="object"}') };
    const user = someUser();
    const client = await server.client(user);
    await server.upload(user, { name: 'pass.png', bytes: fixtures.png });
    const { requestUpload } = await client.request<any>(`mutation { requestUpload(input: { filename: "d.png", contentType: "image/png", size: ${fixtures.png.length} }) { url headers file { id } } }`);
    await fetch(requestUpload.url, { method: 'PUT', headers: requestUpload.headers, body: new Uint8Array(fixtures.png) });
    await client.request(`mutation($id: ID!) { completeUpload(id: $id) { status } }`, { id: requestUpload.file.id });
    // One pass in the stream, one from the queue over the object read back.
    expect(await metric('processing_pass_duration_seconds_count{read="stream"}')).toBe(before.stream + 1);
    expect(await metric('processing_pass_duration_seconds_count{read="object"}')).toBe(before.object + 1);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/^jobs_waiting \d+$/m);
    expect(text).toContain('# TYPE jobs_failed_total counter');
    expect(text).toContain('# TYPE files_scanned_total counter');
  });

  it('never labels a series with a user, file id or file name', async () => {
    const user = someUser();
    const file = (await server.upload(user, { name: 'secret-name.png', bytes: fixtures.png })).data!.uploadFile;
    const text = await (await fetch(`${server.url}/metrics`)).text();
    for (const needle of [user, file.id, 'secret-name']) expect(text).not.toContain(needle);
  });
});
