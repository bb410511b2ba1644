import type { Logger } from '../logger';
import { renditionsOf } from '../images/renditions';
import type { StorageBackend } from '../storage/storage-backend';
import type { FileRepository } from './file-repository';

const BATCH = 500;
/** Object deletes in flight at once: enough to hide storage's latency, few enough not to flood it. */
const PARALLEL_DELETES = 8;

interface RemovedRow {
  id: string;
  owner_id: string;
  s3_key: string;
  size: string;
  multipart_upload_id: string | null;
  has_image: boolean;
}

/**
 * Hard deletes of many files (a folder, the trash, a bulk call): the rows go
 * first, a batch per statement, then their objects. A storage failure after the
 * rows are gone leaves an object nobody can reach, which the purge reports as an
 * orphan; the reverse order would leave rows whose bytes are gone, which users see.
 */
export class FileRemoval {
  constructor(
    private readonly files: FileRepository,
    private readonly storage: StorageBackend,
    private readonly log: Logger,
  ) {}

  /** Removes every file matching `where` (SQL over `files`, `?` placeholders); returns their ids. */
  async removeWhere(where: string, params: unknown[], context: { userId: string; reason: string }): Promise<string[]> {
    const removed: string[] = [];
    for (;;) {
      const rows = await this.files.query<RemovedRow>(
        `delete from files where id in (select id from files where ${where} limit ${BATCH})
         returning id, owner_id, s3_key, size, multipart_upload_id, image is not null as has_image`,
        params,
      );
      await inParallel(rows, (row) => this.removeObject(row, context));
      removed.push(...rows.map((row) => row.id));
      if (rows.length < BATCH) return removed;
    }
  }

  private async removeObject(row: RemovedRow, context: { userId: string; reason: string }): Promise<void> {
    try {
      if (row.multipart_upload_id) await this.storage.abortMultipartUpload(row.s3_key, row.multipart_upload_id);
      await this.storage.delete(row.s3_key);
      if (row.has_image) await this.storage.deletePrefix(renditionsOf(row.id));
      this.log.info({ event: 's3_file_deleted', fileId: row.id, ownerId: row.owner_id, userId: context.userId, bytes: Number(row.size), reason: context.reason, hardDelete: true });
    } catch (error) {
      this.log.warn({ event: 'object_left_behind', fileId: row.id, key: row.s3_key, reason: context.reason, err: error, note: 'the purge reports it as an orphan object' });
    }
  }
}

async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_DELETES, items.length) }, worker));
}
