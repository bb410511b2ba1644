import type { FileEntity } from '../../entities/file.entity';

/**
 * The user-defined metadata (x-amz-meta-*) written with each object, so that a
 * bucket read without the database still says whose file is what. S3 allows
 * US-ASCII only here, hence the encoded name.
 */
export function objectMetadata(file: FileEntity): Record<string, string> {
  return {
    'file-id': file.id,
    'owner-id': encodeURIComponent(file.ownerId),
    'original-name': encodeURIComponent(file.originalName),
  };
}
