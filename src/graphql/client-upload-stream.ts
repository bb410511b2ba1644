import { PassThrough, type Readable } from 'node:stream';
import { Errors } from '../errors';
import { uploadParserError } from '../http/upload-parser-errors';

/**
 * The bytes of an upload as the client sends them. When the client's side breaks
 * (it disconnects, the multipart body is cut short), the stream fails with a
 * BAD_USER_INPUT of its own, so that services can tell a client's failure from
 * storage's. When the consumer stops early, the client's stream is released.
 */
export function clientUploadStream(source: Readable): Readable {
  const bytes = new PassThrough();
  source.on('error', (error: Error) => {
    const refusal = uploadParserError(error);
    bytes.destroy(refusal.code === 'FILE_TOO_LARGE' ? refusal : Errors.badInput(`The upload did not arrive whole: ${error.message}`));
  });
  // Its consumer (a pipeline) hears the failure through its own listener. A client that
  // breaks off after the consumer has stopped listening (the upload was already refused)
  // must not crash the process with an unheard 'error' event (seen on Node 22 and 24).
  bytes.on('error', () => undefined);
  bytes.on('close', () => {
    if (!source.readableEnded) source.resume(); // discard the rest, so the client still reads our answer
  });
  return source.pipe(bytes);
}
