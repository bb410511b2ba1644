import type { Request, Response, Router } from 'express';
import express from 'express';
import { pipeline } from 'node:stream/promises';
import type { Authenticator } from '../auth/authenticator';
import { contentDisposition, dispositionKind } from '../files/content-disposition';
import type { FileService } from '../files/file.service';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { sendError } from './send-error';

/**
 * GET /files/:id/download: the bytes, streamed from storage, with the same access
 * rules as the `file` query. Range, If-None-Match and attachment disposition.
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
      const { file, object } = await deps.fileService(req).openDownload(actor, String(req.params.id), {
        range: req.headers.range,
        ifNoneMatch: req.headers['if-none-match'],
      });
      res.setHeader('X-Content-Type-Options', 'nosniff');
      // Served bytes are the users', not the site's: whatever they are, they run nothing here.
      res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
      res.setHeader('Cache-Control', file.isPublic ? 'public, max-age=0, must-revalidate' : 'private, max-age=0, must-revalidate');
      res.setHeader('Accept-Ranges', 'bytes');
      if (!object) return void res.status(304).end();
      const asAttachment = req.query.as_attachment === 'true' || req.query.as_attachment === '1';
      res.status(object.contentRange ? 206 : 200);
      res.setHeader('Content-Type', file.contentType);
      res.setHeader('Content-Length', String(object.contentLength));
      res.setHeader('Content-Disposition', contentDisposition(dispositionKind(file.contentType, asAttachment), file.originalName));
      if (object.etag) res.setHeader('ETag', object.etag);
      if (object.contentRange) res.setHeader('Content-Range', object.contentRange);
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
