import parseTimestamp from 'postgres-date';
import { type FileEntity, FileStatus, type ImageInfo } from '../../entities/file.entity';

/**
 * A file as read, not to be changed: what queries return. An entity is one too.
 * Lists read rows as plain objects: hydrating 50 entities into the identity map
 * cost more than the rest of a `files` request together (BENCHMARKS.md).
 */
export type FileRecord = Readonly<Omit<FileEntity, 'copiedFrom'>> & { readonly copiedFrom: { readonly id: string } | null };

/** A row of `select * from files`, as MikroORM's pg driver returns it (timestamps as text). */
export interface FileRow {
  id: string;
  owner_id: string;
  original_name: string;
  s3_key: string;
  bucket: string;
  folder: string | null;
  content_type: string;
  extension: string;
  /** bigint: pg returns it as text so that no digit is lost; file sizes fit a double. */
  size: string;
  checksum_sha256: string | null;
  checksum_crc32: string | null;
  object_etag: string | null;
  malware_signature: string | null;
  image: ImageInfo | null;
  description: string | null;
  metadata: Record<string, unknown>;
  is_public: boolean;
  status: FileStatus;
  server_side_encryption: string | null;
  copied_from_id: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  multipart_upload_id: string | null;
  part_size: string | null;
  upload_expires_at: string | null;
  expires_at: string | null;
}

export function fileRecord(row: FileRow): FileRecord {
  const expiresAt = row.expires_at === null ? null : timestamp(row.expires_at);
  const deletedAt = row.deleted_at === null ? null : timestamp(row.deleted_at);
  // Past its expiry a file reads as deleted, in its owner's trash, until the purge removes it.
  const expired = expiresAt !== null && row.status !== FileStatus.PENDING && expiresAt.getTime() <= Date.now();
  return {
    id: row.id,
    ownerId: row.owner_id,
    originalName: row.original_name,
    s3Key: row.s3_key,
    bucket: row.bucket,
    folder: row.folder,
    contentType: row.content_type,
    extension: row.extension,
    size: Number(row.size),
    checksumSha256: row.checksum_sha256,
    checksumCrc32: row.checksum_crc32 === null ? null : Number(row.checksum_crc32),
    objectEtag: row.object_etag,
    malwareSignature: row.malware_signature,
    image: row.image,
    description: row.description,
    metadata: row.metadata,
    isPublic: row.is_public,
    status: expired ? FileStatus.DELETED : row.status,
    serverSideEncryption: row.server_side_encryption,
    copiedFrom: row.copied_from_id === null ? null : { id: row.copied_from_id },
    createdAt: timestamp(row.created_at),
    updatedAt: timestamp(row.updated_at),
    deletedAt: expired ? (deletedAt ?? expiresAt) : deletedAt,
    multipartUploadId: row.multipart_upload_id,
    partSize: row.part_size === null ? null : Number(row.part_size),
    uploadExpiresAt: row.upload_expires_at === null ? null : timestamp(row.upload_expires_at),
    expiresAt,
  };
}

// The parser MikroORM itself uses for timestamptz text; a row read as JSON (an event's) has ISO 8601 instead.
function timestamp(text: string): Date {
  return (parseTimestamp(text) as Date | null) ?? new Date(text);
}
