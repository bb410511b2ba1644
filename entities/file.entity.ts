import { randomUUID } from 'node:crypto';
import { BigIntType, Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';

export enum FileStatus {
  /** Reserved: bytes are on their way (a streamed upload, or a direct upload not yet completed). */
  PENDING = 'PENDING',
  /** A direct upload's bytes are all there; the processing pass (checksums, scan, image) runs. */
  PROCESSING = 'PROCESSING',
  AVAILABLE = 'AVAILABLE',
  /** The pass found malware: the bytes are served to nobody; the purge removes them after the retention period. */
  QUARANTINED = 'QUARANTINED',
  /** Soft-deleted: the object is kept until a hard delete or the purge. */
  DELETED = 'DELETED',
}

/** What the processing pass learns of an image (API.md, "Images"). */
export interface ImageInfo {
  /** As displayed: EXIF orientation applied. */
  width: number;
  height: number;
  format: string;
  hasAlpha: boolean;
  /** Filled in by the pass's queued half for streamed uploads; null until then. */
  blurhash: string | null;
}

/** The database's picture of one stored object. */
@Entity({ tableName: 'files' })
// Keyset pagination: an owner's files, newest first.
@Index({ name: 'files_owner_created_idx', properties: ['ownerId', 'createdAt', 'id'] })
@Index({ name: 'files_created_idx', properties: ['createdAt', 'id'] })
// The other sort orders (files(orderBy)), each with the id as the tie-breaker of its keyset cursor.
@Index({ name: 'files_owner_updated_idx', properties: ['ownerId', 'updatedAt', 'id'] })
@Index({ name: 'files_owner_name_idx', properties: ['ownerId', 'originalName', 'id'] })
@Index({ name: 'files_owner_size_idx', properties: ['ownerId', 'size', 'id'] })
// A folder's subtree ("a" and "a/%"): a prefix LIKE uses the index only with text_pattern_ops.
@Index({ name: 'files_owner_folder_idx', expression: 'create index "files_owner_folder_idx" on "files" ("owner_id", "folder" text_pattern_ops)' })
// What the purge removes at expiry.
@Index({ name: 'files_expires_idx', expression: 'create index "files_expires_idx" on "files" ("expires_at") where "expires_at" is not null' })
@Index({ name: 'files_metadata_gin_idx', expression: 'create index "files_metadata_gin_idx" on "files" using gin ("metadata" jsonb_path_ops)' })
// The row reserves its key: two uploads can never claim the same object.
@Unique({ name: 'files_bucket_key_unique', properties: ['bucket', 's3Key'] })
export class FileEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  ownerId!: string;

  @Property({ type: 'text' })
  originalName!: string;

  @Property({ type: 'text', fieldName: 's3_key' })
  s3Key!: string;

  @Property({ type: 'text' })
  bucket!: string;

  @Index({ name: 'files_folder_idx' })
  @Property({ type: 'text', nullable: true })
  folder: string | null = null;

  @Property({ type: 'text' })
  contentType!: string;

  @Property({ type: 'text' })
  extension!: string;

  @Property({ type: new BigIntType('number') })
  size!: number;

  @Property({ type: 'text', nullable: true })
  checksumSha256: string | null = null;

  /** CRC-32 of the stored bytes (what a ZIP entry records), from the processing pass. */
  @Property({ type: new BigIntType('number'), nullable: true })
  checksumCrc32: number | null = null;

  /**
   * The object's ETag when the file became available: every read the server makes
   * asks storage for this one (If-Match), so an object replaced behind its back is
   * never served as the file. Null for files stored before it was recorded.
   */
  @Property({ type: 'text', nullable: true })
  objectEtag: string | null = null;

  /** The scanner's name for what it found (QUARANTINED files). */
  @Property({ type: 'text', nullable: true })
  malwareSignature: string | null = null;

  /** Null for files that are not images (or are too large to decode). */
  @Property({ type: 'jsonb', nullable: true })
  image: ImageInfo | null = null;

  @Property({ type: 'text', nullable: true })
  description: string | null = null;

  @Property({ type: 'jsonb' })
  metadata: Record<string, unknown> = {};

  @Property({ type: 'boolean' })
  isPublic = false;

  @Index({ name: 'files_status_idx' })
  @Enum({ items: () => FileStatus, nativeEnumName: 'file_status' })
  status: FileStatus = FileStatus.PENDING;

  @Property({ type: 'text', nullable: true })
  serverSideEncryption: string | null = null;

  @ManyToOne(() => FileEntity, { nullable: true, deleteRule: 'set null', index: 'files_copied_from_idx' })
  copiedFrom: FileEntity | null = null;

  // Millisecond precision, like JavaScript dates: a cursor holds the exact value.
  @Property({ columnType: 'timestamptz(3)', type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ columnType: 'timestamptz(3)', type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ columnType: 'timestamptz(3)', type: 'datetime', nullable: true })
  deletedAt: Date | null = null;

  /** After this the file reads as deleted (in its owner's trash), and the purge removes it. */
  @Property({ columnType: 'timestamptz(3)', type: 'datetime', nullable: true })
  expiresAt: Date | null = null;

  /** A resumable direct upload: storage's multipart upload id, until it is completed or aborted. */
  @Property({ type: 'text', nullable: true })
  multipartUploadId: string | null = null;

  /** A resumable direct upload: every part but the last has exactly this size. */
  @Property({ type: new BigIntType('number'), nullable: true })
  partSize: number | null = null;

  /** PENDING files only: after this the upload is abandoned and the purge removes it. */
  @Property({ columnType: 'timestamptz(3)', type: 'datetime', nullable: true })
  uploadExpiresAt: Date | null = null;
}
