import type { FileRecord } from '../files/file-record';

/** A file as webhooks carry it: the field names of the GraphQL type File (those that are stored, not computed). */
export function fileJson(file: FileRecord): Record<string, unknown> {
  return {
    id: file.id,
    originalName: file.originalName,
    s3Key: file.s3Key,
    bucket: file.bucket,
    folder: file.folder,
    contentType: file.contentType,
    extension: file.extension,
    size: file.size,
    checksumSha256: file.checksumSha256,
    image: file.image,
    description: file.description,
    metadata: file.metadata,
    isPublic: file.isPublic,
    status: file.status,
    serverSideEncryption: file.serverSideEncryption,
    ownerId: file.ownerId,
    copiedFrom: file.copiedFrom ? { id: file.copiedFrom.id } : null,
    createdAt: file.createdAt.toISOString(),
    updatedAt: file.updatedAt.toISOString(),
    deletedAt: file.deletedAt?.toISOString() ?? null,
    expiresAt: file.expiresAt?.toISOString() ?? null,
  };
}
