import type { Actor } from '../auth/authenticator';
import type { Config } from '../config';
import { type FileEntity, FileStatus, type ImageInfo } from '../../entities/file.entity';
import { type AppError, Errors, isAppError, isRefusal } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { MAX_DECODED_IMAGE_BYTES } from '../images/image-analyser';
import type { JobQueue, SqlInTransaction } from '../jobs/job-queue';
import type { Quotas } from '../quotas/quotas';
import type { PassResult } from '../processing/processing-pass';
import { PROCESS_FILE, IMAGE_PLACEHOLDER } from '../processing/processing-tasks';
import type { StorageBackend } from '../storage/storage-backend';
import type { FileRecord } from './file-record';
import type { FileRepository } from './file-repository';

/** Completing a direct upload looks this often whether its pass has run. */
const PROCESSING_POLL_MS = 100;

/** The ways a new file comes into being. */
export type Arrival = 'stream' | 'direct' | 'resumable' | 'copy';

/** What the stored bytes turned out to be, once checked. */
export interface StoredBytes {
  size: number;
  contentType: string;
  serverSideEncryption: string | null;
  /** What storage called the object it wrote: every later read asks for that one (If-Match). */
  objectEtag: string | null;
  /**
   * What the processing pass found, when it read the bytes on their way in (a
   * streamed upload) or a copy's source had it; absent, the pass runs after, from
   * the job queue (direct and resumable uploads).
   */
  processed?: PassFacts;
}

/** A pass's result, or a copy's source's (whose checksums are null if it was stored before the pass existed). */
export interface PassFacts {
  checksumSha256: string | null;
  checksumCrc32: number | null;
  malwareSignature: string | null;
  image: ImageInfo | null;
}

/** The processing pass's side of the life cycle (composition root: src/app.ts). */
export interface Processing {
  queue: JobQueue;
  /** How long completing a direct upload waits for its pass before answering PROCESSING. */
  waitSeconds: number;
}

/** A status change: `from` null for a new row, `to` null for a row that goes. */
export interface StatusChange {
  file: FileEntity;
  arrival: Arrival;
  from: FileStatus | null;
  to: FileStatus | null;
}

/**
 * Where a feature joins the life of a new file. Each step is optional; hooks run
 * in the order the composition root lists them.
 */
export interface NewFileHooks {
  /** Before any byte is accepted (the reservation): throw an AppError to refuse the file. Quotas live here. */
  beforeBytes?(file: FileEntity, arrival: Arrival): Promise<void>;
  /**
   * The bytes are stored and pass the upload rules; the file is not AVAILABLE yet.
   * May fill in what it learns of the bytes, or throw to discard the file. The processing pass lives here.
   */
  bytesStored?(file: FileEntity, arrival: Arrival): Promise<void>;
  /**
   * The file's status is about to change. Runs before the change is saved: what it
   * persists through `files` is saved in the same transaction. Events live here.
   */
  statusChanging?(change: StatusChange, files: FileRepository): void;
}

/**
 * The life of a new file, the same for every way it arrives (streamed, direct,
 * resumable, copied):
 *
 *   reserve ── PENDING row claims the key ──▶ settle ── bytes stored, checked, processed ──▶ AVAILABLE
 *      │                                        │  └── client-written bytes: PROCESSING ──▶ processed ──▶ AVAILABLE
 *      │                                        │                                                 └──▶ QUARANTINED
 *      └── refused: nothing written             └── refused, infected or failed: discard (object, parts, row go)
 *
 * Direct and resumable uploads reserve when the client asks for a ticket and
 * settle when it says it is done; their processing pass then runs from the job
 * queue. Streamed uploads run the pass in the stream, and copies inherit their
 * source's: both reserve and settle at once.
 */
export class NewFileLifecycle {
  /** Errors already logged and counted: a failure passes through several layers, it is one rejection. */
  private readonly reported = new WeakSet<object>();

  constructor(
    private readonly files: FileRepository,
    private readonly storage: StorageBackend,
    private readonly rules: Config['upload'],
    private readonly processing: Processing,
    private readonly quotas: Quotas,
    private readonly hooks: readonly NewFileHooks[],
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Inserts the PENDING row that claims a new key before any byte is written, so
   * that a concurrent writer of the same key gets CONFLICT instead of overwriting.
   * With UUID names keys cannot clash; otherwise storage is asked too, for objects
   * the table does not know.
   */
  async reserve(file: FileEntity, arrival: Arrival): Promise<void> {
    for (const hook of this.hooks) await hook.beforeBytes?.(file, arrival);
    if (!this.rules.useUuidPrefix && (await this.storage.exists(file.s3Key))) {
      throw Errors.conflict(`An object with the key "${file.s3Key}" already exists`);
    }
    file.status = FileStatus.PENDING;
    // Direct uploads expire with their ticket; a streamed upload or copy keeps its
    // reservation alive while it makes progress (keepReserved).
    file.uploadExpiresAt ??= this.reservationEnd();
    this.changeStatus(file, arrival, null, FileStatus.PENDING);
    // One more file, and a direct upload's declared bytes: counted (by the usage trigger) and checked in one transaction.
    await this.files.insert(file, (sql) => this.quotas.check(sql, file.ownerId));
  }

  /**
   * Brings the bytes in (a streamed upload, a copy) or checks those the client put
   * (a direct upload), then makes the file AVAILABLE, or PROCESSING until its
   * pass has run. A refused or infected file is discarded: no object, no parts,
   * no row. A direct upload that meets an outage stays PENDING, so that the
   * client can complete it again. `bytes` calls `objectWritten` once storage
   * holds the object, when it still has work to do after that (the scanner's verdict).
   */
  async settle(file: FileEntity, arrival: Arrival, bytes: (objectWritten: () => void) => Promise<StoredBytes>): Promise<FileEntity | FileRecord> {
    const started = Date.now();
    const clientWrote = arrival === 'direct' || arrival === 'resumable';
    // From the moment storage holds the object, a failure must remove it.
    let objectStored = clientWrote;
    let next: FileStatus;
    const reservedBytes = file.size;
    try {
      const { processed, ...stored } = await bytes(() => (objectStored = true));
      Object.assign(file, stored);
      objectStored = true;
      if (processed?.malwareSignature) throw this.infected(file, arrival, processed.malwareSignature);
      for (const hook of this.hooks) await hook.bytesStored?.(file, arrival);
      if (processed) applyPass(file, processed);
      next = processed ? FileStatus.AVAILABLE : FileStatus.PROCESSING;
      this.changeStatus(file, arrival, FileStatus.PENDING, next);
      file.uploadExpiresAt = null;
      await this.files.save(async (sql) => {
        // A streamed upload's or a copy's bytes count from now (a direct upload's were reserved).
        if (file.size > reservedBytes) await this.quotas.check(sql, file.ownerId);
        await this.queueFollowUp(file, next, sql);
      });
    } catch (error) {
      if (clientWrote && !isRefusal(error)) throw error;
      return this.discard(file, arrival, error, objectStored);
    }
    const done = { fileId: file.id, userId: file.ownerId, bytes: file.size, durationMs: Date.now() - started, status: file.status };
    if (arrival === 'copy') this.log.info({ event: 's3_file_copied', ...done, sourceId: file.copiedFrom?.id });
    else this.log.info({ event: 's3_file_uploaded', ...done, path: arrival });
    if (arrival !== 'copy') this.metrics.uploaded(arrival === 'stream' ? 'multipart' : 'direct', file.size);
    return next === FileStatus.PROCESSING ? this.untilProcessed(file) : file;
  }

  /** Bytes the owner may still add (null: no byte quota): a streamed upload stops as soon as it passes them. */
  bytesLeft(ownerId: string): Promise<number | null> {
    return this.quotas.bytesLeft(this.files.sql, ownerId);
  }

  /** The pass over a PROCESSING file has run (from the job queue): AVAILABLE, or QUARANTINED with what was found. */
  async processed(file: FileEntity, result: PassResult): Promise<void> {
    const arrival = clientArrival(file);
    if (result.malwareSignature) {
      file.malwareSignature = result.malwareSignature;
      this.infected(file, arrival, result.malwareSignature);
      this.changeStatus(file, arrival, FileStatus.PROCESSING, FileStatus.QUARANTINED);
    } else {
      applyPass(file, result);
      this.changeStatus(file, arrival, FileStatus.PROCESSING, FileStatus.AVAILABLE);
    }
    await this.files.save();
    this.log.info({ event: 'file_processed', fileId: file.id, userId: file.ownerId, status: file.status, image: file.image !== null });
  }

  /**
   * Pushes the reservation's end forward for as long as `progress` (bytes so far)
   * keeps growing, so that the purge never takes a slow upload for an abandoned
   * one. Returns the function that stops it.
   */
  keepReserved(file: FileEntity, progress: () => number): () => void {
    let seen = progress();
    const timer = setInterval(() => {
      if (progress() === seen) return; // stalled: let the reservation run out
      seen = progress();
      this.files.extendReservation(file.id, this.reservationEnd()).catch((error: unknown) => {
        this.log.warn({ event: 'reservation_extension_failed', fileId: file.id, err: error });
      });
    }, (this.rules.reservationSeconds * 1000) / 3);
    timer.unref();
    return () => clearInterval(timer);
  }

  /**
   * The end of a file that never became AVAILABLE: its parts, object and row go,
   * and the caller hears the reason. Best effort: what cannot be removed now stays
   * PENDING until its reservation runs out, and the purge removes it then.
   */
  async discard(file: FileEntity, arrival: Arrival, reason: unknown, objectStored = true): Promise<never> {
    this.rejected(file.ownerId, arrival, reason, file.id);
    try {
      if (file.multipartUploadId) await this.storage.abortMultipartUpload(file.s3Key, file.multipartUploadId);
      if (objectStored) await this.storage.delete(file.s3Key);
      this.changeStatus(file, arrival, file.status, null);
      await this.files.remove(file);
    } catch (error) {
      this.log.error({ event: 'discard_incomplete', fileId: file.id, key: file.s3Key, err: error, note: 'the purge removes it once its reservation ends' });
    }
    throw reason;
  }

  /** A refused or failed upload, logged and counted once, whether or not a row was made for it. */
  rejected(userId: string | null, arrival: Arrival, error: unknown, fileId?: string): void {
    if (arrival === 'copy') return; // a copy is no upload: its failure is the request's own
    if (error instanceof Object) {
      if (this.reported.has(error)) return;
      this.reported.add(error);
    }
    const code = isAppError(error) ? error.code : 'INTERNAL_SERVER_ERROR';
    this.metrics.rejected.inc({ code });
    this.log.info({ event: 'upload_rejected', fileId, userId, code, reason: (error as Error).message, path: arrival });
  }

  /** Ends a pending upload on its owner's request: parts, object and row go, and a failure is the caller's to hear. */
  async abandon(file: FileEntity, actor: Actor): Promise<void> {
    if (file.multipartUploadId) await this.storage.abortMultipartUpload(file.s3Key, file.multipartUploadId);
    await this.storage.delete(file.s3Key);
    this.changeStatus(file, clientArrival(file), file.status, null);
    await this.files.remove(file);
    this.log.info({ event: 's3_file_deleted', fileId: file.id, userId: actor.userId, reason: 'upload_aborted', hardDelete: true });
  }

  /** What the pass leaves to the queue: the whole pass for client-written bytes; an image's blurhash for a streamed one. */
  private async queueFollowUp(file: FileEntity, status: FileStatus, sql: SqlInTransaction): Promise<void> {
    if (status === FileStatus.PROCESSING) {
      await this.processing.queue.enqueue(PROCESS_FILE, { fileId: file.id }, { jobKey: `${PROCESS_FILE}:${file.id}` }, sql);
    } else if (file.image && file.image.blurhash === null && file.size <= MAX_DECODED_IMAGE_BYTES) {
      await this.processing.queue.enqueue(IMAGE_PLACEHOLDER, { fileId: file.id }, { jobKey: `${IMAGE_PLACEHOLDER}:${file.id}` }, sql);
    }
  }

  /** The file as it stands once its pass has run, or when PROCESSING_WAIT_SECONDS are up. */
  private async untilProcessed(file: FileEntity): Promise<FileEntity | FileRecord> {
    const deadline = Date.now() + this.processing.waitSeconds * 1000;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, PROCESSING_POLL_MS));
      const now = await this.files.readById(file.id);
      if (!now || now.status !== FileStatus.PROCESSING) return now ?? file;
    }
    return file;
  }

  /** Malware: said once, to the log, with the signature; the caller refuses (streamed) or quarantines (direct). */
  private infected(file: FileEntity, arrival: Arrival, signature: string): AppError {
    this.log.warn({ event: 'malware_detected', fileId: file.id, userId: file.ownerId, signature, path: arrival, key: file.s3Key });
    return Errors.malwareDetected(signature);
  }

  private changeStatus(file: FileEntity, arrival: Arrival, from: FileStatus | null, to: FileStatus | null): void {
    for (const hook of this.hooks) hook.statusChanging?.({ file, arrival, from, to }, this.files);
    if (to) file.status = to;
  }

  private reservationEnd(): Date {
    return new Date(Date.now() + this.rules.reservationSeconds * 1000);
  }
}

/** How the bytes of a file the client put came: a resumable upload keeps its part size, completed or not. */
export function clientArrival(file: FileEntity): Arrival {
  return file.partSize ? 'resumable' : 'direct';
}

function applyPass(file: FileEntity, result: PassFacts): void {
  Object.assign(file, { checksumSha256: result.checksumSha256, checksumCrc32: result.checksumCrc32, image: result.image });
}
