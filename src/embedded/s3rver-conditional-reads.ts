import type http from 'node:http';
import { sendS3Error } from './s3-xml';

const PRECONDITION_FAILED = { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' };

/**
 * `If-Match` on GetObject and HeadObject, and `x-amz-copy-source-if-match` on
 * CopyObject: S3 answers 412 when the object's ETag is another. s3rver ignores
 * both, so they are checked here first, against the ETag s3rver itself reports.
 * The server sends them on every read of a file's object, so that an object
 * replaced behind its back is never served as the file.
 */
export function withConditionalReads(s3rver: http.RequestListener, etagOf: (bucket: string, key: string) => Promise<string | undefined>): http.RequestListener {
  return (req, res) => {
    const condition = conditionOf(req);
    if (!condition) return s3rver(req, res);
    etagOf(condition.bucket, condition.key).then(
      // A missing object is s3rver's to answer (404).
      (etag) => (etag !== undefined && unquoted(etag) !== unquoted(condition.etag) ? sendS3Error(res, PRECONDITION_FAILED) : s3rver(req, res)),
      (error: unknown) => sendS3Error(res, { status: 500, code: 'InternalError', message: String(error) }),
    );
  };
}

function conditionOf(req: http.IncomingMessage): { bucket: string; key: string; etag: string } | undefined {
  const [path, search = ''] = (req.url ?? '/').split(/\?(.*)/s);
  if (search !== '' && new URLSearchParams(search).has('uploadId')) return undefined;
  const ifMatch = req.headers['if-match'];
  const copyIfMatch = req.headers['x-amz-copy-source-if-match'];
  const copySource = req.headers['x-amz-copy-source'];
  try {
    if ((req.method === 'GET' || req.method === 'HEAD') && typeof ifMatch === 'string') return { ...objectOf(path), etag: ifMatch };
    if (req.method === 'PUT' && typeof copyIfMatch === 'string' && typeof copySource === 'string') {
      return { ...objectOf(`/${copySource.replace(/^\//, '').split('?')[0]}`), etag: copyIfMatch };
    }
  } catch {
    return undefined; // a malformed %-escape: s3rver answers it
  }
  return undefined;
}

function objectOf(path: string): { bucket: string; key: string } {
  const [bucket, ...key] = path.split('/').slice(1).map(decodeURIComponent);
  return { bucket, key: key.join('/') };
}

function unquoted(etag: string): string {
  return etag.replace(/"/g, '');
}
