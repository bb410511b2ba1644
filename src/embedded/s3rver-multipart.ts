import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type http from 'node:http';
import path from 'node:path';
import { escapeXml, xmlError } from './s3-xml';

/**
 * What s3rver lacks for resumable uploads, added around it:
 * - ListParts, AbortMultipartUpload and ListMultipartUploads, which it answers
 *   with MethodNotAllowed or not at all, are answered here from its own layout
 *   (<dir>/<bucket>/._S3rver_uploads/<uploadId>/<part>[.md5]);
 * - an UploadPart carrying x-amz-checksum-sha256 is checked against its bytes, as
 *   AWS does, and refused with BadDigest (the part removed) when they differ.
 * These calls are signed like any other: the signature check (sigv4-verifier.ts)
 * stands in front of this. Like the rest of the embedded server this listens on
 * loopback only: it is a development stand-in, not storage.
 */
export function withMultipartListing(s3rver: http.RequestListener, directory: string): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://embedded');
    const uploadId = url.searchParams.get('uploadId');
    if (req.method === 'GET' && url.searchParams.has('uploads')) {
      const bucket = decodeURIComponent(url.pathname.split('/')[1] ?? '');
      return void listUploads(path.join(directory, bucket, '._S3rver_uploads'), bucket).then((body) =>
        res.writeHead(200, { 'content-type': 'application/xml' }).end(body),
      );
    }
    if (!uploadId) return s3rver(req, res);
    const [bucket, ...key] = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const uploadDir = path.join(directory, bucket, '._S3rver_uploads', path.basename(uploadId));
    const partNumber = url.searchParams.get('partNumber');
    const checksum = req.headers['x-amz-checksum-sha256'];
    if (req.method === 'PUT' && partNumber && typeof checksum === 'string') {
      return verifyPartChecksum(s3rver, req, res, path.join(uploadDir, path.basename(partNumber)), checksum);
    }
    if (partNumber || (req.method !== 'GET' && req.method !== 'DELETE')) return s3rver(req, res);
    const answer = req.method === 'GET' ? listParts(uploadDir, bucket, key.join('/'), uploadId) : abort(uploadDir);
    answer.then(
      ({ status, body }) => res.writeHead(status, { 'content-type': 'application/xml' }).end(body),
      () => res.writeHead(404, { 'content-type': 'application/xml' }).end(xmlError('NoSuchUpload', 'The specified upload does not exist.')),
    );
  };
}

/** Hashes the body as s3rver stores it, and turns its answer into BadDigest when the bytes are not the ones announced. */
function verifyPartChecksum(s3rver: http.RequestListener, req: http.IncomingMessage, res: http.ServerResponse, partFile: string, expected: string): void {
  const hash = createHash('sha256');
  // Listening for 'data' now would start the stream before s3rver pipes it: the first chunks would be lost to it.
  const pipe = req.pipe.bind(req);
  req.pipe = ((destination: NodeJS.WritableStream, options?: { end?: boolean }) => {
    req.on('data', (chunk: Buffer) => hash.update(chunk));
    return pipe(destination, options);
  }) as typeof req.pipe;
  const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
  res.end = ((...args: unknown[]) => {
    if (res.statusCode !== 200 || hash.digest('base64') === expected) return end(...args);
    res.statusCode = 400;
    res.removeHeader('etag');
    res.setHeader('content-type', 'application/xml');
    const body = xmlError('BadDigest', 'The x-amz-checksum-sha256 you specified did not match the calculated checksum.');
    res.setHeader('content-length', Buffer.byteLength(body));
    void Promise.all([rm(partFile, { force: true }), rm(`${partFile}.md5`, { force: true })]).finally(() => end(body));
    return res;
  }) as typeof res.end;
  s3rver(req, res);
}

/** ListMultipartUploads, for the purge: every upload with its key and start time. */
async function listUploads(uploadsDir: string, bucket: string): Promise<string> {
  const ids = await readdir(uploadsDir).catch(() => [] as string[]);
  const uploads = await Promise.all(
    ids.map(async (id) => {
      const keyFile = path.join(uploadsDir, id, 'key');
      const [key, info] = await Promise.all([readFile(keyFile, 'utf8'), stat(keyFile)]);
      return `<Upload><Key>${escapeXml(key)}</Key><UploadId>${escapeXml(id)}</UploadId><Initiated>${info.mtime.toISOString()}</Initiated></Upload>`;
    }),
  );
  return `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${escapeXml(bucket)}</Bucket><IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`;
}

async function listParts(uploadDir: string, bucket: string, key: string, uploadId: string): Promise<{ status: number; body: string }> {
  const names = await readdir(uploadDir);
  const numbers = names.filter((name) => /^\d+$/.test(name)).map(Number).sort((a, b) => a - b);
  const parts = await Promise.all(
    numbers.map(async (number) => {
      const file = path.join(uploadDir, String(number));
      const [info, md5] = await Promise.all([stat(file), readFile(`${file}.md5`, 'utf8')]);
      return `<Part><PartNumber>${number}</PartNumber><LastModified>${info.mtime.toISOString()}</LastModified><ETag>"${md5.trim()}"</ETag><Size>${info.size}</Size></Part>`;
    }),
  );
  const body = `<?xml version="1.0" encoding="UTF-8"?><ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${escapeXml(uploadId)}</UploadId><PartNumberMarker>0</PartNumberMarker><MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`;
  return { status: 200, body };
}

async function abort(uploadDir: string): Promise<{ status: number; body: string }> {
  await stat(uploadDir); // a missing upload is NoSuchUpload, as on S3
  await rm(uploadDir, { recursive: true, force: true });
  return { status: 204, body: '' };
}
