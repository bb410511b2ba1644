import { randomUUID } from 'node:crypto';
import { pngOfSize } from './support/fixtures';
import { ask, nothingLeft } from './support/answers';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/*
 * Logical folders, bulk operations and the trash (issue 15): a folder is a
 * column, so moves and renames change rows and keep everything else.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

const gql = (as: string, query: string, variables: Record<string, unknown> = {}, options: { admin?: boolean } = {}) => ask(server, as, query, variables, options);

async function upload(user: string, name: string, folder?: string, bytes = pngOfSize(1000)): Promise<{ id: string; s3Key: string; checksumSha256: string }> {
  const answer = await server.upload(user, { name, bytes }, folder === undefined ? {} : { folder });
  if (!answer.data?.uploadFile) throw new Error(JSON.stringify(answer.errors));
  return answer.data.uploadFile;
}

const FOLDERS = 'query ($parent: String, $ownerId: ID) { folders(parent: $parent, ownerId: $ownerId) { path name fileCount totalBytes updatedAt } }';
const foldersOf = async (user: string, parent: string | null = null) => (await gql(user, FOLDERS, { parent })).data.folders.map((f: any) => [f.path, f.fileCount, f.totalBytes]);
const FILE = 'query ($id: ID!) { file(id: $id) { id originalName extension folder s3Key checksumSha256 createdAt status deletedAt expiresAt } }';
const fileOf = async (user: string, id: string) => (await gql(user, FILE, { id })).data.file;
const namesIn = async (user: string, filter: Record<string, unknown> = {}) =>
  (await gql(user, 'query ($filter: FileFilter) { files(first: 100, filter: $filter) { edges { node { originalName } } } }', { filter })).data.files.edges.map((e: any) => e.node.originalName).sort();
const BULK = '{ succeeded failed { id code message } }';

describe('renameFile', () => {
  it('changes the name alone: id, folder, key, checksum and creation date stay', async () => {
    const user = someUser();
    const file = await upload(user, 'old.png', 'docs');
    const before = await fileOf(user, file.id);
    const renamed = await gql(user, 'mutation ($id: ID!) { renameFile(id: $id, name: "new name.png") { id originalName } }', { id: file.id });
    expect(renamed.data.renameFile).toEqual({ id: file.id, originalName: 'new_name.png' });
    expect(await fileOf(user, file.id)).toEqual({ ...before, originalName: 'new_name.png' });
  });

  it.each([
    ['an empty name', '', 'BAD_USER_INPUT'],
    ['a name of unsafe characters only', '///', 'BAD_USER_INPUT'],
    ['another extension', 'report.pdf', 'BAD_USER_INPUT'],
    ['no extension', 'report', 'BAD_USER_INPUT'],
  ])('refuses %s, changing nothing', async (_case, name, code) => {
    const user = someUser();
    const file = await upload(user, 'keep.png');
    expect(await gql(user, 'mutation ($id: ID!, $name: String!) { renameFile(id: $id, name: $name) { id } }', { id: file.id, name })).toMatchObject({ code });
    expect((await fileOf(user, file.id)).originalName).toBe('keep.png');
  });

  it('shortens 10 000 characters as an upload name is shortened, keeping the extension', async () => {
    const user = someUser();
    const file = await upload(user, 'a.png');
    const renamed = await gql(user, 'mutation ($id: ID!, $name: String!) { renameFile(id: $id, name: $name) { originalName } }', { id: file.id, name: `${'x'.repeat(10_000)}.png` });
    expect(renamed.data.renameFile.originalName).toMatch(/^x+\.png$/);
    expect(Buffer.byteLength(renamed.data.renameFile.originalName)).toBeLessThanOrEqual(180);
  });

  it('is NOT_FOUND for another user\'s file', async () => {
    const file = await upload(someUser(), 'a.png');
    expect(await gql(someUser(), 'mutation ($id: ID!) { renameFile(id: $id, name: "b.png") { id } }', { id: file.id })).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('folders(parent)', () => {
  it('lists direct subfolders with the AVAILABLE files of each whole subtree', async () => {
    const user = someUser();
    await upload(user, 'a.png', 'reports', pngOfSize(1000));
    await upload(user, 'b.png', 'reports/2024', pngOfSize(2000));
    await upload(user, 'c.png', 'reports/2024/q1', pngOfSize(3000));
    const trashed = await upload(user, 'd.png', 'reports/2025', pngOfSize(4000));
    await upload(user, 'e.png', 'photos', pngOfSize(5000));
    await upload(user, 'top.png');
    await upload(someUser(), 'other.png', 'reports');
    await gql(user, 'mutation ($id: ID!) { deleteFile(id: $id) }', { id: trashed.id });

    expect(await foldersOf(user)).toEqual([['photos', 1, 5000], ['reports', 3, 6000]]);
    expect(await foldersOf(user, 'reports')).toEqual([['reports/2024', 2, 5000]]);
    expect(await foldersOf(user, 'reports/2024/')).toEqual([['reports/2024/q1', 1, 3000]]);
    const [folder] = (await gql(user, FOLDERS, { parent: 'reports' })).data.folders;
    expect(folder.name).toBe('2024');
    expect(Date.parse(folder.updatedAt)).toBeGreaterThan(Date.now() - 60_000);

    // Restored from the trash, a file counts again.
    await gql(user, 'mutation ($id: ID!) { restoreFile(id: $id) { id } }', { id: trashed.id });
    expect(await foldersOf(user, 'reports')).toEqual([['reports/2024', 2, 5000], ['reports/2025', 1, 4000]]);
  });

  it('shows another owner\'s folders to administrators only', async () => {
    const owner = someUser();
    await upload(owner, 'a.png', 'private');
    expect(await gql(someUser(), FOLDERS, { ownerId: owner })).toMatchObject({ code: 'FORBIDDEN' });
    expect((await gql('an-admin', FOLDERS, { ownerId: owner }, { admin: true })).data.folders.map((f: any) => f.path)).toEqual(['private']);
  });

  it.each([['..', '../etc'], ['absolute', '/etc'], ['backslashes', 'a\\b'], ['control characters', 'a\u0007b']])('refuses a parent with %s', async (_case, parent) => {
    expect(await gql(someUser(), FOLDERS, { parent })).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describe('moveFiles and renameFolder', () => {
  it('moves files, keeping what they are, and merges with names that clash', async () => {
    const user = someUser();
    const a = await upload(user, 'same.png', 'from');
    const b = await upload(user, 'same.png', 'to');
    const before = await fileOf(user, a.id);
    const moved = await gql(user, `mutation ($ids: [ID!]!) { moveFiles(ids: $ids, toFolder: "to") ${BULK} }`, { ids: [a.id] });
    expect(moved.data.moveFiles).toEqual({ succeeded: [a.id], failed: [] });
    expect(await fileOf(user, a.id)).toEqual({ ...before, folder: 'to' });
    expect(await namesIn(user, { folder: 'to' })).toEqual(['same.png', 'same.png']);
    expect(await foldersOf(user)).toEqual([['to', 2, 2000]]);
    // "" is the top level.
    await gql(user, `mutation ($ids: [ID!]!) { moveFiles(ids: $ids, toFolder: "") ${BULK} }`, { ids: [b.id] });
    expect((await fileOf(user, b.id)).folder).toBeNull();
  });

  it('answers a missing id or another user\'s alone, with NOT_FOUND', async () => {
    const user = someUser();
    const mine = await upload(user, 'a.png');
    const theirs = await upload(someUser(), 'b.png');
    const missing = randomUUID();
    const moved = await gql(user, `mutation ($ids: [ID!]!) { moveFiles(ids: $ids, toFolder: "x") ${BULK} }`, { ids: [theirs.id, mine.id, missing, 'not-a-uuid'] });
    expect(moved.data.moveFiles.succeeded).toEqual([mine.id]);
    expect(moved.data.moveFiles.failed.map((f: any) => [f.id, f.code])).toEqual([[theirs.id, 'NOT_FOUND'], [missing, 'NOT_FOUND'], ['not-a-uuid', 'NOT_FOUND']]);
    expect((await fileOf(user, mine.id)).folder).toBe('x');
  });

  it.each([['..', 'a/../b'], ['absolute', '/abs'], ['backslashes', 'a\\b'], ['control characters', 'a\u0000b'], ['a NUL-free control', 'a\u001bb']])('refuses a folder with %s, moving nothing', async (_case, toFolder) => {
    const user = someUser();
    const file = await upload(user, 'a.png', 'here');
    expect(await gql(user, `mutation ($ids: [ID!]!, $to: String!) { moveFiles(ids: $ids, toFolder: $to) ${BULK} }`, { ids: [file.id], to: toFolder })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await fileOf(user, file.id)).folder).toBe('here');
  });

  it('renames a folder and its subtree, never a folder that only starts alike, merging into one that exists', async () => {
    const user = someUser();
    const a = await upload(user, 'a.png', 'a');
    const ab = await upload(user, 'ab.png', 'ab');
    const deep = await upload(user, 'deep.png', 'a/b/c');
    await upload(user, 'there.png', 'x/b');
    const key = (await fileOf(user, deep.id)).s3Key;
    expect((await gql(user, 'mutation { renameFolder(from: "a", to: "x") }')).data.renameFolder).toBe(2);
    expect((await fileOf(user, a.id)).folder).toBe('x');
    expect(await fileOf(user, deep.id)).toMatchObject({ folder: 'x/b/c', s3Key: key });
    expect((await fileOf(user, ab.id)).folder).toBe('ab');
    expect(await foldersOf(user)).toEqual([['ab', 1, 1000], ['x', 3, 3000]]);
    expect(await foldersOf(user, 'x/b')).toEqual([['x/b/c', 1, 1000]]);
  });

  it.each([
    ['into itself', 'a', 'a/inner'],
    ['from the top level', '', 'x'],
    ['to the top level', 'a', ''],
    ['to ..', 'a', '../x'],
    ['from an absolute path', '/a', 'x'],
  ])('refuses a rename %s', async (_case, from, to) => {
    const user = someUser();
    const file = await upload(user, 'a.png', 'a');
    expect(await gql(user, 'mutation ($from: String!, $to: String!) { renameFolder(from: $from, to: $to) }', { from, to })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await fileOf(user, file.id)).folder).toBe('a');
  });

  it('refuses a rename that would make a folder deeper than an upload may name', async () => {
    const user = someUser();
    await upload(user, 'a.png', 'a/1/2/3/4/5/6/7/8/9/10/11/12/13');
    expect(await gql(user, 'mutation { renameFolder(from: "a", to: "x/y/z/w") }')).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describe('bulk deletes, restores and the trash', () => {
  it('refuses 1 001 ids and an id given twice, doing nothing', async () => {
    const user = someUser();
    const file = await upload(user, 'a.png');
    const ids = [file.id, ...Array.from({ length: 1000 }, () => randomUUID())];
    for (const mutation of ['deleteFiles', 'restoreFiles', 'moveFiles']) {
      const args = mutation === 'moveFiles' ? 'ids: $ids, toFolder: "x"' : 'ids: $ids';
      expect(await gql(user, `mutation ($ids: [ID!]!) { ${mutation}(${args}) ${BULK} }`, { ids })).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(await gql(user, `mutation ($ids: [ID!]!) { ${mutation}(${args}) ${BULK} }`, { ids: [file.id, file.id] })).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    expect(await fileOf(user, file.id)).toMatchObject({ status: 'AVAILABLE', folder: null });
  });

  it('deletes to the trash, lists it, restores, and empties it with the objects', async () => {
    const user = someUser();
    const files = [await upload(user, 'a.png'), await upload(user, 'b.png'), await upload(user, 'c.png')];
    const theirs = await upload(someUser(), 'theirs.png');
    const deleted = await gql(user, `mutation ($ids: [ID!]!) { deleteFiles(ids: $ids) ${BULK} }`, { ids: [...files.map((f) => f.id), theirs.id] });
    expect(deleted.data.deleteFiles.succeeded).toEqual(files.map((f) => f.id));
    expect(deleted.data.deleteFiles.failed).toEqual([{ id: theirs.id, code: 'NOT_FOUND', message: 'File not found' }]);
    expect(await namesIn(user)).toEqual([]);
    expect(await namesIn(user, { status: 'DELETED' })).toEqual(['a.png', 'b.png', 'c.png']);

    const restored = await gql(user, `mutation ($ids: [ID!]!) { restoreFiles(ids: $ids) ${BULK} }`, { ids: [files[0].id, theirs.id] });
    expect(restored.data.restoreFiles.succeeded).toEqual([files[0].id]);
    expect(restored.data.restoreFiles.failed.map((f: any) => f.code)).toEqual(['NOT_FOUND']);
    const again = await gql(user, `mutation ($ids: [ID!]!) { restoreFiles(ids: $ids) ${BULK} }`, { ids: [files[0].id] });
    expect(again.data.restoreFiles.failed.map((f: any) => f.code)).toEqual(['BAD_USER_INPUT']);

    const keys = await server.objectKeys();
    expect((await gql(user, 'mutation { emptyTrash }')).data.emptyTrash).toBe(2);
    expect(await namesIn(user, { status: 'DELETED' })).toEqual([]);
    expect(await namesIn(user)).toEqual(['a.png']);
    const left = await server.objectKeys();
    expect(keys.filter((key) => !left.includes(key)).sort()).toEqual([files[1].s3Key, files[2].s3Key].sort());
  });

  it('hard-deletes in bulk: rows and objects', async () => {
    const user = someUser();
    const files = [await upload(user, 'a.png'), await upload(user, 'b.png')];
    const keys = await server.objectKeys();
    const rows = await server.rowCount();
    const deleted = await gql(user, `mutation ($ids: [ID!]!) { deleteFiles(ids: $ids, hardDelete: true) ${BULK} }`, { ids: files.map((f) => f.id) });
    expect(deleted.data.deleteFiles.succeeded).toHaveLength(2);
    expect(await server.rowCount()).toBe(rows - 2);
    expect(await server.objectKeys()).toEqual(keys.filter((key) => !files.some((f) => f.s3Key === key)));
  });

  it('deletes a folder\'s subtree softly, or hard with its objects, and never a folder that only starts alike', async () => {
    const user = someUser();
    await upload(user, 'a.png', 'tree');
    await upload(user, 'b.png', 'tree/sub');
    const alike = await upload(user, 'c.png', 'treetop');
    expect((await gql(user, 'mutation { deleteFolder(folder: "tree") }')).data.deleteFolder).toBe(2);
    expect(await namesIn(user)).toEqual(['c.png']);
    expect(await foldersOf(user)).toEqual([['treetop', 1, 1000]]);
    expect(await namesIn(user, { status: 'DELETED' })).toEqual(['a.png', 'b.png']);

    const rows = await server.rowCount();
    expect((await gql(user, 'mutation { deleteFolder(folder: "treetop", hardDelete: true) }')).data.deleteFolder).toBe(1);
    expect(await server.rowCount()).toBe(rows - 1);
    expect(await server.objectKeys()).not.toContain(alike.s3Key);
    expect(await gql(user, 'mutation { deleteFolder(folder: "") }')).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await gql(user, 'mutation { deleteFolder(folder: "../tree") }')).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describe('sort orders', () => {
  const PAGE = `query ($first: Int, $after: String, $orderBy: FileOrder) {
    files(first: $first, after: $after, orderBy: $orderBy) { edges { node { originalName size } } pageInfo { hasNextPage endCursor } } }`;

  async function walk(user: string, orderBy: Record<string, string>, pageSize: number): Promise<string[]> {
    const names: string[] = [];
    let after: string | null = null;
    for (;;) {
      const answer = await gql(user, PAGE, { first: pageSize, after, orderBy });
      const page: any = answer.data.files;
      names.push(...page.edges.map((edge: any) => edge.node.originalName));
      if (!page.pageInfo.hasNextPage) return names;
      after = page.pageInfo.endCursor;
    }
  }

  it('pages every order with cursors, stable on ties, and refuses another order\'s cursor', async () => {
    const user = someUser();
    // Sizes and names that tie, so that only the id can order them.
    const specs: [string, number][] = [['b.png', 2000], ['a.png', 1000], ['c.png', 1000], ['b.png', 1000], ['a.png', 3000]];
    for (const [name, size] of specs) await upload(user, name, undefined, pngOfSize(size));
    const everything = specs.length;
    for (const field of ['CREATED_AT', 'UPDATED_AT', 'NAME', 'SIZE']) {
      for (const direction of ['ASC', 'DESC']) {
        const whole = await walk(user, { field, direction }, 100);
        expect(whole).toHaveLength(everything);
        // One file per page gives the same sequence: nothing skipped or repeated at a tie.
        expect(await walk(user, { field, direction }, 1)).toEqual(whole);
        expect(await walk(user, { field, direction }, 2)).toEqual(whole);
      }
    }
    expect(await walk(user, { field: 'NAME', direction: 'ASC' }, 2)).toEqual(['a.png', 'a.png', 'b.png', 'b.png', 'c.png']);
    const bySize = (await gql(user, PAGE, { first: 10, orderBy: { field: 'SIZE', direction: 'DESC' } })).data.files.edges.map((e: any) => e.node.size);
    expect(bySize).toEqual([...bySize].sort((x, y) => y - x));

    const byName = (await gql(user, PAGE, { first: 1, orderBy: { field: 'NAME', direction: 'ASC' } })).data.files.pageInfo.endCursor;
    expect(await gql(user, PAGE, { first: 1, after: byName, orderBy: { field: 'SIZE', direction: 'ASC' } })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await gql(user, PAGE, { first: 1, after: byName, orderBy: { field: 'NAME', direction: 'DESC' } })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await gql(user, PAGE, { first: 1, after: byName })).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('another sort order') });
  });
});

describe('expiry', () => {
  const soon = (ms: number) => new Date(Date.now() + ms).toISOString();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('reads a file as deleted after expiresAt: out of lists, in the trash, NOT_FOUND to read; the purge removes it', async () => {
    const user = someUser();
    const file = (await server.upload(user, { name: 'brief.png', bytes: pngOfSize(1000) }, { expiresAt: soon(1500), folder: 'brief' })).data!.uploadFile;
    expect((await fileOf(user, file.id)).expiresAt).not.toBeNull();
    expect(await namesIn(user)).toEqual(['brief.png']);
    await sleep(1600);
    expect(await namesIn(user)).toEqual([]);
    expect(await namesIn(user, { status: 'DELETED' })).toEqual(['brief.png']);
    expect(await fileOf(user, file.id)).toMatchObject({ status: 'DELETED', deletedAt: expect.any(String) });
    expect(await gql(user, 'query ($id: ID!) { presignedUrl(id: $id) { url } }', { id: file.id })).toMatchObject({ code: 'NOT_FOUND' });
    const report = await server.app.purger.run();
    expect(report.expiredFiles).toEqual([file.id]);
    expect(await server.objectKeys()).not.toContain(file.s3Key);
    expect(await foldersOf(user)).toEqual([]);
  });

  it('takes expiresAt on direct and resumable uploads, and in updateFile (null: no longer expires); a restore ends it', async () => {
    const user = someUser();
    const at = soon(3_600_000);
    const direct = await gql(user, 'mutation ($at: DateTime) { requestUpload(input: { filename: "d.png", contentType: "image/png", size: 100, expiresAt: $at }) { file { expiresAt } } }', { at });
    expect(direct.data.requestUpload.file.expiresAt).toBe(at);
    const resumable = await gql(user, 'mutation ($at: DateTime) { requestMultipartUpload(input: { filename: "m.png", contentType: "image/png", size: 100, expiresAt: $at }) { file { expiresAt } } }', { at });
    expect(resumable.data.requestMultipartUpload.file.expiresAt).toBe(at);

    const file = await upload(user, 'u.png');
    expect((await gql(user, 'mutation ($id: ID!, $at: DateTime) { updateFile(id: $id, input: { expiresAt: $at }) { expiresAt } }', { id: file.id, at })).data.updateFile.expiresAt).toBe(at);
    expect((await gql(user, 'mutation ($id: ID!) { updateFile(id: $id, input: { expiresAt: null }) { expiresAt } }', { id: file.id })).data.updateFile.expiresAt).toBeNull();

    await gql(user, 'mutation ($id: ID!, $at: DateTime) { updateFile(id: $id, input: { expiresAt: $at }) { id } }', { id: file.id, at: soon(800) });
    await sleep(900);
    expect(await namesIn(user)).toEqual([]);
    const restored = await gql(user, `mutation ($ids: [ID!]!) { restoreFiles(ids: $ids) ${BULK} }`, { ids: [file.id] });
    expect(restored.data.restoreFiles.succeeded).toEqual([file.id]);
    expect(await fileOf(user, file.id)).toMatchObject({ status: 'AVAILABLE', expiresAt: null });
  });

  it('refuses an expiresAt in the past on every path, leaving nothing', async () => {
    const user = someUser();
    const past = new Date(Date.now() - 1000).toISOString();
    await nothingLeft(server, async () => {
      const streamed = await server.upload(user, { name: 'p.png', bytes: pngOfSize(100) }, { expiresAt: past });
      expect(streamed.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(await gql(user, 'mutation ($at: DateTime) { requestUpload(input: { filename: "d.png", contentType: "image/png", size: 100, expiresAt: $at }) { url } }', { at: past })).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(await gql(user, 'mutation ($at: DateTime) { requestMultipartUpload(input: { filename: "d.png", contentType: "image/png", size: 100, expiresAt: $at }) { partCount } }', { at: past })).toMatchObject({ code: 'BAD_USER_INPUT' });
    });
    const file = await upload(user, 'u.png');
    expect(await gql(user, 'mutation ($id: ID!, $at: DateTime) { updateFile(id: $id, input: { expiresAt: $at }) { id } }', { id: file.id, at: past })).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
