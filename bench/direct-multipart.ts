import { createReadStream } from 'node:fs';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseConfig } from '../src/config';
import { createS3Client, PART_SIZE, PARTS_IN_FLIGHT } from '../src/storage/s3-storage';
import { untimed, writeStream } from '../src/storage/stream-writer';
import type { BenchContext } from './bench-context';
import { storageEnv } from './storage-env';
import type { Timed } from './transfers';

/**
 * A multipart upload from the bench straight to the server's bucket, by the
 * server's own writer with its part size and concurrency: what the storage itself makes of a
 * multipart upload, which is how the server must send a stream of unknown length.
 * Not a goal of the issue; it tells the server's overhead from the storage's.
 */
export class DirectMultipart {
  private readonly client: S3Client;

  private readonly bucket: string;

  constructor(bench: BenchContext) {
    this.bucket = bench.server.s3.bucket;
    this.client = createS3Client(parseConfig({ ...process.env, ...storageEnv(bench) }).s3);
  }

  async upload(file: string): Promise<Timed<void>> {
    const key = `bench-direct-multipart/${Date.now()}.png`;
    const started = process.hrtime.bigint();
    const body = createReadStream(file, { highWaterMark: 256 * 1024 });
    await writeStream(this.client, { Bucket: this.bucket, Key: key, ContentType: 'image/png' }, body, { partSize: PART_SIZE, partsInFlight: PARTS_IN_FLIGHT }, untimed);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    return { seconds, value: undefined };
  }

  close(): void {
    this.client.destroy();
  }
}
