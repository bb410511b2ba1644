import http from 'node:http';
import net from 'node:net';
import { pngOfSize } from './support/fixtures';
import { multipart, uploadParts } from './support/raw-http';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/**
 * A multipart upload refused before its file is read must still reach the client
 * as its coded answer: the server answers, then reads the rest of the body (within
 * a bound) before it closes, so that no reset destroys the answer in flight.
 */
let server: TestServer;
beforeAll(async () => {
  // 5 MiB: room for the 4 MiB uploads.
  server = await startTestServer({ S3_MAX_FILE_SIZE_MB: '5' });
});
afterAll(() => server.stop());

const UPLOAD = 'mutation ($file: Upload!, $input: UploadFileInput) { uploadFile(file: $file, input: $input) { id size } }';

function form(bytes: Buffer, input: Record<string, unknown> | null, name = 'big.png'): FormData {
  const body = new FormData();
  body.append('operations', JSON.stringify({ query: UPLOAD, variables: { file: null, input } }));
  body.append('map', JSON.stringify({ 0: ['variables.file'] }));
  body.append('0', new Blob([new Uint8Array(bytes)]), name);
  return body;
}

async function send(user: string, body: FormData): Promise<{ status: number; connection: string | null; json: any }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    body,
    headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${await server.token(user)}` },
  });
  return { status: response.status, connection: response.headers.get('connection'), json: await response.json() };
}

describe('refused uploads: the client reads its answer', () => {
  it('answers a 4 MiB upload with an unknown input field BAD_USER_INPUT, 10 times in a row, then takes a plain upload', async () => {
    const user = someUser();
    const bytes = pngOfSize(4 * 1024 * 1024);
    for (let i = 0; i < 10; i++) {
      const answer = await send(user, form(bytes, { nope: 1 }));
      expect(answer.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(answer.json.errors[0].message).toMatch(/nope/);
    }
    const fine = await send(user, form(bytes, { folder: 'after-refusals' }));
    expect(fine.json.errors).toBeUndefined();
    expect(fine.json.data.uploadFile.size).toBe(bytes.length);
  });

  it('answers an upload over S3_MAX_FILE_SIZE_MB with FILE_TOO_LARGE, then takes a plain upload', async () => {
    const user = someUser();
    const rows = await server.rowCount();
    for (let i = 0; i < 3; i++) {
      const answer = await send(user, form(pngOfSize(8 * 1024 * 1024), null));
      expect(answer.json.errors[0].extensions.code).toBe('FILE_TOO_LARGE');
    }
    expect(await server.rowCount()).toBe(rows);
    const fine = await send(user, form(pngOfSize(1024 * 1024), null));
    expect(fine.json.data.uploadFile.size).toBe(1024 * 1024);
  });

  it('answers a refusal before the file with Connection: close, and a kept-alive agent goes on on a new connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const token = await server.token(someUser());
    try {
      const bytes = pngOfSize(4 * 1024 * 1024);
      const refused = await post(agent, token, form(bytes, { nope: 1 }));
      expect(refused.headers.connection).toBe('close');
      expect(JSON.parse(refused.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
      const fine = await post(agent, token, form(bytes, null));
      expect(JSON.parse(fine.body).data.uploadFile.size).toBe(bytes.length);
      expect(fine.headers.connection).toBe('keep-alive');
      expect(fine.socket).not.toBe(refused.socket);
    } finally {
      agent.destroy();
    }
  });
});

describe('the lingering close after a refusal', () => {
  it('reads the rest of a refused body after the answer, then closes without a reset', async () => {
    const token = await server.token(someUser());
    const body = multipart(uploadParts({ name: 'a.png', bytes: pngOfSize(3 * 1024 * 1024) }, { variables: { file: null, input: { nope: 1 } } })).body;
    const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
    const errors: Error[] = [];
    socket.on('error', (error) => errors.push(error));
    const closed = new Promise<boolean>((resolve) => socket.once('close', resolve));
    let received = '';
    const answered = new Promise<void>((resolve) =>
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        const [head, rest] = received.split('\r\n\r\n');
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
        if (rest !== undefined && rest.length >= length) resolve();
      }),
    );
    const boundary = /^--(\S+)/.exec(body.toString('latin1'))![1];
    socket.write(
      `POST /graphql HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\napollo-require-preflight: true\r\n` +
        `content-type: multipart/form-data; boundary=${boundary}\r\ncontent-length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.subarray(0, 64 * 1024));
    await answered;
    expect(received).toMatch(/^HTTP\/1\.1 400/);
    expect(received).toMatch(/\r\nconnection: close\r\n/i);
    expect(received).toContain('"BAD_USER_INPUT"');
    // The answer is out; the rest of the body still goes in, every byte of it accepted.
    await new Promise<void>((resolve, reject) => socket.write(body.subarray(64 * 1024), (error) => (error ? reject(error) : resolve())));
    socket.end();
    expect(await closed).toBe(false); // no transmission error
    expect(errors).toEqual([]);
  });
});

/** The same multipart body through node:http with a keep-alive agent, which reports the socket it used. */
async function post(agent: http.Agent, token: string, body: FormData): Promise<{ headers: http.IncomingHttpHeaders; body: string; socket: unknown }> {
  const request = new Request('http://localhost/', { method: 'POST', body });
  const bytes = Buffer.from(await request.arrayBuffer());
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: '/graphql',
        method: 'POST',
        headers: {
          'content-type': request.headers.get('content-type')!,
          'content-length': bytes.length,
          'apollo-require-preflight': 'true',
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ headers: res.headers, body: text, socket: req.socket }));
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}
