import type { Actor } from '../auth/authenticator';
import type { Config } from '../config';
import { FileEntity } from '../../entities/file.entity';
import { Errors } from '../errors';
import { validateFolder } from './file-names';
import type { CheckedName, FilePolicy } from './file-policy';
import { objectKey } from './key-naming';

export interface FileDetails {
  folder?: string | null;
  description?: string | null;
  isPublic?: boolean | null;
  metadata?: Record<string, unknown> | null;
  /** An UPLOAD_PROFILES name: its rules instead of the server's (upload-profiles.ts). */
  profile?: string | null;
  /** After it the file reads as deleted, and the purge removes it. */
  expiresAt?: Date | null;
}

/** An expiry must be ahead: a file that would be deleted as it arrives is a mistake, not a wish. */
export function checkExpiry(expiresAt: Date | null | undefined): Date | null {
  if (expiresAt === undefined || expiresAt === null) return null;
  if (expiresAt.getTime() <= Date.now()) throw Errors.badInput('expiresAt must be in the future');
  return expiresAt;
}

/** A new file's row, named and checked (folder, metadata) and given its key, not yet stored anywhere. */
export function newFile(user: Actor, name: CheckedName, details: FileDetails, deps: { policy: FilePolicy; bucket: string; rules: Config['upload'] }): FileEntity {
  const folder = validateFolder(details.folder);
  const file = Object.assign(new FileEntity(), {
    ownerId: user.userId,
    originalName: name.originalName,
    extension: name.extension,
    folder,
    bucket: deps.bucket,
    contentType: 'application/octet-stream',
    size: 0,
    description: details.description ?? null,
    metadata: deps.policy.checkMetadata(details.metadata),
    isPublic: details.isPublic ?? false,
    expiresAt: checkExpiry(details.expiresAt),
  });
  file.s3Key = objectKey(deps.rules, { fileId: file.id, folder, originalName: name.originalName, extension: name.extension, now: file.createdAt });
  return file;
}
