import { fixtures } from './support/fixtures';
import { someUser, startTestServer } from './support/test-server';

/**
 * SSE-KMS with a key id (Ceph's test KMS knows "testkey-1"). What a file records
 * is what storage confirmed; where storage does not echo it (s3rver), what was asked.
 */
describe('server-side encryption with aws:kms', () => {
  it('encrypts uploads, direct uploads and copies, and records the algorithm', async () => {
    const server = await startTestServer({ S3_SSE_ALGORITHM: 'aws:kms', S3_SSE_KMS_KEY_ID: 'testkey-1' });
    try {
      const user = someUser();
      const uploaded = await server.upload(user, { name: 'secret.png', bytes: fixtures.png });
      expect(uploaded.errors).toBeUndefined();
      expect(uploaded.data!.uploadFile.serverSideEncryption).toBe('aws:kms');

      const client = await server.client(user);
      const id = uploaded.data!.uploadFile.id;
      const { fileMetadata } = await client.request<any>(`query($id: ID!) { fileMetadata(id: $id) { serverSideEncryption } }`, { id });
      expect(fileMetadata.serverSideEncryption).toBe('aws:kms');

      // Ceph RGW 16 answers CopyObject of an encrypted object with 501: the server streams the copy instead.
      const { copyFile } = await client.request<any>(`mutation($id: ID!) { copyFile(id: $id, input: { newFolder: "copies" }) { s3Key serverSideEncryption } }`, { id });
      expect(copyFile.serverSideEncryption).toBe('aws:kms');
      expect(await server.objectBytes(copyFile.s3Key)).toEqual(fixtures.png);

      const { requestUpload } = await client.request<any>(
        `mutation { requestUpload(input: { filename: "direct.png", contentType: "image/png", size: ${fixtures.png.length} }) { url headers file { id } } }`,
      );
      expect(requestUpload.headers).toMatchObject({ 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'testkey-1' });
      expect((await fetch(requestUpload.url, { method: 'PUT', headers: requestUpload.headers, body: new Uint8Array(fixtures.png) })).status).toBe(200);
      const { completeUpload } = await client.request<any>(`mutation($id: ID!) { completeUpload(id: $id) { serverSideEncryption } }`, { id: requestUpload.file.id });
      expect(completeUpload.serverSideEncryption).toBe('aws:kms');
    } finally {
      await server.stop();
    }
  });
});
