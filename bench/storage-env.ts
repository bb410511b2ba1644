import type { BenchContext } from './bench-context';

/**
 * The variables that point another process (a second server, an S3 client) at the
 * bucket of the server under test. With the embedded default the server started
 * its own S3; it is then used as an external endpoint with its fixed credentials.
 */
export function storageEnv(bench: Pick<BenchContext, 'server' | 'serverEnv'>): Record<string, string> {
  const { s3 } = bench.server;
  const embedded = !bench.serverEnv.S3_ENDPOINT_URL && s3.endpoint && s3.credentials;
  return {
    ...bench.serverEnv,
    S3_BUCKET_NAME: s3.bucket,
    ...(embedded ? { S3_ENDPOINT_URL: s3.endpoint!, AWS_ACCESS_KEY_ID: s3.credentials!.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials!.secretAccessKey } : {}),
  };
}
