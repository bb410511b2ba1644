import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One owner's folder with the AVAILABLE files of its whole subtree, counted.
 * Kept by statement triggers on `files` (migrations/Migration20261202072223.ts),
 * in the transaction that changes the rows: `folders(parent)` reads a handful of
 * rows however many files there are, and a move of 10 000 files updates each
 * ancestor once.
 */
@Entity({ tableName: 'folder_stats' })
@Index({ name: 'folder_stats_parent_idx', properties: ['ownerId', 'parent', 'path'] })
export class FolderStatsEntity {
  @PrimaryKey({ type: 'text' })
  ownerId!: string;

  /** "reports/2024" */
  @PrimaryKey({ type: 'text' })
  path!: string;

  /** "reports"; '' for a top-level folder. */
  @Property({ type: 'text' })
  parent!: string;

  @Property({ type: 'integer', default: 0 })
  fileCount = 0;

  @Property({ type: new BigIntType('number'), default: 0 })
  totalBytes = 0;

  @Property({ columnType: 'timestamptz(3)', type: 'datetime' })
  updatedAt: Date = new Date();
}
