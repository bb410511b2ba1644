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
  return isOwnerOrAdmin(actor, file) || (file.isPublic && file.status === FileStatus.AVAILABLE);
}
