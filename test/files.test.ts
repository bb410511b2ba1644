import type { GraphQLClient } from 'graphql-request';
import { fixtures } from './support/fixtures';
import { errorCode } from './support/error-code';
import { someUser, startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const FILE_FIELDS = 'id originalName s3Key folder contentType size metadata isPublic status description deletedAt ownerId copiedFrom { id originalName }';

async function uploaded(user: string, name = 'photo.png', input: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const bytes = name.endsWith('.png') ? fixtures.png : name.endsWith('.pdf') ? fixtures.pdf : fixtures.txt;
  const answer = await server.upload(user, { name, bytes }, input);
  if (answer.errors) throw new Error(JSON.stringify(answer.errors));
  return answer.data!.uploadFile;
}


describe('file and access rules', () => {
  it('shows a file to its owner and to administrators; to anyone else it does not exist', async () => {
    const owner = someUser();
    const file = await uploaded(owner);
    const query = `query($id: ID!) { file(id: $id) { ${FILE_FIELDS} } }`;
    expect((await (await server.client(owner)).request<any>(query, { id: file.id })).file.id).toBe(file.id);
    expect((await (await server.client('root', { admin: true })).request<any>(query, { id: file.id })).file.id).toBe(file.id);
    expect((await (await server.client(someUser())).request<any>(query, { id: file.id })).file).toBeNull();
    expect((await (await server.client()).request<any>(query, { id: file.id })).file).toBeNull();
    // Someone else's file answers exactly like a missing one, and a malformed id like both.
    const stranger = await server.client(someUser());
    for (const id of [file.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect(await errorCode(stranger.request(`query($id: ID!) { presignedUrl(id: $id) { url } }`, { id }))).toBe('NOT_FOUND');
      expect(await errorCode(stranger.request(`mutation($id: ID!) { deleteFile(id: $id) }`, { id }))).toBe('NOT_FOUND');
    }
  });

  it('lets anyone read a public file (file, presignedUrl, download) but only its owner change it (FORBIDDEN)', async () => {
    const owner = someUser();
    const file = await uploaded(owner, 'public.png', { isPublic: true });
    const anonymous = await server.client();
    expect((await anonymous.request<any>(`query($id: ID!) { file(id: $id) { id isPublic } }`, { id: file.id })).file).toEqual({ id: file.id, isPublic: true });
    const link = await anonymous.request<any>(`query($id: ID!) { presignedUrl(id: $id) { url method } }`, { id: file.id });
    expect(Buffer.from(await (await fetch(link.presignedUrl.url)).arrayBuffer())).toEqual(fixtures.png);
    const download = await fetch(`${server.url}/files/${file.id}/download`);
    expect(download.status).toBe(200);

    const other = await server.client(someUser());
    expect(await errorCode(other.request(`mutation($id: ID!) { updateFile(id: $id, input: { description: "mine" }) { id } }`, { id: file.id }))).toBe('FORBIDDEN');
    expect(await errorCode(anonymous.request(`mutation($id: ID!) { deleteFile(id: $id) }`, { id: file.id }))).toBe('UNAUTHENTICATED');
  });
});

describe('files (listing)', () => {
  let user: string;
  let client: GraphQLClient;
  const names = ['a.png', 'b.pdf', 'c.txt', 'd.png', 'e.png'];
  beforeAll(async () => {
    user = someUser();
    client = await server.client(user);
    for (const [i, name] of names.entries()) {
      await uploaded(user, name, { folder: i < 3 ? 'albums/2024' : 'albums/2025', metadata: { index: i, kind: i % 2 ? 'odd' : 'even' } });
    }
    await uploaded(someUser(), 'someone-else.png');
  });

  const list = async (variables: Record<string, unknown>) =>
    (await client.request<any>(`query($filter: FileFilter, $first: Int, $after: String) {
      files(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { originalName } } }
    }`, variables)).files;

  it('pages through the caller\'s files, newest first, with cursors', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: any = await list({ first: 2, after });
      expect(page.totalCount).toBe(5);
      seen.push(...page.edges.map((edge: any) => edge.node.originalName));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual([...names].reverse());
  });

  it.each([
    [{ folder: 'albums/2024' }, ['c.txt', 'b.pdf', 'a.png']],
    [{ folderPrefix: 'albums/' }, ['e.png', 'd.png', 'c.txt', 'b.pdf', 'a.png']],
    [{ folderPrefix: 'albums/2025' }, ['e.png', 'd.png']],
    [{ contentTypePrefix: 'image/' }, ['e.png', 'd.png', 'a.png']],
    [{ search: 'B.P' }, ['b.pdf']],
    [{ search: '%' }, []],
    [{ metadataContains: { kind: 'odd' } }, ['d.png', 'b.pdf']],
    [{ metadataContains: '{"index": 4}' }, ['e.png']],
  ])('filters by %j', async (filter, expected) => {
    const page = await list({ filter });
    expect(page.edges.map((edge: any) => edge.node.originalName)).toEqual(expected);
    expect(page.totalCount).toBe(expected.length);
  });

  it('refuses bad page sizes and cursors (BAD_USER_INPUT), and other owners to non-administrators (FORBIDDEN)', async () => {
    expect(await errorCode(list({ first: 0 }))).toBe('BAD_USER_INPUT');
    expect(await errorCode(list({ first: 101 }))).toBe('BAD_USER_INPUT');
    expect(await errorCode(list({ after: 'garbage' }))).toBe('BAD_USER_INPUT');
    expect(await errorCode(list({ filter: { ownerId: 'someone' } }))).toBe('FORBIDDEN');
    expect(await errorCode((await server.client()).request('{ files { totalCount } }'))).toBe('UNAUTHENTICATED');
  });

  it('lets an administrator list any owner\'s files', async () => {
    const admin = await server.client('root', { admin: true });
    const page = (await admin.request<any>(`query($owner: ID) { files(filter: { ownerId: $owner }) { totalCount } }`, { owner: user })).files;
    expect(page.totalCount).toBe(5);
  });
});

describe('presignedUrl, fileMetadata, uploadConfig', () => {
  it('signs a GET that serves the bytes, with attachment disposition when forced', async () => {
    const user = someUser();
    const file = await uploaded(user, 'Grüße.pdf');
    const client = await server.client(user);
    const { presignedUrl } = await client.request<any>(`query($id: ID!) { presignedUrl(id: $id, expiresIn: 60, forceDownload: true) { url method expiresAt } }`, { id: file.id });
    expect(presignedUrl.method).toBe('GET');
    expect(new Date(presignedUrl.expiresAt).getTime() - Date.now()).toBeGreaterThan(50_000);
    const response = await fetch(presignedUrl.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="Gru_e.pdf"; filename*=UTF-8''Gr%C3%BC%C3%9Fe.pdf`);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(fixtures.pdf);
  });

  // The URL's path is encoded by the server's own signer (get-url-signer.ts): storage must agree on every character.
  it('signs GETs storage accepts for keys with characters that need encoding', async () => {
    const user = someUser();
    const client = await server.client(user);
    for (const [name, folder] of [["it's (1) *draft*! ü+€ 100%.png", 'a/b-c_d.e'], ['日本語 Ωmega ß-😀.png', '2026']]) {
      const file = await uploaded(user, name, { folder });
      const { presignedUrl } = await client.request<any>(`query($id: ID!) { presignedUrl(id: $id) { url } }`, { id: file.id });
      const response = await fetch(presignedUrl.url);
      expect([file.s3Key, response.status]).toEqual([expect.stringMatching(/[^\x20-\x7e]/), 200]);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await response.arrayBuffer())).toEqual(fixtures.png);
    }
  });

  it.each([0, -5, 604801])('refuses expiresIn %i (BAD_USER_INPUT)', async (expiresIn) => {
    const user = someUser();
    const file = await uploaded(user);
    const client = await server.client(user);
    expect(await errorCode(client.request(`query($id: ID!, $e: Int) { presignedUrl(id: $id, expiresIn: $e) { url } }`, { id: file.id, e: expiresIn }))).toBe('BAD_USER_INPUT');
  });

  it('refuses expiresIn as a float or a string (BAD_USER_INPUT)', async () => {
    const user = someUser();
    const file = await uploaded(user);
    const client = await server.client(user);
    for (const e of [1.5, '60']) {
      expect(await errorCode(client.request(`query($id: ID!, $e: Int) { presignedUrl(id: $id, expiresIn: $e) { url } }`, { id: file.id, e }))).toBe('BAD_USER_INPUT');
    }
  });

  it('reads metadata live from storage', async () => {
    const user = someUser();
    const file = await uploaded(user, 'doc.pdf', { metadata: { project: 'apollo', tags: ['a', 'b'] } });
    const { fileMetadata } = await (await server.client(user)).request<any>(`query($id: ID!) { fileMetadata(id: $id) { contentType fileSize lastModified etag serverSideEncryption metadata objectMetadata } }`, { id: file.id });
    expect(fileMetadata).toMatchObject({ contentType: 'application/pdf', fileSize: fixtures.pdf.length, serverSideEncryption: 'AES256' });
    // metadata: the file's own (as the seed's "Get File Metadata" returns it); objectMetadata: what storage holds.
    expect(fileMetadata.metadata).toEqual({ project: 'apollo', tags: ['a', 'b'] });
    expect(fileMetadata.objectMetadata).toEqual({ 'file-id': file.id, 'owner-id': encodeURIComponent(user), 'original-name': 'doc.pdf' });
    expect(fileMetadata.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('tells an SPA the upload rules without a token', async () => {
    const { uploadConfig } = await (await server.client()).request<any>('{ uploadConfig { maxFileSizeBytes allowedExtensions allowedMimeTypes } }');
    expect(uploadConfig.maxFileSizeBytes).toBe(1024 * 1024);
    expect(uploadConfig.allowedExtensions).toContain('png');
    expect(uploadConfig.allowedMimeTypes).toContain('image/png');
  });
});

describe('copyFile, updateFile, deleteFile, restoreFile', () => {
  it('copies in storage to a new file owned by the caller, with copiedFrom (batched)', async () => {
    const owner = someUser();
    const source = await uploaded(owner, 'orig.png', { isPublic: true, metadata: { a: 1 }, description: 'original' });
    const copier = someUser();
    const client = await server.client(copier);
    const { copyFile } = await client.request<any>(`mutation($id: ID!) { copyFile(id: $id, input: { newFolder: "archive", newName: "copy.png", newMetadata: { archived: true } }) { ${FILE_FIELDS} } }`, { id: source.id });
    expect(copyFile).toMatchObject({ ownerId: copier, folder: 'archive', originalName: 'copy.png', metadata: { archived: true }, isPublic: false, status: 'AVAILABLE', description: 'original', copiedFrom: { id: source.id, originalName: 'orig.png' } });
    expect(copyFile.s3Key).not.toBe(source.s3Key);
    expect(await server.objectBytes(copyFile.s3Key)).toEqual(fixtures.png);

    const second = await client.request<any>(`mutation($id: ID!) { copyFile(id: $id) { id metadata folder } }`, { id: source.id });
    expect(second.copyFile.metadata).toEqual({ a: 1 });
    const listed = await client.request<any>('{ files(first: 10) { edges { node { copiedFrom { id } } } } }');
    expect(listed.files.edges.map((edge: any) => edge.node.copiedFrom.id)).toEqual([source.id, source.id]);
  });

  it('refuses a copy to another type\'s extension (UNSUPPORTED_FILE_TYPE) or an unsafe folder (BAD_USER_INPUT), leaving nothing', async () => {
    const user = someUser();
    const source = await uploaded(user);
    const client = await server.client(user);
    const keys = (await server.objectKeys()).length;
    const rows = await server.rowCount();
    expect(await errorCode(client.request(`mutation($id: ID!) { copyFile(id: $id, input: { newName: "copy.pdf" }) { id } }`, { id: source.id }))).toBe('UNSUPPORTED_FILE_TYPE');
    expect(await errorCode(client.request(`mutation($id: ID!) { copyFile(id: $id, input: { newFolder: "../up" }) { id } }`, { id: source.id }))).toBe('BAD_USER_INPUT');
    expect((await server.objectKeys()).length).toBe(keys);
    expect(await server.rowCount()).toBe(rows);
  });

  it('updates description, metadata (replaced) and the public flag', async () => {
    const user = someUser();
    const file = await uploaded(user, 'x.png', { metadata: { keep: false, old: 1 } });
    const client = await server.client(user);
    const { updateFile } = await client.request<any>(`mutation($id: ID!) { updateFile(id: $id, input: { description: "new", metadata: { fresh: true }, isPublic: true }) { description metadata isPublic } }`, { id: file.id });
    expect(updateFile).toEqual({ description: 'new', metadata: { fresh: true }, isPublic: true });
    expect(await errorCode(client.request(`mutation($id: ID!) { updateFile(id: $id, input: { metadata: "{oops" }) { id } }`, { id: file.id }))).toBe('BAD_USER_INPUT');
  });

  it('soft-deletes (hidden, object kept, reads NOT_FOUND), restores, then hard-deletes (object and row gone)', async () => {
    const user = someUser();
    const file = await uploaded(user, 'bye.png');
    const client = await server.client(user);
    const byId = `query($id: ID!) { file(id: $id) { status deletedAt } }`;

    expect((await client.request<any>(`mutation($id: ID!) { deleteFile(id: $id) }`, { id: file.id })).deleteFile).toBe(true);
    expect((await client.request<any>(byId, { id: file.id })).file.status).toBe('DELETED');
    expect((await server.objectKeys())).toContain(file.s3Key);
    expect((await client.request<any>('{ files { totalCount } }')).files.totalCount).toBe(0);
    expect((await client.request<any>('{ files(filter: { includeDeleted: true }) { totalCount } }')).files.totalCount).toBe(1);
    for (const query of [`query($id: ID!) { presignedUrl(id: $id) { url } }`, `query($id: ID!) { fileMetadata(id: $id) { etag } }`, `mutation($id: ID!) { copyFile(id: $id) { id } }`]) {
      expect(await errorCode(client.request(query, { id: file.id }))).toBe('NOT_FOUND');
    }
    expect((await fetch(`${server.url}/files/${file.id}/download`, { headers: { authorization: `Bearer ${await server.token(user)}` } })).status).toBe(404);

    const { restoreFile } = await client.request<any>(`mutation($id: ID!) { restoreFile(id: $id) { status deletedAt } }`, { id: file.id });
    expect(restoreFile).toEqual({ status: 'AVAILABLE', deletedAt: null });
    expect(await errorCode(client.request(`mutation($id: ID!) { restoreFile(id: $id) { id } }`, { id: file.id }))).toBe('BAD_USER_INPUT');

    const rows = await server.rowCount();
    expect((await client.request<any>(`mutation($id: ID!) { deleteFile(id: $id, hardDelete: true) }`, { id: file.id })).deleteFile).toBe(true);
    expect(await server.objectKeys()).not.toContain(file.s3Key);
    expect(await server.rowCount()).toBe(rows - 1);
    expect((await client.request<any>(byId, { id: file.id })).file).toBeNull();
  });

  it('needs a token for every mutation (UNAUTHENTICATED)', async () => {
    const anonymous = await server.client();
    const id = '00000000-0000-4000-8000-000000000000';
    for (const mutation of [
      `mutation { copyFile(id: "${id}") { id } }`,
      `mutation { updateFile(id: "${id}", input: {}) { id } }`,
      `mutation { deleteFile(id: "${id}") }`,
      `mutation { restoreFile(id: "${id}") { id } }`,
      `mutation { completeUpload(id: "${id}") { id } }`,
      `mutation { requestUpload(input: { filename: "a.png", contentType: "image/png", size: 10 }) { url } }`,
    ]) {
      expect(await errorCode(anonymous.request(mutation))).toBe('UNAUTHENTICATED');
    }
  });
});

describe('GraphQL errors', () => {
  it('answers a syntax error or an unknown field with BAD_USER_INPUT and no internals', async () => {
    const client = await server.client(someUser());
    expect(await errorCode(client.request('{ files { '))).toBe('BAD_USER_INPUT');
    expect(await errorCode(client.request('{ nope }'))).toBe('BAD_USER_INPUT');
  });

  it('refuses a JSON body over 1 MB', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ uploadConfig { maxFileSizeBytes } }', variables: { pad: 'x'.repeat(1_100_000) } }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});
