import { errorCode } from './support/error-code';
import { fixtures } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    S3_ALLOWED_EXTENSIONS: 'png,txt,html,svg,xml',
    S3_ALLOWED_MIME_TYPES: 'image/png,text/plain,text/html,image/svg+xml,application/xml',
  });
});
afterAll(() => server.stop());

async function post(body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token(someUser())}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe('GraphQL abuse limits (refused before any resolver runs)', () => {
  it('refuses a query nested deeper than GRAPHQL_MAX_DEPTH (10)', async () => {
    const deep = `{ files { edges { node { ${'copiedFrom { '.repeat(8)}id${' }'.repeat(8)} } } } }`;
    const answer = await post({ query: deep });
    expect(answer.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(answer.body.errors[0].message).toMatch(/nested 12 levels deep; the limit is 10/);
    expect(answer.body.data).toBeUndefined();
    const fine = `{ files { edges { node { ${'copiedFrom { '.repeat(6)}id${' }'.repeat(6)} } } } }`;
    expect((await post({ query: fine })).body.errors).toBeUndefined();
  });

  it('refuses more than GRAPHQL_MAX_FIELDS (500) fields, aliases and fragments included', async () => {
    const aliases = Array.from({ length: 501 }, (_, i) => `a${i}: uploadConfig { maxFileSizeBytes }`).join(' ');
    const answer = await post({ query: `{ ${aliases} }` });
    expect(answer.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(answer.body.errors[0].message).toMatch(/selects 1002 fields; the limit is 500/);

    const viaFragment = `{ ${Array.from({ length: 300 }, (_, i) => `a${i}: uploadConfig { ...C }`).join(' ')} } fragment C on UploadConfig { maxFileSizeBytes }`;
    expect((await post({ query: viaFragment })).body.errors[0].message).toMatch(/selects 600 fields/);
  });

  it('still answers GraphiQL\'s introspection query (introspection is not counted)', async () => {
    const introspection = `{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } } } }`;
    const answer = await post({ query: introspection });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.__schema.types.length).toBeGreaterThan(10);
  });

  it('answers a batch of up to GRAPHQL_MAX_BATCH (10) operations, and refuses a larger one', async () => {
    const operation = { query: '{ uploadConfig { maxFileSizeBytes } }' };
    const ten = await post(Array(10).fill(operation));
    expect(ten.status).toBe(200);
    expect(ten.body).toHaveLength(10);
    const eleven = await post(Array(11).fill(operation));
    expect(eleven.status).toBe(400);
    expect(eleven.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('refuses a multipart batch over the limit before reading its files', async () => {
    const form = new FormData();
    const operations = Array.from({ length: 11 }, () => ({ query: 'mutation($f: Upload!) { uploadFile(file: $f) { id } }', variables: { f: null } }));
    form.append('operations', JSON.stringify(operations));
    form.append('map', JSON.stringify(Object.fromEntries(operations.map((_, i) => [String(i), [`${i}.variables.f`]]))));
    for (let i = 0; i < 11; i++) form.append(String(i), new Blob(['hello']), `f${i}.txt`);
    const rows = await server.rowCount();
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      body: form,
      headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${await server.token(someUser())}` },
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).errors[0].extensions.code).toBeDefined();
    expect(await server.rowCount()).toBe(rows);
  });
});

describe('served content cannot attack the site', () => {
  it.each([
    ['page.html', '<!doctype html><script>alert(document.cookie)</script>', 'text/html'],
    ['image.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'image/svg+xml'],
    ['data.xml', '<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>', 'application/xml'],
  ])('serves %s (an allowed active type) only as a sandboxed attachment', async (name, content, type) => {
    const user = someUser();
    const answer = await server.upload(user, { name, bytes: Buffer.from(content) });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.uploadFile.contentType).toBe(type);
    const response = await fetch(`${server.url}/files/${answer.data!.uploadFile.id}/download`, { headers: { authorization: `Bearer ${await server.token(user)}` } });
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; /);
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    await response.arrayBuffer();

    const client = await server.client(user);
    const { presignedUrl } = await client.request<any>(`query($id: ID!) { presignedUrl(id: $id) { url } }`, { id: answer.data!.uploadFile.id });
    expect(new URL(presignedUrl.url).searchParams.get('response-content-disposition')).toMatch(/^attachment; /);
  });

  it('serves a PNG inline, still sandboxed', async () => {
    const user = someUser();
    const answer = await server.upload(user, { name: 'ok.png', bytes: fixtures.png });
    const response = await fetch(`${server.url}/files/${answer.data!.uploadFile.id}/download`, { headers: { authorization: `Bearer ${await server.token(user)}` } });
    expect(response.headers.get('content-disposition')).toMatch(/^inline; /);
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    await response.arrayBuffer();
  });

  it('keeps errors free of internals', async () => {
    expect(await errorCode((await server.client(someUser())).request('{ file(id: "x") { nope } }'))).toBe('BAD_USER_INPUT');
  });
});
