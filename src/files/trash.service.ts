import type { Actor } from '../auth/authenticator';
import { FileStatus } from '../../entities/file.entity';
import { Errors } from '../errors';
import type { Logger } from '../logger';
import { BulkAnswers, type BulkResult, checkBulkIds } from './bulk';
import { isOwnerOrAdmin, readsAsDeleted, requireActor } from './file-access';
import type { FileRecord } from './file-record';
import type { FileRemoval } from './file-removal';
import { type FileRepository, IN_TRASH } from './file-repository';

/** Deleting and restoring many files at once, and emptying the trash. */
export class TrashService {
  constructor(
    private readonly files: FileRepository,
    private readonly removal: FileRemoval,
    private readonly log: Logger,
  ) {}

  /**
   * Soft by default, like deleteFile: AVAILABLE and QUARANTINED files go to the
   * trash (one already there counts as done). Pending uploads and files still in
   * their pass have nothing worth keeping and are removed, as deleteFile does.
   */
  async deleteFiles(actor: Actor | null, ids: readonly string[], hardDelete: boolean): Promise<BulkResult> {
    const user = requireActor(actor);
    const answers = new BulkAnswers(checkBulkIds(ids));
    const owned = await ownedFiles(this.files, user, ids, answers);
    const final = owned.filter((file) => hardDelete || file.status === FileStatus.PENDING || file.status === FileStatus.PROCESSING);
    const toTrash = owned.filter((file) => !final.includes(file) && !readsAsDeleted(file));
    if (final.length) await this.removal.removeWhere('id = any(?::uuid[])', [uuidArray(final)], { userId: user.userId, reason: 'bulk_delete' });
    if (toTrash.length) {
      await this.files.query(
        `update files set status = '${FileStatus.DELETED}', deleted_at = now(), updated_at = now()
          where id = any(?::uuid[]) and status in ('${FileStatus.AVAILABLE}', '${FileStatus.QUARANTINED}')`,
        [uuidArray(toTrash)],
      );
    }
    this.log.info({ event: 'files_deleted', userId: user.userId, hardDelete, removed: final.length, trashed: toTrash.length });
    return answers.result();
  }

  /** Back from the trash (or from expiry, which then no longer applies); anything else fails alone with BAD_USER_INPUT. */
  async restoreFiles(actor: Actor | null, ids: readonly string[]): Promise<BulkResult> {
    const user = requireActor(actor);
    const answers = new BulkAnswers(checkBulkIds(ids));
    const owned = await ownedFiles(this.files, user, ids, answers);
    const restorable = owned.filter((file) => {
      if (readsAsDeleted(file)) return true;
      answers.fail(file.id, Errors.badInput('Only a deleted file can be restored'));
      return false;
    });
    if (!restorable.length) return answers.result();
    // Malware stays quarantined, in the trash or out of it.
    const restored = await this.files.query<{ id: string }>(
      `update files set
         status = case when status <> '${FileStatus.DELETED}' then status
                       when malware_signature is null then '${FileStatus.AVAILABLE}'::file_status
                       else '${FileStatus.QUARANTINED}'::file_status end,
         deleted_at = null,
         expires_at = case when expires_at <= now() then null else expires_at end,
         updated_at = now()
       where id = any(?::uuid[]) and ${IN_TRASH}
       returning id`,
      [uuidArray(restorable)],
    );
    const done = new Set(restored.map((row) => row.id));
    // Emptied from the trash (or purged) since it was read.
    for (const file of restorable) if (!done.has(file.id)) answers.fail(file.id, Errors.fileNotFound());
    this.log.info({ event: 'files_restored', userId: user.userId, restored: done.size });
    return answers.result();
  }

  /** Hard-deletes the caller's trash, objects too; how many files it held. */
  async emptyTrash(actor: Actor | null): Promise<number> {
    const user = requireActor(actor);
    const removed = await this.removal.removeWhere(`owner_id = ? and ${IN_TRASH}`, [user.userId], { userId: user.userId, reason: 'trash_emptied' });
    this.log.info({ event: 'trash_emptied', userId: user.userId, removed: removed.length });
    return removed.length;
  }
}

/**
 * The files of `ids` the user may change (their own; administrators: any). The
 * others fail alone, with NOT_FOUND: another user's file is not told apart from a
 * missing one.
 */
export async function ownedFiles(files: FileRepository, user: Actor, ids: readonly string[], answers: BulkAnswers): Promise<FileRecord[]> {
  const found = new Map((await files.readByIds(ids)).map((file) => [file.id, file]));
  const owned: FileRecord[] = [];
  for (const id of ids) {
    const file = found.get(id);
    if (file && isOwnerOrAdmin(user, file)) owned.push(file);
    else answers.fail(id, Errors.fileNotFound());
  }
  return owned;
}

/** One array parameter for many ids (a placeholder per id costs more than the statement). */
export function uuidArray(files: readonly { id: string }[]): string {
  return `{${files.map((file) => file.id).join(',')}}`;
}
