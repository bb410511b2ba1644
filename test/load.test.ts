import { createHash, randomBytes } from 'node:crypto';
import { fixtures } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ S3_MAX_FILE_SIZE_MB: '4' });
});
afterAll(() => server.stop());

const sha = (bytes: Buffer | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A distinct PNG per upload, from 1 KiB to about 600 KiB. */
function distinctPng(): Buffer {
  return Buffer.concat([fixtures.png, randomBytes(1024 + Math.floor(Math.random() * 600 * 1024))]);
}

describe('under load', () => {
  it('100 concurrent uploads from 10 users, mixed with reads, copies and deletes: no error, no byte lost, no one sees another\'s files', async () => {
    const users = Array.from({ length: 10 }, () => someUser());
    const kept = new Map<string, { user: string; sha: string }>(); // file id → owner, content hash
    const deleted = new Set<string>();

    const work = Array.from({ length: 100 }, async (_, i) => {
      const user = users[i % users.length];
      const bytes = distinctPng();
      const answer = await server.upload(user, { name: `load-${i}.png`, bytes }, { folder: `load/${i % 3}` });
      expect(answer.errors).toBeUndefined();
      const file = answer.data!.uploadFile;
      kept.set(file.id, { user, sha: sha(bytes) });
      const client = await server.client(user);
      // Mixed with the uploads: a list, a read of the bytes, and for some a copy or a delete.
      await client.request('{ files(first: 10) { totalCount edges { node { id ownerId } } } }');
      const download = await fetch(`${server.url}/files/${file.id}/download`, { headers: { authorization: `Bearer ${await server.token(user)}` } });
      expect(sha(Buffer.from(await download.arrayBuffer()))).toBe(sha(bytes));
      if (i % 5 === 0) {
        const { copyFile } = await client.request<any>(`mutation($id: ID!) { copyFile(id: $id, input: { newFolder: "copies" }) { id } }`, { id: file.id });
        kept.set(copyFile.id, { user, sha: sha(bytes) });
      }
      if (i % 7 === 0) {
        await client.request(`mutation($id: ID!) { deleteFile(id: $id, hardDelete: true) }`, { id: file.id });
        kept.delete(file.id);
        deleted.add(file.id);
      }
    });
    await Promise.all(work);

    // Every user sees exactly their own files.
    for (const user of users) {
      const { files } = await (await server.client(user)).request<any>('{ files(first: 100) { totalCount edges { node { id ownerId } } } }');
      const mine = [...kept.entries()].filter(([, file]) => file.user === user).map(([id]) => id).sort();
      expect(files.edges.map((edge: any) => edge.node.id).sort()).toEqual(mine);
      expect(files.edges.every((edge: any) => edge.node.ownerId === user)).toBe(true);
    }
    // The table and the bucket agree: one object per row, nothing else.
    const rows = await server.app.orm.em.getConnection().execute<{ id: string; s3_key: string; checksum_sha256: string; status: string }[]>('select id, s3_key, checksum_sha256, status from files');
    expect(rows.map((row) => row.id).sort()).toEqual([...kept.keys()].sort());
    expect(rows.every((row) => row.status === 'AVAILABLE')).toBe(true);
    expect((await server.objectKeys()).sort()).toEqual(rows.map((row) => row.s3_key).sort());
    for (const row of rows) expect(row.checksum_sha256).toBe(kept.get(row.id)!.sha);
    expect(deleted.size).toBe(15);
  }, 60_000);
});
