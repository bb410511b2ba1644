import { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ClientError } from 'graphql-request';
import { objectKey } from '../src/files/key-naming';
import { fixtures } from './support/fixtures';
import { someUser, startTestServer } from './support/test-server';

const now = new Date('2025-01-15T14:30:22Z');
const parts = { fileId: '0b6e3c1a-1111-4222-8333-444455556666', folder: null, originalName: 'document.pdf', extension: 'pdf', now };
const rules = { useUuidPrefix: true, preserveFilename: true, useTimestampPrefix: true, folderStructure: '{year}/{month}/{day}' };

describe('object keys (the seed\'s naming conventions)', () => {
  it.each([
    ['UUID prefix', {}, `2025/01/15/${parts.fileId}_document.pdf`],
    ['UUID, name not preserved', { preserveFilename: false }, `2025/01/15/${parts.fileId}.pdf`],
    ['timestamp prefix', { useUuidPrefix: false }, '2025/01/15/20250115_143022_document.pdf'],
    ['original name only', { useUuidPrefix: false, useTimestampPrefix: false, folderStructure: '' }, 'document.pdf'],
    ['timestamp, name not preserved', { useUuidPrefix: false, preserveFilename: false }, '2025/01/15/20250115_143022.pdf'],
    ['year-month structure', { folderStructure: 'uploads/{year}-{month}' }, `uploads/2025-01/${parts.fileId}_document.pdf`],
    ['hourly structure', { folderStructure: '{year}/{month}/{day}/{hour}' }, `2025/01/15/14/${parts.fileId}_document.pdf`],
    ['fixed structure', { folderStructure: 'documents/user-uploads' }, `documents/user-uploads/${parts.fileId}_document.pdf`],
    ['no structure', { folderStructure: '' }, `${parts.fileId}_document.pdf`],
  ])('%s', (_case, overrides, expected) => {
    expect(objectKey({ ...rules, ...overrides }, parts)).toBe(expected);
  });

  it('puts the upload folder first', () => {
    expect(objectKey(rules, { ...parts, folder: 'users/42' })).toBe(`users/42/2025/01/15/${parts.fileId}_document.pdf`);
  });
});

describe('never overwriting an object', () => {
  it('answers CONFLICT to a second upload of the same name under original-name naming, keeping the first bytes', async () => {
    const server = await startTestServer({ S3_USE_UUID_PREFIX: 'false', S3_USE_TIMESTAMP_PREFIX: 'false', S3_FOLDER_STRUCTURE: '' });
    try {
      const user = someUser();
      const first = await server.upload(user, { name: 'same.txt', bytes: fixtures.txt }, { folder: 'shared' });
      expect(first.data!.uploadFile.s3Key).toBe('shared/same.txt');
      const rows = await server.rowCount();
      const second = await server.upload(someUser(), { name: 'same.txt', bytes: fixtures.csv }, { folder: 'shared' });
      expect(second.errors?.[0].extensions?.code).toBe('CONFLICT');
      expect(await server.rowCount()).toBe(rows);
      expect(await server.objectBytes('shared/same.txt')).toEqual(fixtures.txt);

      // Copying onto an existing name, and a direct upload of one, are refused alike.
      const client = await server.client(user);
      await expect(client.request(`mutation($id: ID!) { copyFile(id: $id) { id } }`, { id: first.data!.uploadFile.id })).rejects.toThrow(ClientError);
      const request = client.request(`mutation { requestUpload(input: { filename: "same.txt", contentType: "text/plain", size: 5, folder: "shared" }) { url } }`);
      await expect(request).rejects.toMatchObject({ response: { errors: [{ extensions: { code: 'CONFLICT' } }] } });
      expect(await server.rowCount()).toBe(rows);
    } finally {
      await server.stop();
    }
  });

  it('lets exactly one of two concurrent uploads of the same name win; the winner\'s bytes stay intact', async () => {
    const server = await startTestServer({ S3_USE_UUID_PREFIX: 'false', S3_USE_TIMESTAMP_PREFIX: 'false', S3_FOLDER_STRUCTURE: '' });
    try {
      const contents = [Buffer.from('first writer\n'), Buffer.from('second writer\n')];
      const answers = await Promise.all(contents.map((bytes) => server.upload(someUser(), { name: 'race.txt', bytes })));
      const winners = answers.filter((answer) => answer.data?.uploadFile);
      expect(winners).toHaveLength(1);
      expect(answers.find((answer) => answer.errors)?.errors?.[0].extensions?.code).toBe('CONFLICT');
      const winner = contents[answers.indexOf(winners[0])];
      expect(await server.objectBytes('race.txt')).toEqual(winner);
      expect(await server.rowCount()).toBe(1);
    } finally {
      await server.stop();
    }
  });

  it('writes with If-None-Match: storage refuses to overwrite an object written by someone else (CONFLICT)', async () => {
    const server = await startTestServer({ S3_USE_UUID_PREFIX: 'false' });
    try {
      // The embedded S3 and Ceph RGW honour the condition, as AWS does.
      expect(await server.app.storage.supportsConditionalWrites()).toBe(true);
      await server.s3.send(new PutObjectCommand({ Bucket: server.config.s3.bucket, Key: 'outside/writer.txt', Body: 'not ours' }));
      const write = server.app.storage.put('outside/writer.txt', Readable.from([Buffer.from('ours')]), { contentType: 'text/plain' });
      await expect(write).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await server.objectBytes('outside/writer.txt')).toString()).toBe('not ours');
    } finally {
      await server.stop();
    }
  });

  it('names with a timestamp when there is no UUID prefix', async () => {
    const server = await startTestServer({ S3_USE_UUID_PREFIX: 'false' });
    try {
      const answer = await server.upload(someUser(), { name: 'stamp.png', bytes: fixtures.png });
      expect(answer.data!.uploadFile.s3Key).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\d{8}_\d{6}_stamp\.png$/);
    } finally {
      await server.stop();
    }
  });

  it('does not encrypt when S3_ENCRYPT_AT_REST=false', async () => {
    const server = await startTestServer({ S3_ENCRYPT_AT_REST: 'false' });
    try {
      const answer = await server.upload(someUser(), { name: 'plain.png', bytes: fixtures.png });
      expect(answer.data!.uploadFile.serverSideEncryption).toBeNull();
    } finally {
      await server.stop();
    }
  });
});
