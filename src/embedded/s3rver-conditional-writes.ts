import type http from 'node:http';
import { sendS3Error } from './s3-xml';

/**
 * `If-None-Match: *` makes a write a create, and S3 answers 412 when the key
 * exists: on PutObject (also when presigned, the header signed), CopyObject and
 * CompleteMultipartUpload. s3rver ignores the header, so it is checked here
 * first. The check and the write are not one step, so two creates at the same
 * moment can both pass; the server reserves each key in its database before it
 * writes, and this is a development stand-in.
 */
export function withConditionalWrites(s3rver: http.RequestListener, exists: (bucket: string, key: string) => Promise<boolean>): http.RequestListener {
  return (req, res) => {
    const target = req.headers['if-none-match'] === '*' ? createdObject(req) : undefined;
    if (!target) return s3rver(req, res);
    exists(target.bucket, target.key).then(
      (found) =>
        found
          ? sendS3Error(res, { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' })
          : s3rver(req, res),
      (error: unknown) => sendS3Error(res, { status: 500, code: 'InternalError', message: String(error) }),
    );
  };
}

/** The object a PUT (not a part) or a multipart completion writes; undefined for anything else. */
function createdObject(req: http.IncomingMessage): { bucket: string; key: string } | undefined {
  const [path, search = ''] = (req.url ?? '/').split(/\?(.*)/s);
  const isUpload = new URLSearchParams(search).has('uploadId');
  if (!(req.method === 'PUT' && !isUpload) && !(req.method === 'POST' && isUpload)) return undefined;
  try {
    const [bucket, ...key] = path.split('/').slice(1).map(decodeURIComponent);
    return bucket && key.join('/') ? { bucket, key: key.join('/') } : undefined;
  } catch {
    return undefined; // a malformed %-escape: s3rver answers it
  }
}
