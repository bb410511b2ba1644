import type { RequestHandler } from 'express';
import { graphqlUploadExpress, type UploadOptions } from 'graphql-upload-minimal';

/**
 * graphql-upload-minimal's multipart parsing, made safe against hostile bodies.
 * It listens for its parser's *first* error only; busboy emits a second one
 * ("Unexpected end of form") while it is torn down after, say, a malformed part
 * header, and an unheard 'error' event would crash the process. The first error
 * is what the request is answered with, so the later ones are dropped.
 */
export function uploadMiddleware(options: UploadOptions): RequestHandler {
  const parse = graphqlUploadExpress(options);
  return (req, res, next) => {
    const pipe = req.pipe.bind(req);
    req.pipe = ((destination: NodeJS.WritableStream, pipeOptions?: { end?: boolean }) => {
      destination.on('error', () => undefined);
      return pipe(destination, pipeOptions);
    }) as typeof req.pipe;
    parse(req, res, next);
  };
}
