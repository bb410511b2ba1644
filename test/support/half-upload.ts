import { randomBytes } from 'node:crypto';
import http from 'node:http';

export interface HalfUpload {
  /** Resolves once the first half of the body has been handed to the socket. */
  started: Promise<void>;
  /** The server's answer, as text (rejects when the connection breaks). */
  response: Promise<string>;
  /** Sends the rest of the body. */
  finish(): void;
}

/**
 * A real multipart upload (uploadFile) whose body is sent half now, half when
 * finish() is called: an upload that is in flight for as long as a test needs.
 */
export function halfUpload(port: number, token: string, bytes: Buffer): HalfUpload {
  const upload = openUpload(port, token, bytes.length);
  const half = Math.floor(bytes.length / 2);
  const started = new Promise<void>((resolve) => upload.request.write(Buffer.concat([upload.head, bytes.subarray(0, half)]), () => resolve()));
  return { started, response: upload.response, finish: () => upload.request.end(Buffer.concat([bytes.subarray(half), upload.tail])) };
}

/** A real multipart upload sent a slice at a time, `intervalMs` apart: a slow link that keeps making progress. */
export async function trickleUpload(port: number, token: string, bytes: Buffer, slices: number, intervalMs: number): Promise<string> {
  const upload = openUpload(port, token, bytes.length);
  upload.request.write(upload.head);
  const size = Math.ceil(bytes.length / slices);
  for (let offset = 0; offset < bytes.length; offset += size) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    upload.request.write(bytes.subarray(offset, offset + size));
  }
  upload.request.end(upload.tail);
  return upload.response;
}

function openUpload(port: number, token: string, fileLength: number) {
  const boundary = `----half${randomBytes(8).toString('hex')}`;
  const operations = JSON.stringify({ query: 'mutation($f: Upload!) { uploadFile(file: $f) { id size status } }', variables: { f: null } });
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.f"]}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="half.png"\r\nContent-Type: image/png\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const request = http.request({
    port,
    host: '127.0.0.1',
    path: '/graphql',
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'apollo-require-preflight': 'true',
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': head.length + fileLength + tail.length,
    },
  });
  const response = new Promise<string>((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(body));
    });
  });
  return { request, head, tail, response };
}
