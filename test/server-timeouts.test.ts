import net from 'node:net';
import { parseConfig } from '../src/config';
import { pngOfSize } from './support/fixtures';
import { trickleUpload } from './support/half-upload';
import { TcpProxy } from './support/tcp-proxy';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/** Connections that hold the server without using it, with bounds of a second or two instead of 15-30 s. */
let server: TestServer;
let port: number;
beforeAll(async () => {
  server = await startTestServer({ HTTP_HEADERS_TIMEOUT_SECONDS: '2', HTTP_IDLE_TIMEOUT_SECONDS: '1', HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '1' });
  port = Number(new URL(server.url).port);
});
afterAll(() => server.stop());

interface Watched {
  socket: net.Socket;
  /** Milliseconds from connecting to the server's closing the connection, and what it sent. */
  closed: Promise<{ afterMs: number; received: string }>;
}

function watch(): Watched {
  const socket = net.connect(port, '127.0.0.1');
  const started = Date.now();
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined); // a reset is a close too, for these tests
  const closed = new Promise<{ afterMs: number; received: string }>((resolve) => socket.once('close', () => resolve({ afterMs: Date.now() - started, received })));
  return { socket, closed };
}

describe('idle and slow connections', () => {
  it('closes a connection that sends nothing after the idle bound', async () => {
    const { closed } = watch();
    const { afterMs, received } = await closed;
    expect(afterMs).toBeGreaterThanOrEqual(900);
    expect(afterMs).toBeLessThan(4000);
    expect(received).toBe('');
  });

  it('cuts a client sending its headers a byte every 200 ms at the headers bound', async () => {
    const { socket, closed } = watch();
    const head = `GET /healthz HTTP/1.1\r\nhost: x\r\nx-padding: ${'a'.repeat(200)}\r\n\r\n`;
    let sent = 0;
    const drip = setInterval(() => {
      if (!socket.destroyed && sent < head.length) socket.write(head[sent++]);
    }, 200);
    const { afterMs, received } = await closed;
    clearInterval(drip);
    // Each byte restarts the idle clock: only the headers bound (2 s, checked every second) can end it.
    expect(afterMs).toBeGreaterThanOrEqual(1900);
    expect(afterMs).toBeLessThan(5000);
    expect(sent).toBeLessThan(head.length);
    expect(received === '' || received.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('closes a kept-alive connection left unused after the keep-alive bound', async () => {
    const { socket, closed } = watch();
    socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n');
    const { afterMs, received } = await closed;
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(afterMs).toBeGreaterThanOrEqual(900);
    expect(afterMs).toBeLessThan(4000);
  });

  it('lets a slow upload whose body keeps flowing run past both bounds, and stores it', async () => {
    const bytes = pngOfSize(256 * 1024);
    const started = Date.now();
    // 16 slices 300 ms apart: about 5 s in all, each pause well under the 1 s idle bound.
    const answer = JSON.parse(await trickleUpload(port, await server.token(someUser()), bytes, 16, 300));
    expect(Date.now() - started).toBeGreaterThan(4000);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.uploadFile).toMatchObject({ size: bytes.length, status: 'AVAILABLE' });
  });

  it('reads the bounds from HTTP_HEADERS_TIMEOUT_SECONDS, HTTP_IDLE_TIMEOUT_SECONDS and HTTP_KEEP_ALIVE_TIMEOUT_SECONDS', () => {
    expect(parseConfig({}).http).toEqual({ headersTimeoutSeconds: 15, idleTimeoutSeconds: 30, keepAliveTimeoutSeconds: 5 });
    expect(() => parseConfig({ HTTP_IDLE_TIMEOUT_SECONDS: '0' })).toThrow(/HTTP_IDLE_TIMEOUT_SECONDS/);
  });
});

describe('silence that is the server\'s, not the client\'s', () => {
  let proxy: TcpProxy;
  let slow: TestServer;
  beforeAll(async () => {
    // Storage behind a proxy that can hang: the server then waits S3_TIMEOUT_SECONDS, well past the idle bound.
    proxy = await TcpProxy.start(Number(new URL(process.env.TEST_S3_ENDPOINT_URL!).port));
    slow = await startTestServer({ S3_ENDPOINT_URL: `http://127.0.0.1:${proxy.port}`, S3_TIMEOUT_SECONDS: '3', HTTP_IDLE_TIMEOUT_SECONDS: '1', S3_MAX_FILE_SIZE_MB: '64' });
  });
  afterAll(async () => {
    proxy.mode = 'pass';
    await slow.stop();
    await proxy.close();
  });
  afterEach(() => {
    proxy.mode = 'pass';
  });

  it('does not cut a request whose body has arrived while the server waits on storage', async () => {
    proxy.mode = 'stall';
    const answer = await slow.upload(someUser(), { name: 'waits.png', bytes: pngOfSize(64 * 1024) });
    expect(answer.errors?.[0].extensions?.code).toBe('STORAGE_UNAVAILABLE');
  });

  it('does not cut an upload the server has stopped reading because storage is slow to take it', async () => {
    proxy.mode = 'stall';
    // Over one 8 MiB part: the server stops reading the client while storage does not answer.
    const answer = await slow.upload(someUser(), { name: 'held.png', bytes: pngOfSize(32 * 1024 * 1024) });
    expect(answer.errors?.[0].extensions?.code).toBe('STORAGE_UNAVAILABLE');
  });
});
