import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

// Both sides of every comparison read the file with the same chunk size.
const READ_CHUNK = 256 * 1024;

const UPLOAD_MUTATION = 'mutation ($file: Upload!, $input: UploadFileInput) { uploadFile(file: $file, input: $input) { id size status } }';

export interface Timed<T> {
  seconds: number;
  value: T;
}

/**
 * A real graphql-multipart-request-spec request (operations, map, then the file),
 * streamed from disk with a Content-Length, as a browser's FormData upload is.
 */
export async function uploadThroughServer(serverUrl: string, token: string, file: string, input: Record<string, unknown> = {}): Promise<Timed<{ id: string; size: number }>> {
  const boundary = `----bench${randomBytes(12).toString('hex')}`;
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(
    field('operations', JSON.stringify({ query: UPLOAD_MUTATION, variables: { file: null, input } })) +
      field('map', JSON.stringify({ 0: ['variables.file'] })) +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="${path.basename(file)}"\r\nContent-Type: image/png\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const size = statSync(file).size;
  const started = process.hrtime.bigint();
  const response = await send(`${serverUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + size + tail.length),
      'apollo-require-preflight': 'true',
      authorization: `Bearer ${token}`,
    },
    body: async function* () {
      yield head;
      yield* createReadStream(file, { highWaterMark: READ_CHUNK });
      yield tail;
    },
  });
  const seconds = secondsSince(started);
  const answer = JSON.parse(response.text) as { data?: { uploadFile: { id: string; size: number } }; errors?: { message: string }[] };
  if (!answer.data?.uploadFile) throw new Error(`uploadFile failed (${response.status}): ${answer.errors?.[0]?.message ?? response.text.slice(0, 300)}`);
  if (answer.data.uploadFile.size !== size) throw new Error(`uploadFile stored ${answer.data.uploadFile.size} bytes, not ${size}`);
  return { seconds, value: answer.data.uploadFile };
}

/** The client's PUT of a direct upload: the same bytes, straight to the presigned URL. */
export async function putPresigned(url: string, headers: Record<string, string>, file: string): Promise<Timed<void>> {
  const size = statSync(file).size;
  const started = process.hrtime.bigint();
  const response = await send(url, {
    method: 'PUT',
    headers: { ...headers, 'content-length': String(size) },
    body: async function* () {
      yield* createReadStream(file, { highWaterMark: READ_CHUNK });
    },
  });
  const seconds = secondsSince(started);
  if (response.status !== 200) throw new Error(`presigned PUT answered ${response.status}: ${response.text.slice(0, 300)}`);
  return { seconds, value: undefined };
}

/** Reads a whole response body, counting and discarding it. */
export async function downloadAll(url: string, headers: Record<string, string> = {}): Promise<Timed<number>> {
  const started = process.hrtime.bigint();
  const response = await open(url, { method: 'GET', headers });
  let bytes = 0;
  for await (const chunk of response) bytes += (chunk as Buffer).length;
  const seconds = secondsSince(started);
  if (response.statusCode !== 200) throw new Error(`GET ${new URL(url).pathname} answered ${response.statusCode}`);
  return { seconds, value: bytes };
}

interface SendOptions {
  method: string;
  headers: Record<string, string>;
  body?: () => AsyncGenerator<Buffer | string>;
}

async function send(url: string, options: SendOptions): Promise<{ status: number; text: string }> {
  const response = await open(url, options);
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return { status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') };
}

/** One fresh connection per transfer: no keep-alive state carries over between the runs being compared. */
function open(url: string, options: SendOptions): Promise<IncomingMessage> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, { method: options.method, headers: options.headers, agent: false }, resolve);
    request.on('error', reject);
    if (!options.body) return void request.end();
    // A server that answers early (an error) stops reading: the answer matters, not the pipe's failure.
    pipeline(options.body, request).catch((error: Error) => request.destroy(error));
  });
}

function secondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}
