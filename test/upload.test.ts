import { createHash } from 'node:crypto';
import { fixtures, pngOfSize } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

/** Every refusal must leave the bucket and the table as they were. */
async function expectNothingLeft(before: { keys: number; rows: number }): Promise<void> {
  expect((await server.objectKeys()).length).toBe(before.keys);
  expect(await server.rowCount()).toBe(before.rows);
}

async function snapshot() {
  return { keys: (await server.objectKeys()).length, rows: await server.rowCount() };
}

async function download(id: string, user: string | null, headers: Record<string, string> = {}) {
  if (user) headers.authorization = `Bearer ${await server.token(user)}`;
  return fetch(`${server.url}/files/${id}/download`, { headers });
}

describe('uploadFile (multipart through the server)', () => {
  it.each([
    ['image.png', fixtures.png, 'image/png'],
    ['anim.gif', fixtures.gif, 'image/gif'],
    ['report.pdf', fixtures.pdf, 'application/pdf'],
    ['table.csv', fixtures.csv, 'text/csv'],
    ['notes.txt', fixtures.txt, 'text/plain'],
  ])('stores %s with its sniffed type, hash and metadata; the same bytes come back', async (name, bytes, type) => {
    const user = someUser();
    const answer = await server.upload(user, { name, bytes }, { folder: 'docs/2025', description: 'a file', metadata: { tags: ['x'], n: 1 }, isPublic: false });
    expect(answer.errors).toBeUndefined();
    const file = answer.data!.uploadFile;
    expect(file).toMatchObject({
      originalName: name,
      folder: 'docs/2025',
      contentType: type,
      size: bytes.length,
      checksumSha256: createHash('sha256').update(bytes).digest('hex'),
      metadata: { tags: ['x'], n: 1 },
      status: 'AVAILABLE',
      ownerId: user,
      description: 'a file',
      serverSideEncryption: 'AES256',
    });
    expect(file.s3Key).toMatch(new RegExp(`^docs/2025/\\d{4}/\\d{2}/\\d{2}/${file.id}_${name.replace('.', '\\.')}$`));
    expect(await server.objectBytes(file.s3Key)).toEqual(bytes);
    const response = await download(file.id, user);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
  });

  it('streams a file larger than one S3 part (multipart in storage) and keeps every byte', async () => {
    const big = await startTestServer({ S3_MAX_FILE_SIZE_MB: '24' });
    try {
      const bytes = pngOfSize(20 * 1024 * 1024);
      const user = someUser();
      const answer = await big.upload(user, { name: 'big.png', bytes });
      expect(answer.errors).toBeUndefined();
      const file = answer.data!.uploadFile;
      expect(file.size).toBe(bytes.length);
      expect(file.checksumSha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      const stored = await big.objectBytes(file.s3Key);
      expect(stored.equals(bytes)).toBe(true);
    } finally {
      await big.stop();
    }
  });

  it('accepts exactly the limit and refuses one byte more (FILE_TOO_LARGE), leaving nothing', async () => {
    const user = someUser();
    const limit = server.config.upload.maxFileSizeBytes;
    expect(limit).toBe(1024 * 1024);
    const atLimit = await server.upload(user, { name: 'exact.png', bytes: pngOfSize(limit) });
    expect(atLimit.errors).toBeUndefined();

    const before = await snapshot();
    const over = await server.upload(user, { name: 'over.png', bytes: pngOfSize(limit + 1) });
    expect(over.errors?.[0].extensions?.code).toBe('FILE_TOO_LARGE');
    await expectNothingLeft(before);
  });

  it('refuses an upload far over the limit that spans several S3 parts, leaving no object', async () => {
    const big = await startTestServer({ S3_MAX_FILE_SIZE_MB: '12' });
    try {
      const answer = await big.upload(someUser(), { name: 'huge.png', bytes: pngOfSize(30 * 1024 * 1024) });
      expect(answer.errors?.[0].extensions?.code).toBe('FILE_TOO_LARGE');
      expect(await big.objectKeys()).toEqual([]);
      expect(await big.rowCount()).toBe(0);
    } finally {
      await big.stop();
    }
  });

  it.each([
    ['disallowed extension', 'tool.exe', fixtures.exe, 'UNSUPPORTED_FILE_TYPE'],
    ['no extension', 'README', fixtures.txt, 'UNSUPPORTED_FILE_TYPE'],
    ['PNG bytes named .pdf (spoofed type)', 'fake.pdf', fixtures.png, 'UNSUPPORTED_FILE_TYPE'],
    ['a Windows executable named .txt', 'invoice.txt', fixtures.exe, 'UNSUPPORTED_FILE_TYPE'],
    ['binary bytes named .csv', 'data.csv', Buffer.from([1, 2, 0, 3, 0, 0, 255]), 'UNSUPPORTED_FILE_TYPE'],
    ['PDF text with no PDF header', 'doc.pdf', Buffer.from('just words'), 'UNSUPPORTED_FILE_TYPE'],
    ['an empty file', 'empty.txt', Buffer.alloc(0), 'BAD_USER_INPUT'],
    ['a name that is only unsafe characters', '../../..', fixtures.txt, 'BAD_USER_INPUT'],
  ])('refuses %s, leaving nothing', async (_case, name, bytes, code) => {
    const before = await snapshot();
    const answer = await server.upload(someUser(), { name, bytes });
    expect(answer.errors?.[0].extensions?.code).toBe(code);
    await expectNothingLeft(before);
  });

  it('refuses a text file that turns binary after the sniffed sample, leaving nothing', async () => {
    const before = await snapshot();
    const bytes = Buffer.concat([Buffer.alloc(64 * 1024, 'a'), Buffer.from([0, 0, 0])]);
    const answer = await server.upload(someUser(), { name: 'sneaky.txt', bytes });
    expect(answer.errors?.[0].extensions?.code).toBe('UNSUPPORTED_FILE_TYPE');
    await expectNothingLeft(before);
  });

  it.each([
    ['broken JSON metadata', { metadata: '{"a": ' }],
    ['metadata that is a JSON array', { metadata: '[1,2]' }],
    ['a folder with ..', { folder: 'a/../b' }],
    ['an absolute folder', { folder: '/etc' }],
    ['a folder with a backslash', { folder: 'a\\b' }],
    ['a URL-encoded .. in the folder', { folder: 'a/%2e%2e/b' }],
    ['a description over 4000 characters', { description: 'x'.repeat(4001) }],
  ])('refuses %s with BAD_USER_INPUT, leaving nothing', async (_case, input) => {
    const before = await snapshot();
    const answer = await server.upload(someUser(), { name: 'a.png', bytes: fixtures.png }, input);
    expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    await expectNothingLeft(before);
  });

  it('accepts metadata sent as a JSON string and stores the object', async () => {
    const answer = await server.upload(someUser(), { name: 'a.png', bytes: fixtures.png }, { metadata: '{"album":"summer"}' });
    expect(answer.data!.uploadFile.metadata).toEqual({ album: 'summer' });
  });

  it('sanitizes names: paths, control and bidi characters go, unicode letters stay', async () => {
    const cases: [string, string][] = [
      ['../../etc/passwd.txt', 'passwd.txt'],
      ['C:\\Users\\me\\photo.png', 'photo.png'],
      ['Straße plan.pdf', 'Straße_plan.pdf'],
      ['evil\u202Egnp.txt', 'evilgnp.txt'],
      ['CON.txt', '_CON.txt'],
      ['résumé.txt', 'résumé.txt'],
    ];
    for (const [raw, expected] of cases) {
      const bytes = raw.endsWith('.png') ? fixtures.png : raw.endsWith('.pdf') ? fixtures.pdf : fixtures.txt;
      const answer = await server.upload(someUser(), { name: raw, bytes });
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.uploadFile.originalName).toBe(expected);
    }
  });

  it('answers a NUL byte in the multipart file name (a malformed part header) with BAD_USER_INPUT, and keeps serving', async () => {
    const before = await snapshot();
    const answer = await server.upload(someUser(), { name: 'nul\u0000byte.txt', bytes: fixtures.txt });
    expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    await expectNothingLeft(before);
    const again = await server.upload(someUser(), { name: 'fine.txt', bytes: fixtures.txt });
    expect(again.data?.uploadFile.status).toBe('AVAILABLE');
  });

  it('removes the stored object again when the database fails after the write (a real trigger, no mock)', async () => {
    const connection = server.app.orm.em.getConnection();
    await connection.execute(`
      create function refuse_marked() returns trigger language plpgsql as $$
      begin
        if new.status = 'AVAILABLE' and new.original_name = 'db-fails.png' then raise exception 'refused by test trigger'; end if;
        return new;
      end $$;
      create trigger refuse_marked before update on files for each row execute function refuse_marked();`);
    try {
      const before = await snapshot();
      const answer = await server.upload(someUser(), { name: 'db-fails.png', bytes: fixtures.png });
      expect(answer.errors?.[0]).toEqual(expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }));
      await expectNothingLeft(before);
    } finally {
      await connection.execute('drop trigger refuse_marked on files; drop function refuse_marked();');
    }
  });

  it('needs a token (UNAUTHENTICATED), leaving nothing', async () => {
    const before = await snapshot();
    const answer = await server.upload(null, { name: 'a.png', bytes: fixtures.png });
    expect(answer.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    await expectNothingLeft(before);
  });

  it('refuses a multipart request without Apollo-Require-Preflight (CSRF), leaving nothing', async () => {
    const before = await snapshot();
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: 'mutation($f: Upload!) { uploadFile(file: $f) { id } }', variables: { f: null } }));
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    form.append('0', new Blob([fixtures.png]), 'a.png');
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${await server.token(someUser())}` },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    await expectNothingLeft(before);
  });

  it('answers a broken multipart request with BAD_USER_INPUT, leaving nothing', async () => {
    const before = await snapshot();
    const form = new FormData();
    form.append('operations', '{not json');
    form.append('map', '{}');
    const headers = { 'apollo-require-preflight': 'true', authorization: `Bearer ${await server.token(someUser())}` };
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', body: form, headers });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    await expectNothingLeft(before);
  });

  it('answers 1 MB of metadata in the operations field with BAD_USER_INPUT, not FILE_TOO_LARGE, leaving nothing', async () => {
    const before = await snapshot();
    const form = new FormData();
    // A JSON string holding an object is accepted for JSONObject: here, one far over the field limit.
    const metadata = JSON.stringify({ filler: 'x'.repeat(1024 * 1024) });
    form.append('operations', JSON.stringify({ query: 'mutation($f: Upload!, $i: UploadFileInput) { uploadFile(file: $f, input: $i) { id } }', variables: { f: null, i: { metadata } } }));
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    form.append('0', new Blob([fixtures.png]), 'a.png');
    const headers = { 'apollo-require-preflight': 'true', authorization: `Bearer ${await server.token(someUser())}` };
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', body: form, headers });
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].message).toMatch(/operations/);
    await expectNothingLeft(before);
  });
});
