import { FileStatus } from '../../entities/file.entity';
import { isAppError, ObjectReplacedError } from '../errors';
import type { FileRepository } from '../files/file-repository';
import { clientArrival, type NewFileLifecycle } from '../files/new-file-lifecycle';
import { type ImageAnalyser, MAX_DECODED_IMAGE_BYTES } from '../images/image-analyser';
import type { JobQueue } from '../jobs/job-queue';
import type { Logger } from '../logger';
import type { StorageBackend } from '../storage/storage-backend';
import type { ProcessingPass } from './processing-pass';
import { type FileJob, IMAGE_PLACEHOLDER, PROCESS_FILE } from './processing-tasks';

export interface ProcessingJobDeps {
  /** A fresh unit of work per job (its own entity manager), as a request has. */
  scope(): { files: FileRepository; lifecycle: NewFileLifecycle };
  storage: StorageBackend;
  pass: ProcessingPass;
  images: ImageAnalyser;
  log: Logger;
}

/**
 * The processing pass's queued work. Both tasks are safe to run again (an
 * instance killed mid-job leaves it to another): each first checks that the file
 * still needs it.
 */
export function registerProcessingJobs(queue: JobQueue, deps: ProcessingJobDeps): void {
  queue.work<FileJob>(PROCESS_FILE, async ({ fileId }) => {
    const { files, lifecycle } = deps.scope();
    const file = await files.findById(fileId);
    if (!file || file.status !== FileStatus.PROCESSING) return; // done already, deleted, or gone
    const object = await deps.storage.get(file.s3Key, { ifMatch: file.objectEtag }).catch(async (error: unknown) => {
      const gone = isAppError(error) && error.code === 'NOT_FOUND';
      if (!gone && !(error instanceof ObjectReplacedError)) throw error;
      // The object is gone, or is no longer the one completed (changed outside the server): it can never be passed.
      return lifecycle.discard(file, clientArrival(file), error, !gone);
    });
    if (!object) return;
    // Its size is known: an image too large to decode is read for its header alone from the start.
    const reading = await deps.pass.begin(file.contentType, { wholeImage: file.size <= MAX_DECODED_IMAGE_BYTES, readBack: true });
    try {
      for await (const chunk of object.body as AsyncIterable<Buffer>) await reading.write(chunk);
    } catch (error) {
      // The scanner or storage failed: the file stays PROCESSING and the job runs again later.
      reading.cancel();
      object.body.destroy();
      throw error;
    }
    await lifecycle.processed(file, await reading.finish());
  });

  queue.work<FileJob>(IMAGE_PLACEHOLDER, async ({ fileId }) => {
    const { files } = deps.scope();
    const file = await files.findById(fileId);
    if (!file || file.status !== FileStatus.AVAILABLE || !file.image || file.image.blurhash) return;
    const object = (await deps.storage.get(file.s3Key, { ifMatch: file.objectEtag }))!;
    const chunks: Buffer[] = [];
    for await (const chunk of object.body as AsyncIterable<Buffer>) chunks.push(chunk);
    const image = await deps.images.fromImage(Buffer.concat(chunks));
    if (!image?.blurhash) return; // it does not decode: the sizes from its header stay
    file.image = image;
    await files.save();
    deps.log.info({ event: 'image_placeholder_made', fileId });
  });
}
