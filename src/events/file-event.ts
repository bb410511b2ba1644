import parseTimestamp from 'postgres-date';
import { FileEventType } from '../../entities/file-event.entity';
import { fileRecord, type FileRecord, type FileRow } from '../files/file-record';

export { FileEventType };

/** A change of one file, as subscribers and webhooks receive it. */
export interface FileEvent {
  /** The outbox's order: a file's events are delivered in it. */
  seq: number;
  id: string;
  type: FileEventType;
  occurredAt: Date;
  ownerId: string;
  folder: string | null;
  /** MOVED: the folder it left. */
  previousFolder: string | null;
  /** As it stands after the change (as it was, for PURGED). */
  file: FileRecord;
}

/** A row of `select * from file_events`. */
export interface FileEventRow {
  seq: string;
  id: string;
  type: FileEventType;
  owner_id: string;
  folder: string | null;
  previous_folder: string | null;
  /** to_jsonb of the files row: its column names, timestamps in ISO 8601. */
  file: FileRow;
  occurred_at: string;
}

export function fileEvent(row: FileEventRow): FileEvent {
  return {
    seq: Number(row.seq),
    id: row.id,
    type: row.type,
    occurredAt: parseTimestamp(row.occurred_at) as Date,
    ownerId: row.owner_id,
    folder: row.folder,
    previousFolder: row.previous_folder,
    file: fileRecord({ ...row.file, size: String(row.file.size) }),
  };
}

/** What one subscription asked for. `ownerId` null: every owner's files (administrators). */
export interface EventFilter {
  ownerId: string | null;
  folderPrefix?: string | null;
  fileId?: string | null;
}

/** A folder prefix matches as `files(filter: { folderPrefix })` does; a move matches on either side. */
export function matches(filter: EventFilter, event: FileEvent): boolean {
  if (filter.ownerId !== null && event.ownerId !== filter.ownerId) return false;
  if (filter.fileId && event.file.id !== filter.fileId) return false;
  if (filter.folderPrefix) {
    const prefix = filter.folderPrefix;
    return [event.folder, event.previousFolder].some((folder) => folder !== null && folder.startsWith(prefix));
  }
  return true;
}
