import type { Actor } from '../auth/authenticator';
import type { Config } from '../config';
import { type FileEntity, FileStatus } from '../../entities/file.entity';
import { Errors, isAppError, isRefusal } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { StorageBackend } from '../storage/storage-backend';
import type { FileRepository } from './file-repository';

/** The ways a new file comes into being. */
export type Arrival = 'stream' | 'direct' | 'resumable' | 'copy';

/** What the stored bytes turned out to be, once checked. */
export interface StoredBytes {
  size: number;
  contentType: string;
  checksumSha256: string | null;
  serverSideEncryption: string | null;
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
 *   reserve ── PENDING row claims the key ──▶ settle ── bytes stored and checked ──▶ AVAILABLE
 *      │                                        │
 *      └── refused: nothing written             └── refused or failed: discard (object, parts, row go)
 *
 * Direct and resumable uploads reserve when the client asks for a ticket and
 * settle when it says it is done; streamed uploads and copies do both at once.
 */
export class NewFileLifecycle {
  /** Errors already logged and counted: a failure passes through several layers, it is one rejection. */
  private readonly reported = new WeakSet<object>();

  constructor(
    private readonly files: FileRepository,
    private readonly storage: StorageBackend,
    private readonly rules: Config['upload'],
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
    await this.files.insert(file);
  }

  /**
   * Brings the bytes in (a streamed upload, a copy) or checks those the client put
   * (a direct upload), then makes the file AVAILABLE. A refused file is discarded:
   * no object, no parts, no row. A direct upload that meets an outage stays
   * PENDING, so that the client can complete it again.
   */
  async settle(file: FileEntity, arrival: Arrival, bytes: () => Promise<StoredBytes>): Promise<FileEntity> {
    const started = Date.now();
    const clientWrote = arrival === 'direct' || arrival === 'resumable';
    let objectStored = clientWrote;
    try {
      Object.assign(file, await bytes());
      objectStored = true;
      for (const hook of this.hooks) await hook.bytesStored?.(file, arrival);
      this.changeStatus(file, arrival, FileStatus.PENDING, FileStatus.AVAILABLE);
      file.uploadExpiresAt = null;
      await this.files.save();
    } catch (error) {
      if (clientWrote && !isRefusal(error)) throw error;
      return this.discard(file, arrival, error, objectStored);
    }
    const done = { fileId: file.id, userId: file.ownerId, bytes: file.size, durationMs: Date.now() - started };
    if (arrival === 'copy') this.log.info({ event: 's3_file_copied', ...done, sourceId: file.copiedFrom?.id });
    else this.log.info({ event: 's3_file_uploaded', ...done, path: arrival });
    if (arrival !== 'copy') this.metrics.uploaded(arrival === 'stream' ? 'multipart' : 'direct', file.size);
    return file;
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
    this.changeStatus(file, file.multipartUploadId ? 'resumable' : 'direct', file.status, null);
    await this.files.remove(file);
    this.log.info({ event: 's3_file_deleted', fileId: file.id, userId: actor.userId, reason: 'upload_aborted', hardDelete: true });
  }

  private changeStatus(file: FileEntity, arrival: Arrival, from: FileStatus | null, to: FileStatus | null): void {
    for (const hook of this.hooks) hook.statusChanging?.({ file, arrival, from, to }, this.files);
    if (to) file.status = to;
  }

  private reservationEnd(): Date {
    return new Date(Date.now() + this.rules.reservationSeconds * 1000);
  }
}
