import type { Actor } from '../auth/authenticator';
import type { Config } from '../config';
import { FileEntity } from '../../entities/file.entity';
import type { StorageBackend } from '../storage/storage-backend';
import { validateFolder } from './file-names';
import type { FilePolicy } from './file-policy';
import { objectKey } from './key-naming';

export interface FileDetails {
  folder?: string | null;
  description?: string | null;
  isPublic?: boolean | null;
  metadata?: Record<string, unknown> | null;
}

/** A new file's row, named and checked (name, folder, metadata), not yet stored anywhere. */
export function newFile(
  user: Actor,
  filename: string,
  details: FileDetails,
  deps: { policy: FilePolicy; storage: StorageBackend; rules: Config['upload'] },
): FileEntity {
  const { originalName, extension } = deps.policy.checkName(filename);
  const folder = validateFolder(details.folder);
  const file = Object.assign(new FileEntity(), {
    ownerId: user.userId,
    originalName,
    extension,
    folder,
    bucket: deps.storage.bucket,
    contentType: 'application/octet-stream',
    size: 0,
    description: details.description ?? null,
    metadata: deps.policy.checkMetadata(details.metadata),
    isPublic: details.isPublic ?? false,
  });
  file.s3Key = objectKey(deps.rules, { fileId: file.id, folder, originalName, extension, now: file.createdAt });
  return file;
}
