import { randomUUID } from 'node:crypto';
import { Agent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketEncryptionCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  type ServerSideEncryption,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Config } from '../config';
import { AppError, Errors, isAppError, ObjectReplacedError } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { GetUrlSigner } from './get-url-signer';
import { instrumentS3 } from './s3-metrics';
import { MAX_SINGLE_PUT_BYTES, putStream, writeStream, type Timed } from './stream-writer';
import type { BucketProtections, ObjectInfo, ObjectStream, PresignedPut, PutOptions, StorageBackend, StoredPart, WriteResult } from './storage-backend';

/** Streamed bodies larger than one part go as a multipart upload (stream-writer.ts). */
export const PART_SIZE = 8 * 1024 * 1024;
// Parts in flight are held in memory (plus one filling): 2 keeps a streamed upload's memory
// flat (bench: peak RSS during 1 GB 1.14-1.16 x that during 10 MB; 4 made it 1.34-1.46,
// for 15-30 % more speed on Ceph RGW and none on s3rver).
export const PARTS_IN_FLIGHT = 2;
/**
 * A request that moves an object's bytes inside storage (a copy, a multipart
 * completion) may take longer than the timeout: it gets one more second per this
 * many bytes (AWS copies at hundreds of MB/s; the floor is far below).
 */
const STORAGE_BYTES_PER_SECOND_FLOOR = 10 * 1024 * 1024;

export function createS3Client(s3: Config['s3']): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: 64 };
  return new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: s3.forcePathStyle,
    // A copy: the SDK marks the object it is given, and config is frozen.
    credentials: s3.credentials ? { ...s3.credentials } : undefined,
    // With the SDK's default, streamed bodies go aws-chunked with trailing checksums,
    // which S3-compatible servers store inside the object (s3rver) or refuse (Ceph),
    // and presigned PUTs carry the CRC32 of an empty body, which AWS then enforces.
    // The server hashes every streamed byte itself (SHA-256), and part URLs bind the
    // client's SHA-256 explicitly, so nothing is lost by asking only when required.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 5_000,
      // Idle time on the socket, not the whole request: a large upload may take long, a stalled one may not.
      requestTimeout: s3.timeoutSeconds * 1000,
      // Without this the handler only logs a warning and the request hangs on.
      throwOnRequestTimeout: true,
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new Agent(agentOptions),
    }),
  });
}

/**
 * The bucket of the configuration, its requests timed in `metrics`. Presigned URLs
 * name S3_PUBLIC_ENDPOINT_URL when it is set (a second client, for signing only).
 */
export function openS3Storage(config: Config, log: Logger, metrics?: Metrics): { storage: S3Storage; close(): void } {
  const client = createS3Client(config.s3);
  if (metrics) instrumentS3(client, metrics.s3Duration);
  const signer = config.s3.publicEndpoint ? createS3Client({ ...config.s3, endpoint: config.s3.publicEndpoint }) : client;
  const storage = new S3Storage({ client, signer, bucket: config.s3.bucket, encryption: config.encryption, timeoutSeconds: config.s3.timeoutSeconds, log, metrics });
  return {
    storage,
    close() {
      client.destroy();
      signer.destroy();
    },
  };
}

export interface S3StorageOptions {
  client: S3Client;
  /** Signs presigned URLs (never sends a request): the client itself, unless browsers reach storage by another address. */
  signer: S3Client;
  bucket: string;
  encryption: Config['encryption'];
  timeoutSeconds: number;
  log?: Logger;
  metrics?: Metrics;
}

export class S3Storage implements StorageBackend {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly signer: S3Client;
  private readonly encryption: Config['encryption'];
  private readonly timeoutMs: number;
  private readonly log?: Logger;
  private readonly metrics?: Metrics;
  private readonly getUrls: GetUrlSigner;

  constructor(options: S3StorageOptions) {
    ({ client: this.client, signer: this.signer, bucket: this.bucket, encryption: this.encryption, log: this.log, metrics: this.metrics } = options);
    this.timeoutMs = options.timeoutSeconds * 1000;
    this.getUrls = new GetUrlSigner(this.signer, this.bucket);
  }

  get requestedEncryption(): string | undefined {
    return this.encryption.enabled ? this.encryption.algorithm : undefined;
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<WriteResult> {
    // Both writers make the write a create (If-None-Match: *): an object that appeared
    // meanwhile is a 412 (CONFLICT), never overwritten.
    const target = { Bucket: this.bucket, Key: key, ContentType: options.contentType, Metadata: options.metadata, ...this.sse() };
    const streamed = options.size !== undefined && options.size <= MAX_SINGLE_PUT_BYTES;
    try {
      const written = streamed
        ? await putStream(this.client, target, body, options.size!, this.timeoutMs)
        : await writeStream(this.client, target, body, { partSize: PART_SIZE, partsInFlight: PARTS_IN_FLIGHT }, this.timed);
      // Ceph RGW answers CompleteMultipartUpload with an empty ETag (its HEAD has the real one): recorded
      // as "", every later read's If-Match failed and the file was never served (BENCHMARKS.md).
      const etag = written.ETag || (await this.head(key)).etag;
      return { etag, serverSideEncryption: this.confirmedEncryption(written.ServerSideEncryption) };
    } catch (error) {
      // A PUT cut short makes no object on S3, but some compatible servers keep what arrived
      // (s3rver does): unless the key was someone else's already (412), what is there is this write's.
      if (streamed && statusOf(error) !== 412) await this.delete(key).catch(() => undefined);
      // The body's own error (too large, wrong type) is the reason; storage merely saw it.
      throw body.errored && isAppError(body.errored) ? body.errored : translate(error);
    }
  }

  // An ETag recorded as "" (RGW's multipart completions, before put() asked HEAD for it) checks nothing.
  async head(key: string, options: { ifMatch?: string | null } = {}): Promise<ObjectInfo> {
    const answer = await this.timed((abortSignal) => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, IfMatch: options.ifMatch || undefined }), { abortSignal })).catch(
      (error: unknown) => {
        throw this.replacedOr(error, key, 'HeadObject');
      },
    );
    return {
      size: answer.ContentLength ?? 0,
      contentType: answer.ContentType,
      etag: answer.ETag,
      lastModified: answer.LastModified ?? new Date(0),
      serverSideEncryption: answer.ServerSideEncryption,
      metadata: answer.Metadata ?? {},
    };
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.head(key);
      return true;
    } catch (error) {
      if (isAppError(error) && error.code === 'NOT_FOUND') return false;
      throw error;
    }
  }

  async get(key: string, options: { range?: string; ifNoneMatch?: string; ifMatch?: string | null } = {}): Promise<ObjectStream | null> {
    try {
      // The deadline ends once the answer starts: the body streams for as long as its reader reads.
      const answer = await this.timed((abortSignal) =>
        this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: options.range, IfNoneMatch: options.ifNoneMatch, IfMatch: options.ifMatch || undefined }), { abortSignal }),
      );
      const object = { body: answer.Body as Readable, contentLength: answer.ContentLength ?? 0, contentRange: answer.ContentRange, etag: answer.ETag };
      return options.range ? noMoreThanAsked(object, options.range) : object;
    } catch (error) {
      if (statusOf(error) === 304) return null;
      throw this.replacedOr(error, key, 'GetObject');
    }
  }

  async readStart(key: string, bytes: number): Promise<Buffer> {
    const object = await this.get(key, { range: `bytes=0-${bytes - 1}` });
    if (!object) throw Errors.fileNotFound();
    const chunks: Buffer[] = [];
    for await (const chunk of object.body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async copy(sourceKey: string, targetKey: string, options: PutOptions, { size, sourceEtag }: { size: number; sourceEtag?: string | null }): Promise<WriteResult> {
    // Ceph RGW 16 ignores x-amz-copy-source-if-match (it copies another object without a word);
    // HEAD honours If-Match everywhere, so the source is checked first as well.
    if (sourceEtag) await this.head(sourceKey, { ifMatch: sourceEtag });
    try {
      const answer = await this.timed((abortSignal) => this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: targetKey,
          CopySource: `${this.bucket}/${sourceKey.split('/').map(encodeURIComponent).join('/')}`,
          ContentType: options.contentType,
          Metadata: options.metadata,
          MetadataDirective: 'REPLACE',
          CopySourceIfMatch: sourceEtag || undefined,
          ...this.sse(),
        }),
        { abortSignal },
      ), size);
      return { etag: answer.CopyObjectResult?.ETag, serverSideEncryption: this.confirmedEncryption(answer.ServerSideEncryption) };
    } catch (error) {
      // Ceph RGW 16 cannot copy an encrypted object in place (501): copy it through this server instead.
      if (statusOf(error) !== 501) throw this.replacedOr(error, sourceKey, 'CopyObject');
      this.log?.warn({ event: 'copy_fallback', reason: 'CopyObject not implemented for this object; streaming it' });
      const source = await this.get(sourceKey, { ifMatch: sourceEtag });
      if (!source) throw Errors.fileNotFound();
      return this.put(targetKey, source.body, options);
    }
  }

  /**
   * A read that named the object it wanted (If-Match) and found another: said
   * once here, for every read (download, copy, metadata, processing, renditions).
   */
  private replacedOr(error: unknown, key: string, operation: string): AppError {
    if (statusOf(error) !== 412) return translate(error);
    this.log?.error({ event: 'integrity_mismatch', key, operation }, 'An object was changed in storage outside this server: it is not served');
    this.metrics?.integrityMismatches.inc({ operation });
    return new ObjectReplacedError();
  }

  async delete(key: string): Promise<void> {
    await this.request((abortSignal) => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal }));
  }

  async deletePrefix(prefix: string): Promise<number> {
    // Listed first, then deleted: a page of keys is never changed while it is read.
    const keys: string[] = [];
    for await (const object of this.listObjects(prefix)) keys.push(object.key);
    for (const key of keys) await this.delete(key);
    return keys.length;
  }

  async presignGet(key: string, options: { expiresIn: number; contentDisposition?: string; contentType?: string }): Promise<string> {
    return this.getUrls.sign(key, {
      expiresIn: options.expiresIn,
      query: { 'response-content-disposition': options.contentDisposition, 'response-content-type': options.contentType },
    });
  }

  async presignPut(key: string, options: { expiresIn: number; contentType: string; contentLength: number }): Promise<PresignedPut> {
    const sse = this.sse();
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ContentType: options.contentType,
      ContentLength: options.contentLength,
      IfNoneMatch: '*',
      ...sse,
    });
    // The client must send these, exactly: they are signed. If-None-Match makes its PUT a create.
    const headers: Record<string, string> = { 'Content-Type': options.contentType, 'If-None-Match': '*' };
    if (sse.ServerSideEncryption) headers['x-amz-server-side-encryption'] = sse.ServerSideEncryption;
    if (sse.SSEKMSKeyId) headers['x-amz-server-side-encryption-aws-kms-key-id'] = sse.SSEKMSKeyId;
    const url = await getSignedUrl(this.signer, command, {
      expiresIn: options.expiresIn,
      // Signing content-length makes storage refuse a body of any other size.
      signableHeaders: new Set(['content-type', 'content-length', 'if-none-match']),
      // SSE must travel as headers (AWS refuses it in the query string of a PUT).
      unhoistableHeaders: new Set(Object.keys(headers).filter((name) => name.startsWith('x-amz-'))),
    });
    return { url, headers };
  }

  async createMultipartUpload(key: string, options: PutOptions): Promise<string> {
    const answer = await this.request((abortSignal) =>
      this.client.send(
        new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: options.contentType, Metadata: options.metadata, ...this.sse() }),
        { abortSignal },
      ),
    );
    if (!answer.UploadId) throw Errors.storageUnavailable(new Error('CreateMultipartUpload answered no UploadId'));
    return answer.UploadId;
  }

  async presignUploadPart(
    key: string,
    uploadId: string,
    part: { partNumber: number; contentLength: number; checksumSha256?: string; expiresIn: number },
  ): Promise<PresignedPut> {
    const command = new UploadPartCommand({
      Bucket: this.bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: part.partNumber,
      ContentLength: part.contentLength,
      ChecksumSHA256: part.checksumSha256,
    });
    const headers: Record<string, string> = part.checksumSha256 ? { 'x-amz-checksum-sha256': part.checksumSha256 } : {};
    const url = await getSignedUrl(this.signer, command, {
      expiresIn: part.expiresIn,
      // A part of any other length, or other bytes than the bound checksum, is refused by storage.
      signableHeaders: new Set(['content-length', ...Object.keys(headers)]),
      unhoistableHeaders: new Set(Object.keys(headers)),
    });
    return { url, headers };
  }

  async listParts(key: string, uploadId: string): Promise<StoredPart[]> {
    const parts: StoredPart[] = [];
    let marker: string | undefined;
    do {
      const page = await this.request((abortSignal) =>
        this.client.send(new ListPartsCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }), { abortSignal }),
      );
      for (const part of page.Parts ?? []) {
        parts.push({ partNumber: part.PartNumber!, size: part.Size ?? 0, etag: part.ETag ?? '' });
      }
      marker = page.IsTruncated ? String(page.NextPartNumberMarker) : undefined;
    } while (marker);
    return parts;
  }

  async completeMultipartUpload(key: string, uploadId: string, parts: { partNumber: number; etag: string }[], size: number): Promise<WriteResult> {
    const answer = await this.request((abortSignal) =>
      this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) },
          IfNoneMatch: '*',
        }),
        { abortSignal },
      ),
      size,
    );
    return { etag: answer.ETag || undefined, serverSideEncryption: this.confirmedEncryption(answer.ServerSideEncryption) };
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    try {
      await this.request((abortSignal) => this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }), { abortSignal }));
    } catch (error) {
      if (isAppError(error) && error.code === 'NOT_FOUND') return;
      throw error;
    }
  }

  async *listObjects(prefix?: string): AsyncIterable<{ key: string; lastModified: Date }> {
    let ContinuationToken: string | undefined;
    do {
      const page = await this.request((abortSignal) => this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken }), { abortSignal }));
      for (const object of page.Contents ?? []) yield { key: object.Key!, lastModified: object.LastModified ?? new Date(0) };
      ContinuationToken = page.NextContinuationToken;
    } while (ContinuationToken);
  }

  async listMultipartUploads(): Promise<{ key: string; uploadId: string; initiated: Date }[] | null> {
    const uploads: { key: string; uploadId: string; initiated: Date }[] = [];
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    try {
      do {
        const page = await this.timed((abortSignal) => this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, KeyMarker, UploadIdMarker }), { abortSignal }));
        for (const upload of page.Uploads ?? []) uploads.push({ key: upload.Key!, uploadId: upload.UploadId!, initiated: upload.Initiated ?? new Date(0) });
        [KeyMarker, UploadIdMarker] = page.IsTruncated ? [page.NextKeyMarker, page.NextUploadIdMarker] : [undefined, undefined];
      } while (KeyMarker);
    } catch (error) {
      // Some servers (s3rver without this project's additions) cannot list uploads.
      if (['NotImplemented', 'MethodNotAllowed'].includes((error as { name?: string }).name ?? '')) return null;
      throw translate(error);
    }
    return uploads;
  }

  /**
   * Whether storage honours If-None-Match: * on writes (AWS, Ceph RGW and MinIO do;
   * s3rver does not): writes a probe object twice and looks for the 412.
   */
  async supportsConditionalWrites(): Promise<boolean> {
    const key = `.file-server-probe/${randomUUID()}`;
    const write = () => this.timed((abortSignal) => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: 'probe', IfNoneMatch: '*' }), { abortSignal }));
    try {
      await write();
      await write();
      return false;
    } catch (error) {
      if (statusOf(error) === 412) return true;
      throw translate(error);
    } finally {
      await this.delete(key).catch(() => undefined);
    }
  }

  async ping(): Promise<void> {
    await this.request((abortSignal) => this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal }));
  }

  /** The seed's bucket hardening, as storage reports it; 'unknown' where it does not answer these calls. */
  async protections(): Promise<BucketProtections> {
    const Bucket = this.bucket;
    const [versioning, encryption, publicAccessBlock] = await Promise.all([
      this.protection(
        (abortSignal) => this.client.send(new GetBucketVersioningCommand({ Bucket }), { abortSignal }),
        (answer) => answer.Status === 'Enabled',
        [],
      ),
      this.protection(
        (abortSignal) => this.client.send(new GetBucketEncryptionCommand({ Bucket }), { abortSignal }),
        (answer) => (answer.ServerSideEncryptionConfiguration?.Rules ?? []).length > 0,
        ['ServerSideEncryptionConfigurationNotFoundError'],
      ),
      this.protection(
        (abortSignal) => this.client.send(new GetPublicAccessBlockCommand({ Bucket }), { abortSignal }),
        ({ PublicAccessBlockConfiguration: block }) =>
          Boolean(block?.BlockPublicAcls && block.IgnorePublicAcls && block.BlockPublicPolicy && block.RestrictPublicBuckets),
        ['NoSuchPublicAccessBlockConfiguration'],
      ),
    ]);
    return { versioning, encryption, publicAccessBlock };
  }

  /** 'on' or 'off' from storage's answer (or an error that means "not configured"); 'unknown' for anything else. */
  private async protection<T>(call: (abortSignal: AbortSignal) => Promise<T>, isOn: (answer: T) => boolean, offErrors: string[]): Promise<'on' | 'off' | 'unknown'> {
    try {
      return isOn(await this.timed(call)) ? 'on' : 'off';
    } catch (error) {
      return offErrors.includes((error as { name?: string }).name ?? '') ? 'off' : 'unknown';
    }
  }

  private sse(): { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string } {
    if (!this.encryption.enabled) return {};
    return { ServerSideEncryption: this.encryption.algorithm, SSEKMSKeyId: this.encryption.kmsKeyId };
  }

  /** Some servers (s3rver, Ceph for AES256) accept SSE but do not echo it: record what was asked. */
  private confirmedEncryption(echoed: string | undefined): string | undefined {
    return echoed ?? this.requestedEncryption;
  }

  /**
   * One SDK call under a deadline: it answers, retries included, within
   * S3_TIMEOUT_SECONDS (plus an allowance for `bytes` moved inside storage), or
   * is aborted. The SDK's own socket timeout only bounds each attempt's idle time.
   */
  private readonly timed: Timed = async (call, bytes = 0) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`No answer from storage within ${this.timeoutMs} ms`)), this.timeoutMs + (bytes / STORAGE_BYTES_PER_SECOND_FLOOR) * 1000);
    try {
      return await call(controller.signal);
    } finally {
      clearTimeout(timer);
    }
  };

  /** A timed call whose errors become AppErrors. */
  private async request<T>(call: (abortSignal: AbortSignal) => Promise<T>, bytes = 0): Promise<T> {
    try {
      return await this.timed(call, bytes);
    } catch (error) {
      throw translate(error);
    }
  }
}

/**
 * s3rver reads the end of `bytes=0-0` as no end and answers the whole object:
 * an answer that starts where asked but runs longer is cut to the range asked.
 */
function noMoreThanAsked(object: ObjectStream, range: string): ObjectStream {
  const asked = /^bytes=(\d+)-(\d+)$/.exec(range);
  const answered = /^bytes (\d+)-\d+\/(\d+)$/.exec(object.contentRange ?? '');
  if (!asked || !answered || asked[1] !== answered[1]) return object;
  const length = Number(asked[2]) - Number(asked[1]) + 1;
  if (object.contentLength <= length) return object;
  return { ...object, body: firstBytes(object.body, length), contentLength: length, contentRange: `bytes ${asked[1]}-${asked[2]}/${answered[2]}` };
}

/** The first `length` bytes of a body; leaving the loop early destroys the rest of it. */
function firstBytes(body: Readable, length: number): Readable {
  return Readable.from(
    (async function* () {
      let left = length;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        yield chunk.subarray(0, left);
        left -= chunk.length;
        if (left <= 0) return;
      }
    })(),
    { objectMode: false },
  );
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** SDK errors become application errors here, and nowhere else. */
function translate(error: unknown): AppError {
  if (isAppError(error)) return error;
  const name = (error as { name?: string })?.name;
  const status = statusOf(error);
  if (name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchUpload' || (status === 404 && name !== 'NoSuchBucket')) return Errors.fileNotFound();
  if (status === 412 || name === 'PreconditionFailed') return Errors.conflict('An object with this key already exists');
  if (status === 416 || name === 'InvalidRange') return Errors.badInput('The requested range is not satisfiable');
  return Errors.storageUnavailable(error);
}
