import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { withConditionalReads } from './s3rver-conditional-reads';
import { withConditionalWrites } from './s3rver-conditional-writes';
import { withMultipartListing } from './s3rver-multipart';
import { withSignatureCheck } from './sigv4-verifier';
// s3rver ships no types; these are all that is used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  configureBuckets(): Promise<void>;
  callback(): http.RequestListener;
  store: { existsObject(bucket: string, key: string): Promise<boolean>; getMetadata(bucket: string, key: string): Promise<{ etag: string }> };
};

export interface EmbeddedS3 {
  endpoint: string;
  /** Every request must be signed with these (AWS Signature V4). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * Lets pages from these origins PUT to presigned URLs and read objects (see README,
 * "Bucket CORS rule for browsers"); none: no CORS rule. Any other page the developer
 * opens gets no access, as with a real bucket.
 */
function corsRules(origins: readonly string[]): string[] {
  if (origins.length === 0) return [];
  const allowed = origins.includes('*') ? ['*'] : [...new Set(origins)];
  const rule = [
    ...allowed.map((origin) => `<AllowedOrigin>${origin}</AllowedOrigin>`),
    '<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedMethod>PUT</AllowedMethod>',
    '<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds>',
  ];
  return [`<CORSConfiguration><CORSRule>${rule.join('')}</CORSRule></CORSConfiguration>`];
}

/**
 * An S3-compatible server in this process (s3rver), with the bucket made and its
 * objects under directory. It answers only requests signed with S3RVER_CREDENTIALS.
 */
export async function startEmbeddedS3(options: { directory: string; port: number; bucket: string; corsOrigins?: readonly string[] }): Promise<EmbeddedS3> {
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    directory: options.directory,
    silent: true,
    // Path-style only: "<bucket>.localhost" does not resolve everywhere.
    vhostBuckets: false,
    // A rule replaces the one a bucket kept from an earlier start (before, one for any origin).
    configureBuckets: [{ name: options.bucket, configs: corsRules(options.corsOrigins ?? []) }],
  });
  await server.configureBuckets();
  // Outermost first: nothing reaches the rest unsigned.
  const etagOf = async (bucket: string, key: string) => ((await server.store.existsObject(bucket, key)) ? (await server.store.getMetadata(bucket, key)).etag : undefined);
  const listener = withSignatureCheck(
    withConditionalReads(
      withConditionalWrites(
        withMultipartListing(withPreflightOrigin(server.callback()), options.directory),
        (bucket, key) => server.store.existsObject(bucket, key),
      ),
      etagOf,
    ),
    S3RVER_CREDENTIALS,
  );
  // Our own HTTP server rather than s3rver.run(): that one throws a port clash as an
  // uncaught error instead of rejecting.
  const httpServer = http.createServer(listener);
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

/**
 * s3rver allows a preflight with `Access-Control-Allow-Origin: *` whatever the rule;
 * S3 names the origin its rule matched (`*` only for a rule allowing any). Naming the
 * origin satisfies browsers for either kind of rule.
 */
function withPreflightOrigin(s3rver: http.RequestListener): http.RequestListener {
  return (req, res) => {
    const origin = req.headers.origin;
    if (req.method === 'OPTIONS' && origin) {
      const setHeader = res.setHeader.bind(res);
      res.setHeader = (name, value) => setHeader(name, name.toLowerCase() === 'access-control-allow-origin' ? origin : value);
    }
    s3rver(req, res);
  };
}
