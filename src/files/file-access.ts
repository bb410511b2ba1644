import type { Actor } from '../auth/authenticator';
import { FileStatus } from '../../entities/file.entity';
import { Errors } from '../errors';
import type { FileRecord } from './file-record';

export function requireActor(actor: Actor | null): Actor {
  if (!actor) throw Errors.unauthenticated();
  return actor;
}

export function isOwnerOrAdmin(actor: Actor | null, file: FileRecord): boolean {
  return actor !== null && (actor.isAdmin || actor.userId === file.ownerId);
}

/**
 * Owners and administrators see a file in any state; anyone sees an available
 * public file. Everything else is indistinguishable from a missing file.
 */
export function canSee(actor: Actor | null, file: FileRecord): boolean {
  return isOwnerOrAdmin(actor, file) || (file.isPublic && file.status === FileStatus.AVAILABLE && !readsAsDeleted(file));
}

/** Deleted, or past its expiry (which reads as deleted until the purge removes it). */
export function readsAsDeleted(file: Pick<FileRecord, 'status' | 'expiresAt'>, now = Date.now()): boolean {
  return file.status === FileStatus.DELETED || (file.status !== FileStatus.PENDING && file.expiresAt !== null && file.expiresAt.getTime() <= now);
}
