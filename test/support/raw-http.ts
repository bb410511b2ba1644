import { randomBytes } from 'node:crypto';
import net from 'node:net';

/**
 * HTTP below fetch: multipart bodies built by hand, and requests sent over a bare
 * socket, so that a test can lie about Content-Length, stop half-way, or cut the
 * connection, which no well-behaved client library lets it do.
 */

export interface Part {
  name: string;
  /** A file part when set (even to ""); a plain field when undefined. */
  filename?: string;
  contentType?: string;
  body: Buffer | string;
}

export interface Multipart {
  boundary: string;
  contentType: string;
  body: Buffer;
}

/** A multipart/form-data body, byte for byte as given: no escaping of names. */
export function multipart(parts: Part[], options: { close?: boolean } = {}): Multipart {
  const boundary = `----hostile${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let disposition = `Content-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) disposition += `; filename="${part.filename}"`;
    const type = part.contentType ?? (part.filename !== undefined ? 'application/octet-stream' : undefined);
    chunks.push(Buffer.from(`--${boundary}\r\n${disposition}\r\n${type ? `Content-Type: ${type}\r\n` : ''}\r\n`));
    chunks.push(Buffer.isBuffer(part.body) ? part.body : Buffer.from(part.body));
    chunks.push(Buffer.from('\r\n'));
  }
  if (options.close !== false) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { boundary, contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

/** The three parts of a one-file GraphQL upload (graphql-multipart-request-spec). */
export function uploadParts(
  file: { name: string; bytes: Buffer },
  options: { query?: string; variables?: Record<string, unknown>; map?: Record<string, string[]> } = {},
): Part[] {
  const query = options.query ?? 'mutation ($file: Upload!, $input: UploadFileInput) { uploadFile(file: $file, input: $input) { id originalName s3Key contentType } }';
  return [
    { name: 'operations', body: JSON.stringify({ query, variables: options.variables ?? { file: null } }) },
    { name: 'map', body: JSON.stringify(options.map ?? { 0: ['variables.file'] }) },
    { name: '0', filename: file.name, contentType: 'application/octet-stream', body: file.bytes },
  ];
}

export interface RawAnswer {
  /** Undefined when the server closed the connection without an answer. */
  status?: number;
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json?: any;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What the request claims; defaults to the true length. */
  contentLength?: number;
  /** Send only this many bytes of the body. */
  sendBytes?: number;
  /**
   * After writing: 'wait' keeps the connection open until the server answers;
   * 'end' half-closes it (the client is done sending); 'destroy' cuts it (a reset).
   */
  then?: 'wait' | 'end' | 'destroy';
  timeoutMs?: number;
}

/** One request over a fresh socket. Resolves with whatever came back when the server answers or closes. */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  const body = request.body ?? Buffer.alloc(0);
  const sent = body.subarray(0, request.sendBytes ?? body.length);
  const headers: Record<string, string> = {
    host: url.host,
    connection: 'close',
    'content-length': String(request.contentLength ?? body.length),
    ...request.headers,
  };
  const head = `${request.method ?? 'POST'} ${request.path} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;

  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseAnswer(Buffer.concat(received)));
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new Error(`No answer within ${request.timeoutMs ?? 10_000} ms`));
    }, request.timeoutMs ?? 10_000);
    socket.on('data', (chunk) => {
      received.push(chunk);
      if (isComplete(Buffer.concat(received))) finish();
    });
    socket.on('error', finish); // a reset after our own destroy, or the server cutting us off
    socket.on('close', finish);
    socket.on('connect', () => {
      socket.write(head);
      // Large bodies are written in slices so that an early answer can still arrive and be read.
      writeInSlices(socket, sent).then(() => {
        if (request.then === 'end') socket.end();
        else if (request.then === 'destroy') setTimeout(() => socket.destroy(), 50);
      }, () => undefined);
    });
  });
}

async function writeInSlices(socket: net.Socket, bytes: Buffer): Promise<void> {
  const slice = 64 * 1024;
  for (let offset = 0; offset < bytes.length; offset += slice) {
    if (socket.destroyed) return;
    const more = socket.write(bytes.subarray(offset, offset + slice));
    if (!more) {
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    }
  }
}

function splitHead(bytes: Buffer): { head: string; rest: Buffer } | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  return { head: bytes.subarray(0, end).toString('latin1'), rest: bytes.subarray(end + 4) };
}

function headersOf(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function isComplete(bytes: Buffer): boolean {
  const split = splitHead(bytes);
  if (!split) return false;
  const headers = headersOf(split.head);
  if (headers['content-length'] !== undefined) return split.rest.length >= Number(headers['content-length']);
  if (headers['transfer-encoding']?.includes('chunked')) return split.rest.includes('\r\n0\r\n\r\n') || split.rest.subarray(0, 5).toString() === '0\r\n\r\n';
  return false;
}

function parseAnswer(bytes: Buffer): RawAnswer {
  const split = splitHead(bytes);
  if (!split) return { headers: {}, body: '' };
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(split.head)?.[1]);
  const headers = headersOf(split.head);
  let body = split.rest;
  if (headers['transfer-encoding']?.includes('chunked')) body = unchunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  const text = body.toString('utf8');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined; // not JSON: the caller looks at status and text
  }
  return { status: Number.isNaN(status) ? undefined : status, headers, body: text, json };
}

function unchunk(bytes: Buffer): Buffer {
  const out: Buffer[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const lineEnd = bytes.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = parseInt(bytes.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!size) break;
    out.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}
