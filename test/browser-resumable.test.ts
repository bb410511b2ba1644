import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import { applyReadmeCorsRule, closeAndCheck, eventually, launchChromium, openPage, screenshot, type RecordedPage } from './support/browser';
import { fixtures } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/**
 * The file manager's resumable multipart path (requestMultipartUpload → signUploadParts →
 * part PUTs → completeMultipartUpload) in real Chromium, against the real server and bucket.
 * The page's threshold is lowered with ?multipartThreshold so that a 12 MiB file goes in
 * 3 parts of the server's smallest part size (5 MiB).
 */

const MIB = 1024 * 1024;
let server: TestServer;
let browser: Browser;
let opened: RecordedPage[] = [];
let dir: string;

beforeAll(async () => {
  [server, browser, dir] = await Promise.all([
    startTestServer({ S3_MAX_FILE_SIZE_MB: '64', MULTIPART_PART_SIZE_MB: '5' }),
    launchChromium(),
    mkdtemp(path.join(os.tmpdir(), 'browser-resumable-')),
  ]);
  // The README's rule exposes ETag: the page completes with the PUTs' ETags.
  await applyReadmeCorsRule(server);
});

afterEach(async () => {
  const pages = opened;
  opened = [];
  await closeAndCheck(pages);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Traffic {
  /** GraphQL operations the page sent, by operation name, with their variables. */
  operations: { name: string; variables: Record<string, any> }[];
  /** Part PUTs to storage that were answered (not aborted). */
  parts: { partNumber: number; checksum: string | undefined }[];
}

/** A page signed in as the user, with the multipart threshold lowered to 1 MiB. */
async function openSignedIn(user: string): Promise<RecordedPage & { traffic: Traffic }> {
  const recorded = await openPage(browser);
  opened.push(recorded);
  const traffic: Traffic = { operations: [], parts: [] };
  const { page } = recorded;
  page.on('request', (request: Request) => {
    if (request.method() === 'POST' && request.url() === `${server.url}/graphql` && request.headers()['content-type']?.startsWith('application/json')) {
      const body = request.postDataJSON();
      const name = /^(?:query|mutation) (\w+)/.exec(body.query)?.[1] ?? '?';
      traffic.operations.push({ name, variables: body.variables });
    }
  });
  page.on('requestfinished', async (request: Request) => {
    const url = new URL(request.url());
    if (request.method() !== 'PUT' || !url.searchParams.has('partNumber')) return;
    const response = await request.response();
    if (response?.status() === 200) {
      traffic.parts.push({ partNumber: Number(url.searchParams.get('partNumber')), checksum: request.headers()['x-amz-checksum-sha256'] });
    }
  });
  await page.goto(`${server.url}/?multipartThreshold=${MIB}`);
  await page.getByLabel('Bearer token (JWT)').fill(await server.token(user));
  await page.getByRole('button', { name: 'Use this token' }).click();
  await page.locator('#who', { hasText: user }).waitFor();
  return { ...recorded, traffic };
}

/** A file on disk (so that choosing it again gives the same name, size and date): PNG bytes, then random ones. */
async function bigPng(name: string, size: number): Promise<{ path: string; bytes: Buffer }> {
  const bytes = Buffer.concat([fixtures.png, randomBytes(size - fixtures.png.length)]);
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return { path: file, bytes };
}

function item(page: Page, name: string) {
  return page.locator(`#uploads li[data-name="${name}"]`);
}

async function stored(user: string, name: string): Promise<Record<string, any> | undefined> {
  const client = await server.client(user);
  const data = await client.request<any>('query { files(filter: { includeDeleted: true }, first: 100) { edges { node { id originalName size status s3Key } } } }');
  return data.files.edges.map((edge: any) => edge.node).find((file: any) => file.originalName === name);
}

async function downloaded(user: string, id: string): Promise<Buffer> {
  const response = await fetch(`${server.url}/files/${id}/download`, { headers: { authorization: `Bearer ${await server.token(user)}` } });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');
const resumeRecords = (page: Page) =>
  page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('fileServer.resume.')).map((key) => JSON.parse(localStorage.getItem(key)!)));
/** Aborted PUTs are reported by Chromium as console errors; nothing else may go wrong. */
const unexpected = (errors: string[]) => errors.filter((error) => !/net::ERR_(CONNECTION_RESET|FAILED|ABORTED)|status of 4\d\d/.test(error));

describe('the file manager, files over the multipart threshold', () => {
  it('sends them in checksummed parts, a few at a time, with progress, and completes with the ETags', async () => {
    const user = someUser();
    const file = await bigPng('film.png', 12 * MIB + 4321);
    const { page, traffic, errors } = await openSignedIn(user);
    await page.getByText('Direct to storage').click();
    await page.locator('#method-note', { hasText: 'Files over 1 MiB go in parts' }).waitFor();

    // Every value the progress bar takes, as the parts' upload progress feeds it.
    await page.evaluate(() => {
      (window as any).progressSeen = [];
      new MutationObserver((changes) => {
        for (const change of changes) {
          const node = change.target as Element;
          if (change.attributeName === 'aria-valuenow') (window as any).progressSeen.push(Number(node.getAttribute('aria-valuenow')));
        }
      }).observe(document.getElementById('uploads')!, { subtree: true, attributes: true, attributeFilter: ['aria-valuenow'] });
    });
    await page.locator('#file-input').setInputFiles(file.path);
    await expect(item(page, 'film.png').locator('.upload-line').textContent()).resolves.toContain('direct, in parts');
    await item(page, 'film.png').and(page.locator('.ok, .failed, .paused')).waitFor({ timeout: 15000 });
    expect(`${await item(page, 'film.png').getAttribute('class')}: ${await item(page, 'film.png').textContent()}`).toMatch(/ ok: /);

    const names = traffic.operations.map((operation) => operation.name);
    expect(names).toEqual(expect.arrayContaining(['RequestMultipartUpload', 'UploadedParts', 'SignUploadParts', 'CompleteMultipartUpload']));
    expect(names).not.toContain('RequestUpload');
    const signed = traffic.operations.filter((operation) => operation.name === 'SignUploadParts');
    expect(signed.flatMap((operation) => operation.variables.partNumbers)).toEqual([1, 2, 3]);
    // The checksums were computed in the browser (crypto.subtle) and are those of the parts' bytes.
    const partBytes = [0, 1, 2].map((i) => file.bytes.subarray(i * 5 * MIB, (i + 1) * 5 * MIB));
    expect(signed.flatMap((operation) => operation.variables.checksumsSha256)).toEqual(partBytes.map(sha256));
    expect(traffic.parts.map((part) => part.partNumber).sort()).toEqual([1, 2, 3]);
    expect(traffic.parts.every((part) => part.checksum === sha256(partBytes[part.partNumber - 1]))).toBe(true);
    const completed = traffic.operations.find((operation) => operation.name === 'CompleteMultipartUpload')!;
    expect(completed.variables.parts.map((part: any) => part.partNumber)).toEqual([1, 2, 3]);
    expect(completed.variables.parts.every((part: any) => /^"[0-9a-f]{32}"$/.test(part.etag))).toBe(true); // read from the PUTs' ETag headers

    const progress: number[] = await page.evaluate(() => (window as any).progressSeen);
    expect(new Set(progress.filter((value) => value > 0 && value < 100)).size).toBeGreaterThanOrEqual(2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b)); // never goes backwards

    const file$ = await stored(user, 'film.png');
    expect(file$).toMatchObject({ status: 'AVAILABLE', size: file.bytes.length });
    expect((await downloaded(user, file$!.id)).equals(file.bytes)).toBe(true);
    expect(await resumeRecords(page)).toEqual([]);
    await page.locator('#file-rows .file-name', { hasText: 'film.png' }).waitFor();
    await screenshot(page, 'file-manager-multipart');
    expect(unexpected(errors)).toEqual([]);
  });

  it('after a dropped connection and a page reload, sends only the missing parts when the file is chosen again', async () => {
    const user = someUser();
    const file = await bigPng('backup.png', 12 * MIB + 99);
    const { page, traffic, errors } = await openSignedIn(user);
    await page.getByText('Direct to storage').click();

    // The connection to storage drops for parts 2 and 3, every time (the page retries each a few times).
    const attempts = new Map<number, number>();
    const isPart = (url: URL) => url.searchParams.has('partNumber') && url.searchParams.has('uploadId');
    await page.route(isPart, async (route) => {
      const partNumber = Number(new URL(route.request().url()).searchParams.get('partNumber'));
      if (route.request().method() !== 'PUT' || partNumber === 1) return route.continue();
      attempts.set(partNumber, (attempts.get(partNumber) ?? 0) + 1);
      return route.abort('connectionreset');
    });
    await page.locator('#file-input').setInputFiles(file.path);
    const upload = item(page, 'backup.png');
    await upload.and(page.locator('.ok, .failed, .paused')).waitFor({ timeout: 10000 });
    await expect(upload.getAttribute('class')).resolves.toContain('paused');
    await expect(upload.getByRole('alert').textContent()).resolves.toMatch(/^1 of 3 parts uploaded; /);
    await upload.getByText('Choose the same file again to resume').waitFor();
    await upload.getByRole('button', { name: 'Resume' }).waitFor();
    await upload.getByRole('button', { name: 'Cancel' }).waitFor();
    expect([...attempts.entries()].sort()).toEqual([[2, 4], [3, 4]]); // the first try and 3 retries each
    expect(traffic.parts.map((part) => part.partNumber)).toEqual([1]);
    const [record] = await resumeRecords(page);
    expect(record).toMatchObject({ name: 'backup.png', size: file.bytes.length, partSize: 5 * MIB, partCount: 3 });
    const client = await server.client(user);
    const pending = (await client.request<any>('query ($id: ID!) { file(id: $id) { id status } uploadedParts(id: $id) { partNumber size } }', { id: record.fileId }));
    expect(pending.file).toMatchObject({ status: 'PENDING' });
    expect(pending.uploadedParts).toEqual([{ partNumber: 1, size: 5 * MIB }]);
    await screenshot(page, 'file-manager-multipart-paused');

    // The page is reloaded: it remembers the upload (localStorage) and says how far it got.
    await page.unroute(isPart);
    await page.reload();
    await upload.locator('.upload-status', { hasText: 'Paused · 1/3 parts uploaded' }).waitFor();
    await upload.getByText('Choose the same file again to resume').waitFor();

    // The same file chosen again (even with "Through the server" selected): the upload resumes.
    const before = { operations: traffic.operations.length, parts: traffic.parts.length };
    await page.locator('#file-input').setInputFiles(file.path);
    await upload.and(page.locator('.ok')).waitFor({ timeout: 10000 });
    await expect(upload.count()).resolves.toBe(1); // the paused item was replaced
    const operations = traffic.operations.slice(before.operations);
    expect(operations.map((operation) => operation.name)).not.toContain('RequestMultipartUpload');
    expect(operations.filter((operation) => operation.name === 'UploadedParts').map((operation) => operation.variables.id)).toEqual([record.fileId]);
    expect(operations.filter((operation) => operation.name === 'SignUploadParts').flatMap((operation) => operation.variables.partNumbers)).toEqual([2, 3]);
    expect(traffic.parts.slice(before.parts).map((part) => part.partNumber).sort()).toEqual([2, 3]);

    const done = await stored(user, 'backup.png');
    expect(done).toMatchObject({ id: record.fileId, status: 'AVAILABLE', size: file.bytes.length });
    expect((await downloaded(user, done!.id)).equals(file.bytes)).toBe(true);
    expect(await resumeRecords(page)).toEqual([]);
    expect(unexpected(errors)).toEqual([]);
  });

  it('Cancel aborts the upload: parts, PENDING file and resume record are gone', async () => {
    const user = someUser();
    const file = await bigPng('draft.png', 11 * MIB);
    const { page, traffic, errors } = await openSignedIn(user);
    await page.getByText('Direct to storage').click();
    // Storage never answers part 3, so the upload is still going when Cancel is pressed.
    await page.route(
      (url) => url.searchParams.get('partNumber') === '3',
      () => new Promise<void>(() => {}),
    );
    await page.locator('#file-input').setInputFiles(file.path);
    const upload = item(page, 'draft.png');
    await eventually(() => expect(traffic.parts.map((part) => part.partNumber).sort()).toEqual([1, 2]), 10000);
    await upload.getByRole('button', { name: 'Cancel' }).click();
    await upload.locator('.upload-status', { hasText: 'Cancelled' }).waitFor();
    const aborted = traffic.operations.filter((operation) => operation.name === 'AbortUpload');
    expect(aborted).toHaveLength(1);
    expect(await stored(user, 'draft.png')).toBeUndefined();
    expect(await resumeRecords(page)).toEqual([]);
    expect(unexpected(errors)).toEqual([]);
  });
});
