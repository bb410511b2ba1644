import { startEmbeddedS3 } from '../src/embedded/embedded-s3';
import { stopOnRequest } from './child-process';

export interface S3Ready {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/**
 * `--separate-s3`: the embedded S3 server (the same code boot() runs inside the
 * server) in a process of its own, given to the server as an external endpoint.
 * It shows what the server itself costs, apart from an S3 sharing its event loop.
 */
async function main(): Promise<void> {
  const s3 = await startEmbeddedS3({ directory: process.env.BENCH_S3_DIRECTORY!, port: 0, bucket: process.env.BENCH_S3_BUCKET! });
  stopOnRequest(s3.stop);
  const ready: S3Ready = { endpoint: s3.endpoint, credentials: s3.credentials };
  process.send!(ready);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
