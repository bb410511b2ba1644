import { FileEntity } from '../entities/file.entity';
import { FileRepository } from '../src/files/file-repository';
import { eventually } from './support/browser';
import { fixtures } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

// Reads return plain rows mapped by hand (file-record.ts): they must say exactly what the entity says.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ S3_MAX_FILE_SIZE_MB: '64', MULTIPART_PART_SIZE_MB: '5' });
});
afterAll(() => server.stop());

function asRecord(entity: FileEntity): Record<string, unknown> {
  return { ...entity, copiedFrom: entity.copiedFrom ? { id: entity.copiedFrom.id } : null };
}

test('a file read as a row equals the same file read as an entity, every column included', async () => {
  const user = someUser();
  const client = await server.client(user);
  const uploaded = await server.upload(user, { name: 'photo.png', bytes: fixtures.png }, { folder: 'a/b', description: 'd', metadata: { k: [1] } });
  // Its blurhash comes from the job queue: copied before it, the copy would get a job of its own, which
  // could write the copy's row between the two reads compared below.
  await eventually(async () => expect((await client.request<any>('query ($id: ID!) { file(id: $id) { image { blurhash } } }', { id: uploaded.data!.uploadFile.id })).file.image.blurhash).toEqual(expect.any(String)), 15_000);
  const { copyFile } = await client.request<any>(`mutation($id: ID!) { copyFile(id: $id, input: { isPublic: true }) { id } }`, { id: uploaded.data!.uploadFile.id });
  await client.request(`mutation($id: ID!) { deleteFile(id: $id) }`, { id: copyFile.id });
  // A resumable upload fills the columns the others leave null.
  const { requestMultipartUpload } = await client.request<any>(
    `mutation { requestMultipartUpload(input: { filename: "big.png", contentType: "image/png", size: 20000000 }) { file { id } } }`,
  );

  const ids = [uploaded.data!.uploadFile.id, copyFile.id, requestMultipartUpload.file.id];
  const records = await new FileRepository(server.app.orm.em.fork()).readByIds(ids);
  const em = server.app.orm.em.fork();
  for (const id of ids) {
    const entity = await em.findOneOrFail(FileEntity, { id });
    const record = records.find((file) => file.id === id);
    expect(record).toStrictEqual(asRecord(entity));
  }
  const properties = Object.keys(em.getMetadata().get(FileEntity.name).properties).sort();
  expect(Object.keys(records[0]).sort()).toEqual(properties);
  expect(records.find((file) => file.id === copyFile.id)!.copiedFrom).toEqual({ id: ids[0] });
  expect(records.find((file) => file.id === copyFile.id)!.deletedAt).toBeInstanceOf(Date);
  expect(records.find((file) => file.id === ids[2])!.partSize).toBeGreaterThan(0);
  expect(records.find((file) => file.id === ids[2])!.uploadExpiresAt).toBeInstanceOf(Date);
});
