import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

export enum FileEventType {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  MOVED = 'MOVED',
  DELETED = 'DELETED',
  RESTORED = 'RESTORED',
  QUARANTINED = 'QUARANTINED',
  PURGED = 'PURGED',
}

/**
 * The outbox: one row per change of a file, written by triggers on `files` in
 * the transaction that makes the change (migrations/Migration20261202073346.ts),
 * so that no path can change a file without its event, and no event exists for a
 * change that rolled back. Subscribers hear of it after commit (NOTIFY);
 * webhooks are queued from it.
 */
@Entity({ tableName: 'file_events' })
@Index({ name: 'file_events_xid_idx', properties: ['xid'] })
@Index({ name: 'file_events_occurred_idx', properties: ['occurredAt'] })
@Index({ name: 'file_events_undispatched_idx', expression: 'create index "file_events_undispatched_idx" on "file_events" ("seq") where not "dispatched"' })
export class FileEventEntity {
  /** Commit order per file: a later change of a file waits for the earlier one's row lock, so it takes a higher seq. */
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  seq!: number;

  /** What clients see (webhooks carry it too: a receiver drops a repeat by it). */
  @Property({ type: 'uuid', unique: 'file_events_id_unique', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @Property({ type: 'text' })
  type!: FileEventType;

  @Property({ type: 'uuid' })
  fileId!: string;

  @Property({ type: 'text' })
  ownerId!: string;

  @Property({ type: 'text', nullable: true })
  folder: string | null = null;

  /** MOVED: where the file was, so that a view of that folder hears it left. */
  @Property({ type: 'text', nullable: true })
  previousFolder: string | null = null;

  /** The row as it stands after the change (before it, for PURGED). */
  @Property({ type: 'jsonb' })
  file!: Record<string, unknown>;

  @Property({ columnType: 'timestamptz(3)', type: 'datetime', defaultRaw: 'now()' })
  occurredAt!: Date;

  /** The writing transaction: its NOTIFY names it, and the listeners read its events by it. */
  @Property({ columnType: 'xid8', type: 'string', defaultRaw: 'pg_current_xact_id()' })
  xid!: string;

  /** Webhooks have been queued for it. */
  @Property({ type: 'boolean', default: false })
  dispatched = false;
}
