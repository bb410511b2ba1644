import type { Actor } from '../auth/authenticator';
import type { Config } from '../config';
import { MAX_PRESIGNED_EXPIRY_SECONDS } from '../config';
import { type FileEntity, FileStatus } from '../../entities/file.entity';
import { renditionsOf } from '../images/renditions';
import { Errors } from '../errors';
import type { Logger } from '../logger';
import type { ObjectInfo, ObjectStream, StorageBackend } from '../storage/storage-backend';
import { canSee, isOwnerOrAdmin, readsAsDeleted, requireActor } from './file-access';
import { contentDisposition, dispositionKind } from './content-disposition';
import type { FilePolicy } from './file-policy';
import { extensionOf, sanitizeFileName } from './file-names';
import { expectedMimeFor } from './file-types';
import type { FileRepository, Page } from './file-repository';
import type { FileRecord } from './file-record';
import { decodeCursor, type FileOrder, NEWEST_FIRST } from './cursor';
import { checkExpiry, newFile } from './new-file';
import type { NewFileLifecycle } from './new-file-lifecycle';
import { objectMetadata } from './object-metadata';

const MAX_PAGE_SIZE = 100;

export interface ListFilter {
  folder?: string | null;
  folderPrefix?: string | null;
  contentTypePrefix?: string | null;
  search?: string | null;
  metadataContains?: Record<string, unknown> | null;
  includeDeleted?: boolean | null;
  ownerId?: string | null;
  status?: FileStatus | null;
}

export interface CopyRequest {
  newFolder?: string | null;
  newName?: string | null;
  newMetadata?: Record<string, unknown> | null;
  isPublic?: boolean | null;
}

export interface UpdateRequest {
  description?: string | null;
  metadata?: Record<string, unknown> | null;
  isPublic?: boolean | null;
  /** null: the file no longer expires. */
  expiresAt?: Date | null;
}

export interface PresignedLink {
  url: string;
  method: string;
  expiresAt: Date;
}

/** Everything done to files that already exist: read, list, link, copy, change, delete. */
export class FileService {
  constructor(
    private readonly files: FileRepository,
    private readonly storage: StorageBackend,
    private readonly policy: FilePolicy,
    private readonly rules: Config['upload'],
    private readonly lifecycle: NewFileLifecycle,
    private readonly log: Logger,
    private readonly publicBaseUrl?: string,
  ) {}

  /** Null when the file does not exist or the actor may not see it. */
  async find(actor: Actor | null, id: string): Promise<FileRecord | null> {
    const file = await this.files.readById(id);
    return file && canSee(actor, file) ? file : null;
  }

  /** For the copiedFrom DataLoader: one query for a whole page of files. */
  async findMany(actor: Actor | null, ids: readonly string[]): Promise<(FileRecord | null)[]> {
    const found = new Map((await this.files.readByIds(ids)).map((file) => [file.id, file]));
    return ids.map((id) => {
      const file = found.get(id);
      return file && canSee(actor, file) ? file : null;
    });
  }

  async list(actor: Actor | null, filter: ListFilter = {}, first = 20, after?: string | null, order: FileOrder = NEWEST_FIRST): Promise<Page> {
    const user = requireActor(actor);
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
      throw Errors.badInput(`first must be from 1 to ${MAX_PAGE_SIZE}`);
    }
    if (filter.ownerId && !user.isAdmin && filter.ownerId !== user.userId) {
      throw Errors.forbidden("Only administrators may list other users' files");
    }
    return this.files.page({
      ownerId: filter.ownerId ?? (user.isAdmin ? null : user.userId),
      folder: filter.folder,
      folderPrefix: filter.folderPrefix,
      contentTypePrefix: filter.contentTypePrefix,
      search: filter.search,
      metadataContains: filter.metadataContains,
      statuses: listedStatuses(filter),
      ownerOfUnfinished: user.userId,
      first,
      order,
      after: after ? decodeCursor(after, order) : undefined,
    });
  }

  async presignedUrl(actor: Actor | null, id: string, expiresIn: number | null | undefined, forceDownload: boolean): Promise<PresignedLink> {
    const file = await this.findAvailable(actor, id);
    const seconds = expiresIn ?? (forceDownload ? this.rules.downloadUrlExpirySeconds : this.rules.presignedUrlExpirySeconds);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGNED_EXPIRY_SECONDS) {
      throw Errors.badInput(`expiresIn must be from 1 to ${MAX_PRESIGNED_EXPIRY_SECONDS} seconds`);
    }
    const url = await this.storage.presignGet(file.s3Key, {
      expiresIn: seconds,
      contentType: file.contentType,
      contentDisposition: dispositionKind(file.contentType, forceDownload) === 'attachment' ? contentDisposition('attachment', file.originalName) : undefined,
    });
    this.log.info({ event: 'presigned_url_generated', fileId: file.id, userId: actor?.userId ?? null, expiresIn: seconds, forceDownload });
    return { url, method: 'GET', expiresAt: new Date(Date.now() + seconds * 1000) };
  }

  /** The seed's "Get File Metadata": the object as storage describes it, with the file's own metadata. */
  async objectInfo(actor: Actor | null, id: string): Promise<{ file: FileRecord; object: ObjectInfo }> {
    const file = await this.findAvailable(actor, id);
    const object = await this.storage.head(file.s3Key, { ifMatch: file.objectEtag });
    return { file, object: { ...object, serverSideEncryption: object.serverSideEncryption ?? file.serverSideEncryption ?? undefined } };
  }

  /** Where PUBLIC_BASE_URL (a CDN in front of the bucket) serves an available public file; null otherwise. */
  publicUrl(file: FileRecord): string | null {
    if (!this.publicBaseUrl || !file.isPublic || file.status !== FileStatus.AVAILABLE) return null;
    return `${this.publicBaseUrl}/${file.s3Key.split('/').map(encodeURIComponent).join('/')}`;
  }

  /**
   * A download of an available file the actor may read. Its bytes are read in a
   * second step, once the caller knows which to ask for: a range depends on the
   * file's size. `read` answers null when the client's copy is current
   * (If-None-Match); `range` is inclusive and within the file.
   */
  async openDownload(
    actor: Actor | null,
    id: string,
  ): Promise<{ file: FileRecord; read(options: { range?: { start: number; end: number }; ifNoneMatch?: string }): Promise<ObjectStream | null> }> {
    const file = await this.findAvailable(actor, id);
    return {
      file,
      read: ({ range, ifNoneMatch }) => this.storage.get(file.s3Key, { ifNoneMatch, ifMatch: file.objectEtag, range: range && `bytes=${range.start}-${range.end}` }),
    };
  }

  async copy(actor: Actor | null, id: string, request: CopyRequest = {}): Promise<FileRecord> {
    const user = requireActor(actor);
    const source = await this.findAvailable(user, id);
    const name = request.newName ? this.policy.checkName(request.newName) : source;
    if (!sameType(name.extension, source.extension)) {
      throw Errors.unsupportedType(`A .${source.extension} file cannot be copied to a .${name.extension} name`);
    }
    const copy = newFile(user, name, {
      folder: request.newFolder ?? source.folder,
      description: source.description,
      metadata: request.newMetadata ?? source.metadata,
      isPublic: request.isPublic ?? false,
    }, { policy: this.policy, bucket: this.storage.bucket, rules: this.rules });
    copy.copiedFrom = this.files.reference(source.id);
    await this.lifecycle.reserve(copy, 'copy');
    return this.lifecycle.settle(copy, 'copy', async () => {
      const written = await this.storage.copy(source.s3Key, copy.s3Key, { contentType: source.contentType, metadata: objectMetadata(copy) }, { size: source.size, sourceEtag: source.objectEtag });
      // The same bytes: the source's pass holds for the copy.
      const { checksumSha256, checksumCrc32, image } = source;
      return {
        size: source.size,
        contentType: source.contentType,
        serverSideEncryption: written.serverSideEncryption ?? null,
        objectEtag: written.etag ?? null,
        processed: { checksumSha256, checksumCrc32, malwareSignature: null, image },
      };
    });
  }

  /**
   * A new name, sanitized as an upload's. The extension stays (jpg and jpeg are
   * the same): the file's type was checked against it. Folder, key, id and
   * creation date stay too.
   */
  async rename(actor: Actor | null, id: string, rawName: string): Promise<FileEntity> {
    const file = await this.findOwned(actor, id);
    const name = sanitizeFileName(rawName);
    const extension = extensionOf(name);
    if (!sameType(extension, file.extension)) {
      throw Errors.badInput(extension ? `A .${file.extension} file cannot be renamed to a .${extension} name` : `The new name must keep the extension .${file.extension}`);
    }
    file.originalName = name;
    file.extension = extension;
    await this.files.save();
    this.log.info({ event: 'file_renamed', fileId: file.id, userId: actor?.userId });
    return file;
  }

  async update(actor: Actor | null, id: string, request: UpdateRequest): Promise<FileEntity> {
    const file = await this.findOwned(actor, id);
    if (request.description !== undefined) file.description = request.description;
    if (request.metadata !== undefined) file.metadata = this.policy.checkMetadata(request.metadata);
    if (request.isPublic !== undefined && request.isPublic !== null) file.isPublic = request.isPublic;
    if (request.expiresAt !== undefined) file.expiresAt = checkExpiry(request.expiresAt);
    await this.files.save();
    return file;
  }

  async delete(actor: Actor | null, id: string, hardDelete: boolean): Promise<boolean> {
    const file = await this.findOwned(actor, id);
    // A pending upload has nothing worth keeping: deleting it is always final.
    if (file.status === FileStatus.PENDING) {
      await this.lifecycle.abandon(file, requireActor(actor));
      return true;
    }
    // A file still in its pass has no place in the trash (its pass would not run again on restore): final too.
    if (hardDelete || file.status === FileStatus.PROCESSING) {
      await this.storage.delete(file.s3Key);
      if (file.image) await this.storage.deletePrefix(renditionsOf(file.id));
      await this.files.remove(file);
    } else if (file.status !== FileStatus.DELETED) {
      file.status = FileStatus.DELETED;
      file.deletedAt = new Date();
      await this.files.save();
    }
    this.log.info({ event: 's3_file_deleted', fileId: file.id, userId: actor?.userId, hardDelete: hardDelete || file.status === FileStatus.PROCESSING, bytes: file.size });
    return true;
  }

  async restore(actor: Actor | null, id: string): Promise<FileEntity> {
    const file = await this.findOwned(actor, id);
    if (!readsAsDeleted(file)) throw Errors.badInput('Only a deleted file can be restored');
    // Malware stays quarantined, in the trash or out of it.
    if (file.status === FileStatus.DELETED) file.status = file.malwareSignature ? FileStatus.QUARANTINED : FileStatus.AVAILABLE;
    file.deletedAt = null;
    // Restored from its expiry: it no longer expires.
    if (file.expiresAt && file.expiresAt.getTime() <= Date.now()) file.expiresAt = null;
    await this.files.save();
    return file;
  }

  /**
   * A file whose bytes may be read. To those who may see it, a file still in its
   * pass is FILE_NOT_READY and a quarantined one MALWARE_DETECTED: its bytes are
   * served to nobody. Anything else (deleted, pending, someone else's) is NOT_FOUND.
   */
  private async findAvailable(actor: Actor | null, id: string): Promise<FileRecord> {
    const file = await this.find(actor, id);
    if (file?.status === FileStatus.PROCESSING) throw Errors.fileNotReady();
    if (file?.status === FileStatus.QUARANTINED) throw Errors.malwareDetected(file.malwareSignature ?? 'unknown');
    if (!file || file.status !== FileStatus.AVAILABLE) throw Errors.fileNotFound();
    return file;
  }

  /** Changing a file takes its owner (or an administrator); a visible public file is FORBIDDEN to others. */
  private async findOwned(actor: Actor | null, id: string): Promise<FileEntity> {
    const user = requireActor(actor);
    const file = await this.files.findById(id);
    if (!file || !canSee(user, file)) throw Errors.fileNotFound();
    if (!isOwnerOrAdmin(user, file)) throw Errors.forbidden('Only the owner may change this file');
    return file;
  }
}

/** jpg → jpeg is the same type; png → pdf would make the recorded type a lie. */
function sameType(extension: string, original: string): boolean {
  const expected = expectedMimeFor(extension);
  return expected ? expected === expectedMimeFor(original) : extension === original;
}

/**
 * `status` lists that status alone (the trash: DELETED; administrators:
 * QUARANTINED). By default AVAILABLE files, and one's own that are still in their
 * pass or quarantined; `includeDeleted` adds the trash.
 */
function listedStatuses(filter: ListFilter): FileStatus[] {
  if (filter.status) return [filter.status];
  const statuses = [FileStatus.AVAILABLE, FileStatus.PROCESSING, FileStatus.QUARANTINED];
  return filter.includeDeleted ? [...statuses, FileStatus.DELETED] : statuses;
}
