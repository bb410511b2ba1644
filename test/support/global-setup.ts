import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/embedded/embedded-postgres';
import { startEmbeddedS3 } from '../../src/embedded/embedded-s3';
import { createLogger } from '../../src/logger';

/**
 * The suite runs against the PostgreSQL in DATABASE_URL and the S3 endpoint in
 * S3_ENDPOINT_URL when they are set; otherwise it starts the embedded ones, the
 * same way `npm start` does on a bare machine. Each test file then makes its own
 * database and bucket (test/support/test-server.ts).
 */
export default async function globalSetup(): Promise<void> {
  const stops: (() => Promise<void>)[] = [];
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'file-server-tests-'));
  if (!process.env.DATABASE_URL) {
    const postgres = await startEmbeddedPostgres({ dataDir: path.join(scratch, 'postgres'), port: await freePort(), log: createLogger('warn') });
    stops.push(postgres.stop);
    process.env.TEST_DATABASE_URL = postgres.url;
  } else {
    process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;
  }
  if (!process.env.S3_ENDPOINT_URL) {
    const s3 = await startEmbeddedS3({ directory: path.join(scratch, 's3'), port: 0, bucket: 'bootstrap' });
    stops.push(s3.stop);
    process.env.TEST_S3_ENDPOINT_URL = s3.endpoint;
    process.env.TEST_AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
    process.env.TEST_AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
  } else {
    process.env.TEST_S3_ENDPOINT_URL = process.env.S3_ENDPOINT_URL;
    process.env.TEST_AWS_ACCESS_KEY_ID = process.env.AWS_ACCESS_KEY_ID;
    process.env.TEST_AWS_SECRET_ACCESS_KEY = process.env.AWS_SECRET_ACCESS_KEY;
  }
  process.env.TEST_SCRATCH_DIR = scratch;
  (globalThis as { __stopTestServices?: () => Promise<void> }).__stopTestServices = async () => {
    for (const stop of stops.reverse()) await stop();
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
