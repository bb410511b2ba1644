import type { RequestHandler } from 'express';
import { graphqlUploadExpress, type UploadOptions } from 'graphql-upload-minimal';

/**
 * graphql-upload-minimal's multipart parsing, made safe against hostile bodies:
 * - it listens for its parser's *first* error only; busboy emits a second one
 *   ("Unexpected end of form") while it is torn down after, say, a malformed part
 *   header, and an unheard 'error' event would crash the process. The first error
 *   is what the request is answered with, so the later ones are dropped;
 * - a map that sends two files to one variable leaves the first file unread, and
 *   the request then hangs on back-pressure: such a map is refused as it arrives.
 */
export function uploadMiddleware(options: UploadOptions): RequestHandler {
  const parse = graphqlUploadExpress(options);
  return (req, res, next) => {
    const pipe = req.pipe.bind(req);
    req.pipe = ((destination: NodeJS.WritableStream, pipeOptions?: { end?: boolean }) => {
      destination.on('error', () => undefined);
      destination.on('field', (name: string, value: string) => {
        if (name === 'map' && mapsAPathTwice(value)) {
          (destination as unknown as { destroy(error: Error): void }).destroy(new Error('The map names the same variable for two files'));
        }
      });
      return pipe(destination, pipeOptions);
    }) as typeof req.pipe;
    parse(req, res, next);
  };
}

function mapsAPathTwice(map: string): boolean {
  try {
    const paths = Object.values(JSON.parse(map) as Record<string, unknown>).flatMap((value) => (Array.isArray(value) ? value : []));
    return new Set(paths).size !== paths.length;
  } catch {
    return false; // not JSON: graphql-upload-minimal refuses it itself
  }
}
