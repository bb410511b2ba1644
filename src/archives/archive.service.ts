import { createHmac, timingSafeEqual } from 'node:crypto';
import parseTimestamp from 'postgres-date';
import { crc32 } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { ArchivedFile } from '../../entities/archive.entity';
import { FileStatus } from '../../entities/file.entity';
import type { Actor } from '../auth/authenticator';
import type { Config } from '../config';
import { Errors } from '../errors';
import { checkDistinct } from '../files/bulk';
import { canSee, requireActor } from '../files/file-access';
import { extensionOf, sanitizeFileName, validateFolder } from '../files/file-names';
import { fileRecord, type FileRecord, type FileRow } from '../files/file-record';
import { type FileRepository, NOT_EXPIRED } from '../files/file-repository';
import { inSubtree } from '../files/folders.service';
import type { Logger } from '../logger';
import type { ObjectStream, StorageBackend } from '../storage/storage-backend';
import { uniqueEntryNames } from './entry-names';
import { type ArchiveLayout, layoutArchive } from './zip-layout';

export interface ArchiveRequest {
  ids?: readonly string[] | null;
  folder?: string | null;
  /** The ZIP's file name; ".zip" is added when missing. */
  name?: string | null;
}

/** An archive ready to be sent: every byte of it is decided. */
export interface OpenArchive {
  id: string;
  ownerId: string;
  name: string;
  layout: ArchiveLayout;
  /** A strong validator: the archive's bytes never change (If-Range). */
  etag: string;
  /** Bytes start..end (inclusive) of one entry's content, from storage, only if its object is still the one archived. */
  read(entry: number, start: number, end: number): Promise<ObjectStream>;
}

/** Why an archive URL serves nothing: `gone` answers 410 (it existed), anything else is NOT_FOUND. */
export type ArchiveRefusal = { gone: string };

/**
 * createArchive and what its URL serves. The list of files, their entry names
 * and sizes, is fixed when the URL is made (a row of `archives`), so that a
 * resumed download (Range) sees the same bytes at the same offsets. When the URL
 * is fetched, every file must still be there, unchanged (the same object ETag):
 * otherwise the download fails before its first byte, with 410, rather than
 * serving a file that was deleted meanwhile or an archive that no longer adds up.
 */
export class ArchiveService {
  constructor(
    private readonly files: FileRepository,
    private readonly storage: StorageBackend,
    private readonly tokens: ArchiveTokens,
    private readonly limits: Config['archives'],
    private readonly expirySeconds: number,
    private readonly log: Logger,
  ) {}

  /** A URL of this server (`origin` + /archives/:token) that streams the ZIP. */
  async create(actor: Actor | null, request: ArchiveRequest, origin: string): Promise<{ url: string; method: string; expiresAt: Date }> {
    const user = requireActor(actor);
    if ((request.ids == null) === (request.folder == null)) throw Errors.badInput('Name either ids or a folder');
    const { files, base } = request.ids ? await this.selected(user, request.ids) : await this.inFolder(user, request.folder!);
    const names = uniqueEntryNames(files.map((file) => entryPath(file, base)));
    const archived: ArchivedFile[] = [];
    for (const [i, file] of files.entries()) {
      archived.push({
        fileId: file.id,
        name: names[i],
        size: file.size,
        crc32: file.checksumCrc32 ?? (await this.computeCrc(file)),
        etag: file.objectEtag,
        s3Key: file.s3Key,
        modifiedAt: file.updatedAt.toISOString(),
      });
    }
    const name = zipName(request.name, base);
    const expiresAt = new Date(Date.now() + this.expirySeconds * 1000);
    const [{ id }] = await this.files.query<{ id: string }>(
      'insert into archives (id, owner_id, name, files, expires_at, created_at) values (gen_random_uuid(), ?, ?, ?::jsonb, ?, now()) returning id',
      [user.userId, name, JSON.stringify(archived), expiresAt],
    );
    this.log.info({ event: 'archive_created', archiveId: id, userId: user.userId, files: archived.length, bytes: archived.reduce((sum, file) => sum + file.size, 0) });
    return { url: `${origin}/archives/${this.tokens.sign(id)}`, method: 'GET', expiresAt };
  }

  /** The archive a token names, if it may still be sent. */
  async open(token: string): Promise<OpenArchive | ArchiveRefusal> {
    const id = this.tokens.verify(token);
    if (!id) throw Errors.notFound('No such archive');
    const [row] = await this.files.query<{ owner_id: string; name: string; files: ArchivedFile[]; expires_at: string }>('select owner_id, name, files, expires_at from archives where id = ?', [id]);
    if (!row) throw Errors.notFound('No such archive');
    if ((parseTimestamp(row.expires_at) as Date).getTime() <= Date.now()) return { gone: 'The archive\'s URL has expired: ask for a new one' };
    if (!(await this.unchanged(row.files))) return { gone: 'A file in this archive was deleted or replaced since the archive was made: ask for a new one' };
    const layout = layoutArchive(row.files.map((file) => ({ name: file.name, size: file.size, crc32: file.crc32, modifiedAt: new Date(file.modifiedAt) })));
    return {
      id,
      ownerId: row.owner_id,
      name: row.name,
      layout,
      etag: `"archive-${id}"`,
      read: async (entry, start, end) => {
        const file = row.files[entry];
        const object = await this.storage.get(file.s3Key, { range: `bytes=${start}-${end}`, ifMatch: file.etag });
        if (!object) throw new Error(`storage answered 304 for ${file.s3Key}`);
        return object;
      },
    };
  }

  /** The files named, as the caller may read them: any other id is left out, as if it did not exist. */
  private async selected(user: Actor, ids: readonly string[]): Promise<{ files: FileRecord[]; base: null }> {
    if (ids.length > this.limits.maxFiles) throw Errors.badInput(`An archive holds at most ${this.limits.maxFiles} files (ARCHIVE_MAX_FILES); ${ids.length} were named`);
    checkDistinct(ids);
    const found = new Map((await this.files.readByIds(ids)).map((file) => [file.id, file]));
    const files = ids.map((id) => found.get(id)).filter((file): file is FileRecord => !!file && file.status === FileStatus.AVAILABLE && canSee(user, file));
    this.checkBytes(files.reduce((sum, file) => sum + file.size, 0));
    return { files, base: null };
  }

  /** The caller's AVAILABLE files in a folder's subtree, counted before they are read. */
  private async inFolder(user: Actor, folder: string): Promise<{ files: FileRecord[]; base: string }> {
    const base = validateFolder(folder);
    if (base === null) throw Errors.badInput('Name a folder (or ids): the top level is not one');
    const subtree = inSubtree(base);
    const where = `owner_id = ? and ${subtree.sql} and status = '${FileStatus.AVAILABLE}' and ${NOT_EXPIRED}`;
    const params = [user.userId, ...subtree.params];
    const [{ count, bytes }] = await this.files.query<{ count: number; bytes: string }>(`select count(*)::int as count, coalesce(sum(size), 0) as bytes from files where ${where}`, params);
    if (count > this.limits.maxFiles) throw Errors.badInput(`The folder holds ${count} files; an archive holds at most ${this.limits.maxFiles} (ARCHIVE_MAX_FILES)`);
    this.checkBytes(Number(bytes));
    const rows = await this.files.query<FileRow>(`select * from files where ${where} order by folder, original_name, id`, params);
    return { files: rows.map(fileRecord), base };
  }

  private checkBytes(bytes: number): void {
    if (bytes > this.limits.maxBytes) throw Errors.badInput(`The archive would hold ${bytes} bytes; at most ${this.limits.maxBytes} (ARCHIVE_MAX_BYTES)`);
  }

  /** Files stored before the processing pass recorded CRC-32s: read once now, and kept. */
  private async computeCrc(file: FileRecord): Promise<number> {
    const object = await this.storage.get(file.s3Key, { ifMatch: file.objectEtag });
    let crc = 0;
    for await (const chunk of object!.body as Readable) crc = crc32(chunk as Buffer, crc);
    await this.files.query('update files set checksum_crc32 = ? where id = ? and checksum_crc32 is null', [crc, file.id]);
    return crc;
  }

  /** Every archived file still AVAILABLE, not expired, and its object the one archived. */
  private async unchanged(archived: readonly ArchivedFile[]): Promise<boolean> {
    if (!archived.length) return true;
    const now = await this.files.readByIds(archived.map((file) => file.fileId));
    const current = new Map(now.map((file) => [file.id, file]));
    return archived.every((file) => {
      const found = current.get(file.fileId);
      return found?.status === FileStatus.AVAILABLE && found.s3Key === file.s3Key && found.objectEtag === file.etag;
    });
  }
}

/** A path in the archive: relative to the folder archived, or from the top level for a selection (keeping its folders). */
function entryPath(file: FileRecord, base: string | null): string {
  const folder = base === null ? file.folder : file.folder === base ? null : file.folder!.slice(base.length + 1);
  return folder ? `${folder}/${file.originalName}` : file.originalName;
}

function zipName(requested: string | null | undefined, base: string | null): string {
  const name = requested ? sanitizeFileName(requested) : base ? base.slice(base.lastIndexOf('/') + 1) : 'files';
  return extensionOf(name) === 'zip' ? name : `${name}.zip`;
}

/** `<archive id>.<HMAC>`: a tampered token is refused without a database read. */
export class ArchiveTokens {
  constructor(private readonly key: Buffer) {}

  sign(id: string): string {
    return `${id}.${this.mac(id)}`;
  }

  verify(token: string): string | null {
    const [id, mac, extra] = token.split('.');
    if (extra !== undefined || !id || !mac || !/^[0-9a-f-]{36}$/.test(id)) return null;
    const expected = Buffer.from(this.mac(id));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
  }

  private mac(id: string): string {
    return createHmac('sha256', this.key).update(`archive:${id}`).digest('base64url');
  }
}
