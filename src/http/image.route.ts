import express, { type Request, type Response, type Router } from 'express';
import { pipeline } from 'node:stream/promises';
import { FileStatus } from '../../entities/file.entity';
import { Errors } from '../errors';
import type { FileRecord } from '../files/file-record';
import { renditionFormat, transformFromQuery } from '../images/image-transform';
import type { ImageUrls } from '../images/image-urls';
import type { Renditions } from '../images/renditions';
import type { Logger } from '../logger';
import { sendError } from './send-error';

/** How long a public file's rendition may be cached: it may be made private; an hour later no cache serves it. */
const PUBLIC_MAX_AGE_SECONDS = 3600;

/**
 * GET /files/:id/image?w=&h=&fit=&fmt=&q=[&expires=&signature=]: a rendition of
 * an image, as `<img src>` asks for it, with no header. A private file's URL must
 * carry a valid, unexpired signature (File.imageUrl makes them); a public file's
 * needs none. Whatever cannot be served answers as the download route does.
 */
export function imageRouter(deps: { readFile: (id: string) => Promise<FileRecord | null>; urls: ImageUrls; renditions: Renditions; maxDimension: number; log: Logger }): Router {
  const router = express.Router();
  router.get('/files/:id/image', async (req: Request, res: Response) => {
    try {
      const query = new URL(req.originalUrl, 'http://server').searchParams;
      const transform = transformFromQuery(query, deps.maxDimension);
      const id = String(req.params.id);
      // Checked before the row is read: a forged URL learns nothing about the file.
      const check = deps.urls.check(id, transform, query);
      if (check === 'forged') throw Errors.forbidden("The image URL's signature does not match it");
      if (check === 'expired') throw Errors.forbidden('The image URL has expired');

      const file = await deps.readFile(id);
      // A soft-deleted file (or one not yet available) has no renditions to serve; a private one needs a signature.
      if (!file || file.status !== FileStatus.AVAILABLE || file.deletedAt || (check === 'unsigned' && !file.isPublic)) throw Errors.fileNotFound();
      if (!file.image) throw Errors.badInput('This file is not an image that can be transformed');

      const { format, negotiated } = renditionFormat(transform.format, req.headers.accept, file.image);
      const etag = deps.renditions.etag(file, transform, format);
      res.setHeader('ETag', etag);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
      if (negotiated) res.vary('Accept'); // appended: CORS may have said Vary: Origin
      const expires = Number(query.get('expires'));
      res.setHeader('Cache-Control', check === 'signed' ? `private, max-age=${Math.max(0, Math.floor(expires - Date.now() / 1000))}` : `public, max-age=${PUBLIC_MAX_AGE_SECONDS}`);
      if (req.headers['if-none-match']?.split(/\s*,\s*/).includes(etag)) return void res.status(304).end();

      const rendition = await deps.renditions.open(file, transform, format);
      res.status(200);
      res.setHeader('Content-Type', rendition.contentType);
      res.setHeader('Content-Length', String(rendition.length));
      await pipeline(rendition.body, res);
    } catch (error) {
      sendError(res, error, deps.log);
    }
  });
  return router;
}
