import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startEmbeddedS3, type EmbeddedS3 } from '../src/embedded/embedded-s3';

/** The embedded S3 answers only what real S3 would: signed requests, within their terms. */
const BUCKET = 'signatures';
const PAGE = 'http://localhost:4000';
let directory: string;
let s3: EmbeddedS3;
let client: S3Client;

beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'embedded-s3-signatures-'));
  s3 = await startEmbeddedS3({ directory, port: 0, bucket: BUCKET, corsOrigins: [PAGE] });
  client = clientWith(s3.credentials);
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'private.txt', Body: 'secret' }));
});
afterAll(async () => {
  await s3.stop();
  await rm(directory, { recursive: true, force: true });
});

function clientWith(credentials: { accessKeyId: string; secretAccessKey: string }): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED', maxAttempts: 1 });
}

async function exists(key: string): Promise<boolean> {
  return client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
    () => true,
    (error) => (error.$metadata?.httpStatusCode === 404 ? false : Promise.reject(error)),
  );
}

/** The status and the S3 error code of an answer. */
async function answer(response: Response): Promise<string> {
  const code = /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1];
  return code ? `${response.status} ${code}` : String(response.status);
}

/** A presigned URL with one query parameter replaced. */
function edited(url: string, name: string, change: (value: string) => string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, change(parsed.searchParams.get(name)!));
  return parsed.toString();
}

describe('the embedded S3 refuses what is not signed', () => {
  it('answers an anonymous GET, list and PUT with 403 AccessDenied, and writes nothing', async () => {
    expect(await answer(await fetch(`${s3.endpoint}/${BUCKET}/private.txt`))).toBe('403 AccessDenied');
    expect(await answer(await fetch(`${s3.endpoint}/${BUCKET}`))).toBe('403 AccessDenied');
    expect(await answer(await fetch(`${s3.endpoint}/${BUCKET}?list-type=2`))).toBe('403 AccessDenied');
    expect(await answer(await fetch(`${s3.endpoint}/`))).toBe('403 AccessDenied');
    expect(await answer(await fetch(`${s3.endpoint}/${BUCKET}/planted.txt`, { method: 'PUT', body: 'planted' }))).toBe('403 AccessDenied');
    expect(await exists('planted.txt')).toBe(false);
  });

  it('answers a request signed with a wrong secret with SignatureDoesNotMatch, and an unknown key with InvalidAccessKeyId', async () => {
    const forger = clientWith({ accessKeyId: s3.credentials.accessKeyId, secretAccessKey: 'guessed' });
    await expect(forger.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'private.txt' }))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(forger.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'forged.txt', Body: 'forged' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    expect(await exists('forged.txt')).toBe(false);
    const stranger = clientWith({ accessKeyId: 'AKIASTRANGER', secretAccessKey: s3.credentials.secretAccessKey });
    await expect(stranger.send(new ListObjectsV2Command({ Bucket: BUCKET }))).rejects.toMatchObject({ name: 'InvalidAccessKeyId', $metadata: { httpStatusCode: 403 } });
  });

  it('serves a presigned GET, and refuses it with one character of the signature changed or X-Amz-Expires edited', async () => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: 'private.txt' }), { expiresIn: 60 });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('secret');
    const flipped = edited(url, 'X-Amz-Signature', (signature) => (signature[0] === '0' ? '1' : '0') + signature.slice(1));
    expect(await answer(await fetch(flipped))).toBe('403 SignatureDoesNotMatch');
    expect(await answer(await fetch(edited(url, 'X-Amz-Expires', () => '3600')))).toBe('403 SignatureDoesNotMatch');
  });

  it('refuses an expired presigned URL, also with X-Amz-Expires edited to revive it', async () => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: 'private.txt' }), { expiresIn: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const response = await fetch(url);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('Request has expired');
    expect(await answer(await fetch(edited(url, 'X-Amz-Expires', () => '600')))).toBe('403 SignatureDoesNotMatch');
  });

  it('holds a presigned PUT to its signed Content-Type and Content-Length', async () => {
    const command = new PutObjectCommand({ Bucket: BUCKET, Key: 'picture.png', ContentType: 'image/png', ContentLength: 5 });
    // As the server signs its direct uploads (src/storage/s3-storage.ts).
    const url = await getSignedUrl(client, command, { expiresIn: 60, signableHeaders: new Set(['content-type', 'content-length']) });
    expect(await answer(await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'text/html' }, body: '<svg>' }))).toBe('403 SignatureDoesNotMatch');
    expect(await answer(await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: 'longer' }))).toBe('403 SignatureDoesNotMatch');
    expect(await exists('picture.png')).toBe(false);
    expect((await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: 'bytes' })).status).toBe(200);
    expect(await exists('picture.png')).toBe(true);
  });

  it('refuses a write with If-None-Match: * over an existing object (412), signed by header or presigned', async () => {
    const created = new PutObjectCommand({ Bucket: BUCKET, Key: 'once.txt', Body: 'first', IfNoneMatch: '*' });
    await client.send(created);
    await expect(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'once.txt', Body: 'second', IfNoneMatch: '*' }))).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    const command = new PutObjectCommand({ Bucket: BUCKET, Key: 'once.txt', IfNoneMatch: '*' });
    const url = await getSignedUrl(client, command, { expiresIn: 60, signableHeaders: new Set(['if-none-match']) });
    expect(await answer(await fetch(url, { method: 'PUT', headers: { 'If-None-Match': '*' }, body: 'third' }))).toBe('412 PreconditionFailed');
    // The header is signed: leaving it out does not make the URL an overwrite.
    expect(await answer(await fetch(url, { method: 'PUT', body: 'third' }))).toBe('403 SignatureDoesNotMatch');
    expect(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'once.txt' }))).Body!.transformToString()).toBe('first');
  });

  it('lets the right credentials put, get, list, and upload in parts (create, part with checksum, list, complete, abort)', async () => {
    const key = 'folder/été (1)+plus.bin';
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'bytes', ContentType: 'application/octet-stream' }));
    expect(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString()).toBe('bytes');
    expect(await (await fetch(await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 60 }))).text()).toBe('bytes');
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'folder/' }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual([key]);

    const part = Buffer.alloc(1024, 7);
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'parts.bin' }));
    const ChecksumSHA256 = createHash('sha256').update(part).digest('base64');
    const { ETag } = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'parts.bin', UploadId, PartNumber: 1, Body: part, ChecksumSHA256 }));
    const parts = await client.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'parts.bin', UploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([[1, part.length]]);
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads?.map((upload) => upload.UploadId)).toContain(UploadId);
    await client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'parts.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] }, IfNoneMatch: '*' }));
    expect(Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'parts.bin' }))).Body!.transformToByteArray())).toEqual(part);

    // A second upload of the same key: completing it as a create is refused, then it is aborted.
    const again = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'parts.bin' }));
    const second = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'parts.bin', UploadId: again.UploadId, PartNumber: 1, Body: part }));
    const complete = new CompleteMultipartUploadCommand({
      Bucket: BUCKET,
      Key: 'parts.bin',
      UploadId: again.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: second.ETag }] },
      IfNoneMatch: '*',
    });
    await expect(client.send(complete)).rejects.toMatchObject({ name: 'PreconditionFailed' });
    await client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'parts.bin', UploadId: again.UploadId }));
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? []).toEqual([]);
  });

  it('accepts each payload hash the SDK signs: a SHA-256, UNSIGNED-PAYLOAD, STREAMING-* (aws-chunked), in any region', async () => {
    for (const requestChecksumCalculation of ['WHEN_REQUIRED', 'WHEN_SUPPORTED'] as const) {
      const other = new S3Client({ region: 'eu-west-3', endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials, requestChecksumCalculation, maxAttempts: 1 });
      await other.send(new PutObjectCommand({ Bucket: BUCKET, Key: `hashed-${requestChecksumCalculation}`, Body: 'bytes' }));
      const streamed = new PutObjectCommand({ Bucket: BUCKET, Key: `streamed-${requestChecksumCalculation}`, Body: Readable.from([Buffer.from('bytes')]), ContentLength: 5 });
      await expect(other.send(streamed)).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    }
  });

  it('answers CORS preflights without a signature: the allowed origin is named, another gets none', async () => {
    const preflight = (origin: string) =>
      fetch(`${s3.endpoint}/${BUCKET}/upload.png?X-Amz-Signature=x`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type,if-none-match' },
      });
    const allowed = await preflight(PAGE);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('PUT');
    const other = await preflight('http://evil.example');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
