import { randomUUID } from 'node:crypto';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/** One file of an archive, as it was when the archive's URL was made. */
export interface ArchivedFile {
  fileId: string;
  /** The entry's path in the ZIP. */
  name: string;
  size: number;
  crc32: number;
  /** The object's ETag then: a file replaced or removed since fails the download before its first byte. */
  etag: string | null;
  s3Key: string;
  modifiedAt: string;
}

/**
 * What a `createArchive` URL serves, fixed when it was made: the entry names and
 * sizes decide every byte offset, so a resumed download (Range) must see the same
 * list. A row, not the URL itself: 10 000 ids do not fit a URL.
 */
@Entity({ tableName: 'archives' })
export class ArchiveEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  ownerId!: string;

  /** The ZIP's file name (Content-Disposition). */
  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'jsonb' })
  files!: ArchivedFile[];

  @Index({ name: 'archives_expires_idx' })
  @Property({ columnType: 'timestamptz(3)', type: 'datetime' })
  expiresAt!: Date;

  @Property({ columnType: 'timestamptz(3)', type: 'datetime' })
  createdAt: Date = new Date();
}
