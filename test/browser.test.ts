import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { freePort } from './support/global-setup';
import { applyReadmeCorsRule, eventually, gradientPng, launchChromium, pagesClosedAfterEach, screenshot, type RecordedPage } from './support/browser';
import { Clamd, EICAR } from './support/clamd';
import { fixtures, pngOfSize } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/**
 * The pages in real Chromium (Debian's, driven by playwright-core), against the
 * real server, PostgreSQL and S3 bucket. Every request a page makes is recorded:
 * none may leave the machine.
 */

let server: TestServer;
let browser: Browser;
/** The server's port is chosen up front so that CORS_ORIGINS can name a second origin on it. */
let port: number;

beforeAll(async () => {
  port = await freePort();
  [server, browser] = await Promise.all([
    // PUBLIC_BASE_URL: a CDN's address for public files (the page links to it; no test follows the link).
    startTestServer({ PORT: String(port), CORS_ORIGINS: `http://localhost:${port}`, PUBLIC_BASE_URL: `http://127.0.0.1:${port}/cdn` }),
    launchChromium(),
  ]);
  await applyReadmeCorsRule(server);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const open = pagesClosedAfterEach(() => browser);

/** The files a user has, as the API (not the page) sees them. */
async function filesOf(user: string, filter: Record<string, unknown> = {}): Promise<Record<string, any>[]> {
  const client = await server.client(user);
  const data = await client.request<any>(
    'query ($filter: FileFilter) { files(filter: $filter, first: 100) { edges { node { id originalName s3Key folder size status isPublic description metadata checksumSha256 image { blurhash } copiedFrom { id } } } } }',
    { filter },
  );
  return data.files.edges.map((edge: any) => edge.node);
}

/** "CODE: message" of the server's answer to a requestUpload that it refuses. */
async function refusalOf(user: string, input: Record<string, unknown>): Promise<string> {
  const client = await server.client(user);
  const error = await client.request('mutation ($input: RequestUploadInput!) { requestUpload(input: $input) { url } }', { input }).then(
    () => {
      throw new Error('requestUpload was accepted');
    },
    (refused: { response: { errors: { message: string; extensions: { code: string } }[] } }) => refused.response.errors[0],
  );
  return `${error.extensions.code}: ${error.message}`;
}

async function signIn(page: Page, user: string): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.getByLabel('Bearer token (JWT)').fill(await server.token(user));
  await page.getByRole('button', { name: 'Use this token' }).click();
  await page.locator('#who', { hasText: user }).waitFor();
}

function row(page: Page, name: string, options: { folder?: string } = {}) {
  const rows = page.locator('#file-rows tr').filter({ has: page.locator('.file-name', { hasText: new RegExp(`^${escapeRegExp(name)}$`) }) });
  return options.folder === undefined ? rows : rows.filter({ hasText: options.folder });
}

function upload(page: Page, name: string) {
  return page.locator(`#uploads li[data-name="${name}"]`);
}

/** Waits for an upload to end, and fails with what the page says if it did not succeed. */
async function uploaded(page: Page, name: string): Promise<void> {
  const item = upload(page, name);
  await item.and(page.locator('.ok, .failed')).waitFor();
  if (await item.evaluate((node) => node.classList.contains('failed'))) throw new Error(`upload of ${name} failed: ${await item.textContent()}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A file dropped onto the drop zone, as a person dragging it from their desktop would. */
async function drop(page: Page, file: { name: string; type: string; text: string }): Promise<void> {
  const dataTransfer = await page.evaluateHandle(({ name, type, text }) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], name, { type }));
    return transfer;
  }, file);
  await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer });
}

describe('GraphiQL at GET /graphql', () => {
  it('loads from this server alone, introspects the schema and runs a query with an Authorization header', async () => {
    const user = someUser();
    await server.upload(user, { name: 'one.png', bytes: fixtures.png });
    const { page, requests, errors } = await open();
    await page.goto(`${server.url}/graphql`);
    await page.locator('.graphiql-container').waitFor();

    // The docs explorer is built from GraphiQL's own introspection query.
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().waitFor();
    expect(requests.some((request) => request.method === 'POST' && request.url === `${server.url}/graphql`)).toBe(true);

    // Typed into the editors (CodeMirror) as a person would; the query is named so that the
    // page can be seen to have taken it in (GraphiQL reads the operation name 100 ms after an edit).
    const token = await server.token(user);
    await page.evaluate(
      ({ query, headers }) => {
        const editor = (selector: string) => (document.querySelector(`${selector} .CodeMirror`) as any).CodeMirror;
        editor('.graphiql-query-editor').setValue(query);
        editor('section[aria-label="Headers"] .graphiql-editor:not(.hidden)').setValue(headers);
      },
      {
        query: 'query Introspect {\n  __schema { queryType { name } mutationType { name } }\n  __type(name: "File") { fields { name } }\n  files { totalCount }\n}\n',
        headers: JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2),
      },
    );
    await page.waitForFunction(() => (document.querySelector('.graphiql-query-editor .CodeMirror') as any).CodeMirror.operationName === 'Introspect');
    await page.getByRole('button', { name: 'Execute query (Ctrl-Enter)' }).click();
    const resultPane = page.locator('section[aria-label="Result Window"]');
    await resultPane.getByText('"mutationType"').waitFor();
    const result = JSON.parse(await resultPane.evaluate((pane) => (pane.querySelector('.CodeMirror') as any).CodeMirror.getValue()));
    expect(result.errors).toBeUndefined();
    expect(result.data.__schema).toEqual({ queryType: { name: 'Query' }, mutationType: { name: 'Mutation' } });
    expect(result.data.__type.fields.map((field: { name: string }) => field.name)).toContain('checksumSha256');
    // Without the header, files would be UNAUTHENTICATED and data null.
    expect(result.data.files).toEqual({ totalCount: 1 });

    await screenshot(page, 'graphiql');
    expect(errors).toEqual([]);
  });

  it('leaves GraphQL GET queries and non-browser clients to Apollo', async () => {
    const query = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'text/html,application/json;q=0.9', 'apollo-require-preflight': 'true' },
    });
    expect(query.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    expect(await query.json()).toEqual({ data: { __typename: 'Query' } });
    const curl = await fetch(`${server.url}/graphql`, { headers: { accept: '*/*' } });
    expect(curl.headers.get('content-type')).not.toMatch(/html/);
    await curl.arrayBuffer();
  });

  it('is not served with GRAPHIQL=false, page and assets alike', async () => {
    const closed = await startTestServer({ GRAPHIQL: 'false' });
    try {
      const page = await fetch(`${closed.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.headers.get('content-type')).not.toMatch(/html/);
      await page.arrayBuffer();
      expect((await fetch(`${closed.url}/graphiql/graphiql.min.js`)).status).toBe(404);
      // The file manager stays: it uses only the API, which introspection being off does not touch.
      expect((await fetch(`${closed.url}/`)).status).toBe(200);
    } finally {
      await closed.stop();
    }
  });
});

describe('the file manager at /', () => {
  it('uploads through the server and directly to storage, lists, downloads, deletes and restores', async () => {
    const user = someUser();
    // A few files already there, so the list (and its screenshot) looks like real use.
    await server.upload(user, { name: 'q3-report.pdf', bytes: fixtures.pdf }, { folder: 'reports', description: 'Quarterly numbers' });
    await server.upload(user, { name: 'contacts.csv', bytes: fixtures.csv }, { isPublic: true });
    // A photo larger than its thumbnail: the list must show a rendition, never the original.
    const photo = gradientPng(600, 400);
    const photoId = (await server.upload(user, { name: 'landscape.png', bytes: photo })).data!.uploadFile.id;
    // Its blurhash comes from the job queue a moment after a streamed upload; the list paints it while the thumbnail loads.
    await eventually(async () => expect((await filesOf(user)).find((file) => file.id === photoId)!.image?.blurhash).toEqual(expect.any(String)), 15_000);
    const { page, requests, errors } = await open();
    await page.goto(`${server.url}/`);
    await expect(page.locator('#token-hint').textContent()).resolves.toContain('npm run token -- alice');
    await signIn(page, user);
    await row(page, 'q3-report.pdf').waitFor();

    // Every status each upload shows in turn, to see that the bar follows the bytes sent.
    await page.evaluate(() => {
      const seen: Record<string, string[]> = ((window as any).uploadStatuses = {});
      new MutationObserver(() => {
        for (const item of document.querySelectorAll<HTMLElement>('#uploads li')) {
          const statuses = (seen[item.dataset.name!] ??= []);
          const status = item.querySelector('.upload-status')!.textContent!;
          if (statuses.at(-1) !== status) statuses.push(status);
        }
      }).observe(document.getElementById('uploads')!, { subtree: true, childList: true, characterData: true });
    });
    const statusesOf = (name: string) => page.evaluate((name) => (window as any).uploadStatuses[name] as string[], name);

    // Through the server: one multipart uploadFile, picked with the file chooser.
    const picture = gradientPng(96, 64);
    await page.locator('#file-input').setInputFiles({ name: 'gradient.png', mimeType: 'image/png', buffer: picture });
    await uploaded(page, 'gradient.png');
    expect(requests.some((request) => request.method === 'POST' && request.url.endsWith('/graphql') && request.contentType.startsWith('multipart/form-data'))).toBe(true);
    // "Processing…" is what the bar says once XMLHttpRequest reports every byte sent.
    expect(await statusesOf('gradient.png')).toEqual(expect.arrayContaining(['Processing…', 'Uploaded']));
    // Its size, from the processing pass, beside its type.
    await row(page, 'gradient.png').locator('.dimensions', { hasText: '96 × 64' }).waitFor();

    // Directly to storage: requestUpload, a PUT to the presigned URL, completeUpload; dropped on the page.
    await page.getByText('Direct to storage').click();
    const notes = 'Notes from the meeting.\nBring the numbers.\n';
    await drop(page, { name: 'notes.txt', type: 'text/plain', text: notes });
    await uploaded(page, 'notes.txt');
    const storagePuts = requests.filter((request) => request.method === 'PUT' && request.url.startsWith(server.config.s3.endpoint!));
    expect(storagePuts).toHaveLength(1);
    expect(new URL(storagePuts[0].url).pathname).toContain('notes.txt');
    const direct = await statusesOf('notes.txt'); // the PUT's progress, then completeUpload
    expect(direct.filter((status) => ['Processing…', 'Checking…', 'Uploaded'].includes(status))).toEqual(['Processing…', 'Checking…', 'Uploaded']);

    await row(page, 'gradient.png').waitFor();
    await row(page, 'notes.txt').waitFor();
    await expect(page.locator('#count').textContent()).resolves.toBe('5 files');
    const stored = await filesOf(user);
    const byName = (name: string) => stored.find((file) => file.originalName === name)!;
    expect(byName('gradient.png')).toMatchObject({ size: picture.length, status: 'AVAILABLE' });
    expect(byName('gradient.png').checksumSha256).toMatch(/^[0-9a-f]{64}$/); // streamed through the server
    expect(byName('notes.txt')).toMatchObject({ size: Buffer.byteLength(notes), status: 'AVAILABLE', checksumSha256: createHash('sha256').update(notes).digest('hex') }); // direct: from the pass over the object read back

    // Thumbnails are renditions of the image route (File.imageUrl), 88 × 88, asked for with no header, over a blurhash.
    const thumbnail = row(page, 'landscape.png').locator('.thumb img');
    await thumbnail.waitFor();
    await eventually(async () => expect(await thumbnail.evaluate((image: HTMLImageElement) => image.complete && [image.naturalWidth, image.naturalHeight])).toEqual([88, 88]));
    const thumbnailUrl = (await thumbnail.getAttribute('src'))!;
    expect(thumbnailUrl).toMatch(new RegExp(`^${server.url}/files/${photoId}/image\\?w=88&h=88&fit=cover&fmt=auto&q=80&expires=\\d+&signature=`));
    expect(requests.filter((request) => request.url === thumbnailUrl)).toHaveLength(1);
    // Chromium accepts AVIF, so AUTO chose it: a rendition of a few kilobytes for an 80 KB original.
    const rendition = await fetch(thumbnailUrl, { headers: { accept: 'image/avif,image/webp,image/apng,*/*;q=0.8' } });
    expect(rendition.headers.get('content-type')).toBe('image/avif');
    expect((await rendition.arrayBuffer()).byteLength).toBeLessThan(photo.length / 20);
    expect(await row(page, 'landscape.png').locator('.thumb').evaluate((cell: HTMLElement) => cell.style.backgroundImage)).toMatch(/^url\("data:image\/png;base64,/);
    // A click on it opens a larger rendition (1600 inside: the photo's own 600 × 400, never enlarged).
    await row(page, 'landscape.png').locator('.thumb').click();
    const preview = page.locator('#preview-image');
    await eventually(async () => expect(await preview.evaluate((image: HTMLImageElement) => image.complete && [image.naturalWidth, image.naturalHeight])).toEqual([600, 400]));
    await expect(page.locator('#preview-meta').textContent()).resolves.toContain('600 × 400');
    await screenshot(page, 'file-manager-preview');
    await page.locator('#preview-dialog').getByRole('button', { name: 'Close' }).click();

    // Download: a presigned URL with attachment disposition.
    const [download] = await Promise.all([page.waitForEvent('download'), row(page, 'notes.txt').getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toBe('notes.txt');
    expect(await readFile((await download.path())!, 'utf8')).toBe(notes);

    await screenshot(page, 'file-manager');

    // Soft delete hides it; "Show deleted" shows it marked; Restore brings it back.
    await row(page, 'gradient.png').getByRole('button', { name: 'Delete' }).click();
    await row(page, 'gradient.png').waitFor({ state: 'detached' });
    expect(byName('gradient.png').id).toBe((await filesOf(user, { includeDeleted: true })).find((file) => file.status === 'DELETED')!.id);
    await page.getByLabel('Show deleted').check();
    await row(page, 'gradient.png').getByText('Deleted', { exact: true }).waitFor();
    await row(page, 'gradient.png').getByRole('button', { name: 'Restore' }).click();
    await row(page, 'gradient.png').getByRole('button', { name: 'Download' }).waitFor();
    await page.getByLabel('Show deleted').uncheck();
    await row(page, 'gradient.png').getByRole('button', { name: 'Download' }).waitFor();
    expect((await filesOf(user)).find((file) => file.originalName === 'gradient.png')!.status).toBe('AVAILABLE');

    expect(errors).toEqual([]);
  });

  it('copies to a folder, edits description, metadata and public flag, and deletes for good', async () => {
    const user = someUser();
    const original = (await server.upload(user, { name: 'plan.pdf', bytes: fixtures.pdf })).data!.uploadFile;
    const { page, errors } = await open();
    await signIn(page, user);

    await row(page, 'plan.pdf').getByRole('button', { name: 'Copy' }).click();
    await page.getByLabel('To folder').fill('archive/2024');
    await page.locator('#copy-dialog').getByRole('button', { name: 'Copy' }).click();
    await row(page, 'plan.pdf', { folder: 'archive/2024' }).waitFor();
    const [copy] = await filesOf(user, { folder: 'archive/2024' });
    expect(copy.copiedFrom).toEqual({ id: original.id });
    expect(await server.objectKeys()).toContain(copy.s3Key);

    await row(page, 'plan.pdf').filter({ hasNotText: 'archive' }).getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Metadata (a JSON object)').fill('["not", "an object"]');
    await page.locator('#edit-dialog').getByRole('button', { name: 'Save' }).click();
    await page.locator('#edit-error', { hasText: 'Metadata must be a JSON object' }).waitFor();
    await page.getByLabel('Description').fill('The plan for next year');
    await page.getByLabel('Metadata (a JSON object)').fill('{ "project": "apollo", "year": 2025 }');
    await page.getByLabel(/Public: anyone/).check();
    await screenshot(page, 'file-manager-edit');
    await page.locator('#edit-dialog').getByRole('button', { name: 'Save' }).click();
    const edited = row(page, 'plan.pdf').filter({ hasText: 'The plan for next year' });
    await edited.getByText('Public', { exact: true }).waitFor();
    const afterEdit = (await filesOf(user)).find((file) => file.id === original.id)!;
    expect(afterEdit).toMatchObject({ description: 'The plan for next year', metadata: { project: 'apollo', year: 2025 }, isPublic: true });
    // Now public: its badge links to where the CDN serves it.
    expect(await edited.getByRole('link', { name: 'Public', exact: true }).getAttribute('href')).toBe(`http://127.0.0.1:${port}/cdn/${afterEdit.s3Key.split('/').map(encodeURIComponent).join('/')}`);

    // Deleting for good: soft delete first, then "Delete forever" among the deleted, confirmed.
    await row(page, 'plan.pdf', { folder: 'archive/2024' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByLabel('Show deleted').check();
    await row(page, 'plan.pdf', { folder: 'archive/2024' }).getByRole('button', { name: 'Delete forever' }).click();
    await page.locator('#confirm-dialog').getByRole('button', { name: 'Delete forever' }).click();
    await row(page, 'plan.pdf', { folder: 'archive/2024' }).waitFor({ state: 'detached' });
    expect((await filesOf(user, { includeDeleted: true })).map((file) => file.id)).toEqual([original.id]);
    expect(await server.objectKeys()).not.toContain(copy.s3Key);

    // The token lives in sessionStorage: a reload keeps the session, and GraphiQL in the same tab uses it.
    await page.reload();
    await page.locator('#who', { hasText: user }).waitFor();
    const token = await page.evaluate(() => sessionStorage.getItem('fileServer.token'));
    await page.getByRole('link', { name: 'GraphiQL' }).click();
    const headers = page.locator('section[aria-label="Headers"] .graphiql-editor:not(.hidden) .CodeMirror');
    await headers.waitFor();
    expect(JSON.parse(await headers.evaluate((editor) => (editor as any).CodeMirror.getValue()))).toEqual({ Authorization: `Bearer ${token}` });

    expect(errors).toEqual([]);
  });

  it('filters by folder, searches, and loads more a page at a time', async () => {
    const user = someUser();
    await Promise.all([
      ...Array.from({ length: 21 }, (_, i) => server.upload(user, { name: `scan-${String(i).padStart(2, '0')}.txt`, bytes: fixtures.txt }, { folder: 'scans' })),
      server.upload(user, { name: 'needle.csv', bytes: fixtures.csv }),
      server.upload(user, { name: 'budget.csv', bytes: fixtures.csv }, { folder: 'finance' }),
    ]);
    const { page, errors } = await open();
    await signIn(page, user);

    const rows = page.locator('#file-rows tr');
    await eventually(async () => expect(await rows.count()).toBe(20));
    await expect(page.locator('#count').textContent()).resolves.toBe('23 files');
    await page.getByRole('button', { name: 'Load more' }).click();
    await eventually(async () => expect(await rows.count()).toBe(23));
    await page.getByRole('button', { name: 'Load more' }).waitFor({ state: 'hidden' });
    const names = await page.locator('#file-rows .file-name').allTextContents();
    expect(new Set(names).size).toBe(23); // the second page continues the first, no repeats

    await page.getByLabel('Search names').fill('NEEDLE');
    await eventually(async () => expect(await page.locator('#file-rows .file-name').allTextContents()).toEqual(['needle.csv']));
    await page.getByLabel('Search names').fill('');
    await page.getByLabel('Filter by folder').fill('finance');
    await eventually(async () => expect(await page.locator('#file-rows .file-name').allTextContents()).toEqual(['budget.csv']));
    await page.getByLabel('Filter by folder').fill('');
    // A folder in a row is a shortcut to that filter.
    await eventually(async () => expect(await rows.count()).toBe(20));
    await rows.locator('button', { hasText: 'scans' }).first().click();
    await expect(page.getByLabel('Filter by folder').inputValue()).resolves.toBe('scans');
    await eventually(async () => expect(await page.locator('#count').textContent()).toBe('21 files'));

    expect(errors).toEqual([]);
  });

  it("shows why an upload was refused: the size limit up front, and the server's own errors", async () => {
    const user = someUser();
    const big = pngOfSize(server.config.upload.maxFileSizeBytes + 512 * 1024);
    const { page, requests, errors } = await open();
    await signIn(page, user);
    await page.locator('#limits', { hasText: 'Up to 1 MiB each' }).waitFor();

    // Checked against uploadConfig first: refused without sending a byte.
    await page.locator('#file-input').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: big });
    await upload(page, 'huge.png').getByRole('alert').filter({ hasText: 'Not sent: 1.5 MiB is over the limit of 1 MiB' }).waitFor();
    expect(requests.filter((request) => request.contentType.startsWith('multipart/'))).toEqual([]);

    // Sent anyway, both ways: the page shows the server's own code and message.
    const expected = await refusalOf(user, { filename: 'huge.png', contentType: 'image/png', size: big.length });
    expect(expected).toMatch(/^FILE_TOO_LARGE: /);
    const latest = page.locator('#uploads li').first(); // new uploads go on top
    await page.getByLabel('Check size and type first').uncheck();
    await page.getByText('Direct to storage').click();
    await page.locator('#file-input').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: big });
    await expect(latest.textContent()).resolves.toContain('1.5 MiB · direct');
    await expect(latest.getByRole('alert').textContent()).resolves.toBe(expected); // from requestUpload

    // A check the browser cannot make: PNG bytes named .pdf pass uploadConfig, the server sniffs them.
    await page.getByLabel('Check size and type first').check();
    await page.getByText('Through the server').click();
    await page.locator('#file-input').setInputFiles({ name: 'disguised.pdf', mimeType: 'application/pdf', buffer: fixtures.png });
    await expect(upload(page, 'disguised.pdf').getByRole('alert').textContent()).resolves.toMatch(/^UNSUPPORTED_FILE_TYPE: /);

    // Refused part-way through its body: the answer says Connection: close and the server reads on
    // (lingering close), so Chromium gets the coded answer, not a reset; the next upload goes at once.
    await page.getByLabel('Check size and type first').uncheck();
    await page.locator('#file-input').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: big });
    await expect(latest.textContent()).resolves.toContain('1.5 MiB · via server');
    await expect(latest.getByRole('alert').textContent()).resolves.toBe(expected); // from uploadFile
    await screenshot(page, 'file-manager-refused');
    const started = Date.now();
    await page.locator('#file-input').setInputFiles({ name: 'after.png', mimeType: 'image/png', buffer: fixtures.png });
    await upload(page, 'after.png').getByText('Uploaded').waitFor();
    expect(Date.now() - started).toBeLessThan(4000); // not held up by a connection the refusal left half-read

    expect((await filesOf(user, { includeDeleted: true })).map((file) => file.originalName)).toEqual(['after.png']);
    // The refusals arrive as HTTP errors, which Chromium logs; nothing else may go wrong.
    expect(errors.filter((error) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(error))).toEqual([]);
  });

  it('shows usage against the quota, and refuses a file over what is left before sending it', async () => {
    const user = someUser();
    await server.upload(user, { name: 'existing.png', bytes: pngOfSize(10 * 1024) });
    const admin = await server.client('quota-admin', { admin: true });
    await admin.request('mutation ($u: ID!) { setQuota(ownerId: $u, quotaBytes: 40960) { quotaBytes } }', { u: user });
    const { page, requests, errors } = await open();
    await signIn(page, user);
    await page.locator('#usage', { hasText: 'Using 10 KiB of 40 KiB · 1 file' }).waitFor();

    // 40 KiB left minus 10 KiB used: a 35 KiB file is refused up front, without a byte sent.
    await page.locator('#file-input').setInputFiles({ name: 'too-much.png', mimeType: 'image/png', buffer: pngOfSize(35 * 1024) });
    await upload(page, 'too-much.png').getByRole('alert').filter({ hasText: 'Not sent: 35 KiB is more than your quota leaves (30 KiB of 40 KiB)' }).waitFor();
    expect(requests.filter((request) => request.contentType.startsWith('multipart/'))).toEqual([]);

    // Sent anyway: the server's own QUOTA_EXCEEDED; a file that fits goes, and the usage follows.
    await page.getByLabel('Check size and type first').uncheck();
    await page.locator('#file-input').setInputFiles({ name: 'too-much.png', mimeType: 'image/png', buffer: pngOfSize(35 * 1024) });
    await expect(page.locator('#uploads li').first().getByRole('alert').textContent()).resolves.toMatch(/^QUOTA_EXCEEDED: /);
    await page.locator('#file-input').setInputFiles({ name: 'fits.png', mimeType: 'image/png', buffer: pngOfSize(20 * 1024) });
    await upload(page, 'fits.png').getByText('Uploaded').waitFor();
    await page.locator('#usage', { hasText: 'Using 30 KiB of 40 KiB · 2 files' }).waitFor();
    await screenshot(page, 'file-manager-quota');
    expect(errors.filter((error) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(error))).toEqual([]);
  });

  it('asks for a new token when the server refuses the one it has', async () => {
    const { page } = await open();
    await page.goto(`${server.url}/`);
    await page.getByLabel('Bearer token (JWT)').fill('Bearer not-a-token');
    await page.getByRole('button', { name: 'Use this token' }).click();
    await page.locator('#token-error', { hasText: 'The server refused the token' }).waitFor();
    await screenshot(page, 'file-manager-sign-in');
    expect(await page.evaluate(() => sessionStorage.getItem('fileServer.token'))).toBeNull();
  });
});

describe('the file manager with malware scanning (MALWARE_SCAN=clamd)', () => {
  it('refuses an infected upload with the reason, and shows a quarantined file with its signature and no way to its bytes', async () => {
    const clamd = await Clamd.start();
    const scanning = await startTestServer({ ...clamd.env() });
    try {
      const user = someUser();
      const client = await scanning.client(user);
      const { requestUpload } = await client.request<any>(`mutation { requestUpload(input: { filename: "invoice.txt", contentType: "text/plain", size: ${EICAR.length} }) { url headers file { id } } }`);
      await fetch(requestUpload.url, { method: 'PUT', headers: requestUpload.headers, body: new Uint8Array(EICAR) });
      const { completeUpload } = await client.request<any>(`mutation($id: ID!) { completeUpload(id: $id) { status } }`, { id: requestUpload.file.id });
      expect(completeUpload.status).toBe('QUARANTINED');

      const { page, errors } = await open();
      await page.goto(`${scanning.url}/`);
      await page.getByLabel('Bearer token (JWT)').fill(await scanning.token(user));
      await page.getByRole('button', { name: 'Use this token' }).click();
      const quarantined = row(page, 'invoice.txt');
      await quarantined.locator('.badge.quarantined', { hasText: 'Quarantined' }).waitFor();
      expect(await quarantined.locator('.badge.quarantined').getAttribute('title')).toBe('Malware found: Eicar-Test-Signature');
      expect(await quarantined.getByRole('button').allTextContents()).toEqual(['Delete']);

      await page.locator('#file-input').setInputFiles({ name: 'readme.txt', mimeType: 'text/plain', buffer: EICAR });
      await upload(page, 'readme.txt').and(page.locator('.failed')).waitFor();
      expect(await upload(page, 'readme.txt').textContent()).toContain('MALWARE_DETECTED');
      await screenshot(page, 'file-manager-quarantined');
      expect(errors).toEqual([]);
    } finally {
      await scanning.stop();
      await clamd.down();
    }
  }, 60_000);
});

describe('CORS', () => {
  it('lets an origin in CORS_ORIGINS send tokens and multipart uploads, and no other origin', async () => {
    const user = someUser();
    const token = await server.token(user);
    const crossOriginUpload = (page: Page) =>
      page.evaluate(
        async ({ api, token }) => {
          const form = new FormData();
          form.append('operations', JSON.stringify({ query: 'mutation ($file: Upload!) { uploadFile(file: $file) { originalName } }', variables: { file: null } }));
          form.append('map', JSON.stringify({ 0: ['variables.file'] }));
          form.append('0', new File(['hello from elsewhere\n'], 'cors.txt', { type: 'text/plain' }));
          try {
            const response = await fetch(`${api}/graphql`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${token}`, 'Apollo-Require-Preflight': 'true' } });
            return await response.json();
          } catch (error) {
            return { failed: String(error) };
          }
        },
        { api: server.url, token },
      );

    const { page } = await open();
    // localhost and 127.0.0.1 are different origins to a browser, though the same server.
    await page.goto(`http://localhost:${port}/`);
    expect(await crossOriginUpload(page)).toEqual({ data: { uploadFile: { originalName: 'cors.txt' } } });

    await page.goto(`http://127.0.0.2:${port}/`);
    expect(await crossOriginUpload(page)).toEqual({ failed: expect.stringContaining('Failed to fetch') });
    expect((await filesOf(user)).map((file) => file.originalName)).toEqual(['cors.txt']);
  });

  it('answers preflights with the headers a client needs, and never allows credentials', async () => {
    const preflight = (url: string, origin: string) =>
      fetch(`${url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,apollo-require-preflight' },
      });
    const allowed = await preflight(server.url, `http://localhost:${port}`);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(`http://localhost:${port}`);
    expect(allowed.headers.get('access-control-allow-headers')!.toLowerCase().split(',')).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'apollo-require-preflight']),
    );
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    expect((await preflight(server.url, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();

    const open = await startTestServer({ CORS_ORIGINS: '*' });
    try {
      const any = await preflight(open.url, 'https://app.example.com');
      expect(any.headers.get('access-control-allow-origin')).toBe('*');
      expect(any.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      await open.stop();
    }
  });
});
