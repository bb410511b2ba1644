import { readFile } from 'node:fs/promises';
import type { Browser, Download, Page } from 'playwright-core';
import { eventually, launchChromium, pagesClosedAfterEach, screenshot, type RecordedPage } from './support/browser';
import { readZip } from './support/zip';
import { fixtures } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/**
 * The file manager's folders, sort orders, selection, bulk actions, trash and ZIP
 * downloads, in real Chromium against the real server, PostgreSQL and S3 bucket.
 * Files are set up through the API; everything after that is done on the page,
 * and checked against what the API then says.
 */

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const open = pagesClosedAfterEach(() => browser);

async function signIn(page: Page, user: string): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.getByLabel('Bearer token (JWT)').fill(await server.token(user));
  await page.getByRole('button', { name: 'Use this token' }).click();
  await page.locator('#who', { hasText: user }).waitFor();
}

/** Uploads through the API, one after another (so that their creation order is theirs): name → id. */
async function uploadAll(user: string, files: { name: string; bytes: Buffer | string; folder?: string }[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const file of files) {
    const answer = await server.upload(user, { name: file.name, bytes: Buffer.from(file.bytes) }, file.folder ? { folder: file.folder } : {});
    if (!answer.data) throw new Error(`upload of ${file.name} failed: ${JSON.stringify(answer.errors)}`);
    ids[file.name] = answer.data.uploadFile.id;
  }
  return ids;
}

/** The user's files as the API (not the page) sees them. */
async function filesOf(user: string, filter: Record<string, unknown> = {}): Promise<Record<string, any>[]> {
  const client = await server.client(user);
  const data = await client.request<any>('query ($filter: FileFilter) { files(filter: $filter, first: 100) { edges { node { id originalName folder status s3Key } } } }', {
    filter,
  });
  return data.files.edges.map((edge: any) => edge.node);
}

const names = (page: Page) => page.locator('#file-rows .file-name').allTextContents();
const crumbs = (page: Page) => page.locator('#breadcrumbs li').allTextContents();
const subfolderNames = (page: Page) => page.locator('#subfolders .subfolder-name').allTextContents();

function subfolder(page: Page, name: string) {
  return page.locator('#subfolders button.subfolder').filter({ has: page.locator('.subfolder-name', { hasText: new RegExp(`^${name}$`) }) });
}

function row(page: Page, name: string) {
  return page.locator('#file-rows tr').filter({ has: page.locator('.file-name', { hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) }) });
}

function header(page: Page, label: string) {
  return page.locator('table.files th').filter({ has: page.getByRole('button', { name: label, exact: true }) });
}

/** The Files / Trash switch (its radios are hidden behind their labels, as the upload method's are). */
function view(page: Page, name: 'Files' | 'Trash') {
  return page.locator('.files-head .segmented').getByText(name, { exact: true });
}

/** The page's last message; `kind` 'error' is how it shows failures. */
async function toast(page: Page, text: string, kind: 'error' | 'info' = 'info'): Promise<void> {
  const box = page.locator('#toast', { hasText: text });
  await box.waitFor();
  expect(await box.textContent()).toBe(text);
  expect(await box.evaluate((node) => node.classList.contains('error'))).toBe(kind === 'error');
}

/** What the page's formatSize says for a small file. */
const bytes = (count: number) => `${count} B`;

async function downloaded(download: Download): Promise<Buffer> {
  return readFile((await download.path())!);
}

describe('the file manager’s folders', () => {
  it('shows the subfolders of the current folder with their counts, enters them and goes back up by the breadcrumbs', async () => {
    const user = someUser();
    const q1 = 'First quarter.\n';
    const q2 = 'Second quarter, a little longer.\n';
    await uploadAll(user, [
      { name: 'top.txt', bytes: fixtures.txt },
      { name: 'summary.pdf', bytes: fixtures.pdf, folder: 'reports' },
      { name: 'data.csv', bytes: fixtures.csv, folder: 'reports' },
      { name: 'q1.txt', bytes: q1, folder: 'reports/2024' },
      { name: 'q2.txt', bytes: q2, folder: 'reports/2024' },
      { name: 'dot.png', bytes: fixtures.png, folder: 'photos' },
    ]);
    const { page, errors } = await open();
    await signIn(page, user);

    // The top level lists every file, and the folders right under it, each counting its whole subtree.
    await eventually(async () => expect(await subfolderNames(page)).toEqual(['photos', 'reports']));
    const reportsBytes = fixtures.pdf.length + fixtures.csv.length + Buffer.byteLength(q1) + Buffer.byteLength(q2);
    await expect(subfolder(page, 'reports').textContent()).resolves.toBe(`reports4 files · ${bytes(reportsBytes)}`);
    await expect(subfolder(page, 'photos').textContent()).resolves.toBe(`photos1 file · ${bytes(fixtures.png.length)}`);
    await eventually(async () => expect(await page.locator('#count').textContent()).toBe('6 files'));
    expect(await crumbs(page)).toEqual(['All files']);
    expect(await page.locator('#folder-actions').isHidden()).toBe(true);

    await subfolder(page, 'reports').click();
    await eventually(async () => expect((await names(page)).sort()).toEqual(['data.csv', 'summary.pdf'])); // not 2024's files
    await eventually(async () => expect(await subfolderNames(page)).toEqual(['2024']));
    await expect(subfolder(page, '2024').textContent()).resolves.toBe(`20242 files · ${bytes(Buffer.byteLength(q1) + Buffer.byteLength(q2))}`);
    expect(await crumbs(page)).toEqual(['All files', 'reports']);
    expect(await page.getByLabel('Filter by folder').inputValue()).toBe('reports');
    await page.locator('#folder-actions').waitFor();
    await screenshot(page, 'file-manager-folders');

    await subfolder(page, '2024').click();
    await eventually(async () => expect((await names(page)).sort()).toEqual(['q1.txt', 'q2.txt']));
    await eventually(async () => expect(await page.locator('#subfolders li').count()).toBe(0));
    expect(await crumbs(page)).toEqual(['All files', 'reports', '2024']);

    await page.locator('#breadcrumbs').getByRole('button', { name: 'reports' }).click();
    await eventually(async () => expect((await names(page)).sort()).toEqual(['data.csv', 'summary.pdf']));
    await page.locator('#breadcrumbs').getByRole('button', { name: 'All files' }).click();
    await eventually(async () => expect(await page.locator('#count').textContent()).toBe('6 files'));
    expect(await crumbs(page)).toEqual(['All files']);
    expect(errors).toEqual([]);
  });

  it('sorts by name and size from the column headers, both ways, starting again at the first page on each change', async () => {
    const user = someUser();
    // 22 files, one page and a bit; sizes in another order than names (5 and 22 share no factor: a permutation).
    const files = Array.from({ length: 22 }, (_, i) => ({ name: `scan-${String(i).padStart(2, '0')}.txt`, size: 100 + ((i * 5) % 22) * 3 }));
    await Promise.all(files.map((file) => server.upload(user, { name: file.name, bytes: Buffer.from('s'.repeat(file.size)) }, { folder: 'scans' })));
    const byName = files.map((file) => file.name).sort();
    const bySize = [...files].sort((a, b) => a.size - b.size).map((file) => file.name);
    const { page, errors } = await open();
    await signIn(page, user);
    await subfolder(page, 'scans').click();
    await eventually(async () => expect(await page.locator('#count').textContent()).toBe('22 files'));
    // The server's default order, shown as such.
    expect(await header(page, 'Created').getAttribute('aria-sort')).toBe('descending');

    await header(page, 'Name').getByRole('button').click();
    await eventually(async () => expect(await names(page)).toEqual(byName.slice(0, 20)));
    expect(await header(page, 'Name').getAttribute('aria-sort')).toBe('ascending');
    expect(await header(page, 'Created').getAttribute('aria-sort')).toBeNull();
    await page.getByRole('button', { name: 'Load more' }).click();
    await eventually(async () => expect(await names(page)).toEqual(byName)); // the second page continues this order

    await header(page, 'Name').getByRole('button').click();
    await eventually(async () => expect(await names(page)).toEqual([...byName].reverse().slice(0, 20))); // the first page again
    expect(await header(page, 'Name').getAttribute('aria-sort')).toBe('descending');
    await page.getByRole('button', { name: 'Load more' }).waitFor();

    await header(page, 'Size').getByRole('button').click();
    await eventually(async () => expect(await names(page)).toEqual([...bySize].reverse().slice(0, 20))); // largest first
    expect(await header(page, 'Size').getAttribute('aria-sort')).toBe('descending');
    expect(await header(page, 'Name').getAttribute('aria-sort')).toBeNull();
    await header(page, 'Size').getByRole('button').click();
    await eventually(async () => expect(await names(page)).toEqual(bySize.slice(0, 20)));
    await page.getByRole('button', { name: 'Load more' }).click();
    await eventually(async () => expect(await names(page)).toEqual(bySize));
    await screenshot(page, 'file-manager-sorted');
    expect(errors).toEqual([]);
  });

  it('selects files and moves them in bulk, saying what failed; deletes them, restores from the trash and empties it', async () => {
    const user = someUser();
    const ids = await uploadAll(user, ['alpha', 'beta', 'gamma', 'delta'].map((name) => ({ name: `${name}.txt`, bytes: `${name}\n` })));
    const { page, errors } = await open();
    await signIn(page, user);
    await eventually(async () => expect(await page.locator('#count').textContent()).toBe('4 files'));

    for (const name of ['alpha.txt', 'beta.txt', 'gamma.txt']) await page.getByLabel(`Select ${name}`).check();
    await expect(page.locator('#selection-count').textContent()).resolves.toBe('3 selected');
    expect(await page.getByLabel('Select all on this page').evaluate((box: HTMLInputElement) => box.indeterminate)).toBe(true);
    // Gone behind the page's back: the move goes on for the others, and the page says which did not.
    await (await server.client(user)).request('mutation ($id: ID!) { deleteFile(id: $id, hardDelete: true) }', { id: ids['gamma.txt'] });
    await page.locator('#bulk-bar').getByRole('button', { name: 'Move…' }).click();
    const dialog = page.locator('#name-dialog');
    await dialog.getByLabel('Destination folder').fill('inbox');
    await dialog.getByRole('button', { name: 'Move' }).click();
    await toast(page, '2 of 3 moved to inbox; 1 not found', 'error');
    await eventually(async () => expect(await subfolder(page, 'inbox').textContent()).toContain('2 files'));
    const folders = Object.fromEntries((await filesOf(user)).map((file) => [file.originalName, file.folder]));
    expect(folders).toEqual({ 'alpha.txt': 'inbox', 'beta.txt': 'inbox', 'delta.txt': null });
    expect(await page.locator('#bulk-bar').isHidden()).toBe(true); // the selection went with them

    await subfolder(page, 'inbox').click();
    await eventually(async () => expect((await names(page)).sort()).toEqual(['alpha.txt', 'beta.txt']));
    await page.getByLabel('Select all on this page').check();
    await expect(page.locator('#selection-count').textContent()).resolves.toBe('2 selected');
    await page.locator('#bulk-bar').getByRole('button', { name: 'Delete', exact: true }).click();
    await toast(page, '2 files moved to the trash');
    await page.locator('#empty', { hasText: 'No files directly in inbox.' }).waitFor();
    expect((await filesOf(user, { status: 'DELETED' })).map((file) => file.originalName).sort()).toEqual(['alpha.txt', 'beta.txt']);

    await view(page, 'Trash').click();
    await page.locator('#files-heading', { hasText: 'Trash' }).waitFor();
    await eventually(async () => expect((await names(page)).sort()).toEqual(['alpha.txt', 'beta.txt']));
    expect(await page.locator('#folder-bar').isHidden()).toBe(true);
    await page.getByLabel('Select alpha.txt').check();
    await screenshot(page, 'file-manager-trash');
    await page.locator('#bulk-bar').getByRole('button', { name: 'Restore' }).click();
    await toast(page, '1 file restored');
    await eventually(async () => expect(await names(page)).toEqual(['beta.txt']));
    expect((await filesOf(user, { folder: 'inbox' })).map((file) => [file.originalName, file.status])).toEqual([['alpha.txt', 'AVAILABLE']]);

    const betaKey = (await filesOf(user, { status: 'DELETED' }))[0].s3Key;
    expect(await server.objectKeys()).toContain(betaKey);
    await page.getByRole('button', { name: 'Empty trash' }).click();
    await page.locator('#confirm-title', { hasText: 'Empty the trash?' }).waitFor();
    await page.locator('#confirm-dialog').getByRole('button', { name: 'Empty trash' }).click();
    await toast(page, 'Emptied the trash: 1 file deleted for good');
    await page.locator('#empty', { hasText: 'The trash is empty.' }).waitFor();
    expect((await filesOf(user, { includeDeleted: true })).map((file) => file.originalName).sort()).toEqual(['alpha.txt', 'delta.txt']);
    expect(await server.objectKeys()).not.toContain(betaKey);

    await view(page, 'Files').click();
    await eventually(async () => expect((await names(page)).sort()).toEqual(['alpha.txt'])); // still in inbox, where it was
    expect(errors).toEqual([]);
  });

  it('renames a file (keeping its extension), sorts by the date it changed, and renames and deletes a folder', async () => {
    const user = someUser();
    const ids = await uploadAll(user, [
      { name: 'plan.txt', bytes: 'The plan.\n', folder: 'projects' },
      { name: 'notes.txt', bytes: 'Notes.\n', folder: 'projects' },
      { name: 'draft.txt', bytes: 'A draft.\n', folder: 'projects/old' },
    ]);
    const { page, errors } = await open();
    await signIn(page, user);
    await subfolder(page, 'projects').click();
    await eventually(async () => expect(await names(page)).toEqual(['notes.txt', 'plan.txt'])); // newest first

    await row(page, 'plan.txt').getByRole('button', { name: 'Rename' }).click();
    const dialog = page.locator('#name-dialog');
    const field = dialog.getByLabel('New name');
    expect(await field.inputValue()).toBe('plan.txt');
    await dialog.locator('#name-hint', { hasText: 'The extension (.txt) stays.' }).waitFor();
    await field.fill('plan.pdf');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await dialog.locator('#name-error', { hasText: /^BAD_USER_INPUT: / }).waitFor();
    expect(await dialog.evaluate((node: HTMLDialogElement) => node.open)).toBe(true);
    await field.fill('plan-final.txt');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await toast(page, 'Renamed plan.txt to plan-final.txt');
    await eventually(async () => expect((await names(page)).sort()).toEqual(['notes.txt', 'plan-final.txt']));
    expect((await filesOf(user, { folder: 'projects' })).find((file) => file.id === ids['plan.txt'])).toMatchObject({ originalName: 'plan-final.txt' });

    // Renamed last, so changed last: first by the date it changed, still last by the date it came.
    await header(page, 'Updated').getByRole('button', { name: 'Updated' }).click();
    await eventually(async () => expect(await names(page)).toEqual(['plan-final.txt', 'notes.txt']));
    expect(await header(page, 'Updated').getAttribute('aria-sort')).toBe('descending');

    await page.getByRole('button', { name: 'Rename folder' }).click();
    expect(await dialog.getByLabel('New path').inputValue()).toBe('projects');
    await dialog.getByLabel('New path').fill('archive/projects-2024');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await toast(page, 'Renamed projects to archive/projects-2024 (3 files)');
    await eventually(async () => expect(await crumbs(page)).toEqual(['All files', 'archive', 'projects-2024']));
    await eventually(async () => expect(await subfolderNames(page)).toEqual(['old']));
    expect((await names(page)).sort()).toEqual(['notes.txt', 'plan-final.txt']);
    expect((await filesOf(user)).map((file) => file.folder).sort()).toEqual(['archive/projects-2024', 'archive/projects-2024', 'archive/projects-2024/old']);

    await page.getByRole('button', { name: 'Delete folder' }).click();
    await page.locator('#confirm-dialog').getByRole('button', { name: 'Delete folder' }).click();
    await toast(page, '3 files of archive/projects-2024 moved to the trash');
    await eventually(async () => expect(await crumbs(page)).toEqual(['All files', 'archive']));
    await eventually(async () => expect(await page.locator('#subfolders li').count()).toBe(0));
    expect((await filesOf(user, { status: 'DELETED' })).length).toBe(3);
    expect(await filesOf(user)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('downloads a folder, its subfolders inside, and a selection, as ZIP archives of this server', async () => {
    const user = someUser();
    await uploadAll(user, [
      { name: 'day1.txt', bytes: 'Day one.\n', folder: 'trip' },
      { name: 'day2.txt', bytes: 'Day two.\n', folder: 'trip' },
      { name: 'beach.png', bytes: fixtures.png, folder: 'trip/photos' },
      { name: 'elsewhere.txt', bytes: 'Not in the trip.\n' },
    ]);
    const { page, errors } = await open();
    await signIn(page, user);
    await subfolder(page, 'trip').click();
    await eventually(async () => expect((await names(page)).sort()).toEqual(['day1.txt', 'day2.txt']));

    const [folderZip] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download folder as ZIP' }).click()]);
    expect(folderZip.url()).toMatch(new RegExp(`^${server.url}/archives/`));
    expect(folderZip.suggestedFilename()).toBe('trip.zip');
    const archive = await downloaded(folderZip);
    expect(archive.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    const entries = Object.fromEntries(await readZip(archive));
    expect(Object.keys(entries).sort()).toEqual(['day1.txt', 'day2.txt', 'photos/beach.png']); // paths relative to the folder
    expect(entries['day1.txt'].toString()).toBe('Day one.\n');
    expect(entries['photos/beach.png'].equals(fixtures.png)).toBe(true);

    await page.getByLabel('Select day2.txt').check();
    const [selectionZip] = await Promise.all([page.waitForEvent('download'), page.locator('#bulk-bar').getByRole('button', { name: 'Download as ZIP' }).click()]);
    expect(selectionZip.suggestedFilename()).toBe('trip-selection.zip');
    const selection = Object.fromEntries(await readZip(await downloaded(selectionZip)));
    expect(Object.keys(selection)).toEqual(['trip/day2.txt']); // files named by id keep their whole folder
    expect(selection['trip/day2.txt'].toString()).toBe('Day two.\n');
    expect(errors).toEqual([]);
  });
});
