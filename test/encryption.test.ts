import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { fixtures, pngOfSize } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

const MIB = 1024 * 1024;
/** Ceph RGW (the CI's second path) echoes SSE-KMS on HEAD; s3rver accepts the header and reports nothing. */
const STORAGE_REPORTS_SSE = Boolean(process.env.CEPH_CONF);

/**
 * SSE-KMS with a key id (Ceph's test KMS knows "testkey-1"). What a file records
 * is what storage confirmed; where storage does not echo it (s3rver), what was asked.
 */
describe('server-side encryption with aws:kms', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ S3_SSE_ALGORITHM: 'aws:kms', S3_SSE_KMS_KEY_ID: 'testkey-1', S3_MAX_FILE_SIZE_MB: '32', MULTIPART_PART_SIZE_MB: '5' });
  });
  afterAll(() => server.stop());

  /** What storage itself says of the object, asked with the test's own client. */
  async function storedEncryption(key: string): Promise<{ algorithm?: string; keyId?: string }> {
    const head = await server.s3.send(new HeadObjectCommand({ Bucket: server.resources.bucket, Key: key }));
    return { algorithm: head.ServerSideEncryption, keyId: head.SSEKMSKeyId };
  }

  /** Every way an object is written: a streamed PUT, a streamed multipart upload, a copy, a direct PUT, a resumable upload. */
  async function writeEveryWay(): Promise<{ s3Key: string; serverSideEncryption: string; how: string }[]> {
    const user = someUser();
    const client = await server.client(user);
    const small = (await server.upload(user, { name: 'secret.png', bytes: fixtures.png })).data!.uploadFile;
    // Over one 8 MiB part: the server's streamed multipart upload.
    const large = (await server.upload(user, { name: 'large.png', bytes: pngOfSize(9 * MIB) })).data!.uploadFile;
    // Ceph RGW 16 answers CopyObject of an encrypted object with 501: the server streams the copy instead.
    const { copyFile: copied } = await client.request<any>(`mutation($id: ID!) { copyFile(id: $id, input: { newFolder: "copies" }) { s3Key serverSideEncryption } }`, { id: small.id });
    expect(await server.objectBytes(copied.s3Key)).toEqual(fixtures.png);

    const { requestUpload } = await client.request<any>(
      `mutation { requestUpload(input: { filename: "direct.png", contentType: "image/png", size: ${fixtures.png.length} }) { url headers file { id } } }`,
    );
    expect(requestUpload.headers).toMatchObject({ 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'testkey-1' });
    expect((await fetch(requestUpload.url, { method: 'PUT', headers: requestUpload.headers, body: new Uint8Array(fixtures.png) })).status).toBe(200);
    const { completeUpload: direct } = await client.request<any>(`mutation($id: ID!) { completeUpload(id: $id) { s3Key serverSideEncryption } }`, { id: requestUpload.file.id });

    const body = pngOfSize(6 * MIB);
    const { requestMultipartUpload: ticket } = await client.request<any>(`mutation($i: RequestUploadInput!) { requestMultipartUpload(input: $i) { partSize file { id } } }`, {
      i: { filename: 'parts.png', contentType: 'image/png', size: body.length },
    });
    const { signUploadParts } = await client.request<any>(`mutation($id: ID!) { signUploadParts(id: $id, partNumbers: [1, 2]) { partNumber url headers } }`, { id: ticket.file.id });
    const parts = [];
    for (const signed of signUploadParts) {
      const part = body.subarray((signed.partNumber - 1) * ticket.partSize, signed.partNumber * ticket.partSize);
      const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: new Uint8Array(part) });
      parts.push({ partNumber: signed.partNumber, etag: put.headers.get('etag') });
    }
    const { completeMultipartUpload: resumed } = await client.request<any>(
      `mutation($id: ID!, $p: [CompletedPartInput!]!) { completeMultipartUpload(id: $id, parts: $p) { s3Key serverSideEncryption } }`,
      { id: ticket.file.id, p: parts },
    );
    return [
      { ...small, how: 'streamed' },
      { ...large, how: 'streamed multipart' },
      { ...copied, how: 'copied' },
      { ...direct, how: 'direct' },
      { ...resumed, how: 'resumable' },
    ];
  }

  it('records aws:kms for every write, and fileMetadata reports it', async () => {
    const written = await writeEveryWay();
    expect(written.map(({ how, serverSideEncryption }) => [how, serverSideEncryption])).toEqual(written.map(({ how }) => [how, 'aws:kms']));
    const user = someUser();
    const { id } = (await server.upload(user, { name: 'read.png', bytes: fixtures.png })).data!.uploadFile;
    const { fileMetadata } = await (await server.client(user)).request<any>(`query($id: ID!) { fileMetadata(id: $id) { serverSideEncryption } }`, { id });
    expect(fileMetadata.serverSideEncryption).toBe('aws:kms');
  });

  if (STORAGE_REPORTS_SSE) {
    it('is what storage itself reports for every write (HEAD with the test\'s own client): a dropped header fails here', async () => {
      const written = await writeEveryWay();
      for (const { s3Key, how } of written) {
        const stored = await storedEncryption(s3Key);
        expect({ how, algorithm: stored.algorithm, keyId: stored.keyId?.endsWith('testkey-1') }).toEqual({ how, algorithm: 'aws:kms', keyId: true });
      }
    });
  }
});
