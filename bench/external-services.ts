import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { parseConfig } from '../src/config';
import { createS3Client } from '../src/storage/s3-storage';
import { withClient } from './scratch-database';

export interface Scratch {
  /** Variables for the server: a database and a bucket of the bench's own. */
  env: Record<string, string>;
  remove(): Promise<void>;
}

/**
 * With DATABASE_URL or S3 variables set, the bench runs against those services,
 * but in a database and a bucket it creates (and removes afterwards), as the tests
 * do: a million generated rows must not land in someone's real table.
 */
export async function externalScratch(): Promise<Scratch> {
  const suffix = randomBytes(5).toString('hex');
  const env: Record<string, string> = {};
  const removals: (() => Promise<void>)[] = [];
  const config = parseConfig(process.env);

  if (config.database.url) {
    const database = `files_bench_${suffix}`;
    await withClient(config.database.url, (pg) => pg.query(`create database ${database}`));
    const url = new URL(config.database.url);
    url.pathname = `/${database}`;
    env.DATABASE_URL = url.toString();
    removals.push(async () => void (await withClient(config.database.url!, (pg) => pg.query(`drop database if exists ${database} with (force)`))));
  }
  if (config.s3.endpoint || config.s3.hasAwsCredentials) {
    const bucket = `files-bench-${suffix}`;
    const s3 = createS3Client(config.s3);
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ...(config.s3.region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: config.s3.region as never } } : {}) }));
    env.S3_BUCKET_NAME = bucket;
    removals.push(async () => {
      for (;;) {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
        const keys = (page.Contents ?? []).map(({ Key }) => ({ Key: Key! }));
        if (!keys.length) break;
        await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
      }
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      s3.destroy();
    });
  }
  return {
    env,
    async remove() {
      for (const remove of removals) await remove();
    },
  };
}
