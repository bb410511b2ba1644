import net from 'node:net';

/** One statement as the server sent it: its SQL and, for the extended protocol, its parameters. */
export interface CapturedStatement {
  sql: string;
  params: (string | null)[];
}

export interface StatementCounter {
  /** postgres://… of the proxy: the same database, reached through the counter. */
  url: string;
  /** Statements seen so far: a Query message (simple protocol) or a Parse message (extended). */
  readonly statements: number;
  /** Records the statements (with their parameters) until stopCapture(). */
  startCapture(): void;
  stopCapture(): CapturedStatement[];
  close(): Promise<void>;
}

// Untyped start-up requests; after a StartupMessage every message has a type byte.
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/**
 * A TCP proxy between the server and PostgreSQL that reads the frontend side of
 * the wire protocol and counts the statements sent: what the driver really sends,
 * whatever the ORM's logging says. Bytes are forwarded untouched as they arrive.
 * (Only plain connections: an SSL session would be opaque to it.)
 */
export async function startStatementCounter(databaseUrl: string): Promise<StatementCounter> {
  const target = new URL(databaseUrl);
  let statements = 0;
  let captured: CapturedStatement[] | null = null;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    let pending: Buffer = Buffer.alloc(0);
    let started = false;
    let lastParsed: string | null = null;

    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let offset = 0;
      for (;;) {
        if (!started) {
          if (pending.length - offset < 8) break;
          const length = pending.readInt32BE(offset);
          if (pending.length - offset < length) break;
          const code = pending.readInt32BE(offset + 4);
          if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) started = true;
          offset += length;
          continue;
        }
        if (pending.length - offset < 5) break;
        const type = String.fromCharCode(pending[offset]);
        const length = pending.readInt32BE(offset + 1);
        if (pending.length - offset < length + 1) break;
        const body = pending.subarray(offset + 5, offset + 1 + length);
        if (type === 'Q') {
          statements++;
          captured?.push({ sql: cString(body, 0).text, params: [] });
        } else if (type === 'P') {
          statements++;
          const name = cString(body, 0);
          lastParsed = cString(body, name.end).text;
        } else if (type === 'B' && captured && lastParsed !== null) {
          captured.push({ sql: lastParsed, params: bindParameters(body) });
          lastParsed = null;
        }
        offset += length + 1;
      }
      pending = pending.subarray(offset);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end); // the other side learns of it by its socket closing
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);

  return {
    url: url.toString(),
    get statements() {
      return statements;
    },
    startCapture() {
      captured = [];
    },
    stopCapture() {
      const result = captured ?? [];
      captured = null;
      return result;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function cString(buffer: Buffer, start: number): { text: string; end: number } {
  const zero = buffer.indexOf(0, start);
  return { text: buffer.toString('utf8', start, zero), end: zero + 1 };
}

/** A Bind message's parameter values, as text (node-postgres sends text unless given a Buffer). */
function bindParameters(body: Buffer): (string | null)[] {
  let offset = cString(body, cString(body, 0).end).end; // portal, statement
  const formatCount = body.readInt16BE(offset);
  offset += 2;
  const formats: number[] = [];
  for (let i = 0; i < formatCount; i++, offset += 2) formats.push(body.readInt16BE(offset));
  const count = body.readInt16BE(offset);
  offset += 2;
  const values: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    const length = body.readInt32BE(offset);
    offset += 4;
    if (length < 0) {
      values.push(null);
      continue;
    }
    const format = formats.length === 1 ? formats[0] : (formats[i] ?? 0);
    const bytes = body.subarray(offset, offset + length);
    values.push(format === 0 ? bytes.toString('utf8') : `\\x${bytes.toString('hex')}`);
    offset += length;
  }
  return values;
}
