import type { Request, Response, Router } from 'express';
import express from 'express';
import { pipeline } from 'node:stream/promises';
import type { Authenticator } from '../auth/authenticator';
import { contentDisposition, dispositionKind } from '../files/content-disposition';
import type { FileService } from '../files/file.service';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { requestedRange } from './byte-range';
import { sendError, writeError } from './send-error';

/**
 * GET /files/:id/download: the bytes, streamed from storage, with the same access
 * rules as the `file` query. One byte range (byte-range.ts), If-None-Match and
 * attachment disposition.
 */
export function downloadRouter(deps: {
  authenticator: Authenticator;
  fileService: (req: Request) => FileService;
  log: Logger;
  metrics: Metrics;
}): Router {
  const router = express.Router();
  router.get('/files/:id/download', async (req: Request, res: Response) => {
    const started = Date.now();
    try {
      const actor = await deps.authenticator.authenticate(req.headers.authorization);
      const { file, read } = await deps.fileService(req).openDownload(actor, String(req.params.id));
      res.setHeader('X-Content-Type-Options', 'nosniff');
      // Served bytes are the users', not the site's: whatever they are, they run nothing here.
      res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
      res.setHeader('Cache-Control', file.isPublic ? 'public, max-age=0, must-revalidate' : 'private, max-age=0, must-revalidate');
      res.setHeader('Accept-Ranges', 'bytes');
      // Storage is asked only for an explicit `bytes=a-b` within the file: it never sees the client's header.
      const range = requestedRange(req.headers.range, file.size);
      if (range === 'unsatisfiable') {
        // Before If-None-Match: a server ignores preconditions when it would not answer 2xx (RFC 9110, 13.2.1).
        res.setHeader('Content-Range', `bytes */${file.size}`);
        return writeError(res, 416, 'BAD_USER_INPUT', `The requested range is not satisfiable: the file has ${file.size} bytes`);
      }
      const object = await read({ range: range === 'whole' ? undefined : range, ifNoneMatch: req.headers['if-none-match'] });
      if (!object) return void res.status(304).end();
      const asAttachment = req.query.as_attachment === 'true' || req.query.as_attachment === '1';
      res.status(range === 'whole' ? 200 : 206);
      res.setHeader('Content-Type', file.contentType);
      res.setHeader('Content-Length', String(object.contentLength));
      res.setHeader('Content-Disposition', contentDisposition(dispositionKind(file.contentType, asAttachment), file.originalName));
      if (object.etag) res.setHeader('ETag', object.etag);
      if (range !== 'whole') res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
      let sent = 0;
      object.body.on('data', (chunk: Buffer) => {
        sent += chunk.length;
        deps.metrics.downloadedBytes.inc(chunk.length);
      });
      try {
        await pipeline(object.body, res);
      } finally {
        deps.log.info({ event: 's3_file_downloaded_bytes', fileId: file.id, userId: actor?.userId ?? null, bytes: sent, durationMs: Date.now() - started, complete: sent === object.contentLength });
      }
    } catch (error) {
      sendError(res, error, deps.log);
    }
  });
  return router;
}
