import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { fixtures } from './support/fixtures';
import { parseConfig } from '../src/config';
import { ask } from './support/answers';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/*
 * Live events (issue 16): an outbox written by triggers in the transaction of
 * each change, delivered after commit to subscribers on every instance
 * (LISTEN/NOTIFY), and to webhooks from the job queue.
 */

let server: TestServer;
let other: TestServer; // a second instance on the same database and bucket
let receiver: WebhookReceiver;
const WEBHOOK_SECRET = 'webhook-secret-for-tests';

beforeAll(async () => {
  receiver = await startReceiver();
  const webhooks = { WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET, WEBHOOK_TIMEOUT_SECONDS: '1' };
  server = await startTestServer({ SUBSCRIPTIONS_PER_CONNECTION: '5', SUBSCRIPTIONS_PER_USER: '8', SUBSCRIPTION_BUFFER_EVENTS: '20', ...webhooks });
  other = await startTestServer(webhooks, { shareWith: server });
});
afterAll(async () => {
  await other.stop();
  await server.stop();
  await receiver.close();
});

const EVENTS = `subscription ($folderPrefix: String, $fileId: ID, $ownerId: ID) {
  fileEvents(folderPrefix: $folderPrefix, fileId: $fileId, ownerId: $ownerId) { id type occurredAt previousFolder file { id originalName folder status } } }`;

interface Received {
  events: { id: string; type: string; previousFolder: string | null; file: { id: string; originalName: string; folder: string | null; status: string } }[];
  errors: { message: string; extensions?: { code?: string } }[];
}

/** A graphql-ws client of `instance`, as `user`; `closed` settles with the close code. */
function connect(instance: TestServer, authorization: string | undefined): { client: Client; closed: Promise<number>; connected: Promise<void> } {
  let onClosed!: (code: number) => void;
  let onConnected!: () => void;
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const client = createClient({
    url: `${instance.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: authorization === undefined ? {} : { Authorization: authorization },
    lazy: false,
    retryAttempts: 0,
    // The close is what the tests look at (closed, below): not an error to print.
    onNonLazyError: () => undefined,
    on: { closed: (event) => onClosed((event as { code: number }).code), connected: () => onConnected() },
  });
  return { client, closed, connected };
}

async function connectAs(instance: TestServer, user: string, options: { admin?: boolean } = {}) {
  const connection = connect(instance, `Bearer ${await instance.token(user, options)}`);
  await connection.connected;
  return connection;
}

/** Subscribes, and collects what arrives; resolves once the server has the subscription. */
async function follow(client: Client, variables: Record<string, unknown> = {}): Promise<Received & { stop(): void }> {
  const received: Received = { events: [], errors: [] };
  const stop = client.subscribe<any>(
    { query: EVENTS, variables },
    {
      next: (result) => {
        if (result.data) received.events.push(result.data.fileEvents);
        if (result.errors) received.errors.push(...(result.errors as Received['errors']));
      },
      error: (error) => received.errors.push(...((Array.isArray(error) ? error : [{ message: String(error) }]) as Received['errors'])),
      complete: () => undefined,
    },
  );
  // The subscribe message is sent at once; the server registers it before it reads the next message.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return Object.assign(received, { stop });
}

async function until<T>(what: () => T | undefined | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = what();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function upload(instance: TestServer, user: string, name: string, folder?: string): Promise<{ id: string }> {
  // PDFs: an image's blurhash, which follows from the job queue, would add an UPDATED event.
  const answer = await instance.upload(user, { name, bytes: fixtures.pdf }, folder ? { folder } : {});
  if (!answer.data?.uploadFile) throw new Error(JSON.stringify(answer.errors));
  return answer.data.uploadFile;
}

describe('fileEvents', () => {
  it('delivers each change of one\'s own files once, in order, from either instance; never another user\'s', async () => {
    const user = someUser();
    const { client } = await connectAs(server, user);
    const all = await follow(client);
    const file = await upload(other, user, 'a.pdf', 'inbox');
    await upload(server, someUser(), 'not-mine.pdf');
    await ask(server, user, 'mutation ($id: ID!) { updateFile(id: $id, input: { description: "d" }) { id } }', { id: file.id });
    await ask(other, user, `mutation ($ids: [ID!]!) { moveFiles(ids: $ids, toFolder: "archive") { succeeded } }`, { ids: [file.id] });
    await ask(server, user, 'mutation ($id: ID!) { renameFile(id: $id, name: "b.pdf") { id } }', { id: file.id });
    await ask(server, user, 'mutation ($id: ID!) { deleteFile(id: $id) }', { id: file.id });
    await ask(other, user, 'mutation ($id: ID!) { restoreFile(id: $id) { id } }', { id: file.id });
    await ask(server, user, 'mutation ($id: ID!) { deleteFile(id: $id, hardDelete: true) }', { id: file.id });
    await until(() => all.events.length >= 7);
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more arrives
    expect(all.events.map((event) => event.type)).toEqual(['CREATED', 'UPDATED', 'MOVED', 'UPDATED', 'DELETED', 'RESTORED', 'PURGED']);
    expect(all.events.map((event) => event.file.folder)).toEqual(['inbox', 'inbox', 'archive', 'archive', 'archive', 'archive', 'archive']);
    expect(all.events[3].file.originalName).toBe('b.pdf');
    expect(all.events[0].file.status).toBe('AVAILABLE');
    expect(new Set(all.events.map((event) => event.id)).size).toBe(7);
    expect(all.errors).toEqual([]);
    await client.dispose();
  });

  it('filters by folder prefix (a move matches on either side) and by file', async () => {
    const user = someUser();
    const { client } = await connectAs(server, user);
    const reports = await follow(client, { folderPrefix: 'reports' });
    const everything = await follow(client);
    const one = await upload(server, user, 'a.pdf', 'photos');
    // Events reach an instance a moment after their commit: the file's CREATED is in before following it alone.
    await until(() => everything.events.length === 1);
    const byFile = await follow(client, { fileId: one.id });
    await upload(server, user, 'b.pdf', 'reports/2024');
    await ask(server, user, `mutation ($ids: [ID!]!) { moveFiles(ids: $ids, toFolder: "reports") { succeeded } }`, { ids: [one.id] });
    await ask(server, user, `mutation ($ids: [ID!]!) { moveFiles(ids: $ids, toFolder: "photos") { succeeded } }`, { ids: [one.id] });
    await until(() => reports.events.length >= 3 && byFile.events.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reports.events.map((event) => [event.type, event.file.originalName, event.file.folder])).toEqual([
      ['CREATED', 'b.pdf', 'reports/2024'],
      ['MOVED', 'a.pdf', 'reports'],
      ['MOVED', 'a.pdf', 'photos'],
    ]);
    expect(byFile.events.map((event) => [event.type, event.previousFolder])).toEqual([['MOVED', 'photos'], ['MOVED', 'reports']]);
    await client.dispose();
  });

  it('lets administrators follow everyone or one owner; a user asking for ownerId is FORBIDDEN', async () => {
    const owner = someUser();
    const { client: userClient } = await connectAs(server, someUser());
    const refused = await follow(userClient, { ownerId: owner });
    await until(() => refused.errors.length > 0);
    expect(refused.errors[0].extensions?.code).toBe('FORBIDDEN');
    const { client: adminClient } = await connectAs(other, 'an-admin', { admin: true });
    const theirs = await follow(adminClient, { ownerId: owner });
    await upload(server, someUser(), 'other.pdf');
    await upload(server, owner, 'owned.pdf');
    await until(() => theirs.events.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(theirs.events.map((event) => event.file.originalName)).toEqual(['owned.pdf']);
    await userClient.dispose();
    await adminClient.dispose();
  });

  it('computes an event once for subscribers who see it alike, never across what they may see', async () => {
    const owner = someUser();
    const other = someUser();
    const source = (await server.upload(other, { name: 'shared.pdf', bytes: fixtures.pdf }, { isPublic: true })).data!.uploadFile;
    const copy = (await ask(server, owner, 'mutation ($id: ID!) { copyFile(id: $id) { id } }', { id: source.id })).data.copyFile;
    await ask(server, other, 'mutation ($id: ID!) { updateFile(id: $id, input: { isPublic: false }) { id } }', { id: source.id });
    // The same document and variables for all three: only who they are tells them apart.
    const query = 'subscription ($fileId: ID) { fileEvents(fileId: $fileId) { file { id copiedFrom { id } } } }';
    const seen: Record<string, any[]> = { owner: [], owner2: [], admin: [] };
    const clients = [];
    for (const [who, as] of [['owner', owner], ['owner2', owner], ['admin', 'watching-admin']] as const) {
      const { client } = await connectAs(server, as, { admin: who === 'admin' });
      clients.push(client);
      client.subscribe<any>({ query, variables: { fileId: copy.id } }, { next: (r) => seen[who].push(r.data?.fileEvents), error: () => undefined, complete: () => undefined });
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
    await ask(server, owner, 'mutation ($id: ID!) { updateFile(id: $id, input: { description: "x" }) { id } }', { id: copy.id });
    await until(() => seen.owner.length && seen.owner2.length && seen.admin.length);
    // The source is private now: its owner's copy cannot show it to the copier, but an administrator sees it.
    expect(seen.owner[0]).toEqual({ file: { id: copy.id, copiedFrom: null } });
    expect(seen.owner2[0]).toEqual(seen.owner[0]);
    expect(seen.admin[0]).toEqual({ file: { id: copy.id, copiedFrom: { id: source.id } } });
    for (const client of clients) await client.dispose();
  });

  it('bounds subscriptions per connection and per user, with a clear error', async () => {
    const user = someUser();
    const { client } = await connectAs(server, user);
    const subscriptions = [];
    for (let i = 0; i < 6; i++) subscriptions.push(await follow(client));
    expect(subscriptions.slice(0, 5).every((s) => s.errors.length === 0)).toBe(true);
    expect(subscriptions[5].errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('SUBSCRIPTIONS_PER_CONNECTION') });
    const { client: second } = await connectAs(server, user);
    const more = [];
    for (let i = 0; i < 4; i++) more.push(await follow(second));
    expect(more.slice(0, 3).every((s) => s.errors.length === 0)).toBe(true);
    expect(more[3].errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('SUBSCRIPTIONS_PER_USER') });
    // Ending subscriptions frees their places.
    subscriptions[0].stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await follow(second)).errors).toEqual([]);
    await client.dispose();
    await second.dispose();
  });

  it('keeps a client that reads through a burst larger than its buffer (one change of many files)', async () => {
    const user = someUser();
    const { client, closed } = await connectAs(server, user);
    let closedWith: number | null = null;
    void closed.then((code) => (closedWith = code));
    const files = [];
    for (let i = 0; i < 30; i++) files.push(await upload(server, user, `b${i}.pdf`, 'burst'));
    const all = await follow(client);
    await ask(server, user, 'mutation { renameFolder(from: "burst", to: "moved") }');
    await until(() => all.events.length >= 30);
    expect(all.events.every((event) => event.type === 'MOVED' && event.previousFolder === 'burst')).toBe(true);
    expect(closedWith).toBeNull();
    await client.dispose();
  });

  it('closes the connection of a client that stops reading, once its buffer is full', async () => {
    const user = someUser();
    const files = [];
    for (let i = 0; i < 20; i++) files.push(await upload(server, user, `f${i}.pdf`));
    // Big events: each carries 60 KB of metadata, so the socket's buffers fill and events queue up.
    const metadata = { blob: 'x'.repeat(60_000) };
    for (const file of files) await ask(server, user, 'mutation ($id: ID!, $m: JSONObject) { updateFile(id: $id, input: { metadata: $m }) { id } }', { id: file.id, m: metadata });
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${await server.token(user)}` } }));
    await new Promise((resolve) => socket.once('message', resolve)); // connection_ack
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { fileEvents { file { metadata } } }' } }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Stop reading: what the server sends piles up in its buffers, then in the subscription's queue.
    // The kernel's buffers on both sides hold megabytes: 1.2 MB of events a round, until the server gives up.
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    let closedYet = false;
    void closed.then(() => (closedYet = true));
    for (let round = 0; round < 60 && !closedYet; round++) {
      await ask(server, user, `mutation ($ids: [ID!]!, $to: String!) { moveFiles(ids: $ids, toFolder: $to) { succeeded } }`, { ids: files.map((f) => f.id), to: `round${round}` });
    }
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await closed).toBe(1013);
    expect(await metric(server, 'graphql_subscriptions_closed_slow_total')).toBeGreaterThanOrEqual(1);
  });

  it('is still delivered when the instance that committed is killed (SIGKILL) right after', async () => {
    const user = someUser();
    const { client } = await connectAs(server, user);
    const all = await follow(client);
    const child = await startChild(server);
    try {
      const token = await server.token(user);
      const form = new FormData();
      form.append('operations', JSON.stringify({ query: 'mutation ($file: Upload!) { uploadFile(file: $file) { id } }', variables: { file: null } }));
      form.append('map', JSON.stringify({ 0: ['variables.file'] }));
      form.append('0', new Blob([new Uint8Array(fixtures.pdf)]), 'killed.pdf');
      const answer = await fetch(`${child.url}/graphql`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' } });
      const { data } = (await answer.json()) as { data: { uploadFile: { id: string } } };
      child.process.kill('SIGKILL');
      await until(() => all.events.find((event) => event.file.id === data.uploadFile.id));
      expect(all.events.map((event) => [event.type, event.file.originalName])).toEqual([['CREATED', 'killed.pdf']]);
    } finally {
      child.process.kill('SIGKILL');
      await client.dispose();
    }
  });

  it('hears again after its listening connection is cut (as when PostgreSQL restarts), and delivers what committed meanwhile', async () => {
    const user = someUser();
    const { client } = await connectAs(server, user);
    const all = await follow(client);
    const db = server.app.orm.em.getConnection();
    // Cut every LISTEN connection of this database: the instances' listeners see their connection end.
    await db.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen %' and pid <> pg_backend_pid()");
    await upload(other, user, 'during.pdf');
    await until(() => all.events.find((event) => event.file.originalName === 'during.pdf'), 15_000);
    await upload(other, user, 'after.pdf');
    await until(() => all.events.find((event) => event.file.originalName === 'after.pdf'), 15_000);
    expect(all.events.map((event) => event.file.originalName)).toEqual(['during.pdf', 'after.pdf']);
    await client.dispose();
  });
});

describe('connections without a valid token', () => {
  const secret = () => new TextEncoder().encode(server.config.auth.jwtSecret!);

  it.each([
    ['no token', async () => undefined],
    ['a malformed header', async () => 'Token abc'],
    ['a bad token', async () => 'Bearer not.a.jwt'],
    ['a token signed with another key', async () => `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('1h').sign(new TextEncoder().encode('another-key-entirely-0123456789'))}`],
    ['an expired token', async () => `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime(Math.floor(Date.now() / 1000) - 120).sign(secret())}`],
  ])('closes a connection with %s (4403)', async (_case, header) => {
    const { closed } = connect(server, await header());
    expect(await closed).toBe(4403);
  });

  it('ends a connection when its token expires (4401)', async () => {
    const user = someUser();
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(user).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + 2).sign(secret());
    const { client, closed, connected } = connect(server, `Bearer ${token}`);
    await connected;
    await follow(client);
    const started = Date.now();
    expect(await closed).toBe(4401);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('validates a subscription as an HTTP request is validated (depth)', async () => {
    const { client } = await connectAs(server, someUser());
    const deep = `subscription { fileEvents { file { ${'copiedFrom { '.repeat(12)}id${' }'.repeat(12)} } } }`;
    const errors: Received['errors'] = [];
    client.subscribe({ query: deep }, { next: () => undefined, error: (error) => errors.push(...(error as Received['errors'])), complete: () => undefined });
    await until(() => errors.length > 0);
    expect(errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('nested') });
    await client.dispose();
  });

  it('answers a subscription sent over HTTP with a clear error', async () => {
    expect(await ask(server, someUser(), 'subscription { fileEvents { id } }')).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('WebSocket') });
  });
});

describe('webhooks', () => {
  it.each([['not a URL', 'nope'], ['another scheme', 'ftp://example.com/hook'], ['credentials in the URL', 'https://user:secret@example.com/hook']])('refuses WEBHOOK_URLS with %s at start-up', (_case, url) => {
    expect(() => parseConfig({ WEBHOOK_URLS: url })).toThrow(/^WEBHOOK_URLS: /);
  });

  it('POSTs every event, signed, at least once, without blocking the change; a 500 is retried', async () => {
    const user = someUser();
    receiver.failNext(1);
    const file = await upload(server, user, 'hooked.pdf');
    const delivery = await until(() => receiver.received.find((body) => body.file.id === file.id && body.type === 'CREATED'), 20_000);
    expect(delivery).toMatchObject({ type: 'CREATED', file: { id: file.id, originalName: 'hooked.pdf', ownerId: user, status: 'AVAILABLE' } });
    expect(typeof delivery.id).toBe('string');
    const raw = receiver.raw.find((r) => JSON.parse(r.body).id === delivery.id)!;
    expect(raw.signature).toBe(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw.body).digest('hex')}`);
    // The first attempt was answered 500: the queue tried again.
    expect(receiver.failures).toBeGreaterThanOrEqual(1);
    // Two instances dispatch from one outbox: each event is queued once.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(receiver.received.filter((body) => body.id === delivery.id)).toHaveLength(1);
    expect(await metric(server, 'webhook_deliveries_total{outcome="delivered"}') + (await metric(other, 'webhook_deliveries_total{outcome="delivered"}'))).toBeGreaterThanOrEqual(1);
  });

  it('retries a receiver that closes the connection without answering', async () => {
    const user = someUser();
    receiver.dropNext(1);
    const file = await upload(server, user, 'dropped.pdf');
    await until(() => receiver.received.find((body) => body.file.id === file.id), 20_000);
    expect(receiver.dropped).toBeGreaterThanOrEqual(1);
  });

  it('retries a receiver that hangs past WEBHOOK_TIMEOUT_SECONDS, and the upload did not wait for it', async () => {
    const user = someUser();
    receiver.hangNext(1);
    const started = Date.now();
    const file = await upload(server, user, 'hung.pdf');
    expect(Date.now() - started).toBeLessThan(1000);
    await until(() => receiver.received.find((body) => body.file.id === file.id), 20_000);
    expect(receiver.hung).toBeGreaterThanOrEqual(1);
  });
});

describe('shutdown', () => {
  it('closes subscriptions with 1001 after the HTTP drain, and /metrics counts open subscriptions', async () => {
    const instance = await startTestServer({}, { shareWith: server });
    const { client, closed } = await connectAs(instance, someUser());
    await follow(client);
    expect(await metric(instance, 'graphql_subscriptions_open')).toBe(1);
    await instance.stop();
    expect(await closed).toBe(1001);
  });
});

async function metric(instance: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`) && !name.includes('{'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

async function startChild(shared: TestServer): Promise<{ url: string; process: ChildProcess }> {
  const env = { PORT: '0', LOG_LEVEL: 'silent', S3_MAX_FILE_SIZE_MB: '1', JWT_SECRET: shared.config.auth.jwtSecret, DATA_DIR: shared.config.dataDir, ...shared.resources.env };
  const child = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'test/support/server-child.ts', JSON.stringify(env)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the server child exited (${code})`)));
  });
  return { url, process: child };
}

interface WebhookReceiver {
  url: string;
  received: any[];
  raw: { body: string; signature: string | undefined }[];
  failures: number;
  dropped: number;
  hung: number;
  failNext(n: number): void;
  dropNext(n: number): void;
  hangNext(n: number): void;
  close(): Promise<void>;
}

/** A real HTTP receiver: answers 500 or closes the connection when told to, 204 otherwise. */
async function startReceiver(): Promise<WebhookReceiver> {
  let fail = 0;
  let drop = 0;
  let hang = 0;
  const state = { received: [] as any[], raw: [] as WebhookReceiver['raw'], failures: 0, dropped: 0, hung: 0 };
  const httpServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (hang > 0) {
        hang--;
        state.hung++;
        return; // never answers
      }
      if (drop > 0) {
        drop--;
        state.dropped++;
        return req.socket.destroy();
      }
      if (fail > 0) {
        fail--;
        state.failures++;
        return void res.writeHead(500).end();
      }
      const body = Buffer.concat(chunks).toString();
      state.raw.push({ body, signature: req.headers['x-files-signature'] as string | undefined });
      state.received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/hooks`,
    failNext: (n: number) => void (fail = n),
    dropNext: (n: number) => void (drop = n),
    hangNext: (n: number) => void (hang = n),
    close: () => {
      httpServer.closeAllConnections();
      return new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  });
}
