import type { Config } from '../config';
import { FileStatus, type FileEntity } from '../../entities/file.entity';
import { Errors } from '../errors';
import type { Logger } from '../logger';
import type { StorageBackend } from '../storage/storage-backend';
import type { FileRepository } from './file-repository';

/** A streamed upload or copy that has not finished by then was interrupted; the purge removes it. */
const RESERVATION_TTL_MS = 60 * 60 * 1000;

/**
 * Inserts the PENDING row that claims a new key before any byte is written, so
 * that a concurrent writer of the same key gets CONFLICT instead of overwriting.
 * With UUID names keys cannot clash; otherwise storage is asked too, for objects
 * the table does not know.
 */
export async function reserveKey(files: FileRepository, storage: StorageBackend, rules: Config['upload'], file: FileEntity): Promise<void> {
  if (!rules.useUuidPrefix && (await storage.exists(file.s3Key))) {
    throw Errors.conflict(`An object with the key "${file.s3Key}" already exists`);
  }
  file.status = FileStatus.PENDING;
  file.uploadExpiresAt ??= new Date(Date.now() + RESERVATION_TTL_MS);
  await files.insert(file);
}

export function markAvailable(file: FileEntity): void {
  file.status = FileStatus.AVAILABLE;
  file.uploadExpiresAt = null;
}

/** Drops a reservation after a failed write; the failure itself is what the caller reports. */
export async function forgetReservation(files: FileRepository, file: FileEntity, log: Logger, cause: unknown): Promise<void> {
  try {
    await files.remove(file);
  } catch (error) {
    // The purge removes expired PENDING rows; the original error matters more to the caller.
    log.error({ event: 'reservation_cleanup_failed', fileId: file.id, err: error, cause });
  }
}

/** Best effort: an object whose write could not be recorded. What failed first is what the caller reports. */
export async function removeObject(storage: StorageBackend, key: string, log: Logger): Promise<void> {
  try {
    await storage.delete(key);
  } catch (error) {
    log.error({ event: 'orphan_object_left', key, err: error });
  }
}
