import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * What one owner stores, kept by a trigger on `files` (every insert, delete and
 * size change, in the same transaction: migrations/Migration20261202051829.ts, now statement triggers: Migration20261202090000.ts),
 * and the quotas set for them (null: QUOTA_DEFAULT_BYTES / QUOTA_DEFAULT_FILES).
 */
@Entity({ tableName: 'storage_usage' })
export class StorageUsageEntity {
  @PrimaryKey({ type: 'text' })
  ownerId!: string;

  /** Every row's size: stored files, the trash, and pending uploads' declared sizes. */
  @Property({ type: new BigIntType('number'), default: 0 })
  usedBytes = 0;

  @Property({ type: 'integer', default: 0 })
  fileCount = 0;

  @Property({ type: new BigIntType('number'), nullable: true })
  quotaBytes: number | null = null;

  @Property({ type: 'integer', nullable: true })
  quotaFiles: number | null = null;
}
