import type { RequestHandler } from 'express';
import { Upload } from 'graphql-upload-minimal';
import { writeError } from './send-error';

/**
 * One file of a multipart request mapped to two variables (`map: {"0":
 * ["variables.a", "variables.b"]}`) would feed one stream to two uploads: the
 * first stores it, the second fails, and the answer could not report the first.
 * Such a map is refused before any file is read, with nothing stored.
 */
export const refuseSharedUploads: RequestHandler = (req, res, next) => {
  const operations: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
  const seen = new Set<Upload>();
  for (const operation of operations) {
    const variables = (operation as { variables?: unknown } | null)?.variables;
    for (const upload of uploadsIn(variables)) {
      if (seen.has(upload)) {
        return writeError(res, 400, 'BAD_USER_INPUT', 'Each file of a multipart request may be mapped to one variable only');
      }
      seen.add(upload);
    }
  }
  next();
};

function* uploadsIn(value: unknown): Generator<Upload> {
  if (value instanceof Upload) yield value;
  else if (Array.isArray(value)) for (const item of value) yield* uploadsIn(item);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) yield* uploadsIn(item);
}
