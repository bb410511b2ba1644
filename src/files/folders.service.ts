import parseTimestamp from 'postgres-date';
import type { Actor } from '../auth/authenticator';
import { FileStatus } from '../../entities/file.entity';
import { Errors } from '../errors';
import type { Logger } from '../logger';
import { BulkAnswers, type BulkResult, checkBulkIds } from './bulk';
import { requireActor } from './file-access';
import { MAX_FOLDER_DEPTH, MAX_FOLDER_LENGTH, validateFolder } from './file-names';
import type { FileRemoval } from './file-removal';
import { escapeLike, type FileRepository, NOT_EXPIRED } from './file-repository';
import { ownedFiles, uuidArray } from './trash.service';

export interface FolderSummary {
  path: string;
  name: string;
  fileCount: number;
  totalBytes: number;
  updatedAt: Date | null;
}

/** A folder and everything under it: "a" and "a/…", never "ab". */
export function inSubtree(folder: string): { sql: string; params: string[] } {
  return { sql: '(folder = ? or folder like ?)', params: [folder, `${escapeLike(folder)}/%`] };
}

/**
 * Folders are logical: a file's folder is a column. Moving or renaming changes
 * rows in one statement and keeps each file's id, creation date, checksum and
 * object key; folder_stats follows in the same transaction (its triggers).
 * Folder operations act on the caller's own files (administrators too).
 */
export class FolderService {
  constructor(
    private readonly files: FileRepository,
    private readonly removal: FileRemoval,
    private readonly log: Logger,
  ) {}

  /** The direct subfolders of `parent` (null: the top level) with their subtree's AVAILABLE files counted. */
  async folders(actor: Actor | null, parent: string | null | undefined, ownerId: string | null | undefined): Promise<FolderSummary[]> {
    const user = requireActor(actor);
    if (ownerId && ownerId !== user.userId && !user.isAdmin) throw Errors.forbidden("Only administrators may see other users' folders");
    const rows = await this.files.query<{ path: string; file_count: number; total_bytes: string; updated_at: string }>(
      'select path, file_count, total_bytes, updated_at from folder_stats where owner_id = ? and parent = ? and file_count > 0 order by path',
      [ownerId ?? user.userId, validateFolder(parent) ?? ''],
    );
    return rows.map((row) => ({
      path: row.path,
      name: row.path.slice(row.path.lastIndexOf('/') + 1),
      fileCount: row.file_count,
      totalBytes: Number(row.total_bytes),
      updatedAt: parseTimestamp(row.updated_at) as Date,
    }));
  }

  /** Into `toFolder` ("" or null: the top level); names may repeat there. */
  async moveFiles(actor: Actor | null, ids: readonly string[], toFolder: string | null): Promise<BulkResult> {
    const user = requireActor(actor);
    const folder = validateFolder(toFolder);
    const answers = new BulkAnswers(checkBulkIds(ids));
    const owned = await ownedFiles(this.files, user, ids, answers);
    if (owned.length) {
      const moved = await this.files.query<{ id: string }>('update files set folder = ?, updated_at = now() where id = any(?::uuid[]) returning id', [folder, uuidArray(owned)]);
      const done = new Set(moved.map((row) => row.id));
      for (const file of owned) if (!done.has(file.id)) answers.fail(file.id, Errors.fileNotFound());
    }
    this.log.info({ event: 'files_moved', userId: user.userId, toFolder: folder, moved: owned.length });
    return answers.result();
  }

  /**
   * Moves `from` and its whole subtree under `to`, merging with what is there;
   * returns how many files moved (in any state: the trash and uploads in flight
   * move with their folder).
   */
  async renameFolder(actor: Actor | null, from: string, to: string): Promise<number> {
    const user = requireActor(actor);
    const source = validateFolder(from);
    const target = validateFolder(to);
    if (source === null || target === null) throw Errors.badInput('Both folders must be named: the top level cannot be renamed, nor renamed to');
    if (target === source) return 0;
    if (target.startsWith(`${source}/`)) throw Errors.badInput(`The folder ${source} cannot be moved into itself`);
    const subtree = inSubtree(source);
    const where = `owner_id = ? and ${subtree.sql}`;
    const params = [user.userId, ...subtree.params];
    const [{ longest, deepest }] = await this.files.query<{ longest: number | null; deepest: number | null }>(
      `select max(length(folder)) as longest, max(cardinality(string_to_array(folder, '/'))) as deepest from files where ${where}`,
      params,
    );
    if (longest === null || deepest === null) return 0;
    // The deepest folder moved must still be a folder an upload could name.
    if (longest - source.length + target.length > MAX_FOLDER_LENGTH || deepest - depth(source) + depth(target) > MAX_FOLDER_DEPTH) {
      throw Errors.badInput(`Under ${target}, folders of ${source} would be longer than ${MAX_FOLDER_LENGTH} characters or deeper than ${MAX_FOLDER_DEPTH} levels`);
    }
    const [{ moved }] = await this.files.query<{ moved: number }>(
      `with moved as (update files set folder = ? || substr(folder, ?), updated_at = now() where ${where} returning 1)
       select count(*)::int as moved from moved`,
      [target, source.length + 1, ...params],
    );
    this.log.info({ event: 'folder_renamed', userId: user.userId, from: source, to: target, moved });
    return moved;
  }

  /**
   * Soft by default: the subtree's AVAILABLE and QUARANTINED files go to the
   * trash; uploads still arriving and files in their pass are left to finish.
   * Hard: every file of the subtree is removed, objects too. Returns how many.
   */
  async deleteFolder(actor: Actor | null, folder: string, hardDelete: boolean): Promise<number> {
    const user = requireActor(actor);
    const path = validateFolder(folder);
    if (path === null) throw Errors.badInput('Name a folder: the top level is not one (emptyTrash and deleteFiles are there for that)');
    const subtree = inSubtree(path);
    const where = `owner_id = ? and ${subtree.sql}`;
    const params = [user.userId, ...subtree.params];
    let count: number;
    if (hardDelete) {
      count = (await this.removal.removeWhere(where, params, { userId: user.userId, reason: 'folder_deleted' })).length;
    } else {
      [{ count }] = await this.files.query<{ count: number }>(
        `with trashed as (
           update files set status = '${FileStatus.DELETED}', deleted_at = now(), updated_at = now()
            where ${where} and status in ('${FileStatus.AVAILABLE}', '${FileStatus.QUARANTINED}') and ${NOT_EXPIRED}
           returning 1)
         select count(*)::int as count from trashed`,
        params,
      );
    }
    this.log.info({ event: 'folder_deleted', userId: user.userId, folder: path, hardDelete, files: count });
    return count;
  }
}

function depth(folder: string): number {
  return folder.split('/').length;
}
