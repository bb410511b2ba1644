import type { Request, Response, Router } from 'express';
import express from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveService, OpenArchive } from '../archives/archive.service';
import { contentDisposition } from '../files/content-disposition';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { type ByteRange, requestedRange } from './byte-range';
import { sendError, writeError } from './send-error';

/**
 * GET /archives/:token: the ZIP createArchive promised, built as it is sent.
 * The token is the credential (like a presigned URL): no Authorization header,
 * so that a plain link or <a download> works. Its length is known before the
 * first byte, so the answer has a Content-Length and honours one Range (a
 * resumed download), with If-Range against the archive's strong ETag.
 */
export function archiveRouter(deps: { archives: () => ArchiveService; log: Logger; metrics: Metrics }): Router {
  const router = express.Router();
  router.get('/archives/:token', async (req: Request, res: Response) => {
    const started = Date.now();
    try {
      const archive = await deps.archives().open(String(req.params.token));
      if ('gone' in archive) return writeError(res, 410, 'NOT_FOUND', archive.gone);
      const { length } = archive.layout;
      // A resumed download whose copy is of another archive gets the whole of this one (RFC 9110, 13.1.5).
      const ifRange = req.headers['if-range'];
      const range = ifRange === undefined || ifRange === archive.etag ? requestedRange(req.headers.range, length) : 'whole';
      res.setHeader('Accept-Ranges', 'bytes');
      if (range === 'unsatisfiable') {
        res.setHeader('Content-Range', `bytes */${length}`);
        return writeError(res, 416, 'BAD_USER_INPUT', `The requested range is not satisfiable: the archive has ${length} bytes`);
      }
      const { start, end } = range === 'whole' ? { start: 0, end: length - 1 } : range;
      res.status(range === 'whole' ? 200 : 206);
      res.setHeader('Content-Type', 'application/zip');
      res.setHeader('Content-Length', String(end - start + 1));
      res.setHeader('Content-Disposition', contentDisposition('attachment', archive.name));
      res.setHeader('ETag', archive.etag);
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      if (range !== 'whole') res.setHeader('Content-Range', `bytes ${start}-${end}/${length}`);
      if (req.method === 'HEAD') return void res.end();
      let sent = 0;
      const body = Readable.from(archiveBytes(archive, { start, end }));
      body.on('data', (chunk: Buffer) => {
        sent += chunk.length;
        deps.metrics.downloadedBytes.inc(chunk.length);
      });
      try {
        await pipeline(body, res);
      } finally {
        deps.log.info({ event: 'archive_downloaded_bytes', archiveId: archive.id, userId: archive.ownerId, bytes: sent, durationMs: Date.now() - started, complete: sent === end - start + 1 });
      }
    } catch (error) {
      // After the first byte, an error (an object replaced meanwhile, storage gone) can only cut the connection short.
      sendError(res, error, deps.log);
    }
  });
  return router;
}

/** The bytes of a range of the archive: headers as laid out, entries' content read from storage piece by piece. */
async function* archiveBytes(archive: OpenArchive, range: ByteRange): AsyncGenerator<Buffer> {
  for (const piece of archive.layout.pieces(range.start, range.end)) {
    if (piece.kind === 'bytes') {
      yield piece.data;
      continue;
    }
    const object = await archive.read(piece.entry, piece.start, piece.end);
    for await (const chunk of object.body) yield chunk as Buffer;
  }
}
