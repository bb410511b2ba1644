/** The job queue's tasks of the processing pass, by name: queued by the life cycle, run by processing-jobs.ts. */

/** The whole pass over a direct or resumable upload's object, read back once: PROCESSING → AVAILABLE or QUARANTINED. */
export const PROCESS_FILE = 'process-file';
/** A streamed image's blurhash: its sizes came from its header during the upload, the placeholder needs its pixels. */
export const IMAGE_PLACEHOLDER = 'image-placeholder';

export interface FileJob {
  fileId: string;
}
