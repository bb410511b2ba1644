import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { withMultipartListing } from './s3rver-multipart';
// s3rver ships no types; these two methods are all that is used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  configureBuckets(): Promise<void>;
  callback(): http.RequestListener;
};

export interface EmbeddedS3 {
  endpoint: string;
  /** s3rver accepts only these. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Lets a page served by this server PUT to presigned URLs and read objects (see README, "Direct uploads"). */
const CORS_RULES = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

/** An S3-compatible server in this process (s3rver), with the bucket made and its objects under directory. */
export async function startEmbeddedS3(options: { directory: string; port: number; bucket: string }): Promise<EmbeddedS3> {
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    directory: options.directory,
    silent: true,
    // Path-style only: "<bucket>.localhost" does not resolve everywhere.
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket, configs: [CORS_RULES] }],
  });
  await server.configureBuckets();
  // Our own HTTP server rather than s3rver.run(): that one throws a port clash as an
  // uncaught error instead of rejecting.
  const httpServer = http.createServer(withMultipartListing(server.callback(), options.directory));
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = httpServer.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials: S3RVER_CREDENTIALS,
    stop: () =>
      new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections(); // idle keep-alive sockets would hold close() open
      }),
  };
}
