import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { FileEntity, FileStatus } from '../../entities/file.entity';
import type { Config } from '../config';
import { renditionOwner, renditionsOf } from '../images/renditions';
import type { Logger } from '../logger';
import type { StorageBackend } from '../storage/storage-backend';

/** One purge at a time across every instance sharing the database. */
const PURGE_LOCK = 0x66696c65; // "file"
const BATCH = 500;
/** Storage's own leftovers (orphans, unknown multipart uploads) are left alone this long: they may be in flight. */
const GRACE_MS = 24 * 60 * 60 * 1000;
const EVENT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export interface PurgeOptions {
  dryRun?: boolean;
  /** Also delete orphans (objects with no row, AVAILABLE rows with no object); by default they are only reported. */
  deleteOrphans?: boolean;
  now?: Date;
}

export interface PurgeReport {
  /** Another instance held the lock: nothing was done. */
  skipped: boolean;
  dryRun: boolean;
  /** Soft-deleted files past the retention period, removed with their objects. */
  expiredDeleted: string[];
  /** QUARANTINED files (malware) past the retention period, removed with their objects. */
  expiredQuarantined: string[];
  /** PROCESSING files whose pass never finished, older than the retention period. */
  abandonedProcessing: string[];
  /** Files past their expiresAt (they read as deleted since), removed with their objects. */
  expiredFiles: string[];
  /** PENDING uploads past their expiry, removed with their objects and parts. */
  expiredUploads: string[];
  /** Multipart uploads storage holds that no PENDING file claims, older than a day. */
  abandonedMultipart: string[];
  /** Keys with no row, older than a day. */
  orphanObjects: string[];
  /** AVAILABLE files whose object is missing. */
  orphanRows: string[];
  /** createArchive rows whose URL has expired (they hold no bytes: the list of files only). */
  expiredArchives: number;
  /** Outbox rows (file_events) older than a week. */
  oldEvents: number;
  /** Owners whose storage_usage did not add up to their rows, set right (see reconcileUsage). */
  usageCorrected: string[];
}

/**
 * Keeps storage and the table in agreement: removes what retention says is gone,
 * uploads nobody finished, and (on request) orphans either side. Every action is
 * logged as an event. Safe on many instances: a PostgreSQL advisory lock lets one
 * run at a time, and the others skip.
 */
export class Purger {
  constructor(
    private readonly orm: MikroORM,
    private readonly storage: StorageBackend,
    private readonly settings: Config['purge'],
    private readonly log: Logger,
  ) {}

  async run(options: PurgeOptions = {}): Promise<PurgeReport> {
    const now = options.now ?? new Date();
    const dryRun = options.dryRun ?? false;
    const report: PurgeReport = { skipped: false, dryRun, expiredDeleted: [], expiredQuarantined: [], abandonedProcessing: [], expiredFiles: [], expiredUploads: [], abandonedMultipart: [], orphanObjects: [], orphanRows: [], expiredArchives: 0, oldEvents: 0, usageCorrected: [] };
    // The lock is held by this transaction's connection and released when it ends, however it ends.
    await this.orm.em.fork().transactional(async (em) => {
      const [{ locked }] = await em.execute<{ locked: boolean }[]>('select pg_try_advisory_xact_lock(?) as locked', [PURGE_LOCK]);
      if (!locked) {
        report.skipped = true;
        this.log.info({ event: 'purge_skipped', reason: 'another purge holds the lock' });
        return;
      }
      const retentionEnd = new Date(now.getTime() - this.settings.softDeleteRetentionDays * 86_400_000);
      report.expiredDeleted = await this.removeAll(em, { status: FileStatus.DELETED, deletedAt: { $lt: retentionEnd } }, 'retention_expired', dryRun);
      // Kept as long as deleted files are, for its owner and administrators to see why; never served.
      report.expiredQuarantined = await this.removeAll(em, { status: FileStatus.QUARANTINED, updatedAt: { $lt: retentionEnd } }, 'quarantine_expired', dryRun);
      // A pass that gave up (its job out of attempts) leaves the file PROCESSING: after as long, it goes too.
      report.abandonedProcessing = await this.removeAll(em, { status: FileStatus.PROCESSING, updatedAt: { $lt: retentionEnd } }, 'processing_abandoned', dryRun);
      report.expiredFiles = await this.removeAll(em, { expiresAt: { $lt: now }, status: { $ne: FileStatus.PENDING } }, 'file_expired', dryRun);
      report.expiredUploads = await this.removeAll(em, { status: FileStatus.PENDING, uploadExpiresAt: { $lt: now } }, 'upload_expired', dryRun);
      report.abandonedMultipart = await this.abortUnclaimedMultipart(em, now, dryRun);
      await this.findOrphans(em, now, report, dryRun || !options.deleteOrphans);
      report.expiredArchives = await this.removeExpiredArchives(em, now, dryRun);
      report.oldEvents = await this.removeOldEvents(em, now, dryRun);
      report.usageCorrected = await this.reconcileUsage(em, dryRun);
    });
    this.log.info({ event: 'purge_finished', ...counts(report) });
    return report;
  }

  /** Deletes the matching files (parts, object, row), a batch at a time; returns their ids. */
  private async removeAll(em: EntityManager, where: object, reason: string, dryRun: boolean): Promise<string[]> {
    const removed: string[] = [];
    for (let offset = 0; ; ) {
      const batch = await em.find(FileEntity, where, { limit: BATCH, offset, orderBy: { id: 'asc' } });
      for (const file of batch) {
        removed.push(file.id);
        this.log.info({ event: 's3_file_deleted', fileId: file.id, userId: file.ownerId, bytes: file.size, reason, dryRun, by: 'purge' });
        if (dryRun) continue;
        if (file.multipartUploadId) await this.storage.abortMultipartUpload(file.s3Key, file.multipartUploadId);
        await this.storage.delete(file.s3Key);
        if (file.image) await this.storage.deletePrefix(renditionsOf(file.id));
        em.remove(file);
      }
      if (!dryRun) await em.flush();
      if (batch.length < BATCH) return removed;
      if (dryRun) offset += BATCH; // nothing was removed: page on
    }
  }

  /** Multipart uploads in storage that no PENDING file claims: a crash between creating one and recording it, or a foreign client. */
  private async abortUnclaimedMultipart(em: EntityManager, now: Date, dryRun: boolean): Promise<string[]> {
    const uploads = await this.storage.listMultipartUploads();
    if (!uploads) {
      this.log.info({ event: 'purge_multipart_listing_unsupported', note: 'relying on PENDING rows alone' });
      return [];
    }
    const claimed = new Set(
      (await em.find(FileEntity, { multipartUploadId: { $ne: null } }, { fields: ['multipartUploadId'] })).map((file) => file.multipartUploadId),
    );
    const aborted: string[] = [];
    for (const upload of uploads) {
      if (claimed.has(upload.uploadId) || now.getTime() - upload.initiated.getTime() < GRACE_MS) continue;
      aborted.push(upload.uploadId);
      this.log.info({ event: 'multipart_upload_aborted', key: upload.key, uploadId: upload.uploadId, dryRun, by: 'purge' });
      if (!dryRun) await this.storage.abortMultipartUpload(upload.key, upload.uploadId);
    }
    return aborted;
  }

  /**
   * Objects with no row at all, and AVAILABLE rows whose object is not in the
   * bucket. Both must be older than a day, so that nothing in flight is taken for
   * an orphan.
   */
  private async findOrphans(em: EntityManager, now: Date, report: PurgeReport, reportOnly: boolean): Promise<void> {
    const settled = now.getTime() - GRACE_MS;
    const rows = await em.find(FileEntity, {}, { fields: ['s3Key'] });
    const known = new Set(rows.map((file) => file.s3Key));
    const ids = new Set(rows.map((file) => file.id));
    const present = new Set<string>();
    for await (const object of this.storage.listObjects()) {
      present.add(object.key);
      // A rendition is derived, never an orphan: while its file has a row it stays, and once the row is gone it goes.
      const renditionOf = renditionOwner(object.key);
      if (renditionOf !== null) {
        if (!ids.has(renditionOf) && object.lastModified.getTime() <= settled) await this.removeStaleRendition(object.key, renditionOf, report.dryRun);
        continue;
      }
      if (known.has(object.key) || object.lastModified.getTime() > settled) continue;
      report.orphanObjects.push(object.key);
      this.log.warn({ event: 'orphan_object', key: object.key, deleted: !reportOnly, by: 'purge' });
      if (!reportOnly) await this.storage.delete(object.key);
    }
    const available = await em.find(FileEntity, { status: FileStatus.AVAILABLE, updatedAt: { $lt: new Date(settled) } });
    for (const file of available.filter((candidate) => !present.has(candidate.s3Key))) {
      report.orphanRows.push(file.id);
      this.log.warn({ event: 'orphan_row', fileId: file.id, key: file.s3Key, deleted: !reportOnly, by: 'purge' });
      if (!reportOnly) em.remove(file);
    }
    if (!reportOnly) await em.flush();
  }

  /**
   * storage_usage is kept by a trigger in the transactions that change `files`, so
   * it cannot drift through the server; a hand edit, a restore of one table
   * without the other, or a trigger dropped by mistake could. Each purge adds the
   * rows up again, owner by owner, and sets right what differs (`usage_corrected`).
   * Reservations that crashed uploads leave behind are rows too: they count until
   * the purge removes them as expired uploads, above.
   */
  private async reconcileUsage(em: EntityManager, dryRun: boolean): Promise<string[]> {
    // Candidates, from one snapshot: uploads committing meanwhile make some look drifted that are not.
    const candidates = await em.execute<{ owner_id: string }[]>(
      `select coalesce(u.owner_id, f.owner_id) as owner_id
         from storage_usage u
         full join (select owner_id, sum(size) as bytes, count(*) as files from files group by owner_id) f on f.owner_id = u.owner_id
        where coalesce(u.used_bytes, 0) <> coalesce(f.bytes, 0) or coalesce(u.file_count, 0) <> coalesce(f.files, 0)`,
    );
    const corrected: string[] = [];
    for (const { owner_id: ownerId } of candidates) {
      // Each owner again, behind the lock the trigger takes: no change of theirs can commit in between.
      await em.execute('insert into storage_usage (owner_id) values (?) on conflict do nothing', [ownerId]);
      const [held] = await em.execute<{ used_bytes: string; file_count: number }[]>('select used_bytes, file_count from storage_usage where owner_id = ? for update', [ownerId]);
      const [rows] = await em.execute<{ bytes: string; files: number }[]>('select coalesce(sum(size), 0) as bytes, count(*)::int as files from files where owner_id = ?', [ownerId]);
      if (Number(held.used_bytes) === Number(rows.bytes) && held.file_count === rows.files) continue;
      corrected.push(ownerId);
      this.log.warn({ event: 'usage_corrected', userId: ownerId, from: { bytes: Number(held.used_bytes), files: held.file_count }, to: { bytes: Number(rows.bytes), files: rows.files }, dryRun, by: 'purge' });
      if (!dryRun) await em.execute('update storage_usage set used_bytes = ?, file_count = ? where owner_id = ?', [rows.bytes, rows.files, ownerId]);
    }
    return corrected;
  }

  /** The outbox keeps a week: long enough for every webhook's retries (about a day), and to look back on. */
  private async removeOldEvents(em: EntityManager, now: Date, dryRun: boolean): Promise<number> {
    const before = new Date(now.getTime() - EVENT_RETENTION_MS);
    const [{ undispatched }] = await em.execute<{ undispatched: number }[]>('select count(*)::int as undispatched from file_events where occurred_at < ? and not dispatched', [before]);
    // Without WEBHOOK_URLS on any instance, nothing dispatches: say what no webhook will ever carry.
    if (undispatched) this.log.info({ event: 'events_never_dispatched', count: undispatched, dryRun, by: 'purge', note: 'removed from the outbox a week after they occurred, never queued for webhooks' });
    return deleteRows(em, 'file_events', 'occurred_at < ?', [before], dryRun);
  }

  private async removeExpiredArchives(em: EntityManager, now: Date, dryRun: boolean): Promise<number> {
    return deleteRows(em, 'archives', 'expires_at < ?', [now], dryRun);
  }

  /** A rendition whose file's row is gone (a crash between deleting the row and its renditions). */
  private async removeStaleRendition(key: string, fileId: string, dryRun: boolean): Promise<void> {
    this.log.info({ event: 'rendition_removed', key, fileId, reason: 'file_gone', dryRun, by: 'purge' });
    if (!dryRun) await this.storage.delete(key);
  }
}

/** Deletes the rows of `table` matching `where` (a dry run only counts them); how many. */
async function deleteRows(em: EntityManager, table: string, where: string, params: unknown[], dryRun: boolean): Promise<number> {
  const sql = dryRun
    ? `select count(*)::int as count from ${table} where ${where}`
    : `with gone as (delete from ${table} where ${where} returning 1) select count(*)::int as count from gone`;
  const [{ count }] = await em.execute<{ count: number }[]>(sql, params);
  return count;
}

function counts(report: PurgeReport) {
  return {
    skipped: report.skipped,
    dryRun: report.dryRun,
    expiredDeleted: report.expiredDeleted.length,
    expiredQuarantined: report.expiredQuarantined.length,
    abandonedProcessing: report.abandonedProcessing.length,
    expiredFiles: report.expiredFiles.length,
    expiredUploads: report.expiredUploads.length,
    abandonedMultipart: report.abandonedMultipart.length,
    orphanObjects: report.orphanObjects.length,
    orphanRows: report.orphanRows.length,
    expiredArchives: report.expiredArchives,
    oldEvents: report.oldEvents,
    usageCorrected: report.usageCorrected.length,
  };
}
