import type { Config } from '../config';
import { Errors } from '../errors';
import type { SqlInTransaction } from '../jobs/job-queue';

/** What an owner stores against their quotas (API.md, StorageUsage). */
export interface StorageUsage {
  usedBytes: number;
  fileCount: number;
  /** In force: the owner's own, else the default; null: unlimited. */
  quotaBytes: number | null;
  quotaFiles: number | null;
}

interface UsageRow {
  used_bytes: string | number;
  file_count: number;
  quota_bytes: string | number | null;
  quota_files: number | null;
}

/**
 * Quotas per owner. Usage is not counted here: a trigger on `files` keeps
 * `storage_usage` in step with the rows, in the transaction that changes them
 * (migrations/Migration20261202090000.ts). What this does is read it: inside
 * that transaction, to refuse what passes a quota (the trigger's row lock makes
 * a concurrent upload of the same owner wait, so the last bytes go to one of
 * them), and outside it, to answer storageUsage and to stop a streamed upload
 * early.
 */
export class Quotas {
  constructor(private readonly defaults: Config['quotas']) {}

  /** In the transaction that added a file or bytes: past a quota, throws QUOTA_EXCEEDED and the transaction rolls back. */
  async check(sql: SqlInTransaction, ownerId: string): Promise<void> {
    const [row] = (await sql('select used_bytes, file_count, quota_bytes, quota_files from storage_usage where owner_id = ?', [ownerId])) as UsageRow[];
    if (!row) return;
    const usage = this.inForce(row);
    if (usage.quotaBytes !== null && usage.usedBytes > usage.quotaBytes) {
      throw Errors.quotaExceeded(`this would use ${usage.usedBytes} bytes of the ${usage.quotaBytes} allowed`);
    }
    if (usage.quotaFiles !== null && usage.fileCount > usage.quotaFiles) {
      throw Errors.quotaExceeded(`this would make ${usage.fileCount} files of the ${usage.quotaFiles} allowed`);
    }
  }

  async usage(sql: SqlInTransaction, ownerId: string): Promise<StorageUsage> {
    const [row] = (await sql('select used_bytes, file_count, quota_bytes, quota_files from storage_usage where owner_id = ?', [ownerId])) as UsageRow[];
    return this.inForce(row ?? { used_bytes: 0, file_count: 0, quota_bytes: null, quota_files: null });
  }

  /** Bytes the owner may still add (null: no byte quota): a streamed upload stops as soon as it passes them. */
  async bytesLeft(sql: SqlInTransaction, ownerId: string): Promise<number | null> {
    const usage = await this.usage(sql, ownerId);
    return usage.quotaBytes === null ? null : Math.max(0, usage.quotaBytes - usage.usedBytes);
  }

  /** null: back to the default. Nothing stored is deleted when a quota falls below usage; new uploads are refused. */
  async set(sql: SqlInTransaction, ownerId: string, quotaBytes: number | null, quotaFiles: number | null): Promise<StorageUsage> {
    if ((quotaBytes !== null && (!Number.isSafeInteger(quotaBytes) || quotaBytes < 0)) || (quotaFiles !== null && (!Number.isInteger(quotaFiles) || quotaFiles < 0))) {
      throw Errors.badInput('Quotas are whole numbers from 0, or null for the default');
    }
    await sql(
      `insert into storage_usage (owner_id, used_bytes, file_count, quota_bytes, quota_files) values (?, 0, 0, ?, ?)
       on conflict (owner_id) do update set quota_bytes = excluded.quota_bytes, quota_files = excluded.quota_files`,
      [ownerId, quotaBytes, quotaFiles],
    );
    return this.usage(sql, ownerId);
  }

  private inForce(row: UsageRow): StorageUsage {
    return {
      usedBytes: Number(row.used_bytes),
      fileCount: Number(row.file_count),
      quotaBytes: row.quota_bytes === null ? this.defaults.defaultBytes : Number(row.quota_bytes),
      quotaFiles: row.quota_files === null ? this.defaults.defaultFiles : row.quota_files,
    };
  }
}
