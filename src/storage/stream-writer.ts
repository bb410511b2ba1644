import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompletedPart,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  type ServerSideEncryption,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

export interface StreamTarget {
  Bucket: string;
  Key: string;
  ContentType: string;
  Metadata?: Record<string, string>;
  ServerSideEncryption?: ServerSideEncryption;
  SSEKMSKeyId?: string;
}

export interface PartSizes {
  partSize: number;
  /** Parts on the wire at once; one more is being filled meanwhile. */
  partsInFlight: number;
}

/** Runs one SDK call under storage's deadline (s3-storage.ts); `bytes`: what the call moves inside storage. */
export type Timed = <T>(call: (abortSignal: AbortSignal) => Promise<T>, bytes?: number) => Promise<T>;

/** No deadline: for benchmarks and tests that call the writer alone. */
export const untimed: Timed = (call) => call(new AbortController().signal);

export interface Written {
  ETag?: string;
  ServerSideEncryption?: string;
}

/**
 * Writes a stream of unknown length as a create (If-None-Match: *): one PutObject
 * when it fits in a part, else a multipart upload, aborted if anything fails.
 *
 * Part buffers are reused from part to part. lib-storage's Upload, used before,
 * concatenated every part into a new buffer, and collecting those cost the garbage
 * collector more CPU than the upload spent hashing (BENCHMARKS.md).
 */
export async function writeStream(client: S3Client, target: StreamTarget, body: Readable, sizes: PartSizes, timed: Timed): Promise<Written> {
  // Held until the body outgrows one part: a small file never takes a part buffer.
  const held: Buffer[] = [];
  let heldBytes = 0;
  let multipart: MultipartWriter | undefined;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (multipart) {
        await multipart.write(chunk);
        continue;
      }
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes > sizes.partSize) {
        multipart = await MultipartWriter.start(client, target, sizes, timed);
        for (const early of held.splice(0)) await multipart.write(early);
      }
    }
    if (!multipart) {
      const whole = Buffer.concat(held, heldBytes);
      return await timed((abortSignal) => client.send(new PutObjectCommand({ ...target, Body: whole, ContentLength: whole.length, IfNoneMatch: '*' }), { abortSignal }));
    }
    return await multipart.finish();
  } catch (error) {
    await multipart?.abort();
    throw error;
  }
}

/** S3's largest single PUT: a longer stream goes as a multipart upload whatever is declared. */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

/**
 * A stream whose exact length is known up front (UploadFileInput.size): one
 * PutObject with that Content-Length, the body flowing straight through, as a
 * create (If-None-Match: *). Storage servers take one PUT far faster than a
 * multipart upload (BENCHMARKS.md), and nothing is buffered.
 *
 * The request lasts as long as the client takes to send, so no deadline covers
 * it whole: a storage that stops reading is caught by the socket's idle timeout
 * (createS3Client), and once the body has ended storage must answer within
 * `answerWithinMs`. A body that fails (a refusal, the client gone) aborts the
 * request: storage never sees the declared length, and stores nothing.
 */
export async function putStream(client: S3Client, target: StreamTarget, body: Readable, size: number, answerWithinMs: number): Promise<Written> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const answerDue = () => (timer = setTimeout(() => controller.abort(new Error(`No answer from storage within ${answerWithinMs} ms`)), answerWithinMs));
  const bodyFailed = (error: Error) => controller.abort(error);
  body.once('end', answerDue);
  body.once('error', bodyFailed);
  try {
    return await client.send(new PutObjectCommand({ ...target, Body: body, ContentLength: size, IfNoneMatch: '*' }), { abortSignal: controller.signal });
  } finally {
    clearTimeout(timer);
    body.off('end', answerDue);
    body.off('error', bodyFailed);
  }
}

class MultipartWriter {
  private part: Buffer;
  private filled = 0;
  private partNumber = 0;
  private readonly spare: Buffer[] = [];
  private readonly sending = new Set<Promise<void>>();
  private readonly completed: CompletedPart[] = [];
  private failure: unknown;

  private constructor(
    private readonly client: S3Client,
    private readonly target: StreamTarget,
    private readonly uploadId: string,
    private readonly sizes: PartSizes,
    private readonly timed: Timed,
  ) {
    this.part = Buffer.allocUnsafeSlow(sizes.partSize);
  }

  static async start(client: S3Client, target: StreamTarget, sizes: PartSizes, timed: Timed): Promise<MultipartWriter> {
    const { UploadId } = await timed((abortSignal) => client.send(new CreateMultipartUploadCommand(target), { abortSignal }));
    if (!UploadId) throw new Error('CreateMultipartUpload answered no UploadId');
    return new MultipartWriter(client, target, UploadId, sizes, timed);
  }

  /** Resolves when the chunk is copied; waits while every part slot is on the wire (back-pressure). */
  async write(chunk: Buffer): Promise<void> {
    for (let offset = 0; offset < chunk.length; ) {
      // A full part goes only once more bytes follow: the last part may then be short.
      if (this.filled === this.sizes.partSize) await this.send();
      const copied = chunk.copy(this.part, this.filled, offset);
      this.filled += copied;
      offset += copied;
    }
  }

  async finish(): Promise<Written> {
    if (this.filled > 0) await this.send();
    await Promise.all(this.sending);
    if (this.failure) throw this.failure;
    const Parts = this.completed.sort((a, b) => a.PartNumber! - b.PartNumber!);
    const { Bucket, Key } = this.target;
    const size = this.partNumber * this.sizes.partSize; // at most: the last part may be short
    const complete = new CompleteMultipartUploadCommand({ Bucket, Key, UploadId: this.uploadId, MultipartUpload: { Parts }, IfNoneMatch: '*' });
    return this.timed((abortSignal) => this.client.send(complete, { abortSignal }), size);
  }

  /** Best effort: when storage is unreachable, the purge removes the parts later. */
  async abort(): Promise<void> {
    await Promise.all(this.sending);
    const { Bucket, Key } = this.target;
    const abort = new AbortMultipartUploadCommand({ Bucket, Key, UploadId: this.uploadId });
    await this.timed((abortSignal) => this.client.send(abort, { abortSignal })).catch(() => undefined);
  }

  private async send(): Promise<void> {
    while (this.sending.size >= this.sizes.partsInFlight) await Promise.race(this.sending);
    if (this.failure) throw this.failure;
    const buffer = this.part;
    const PartNumber = ++this.partNumber;
    const { Bucket, Key } = this.target;
    const request = new UploadPartCommand({ Bucket, Key, UploadId: this.uploadId, PartNumber, Body: buffer.subarray(0, this.filled), ContentLength: this.filled });
    // Never rejects: a failure is kept and thrown by the next send or by finish.
    const sent: Promise<void> = this.timed((abortSignal) => this.client.send(request, { abortSignal })).then(
      (answer) => {
        this.completed.push({ PartNumber, ETag: answer.ETag });
        this.spare.push(buffer);
        this.sending.delete(sent);
      },
      (error: unknown) => {
        this.failure ??= error;
        this.sending.delete(sent);
      },
    );
    this.sending.add(sent);
    this.part = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.sizes.partSize);
    this.filled = 0;
  }
}
