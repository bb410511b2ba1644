import http from 'node:http';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { ask } from './support/answers';
import { eventually, launchChromium, pagesClosedAfterEach, screenshot, type RecordedPage } from './support/browser';
import { fixtures } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/**
 * Live updates in the file manager (issue 16): each page follows its user's
 * fileEvents over a WebSocket, in real Chromium against the real server. A
 * change made in one tab, or by another client of the API, shows in the other
 * tab with no reload.
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

/** Signs in with a token of `user` (or the token given) and waits for the page to take it. */
async function signIn(page: Page, user: string, token?: string): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.getByLabel('Bearer token (JWT)').fill(token ?? (await server.token(user)));
  await page.getByRole('button', { name: 'Use this token' }).click();
  await page.locator('#who', { hasText: user }).waitFor();
}

const live = (page: Page) => page.locator('#live');

/** The live indicator, once it is in that state: connecting, live, retrying or stopped. */
const liveIs = (page: Page, state: string) => live(page).and(page.locator(`[data-state="${state}"]`));

function row(page: Page, name: string) {
  return page.locator('#file-rows tr').filter({ has: page.locator('.file-name', { hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) }) });
}

function subfolder(page: Page, name: string) {
  return page.locator('#subfolders .subfolder').filter({ has: page.locator('.subfolder-name', { hasText: new RegExp(`^${name}$`) }) });
}

const names = (page: Page) => page.locator('#file-rows .file-name').allTextContents();

/** A mark left in the page's window: still there later means the page was not reloaded meanwhile. */
async function markPage(page: Page): Promise<() => Promise<boolean>> {
  await page.evaluate(() => ((window as any).notReloaded = true));
  return () => page.evaluate(() => (window as any).notReloaded === true);
}

/** A GraphQL request of another client of the API, which must succeed: its data. */
async function act(user: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const answer = await ask(server, user, query, variables);
  if (!answer.data) throw new Error(`${query}: ${answer.code}: ${answer.message}`);
  return answer.data;
}

async function uploadThroughApi(user: string, name: string, folder?: string): Promise<string> {
  const answer = await server.upload(user, { name, bytes: fixtures.pdf }, folder ? { folder } : {});
  if (!answer.data) throw new Error(`upload of ${name} failed: ${JSON.stringify(answer.errors)}`);
  return answer.data.uploadFile.id;
}

/** The connect-src directive the file manager is sent with, asked for with this Host header. */
function connectSrc(host: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    http
      .get(`${server.url}/`, { headers: { host } }, (res) => {
        res.resume();
        resolve(String(res.headers['content-security-policy']).split('; ').find((directive) => directive.startsWith('connect-src')));
      })
      .on('error', reject);
  });
}

describe('the file manager’s live updates', () => {
  it('shows in one tab what another tab or another client uploads, renames, moves, deletes and restores, without a reload', async () => {
    const user = someUser();
    const [one, other] = [await open(), await open()];
    for (const { page } of [one, other]) {
      await signIn(page, user);
      await liveIs(page, 'live').waitFor();
    }
    await expect(live(other.page).textContent()).resolves.toBe('Live');
    await other.page.locator('#empty', { hasText: 'No files yet' }).waitFor();
    const stillLoaded = await markPage(other.page);

    // Uploaded on the first page, through the page.
    await one.page.locator('#file-input').setInputFiles({ name: 'from-tab.pdf', mimeType: 'application/pdf', buffer: fixtures.pdf });
    await one.page.locator('#uploads li[data-name="from-tab.pdf"].ok').waitFor();
    await row(other.page, 'from-tab.pdf').waitFor();
    await expect(other.page.locator('#count').textContent()).resolves.toBe('1 file');
    await other.page.locator('#usage', { hasText: '· 1 file' }).waitFor();

    // By another client of the API, into a folder: the row, and the folder with its count.
    const fromApi = await uploadThroughApi(user, 'from-api.pdf', 'inbox/today');
    await row(other.page, 'from-api.pdf').waitFor();
    await subfolder(other.page, 'inbox').getByText('1 file').waitFor();
    await screenshot(other.page, 'file-manager-live');

    // Renamed where the page shows it.
    await subfolder(other.page, 'inbox').click();
    await subfolder(other.page, 'today').click();
    await eventually(async () => expect(await names(other.page)).toEqual(['from-api.pdf']));
    await act(user, 'mutation ($id: ID!) { renameFile(id: $id, name: "renamed.pdf") { id } }', { id: fromApi });
    await row(other.page, 'renamed.pdf').waitFor();

    // Moved out of a subfolder of the folder on screen (its row is not shown there): the subfolder goes.
    await other.page.locator('#breadcrumbs').getByRole('button', { name: 'inbox' }).click();
    await subfolder(other.page, 'today').waitFor();
    await other.page.locator('#empty', { hasText: 'No files directly in inbox' }).waitFor();
    await act(user, 'mutation ($ids: [ID!]!) { moveFiles(ids: $ids, toFolder: "archive") { succeeded } }', { ids: [fromApi] });
    await subfolder(other.page, 'today').waitFor({ state: 'detached' });

    // Deleted on the first page: it leaves the second; restored by the API: it comes back.
    await other.page.locator('#breadcrumbs').getByRole('button', { name: 'All files' }).click();
    await eventually(async () => expect((await names(other.page)).sort()).toEqual(['from-tab.pdf', 'renamed.pdf']));
    await row(one.page, 'from-tab.pdf').getByRole('button', { name: 'Delete' }).click();
    await row(other.page, 'from-tab.pdf').waitFor({ state: 'detached' });
    expect(await names(other.page)).toEqual(['renamed.pdf']);
    await expect(other.page.locator('#count').textContent()).resolves.toBe('1 file');
    const trash = await act(user, 'query { files(filter: { status: DELETED }) { edges { node { id originalName } } } }');
    expect(trash.files.edges.map((edge: any) => edge.node.originalName)).toEqual(['from-tab.pdf']);
    await act(user, 'mutation ($id: ID!) { restoreFile(id: $id) { id } }', { id: trash.files.edges[0].node.id });
    await row(other.page, 'from-tab.pdf').waitFor();

    expect(await stillLoaded()).toBe(true);
    expect(one.errors).toEqual([]);
    expect(other.errors).toEqual([]);
  });

  it('holds a change back while files are selected, so that rows do not move under the selection, and shows it once the selection is cleared', async () => {
    const user = someUser();
    await uploadThroughApi(user, 'first.pdf');
    const { page, errors } = await open();
    await signIn(page, user);
    await liveIs(page, 'live').waitFor();
    await row(page, 'first.pdf').waitFor();

    await page.getByLabel('Select first.pdf').check();
    await uploadThroughApi(user, 'second.pdf');
    await new Promise((resolve) => setTimeout(resolve, 1000)); // unheld, the change would show within a quarter of that
    expect(await names(page)).toEqual(['first.pdf']);

    await page.getByLabel('Select first.pdf').uncheck();
    await eventually(async () => expect(await names(page)).toEqual(['second.pdf', 'first.pdf']));
    expect(errors).toEqual([]);
  });

  it('reconnects after the server goes away or cuts it off for falling behind, and shows what changed meanwhile (the closes are injected: a WebSocket route closes the connection with the code the server would use)', async () => {
    const user = someUser();
    const { page, errors } = await open();
    // Every connection the page opens goes through here to the real server, until `down` refuses them.
    const connections: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
    let down = false;
    await page.routeWebSocket(/\/graphql$/, (socket) => {
      if (down) return socket.close({ code: 1013, reason: 'Try again later' });
      connections.push({ page: socket, server: socket.connectToServer() });
    });
    await signIn(page, user);
    await liveIs(page, 'live').waitFor();
    const stillLoaded = await markPage(page);
    expect(connections).toHaveLength(1);

    // A restart (1001, which the library retries) and a client that fell behind (1013, which the page retries itself).
    const closes = [
      { code: 1001, reason: 'The server is shutting down', name: 'while-restarting.pdf' },
      { code: 1013, reason: 'The client fell 40 events behind', name: 'while-behind.pdf' },
    ];
    for (const [i, close] of closes.entries()) {
      down = true;
      const connection = connections.at(-1)!;
      await connection.server.close();
      await connection.page.close({ code: close.code, reason: close.reason });
      await liveIs(page, 'retrying').waitFor();
      // Made while the page has no connection: no event can tell it.
      await uploadThroughApi(user, close.name);
      expect(await row(page, close.name).count()).toBe(0);

      down = false;
      await liveIs(page, 'live').waitFor({ timeout: 10_000 });
      expect(connections).toHaveLength(i + 2);
      await row(page, close.name).waitFor();
    }
    // And the last connection carries events again.
    await uploadThroughApi(user, 'after.pdf');
    await row(page, 'after.pdf').waitFor();

    expect(await stillLoaded()).toBe(true);
    expect(errors).toEqual([]);
  });

  it('says that live updates stopped, and why, when the token expires, and does not try again', async () => {
    const user = someUser();
    const { page, errors } = await open();
    let sockets = 0;
    page.on('websocket', () => sockets++);
    // Within the server's clock tolerance, HTTP still takes it; the connection is closed at the exact expiry (4401),
    // which only a connection that was accepted can be: the indicator need not be caught saying "Live" first.
    await signIn(page, user, await server.token(user, { expiresIn: '3s' }));
    await liveIs(page, 'stopped').waitFor({ timeout: 6000 });
    await expect(live(page).textContent()).resolves.toBe('Live updates stopped: the token has expired');
    await screenshot(page, 'file-manager-live-stopped');
    await new Promise((resolve) => setTimeout(resolve, 2000)); // longer than the first retry would wait
    expect(sockets).toBe(1);
    await expect(live(page).getAttribute('data-state')).resolves.toBe('stopped');
    expect(errors).toEqual([]);
  });

  it('says that live updates stopped when the server refuses the token (the token is swapped for a bad one on the way, by a WebSocket route)', async () => {
    const user = someUser();
    const { page, errors } = await open();
    let sockets = 0;
    await page.routeWebSocket(/\/graphql$/, (socket) => {
      sockets++;
      const toServer = socket.connectToServer();
      socket.onMessage((message) => {
        const parsed = JSON.parse(String(message));
        if (parsed.type === 'connection_init') parsed.payload = { Authorization: 'Bearer not-a-token' };
        toServer.send(JSON.stringify(parsed));
      });
    });
    await signIn(page, user);
    await liveIs(page, 'stopped').waitFor();
    await expect(live(page).textContent()).resolves.toBe('Live updates stopped: the server refused the token');
    // The page itself works on: only the live updates stopped.
    await page.locator('#empty', { hasText: 'No files yet' }).waitFor();
    await new Promise((resolve) => setTimeout(resolve, 2000)); // longer than the first retry would wait
    expect(sockets).toBe(1);
    expect(errors).toEqual([]);
  });

  it("names this host's ws: and wss: in the page's Content-Security-Policy, and only a plain host", async () => {
    // Chromium counts them as 'self' (CSP Level 3), as Firefox and Safari 16 do; Safari 15.4 to 15.6 need them named.
    const host = new URL(server.url).host;
    expect(await connectSrc(host)).toBe(`connect-src 'self' ws://${host} wss://${host} http: https:`);
    expect(await connectSrc('evil.example; script-src *')).toBe("connect-src 'self' http: https:");
  });
});
