import type { Actor } from '../auth/authenticator';
import type { Config } from '../config';
import { MAX_PRESIGNED_EXPIRY_SECONDS } from '../config';
import { FileEntity, FileStatus } from '../../entities/file.entity';
import { Errors } from '../errors';
import type { Logger } from '../logger';
import type { ObjectInfo, ObjectStream, StorageBackend } from '../storage/storage-backend';
import { canSee, isOwnerOrAdmin, requireActor } from './file-access';
import { contentDisposition, dispositionKind } from './content-disposition';
import { validateFolder } from './file-names';
import type { FilePolicy } from './file-policy';
import { expectedMimeFor } from './file-types';
import type { FileRepository, Page } from './file-repository';
import type { FileRecord } from './file-record';
import { decodeCursor } from './cursor';
import { objectKey } from './key-naming';
import { forgetReservation, markAvailable, removeObject, reserveKey } from './key-reservation';
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
    private readonly log: Logger,
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

  async list(actor: Actor | null, filter: ListFilter = {}, first = 20, after?: string | null): Promise<Page> {
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
      includeDeleted: filter.includeDeleted ?? false,
      first,
      after: after ? decodeCursor(after) : undefined,
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

  /** The seed's "Get File Metadata": read live from storage. */
  async objectInfo(actor: Actor | null, id: string): Promise<ObjectInfo> {
    const file = await this.findAvailable(actor, id);
    const info = await this.storage.head(file.s3Key);
    return { ...info, serverSideEncryption: info.serverSideEncryption ?? file.serverSideEncryption ?? undefined };
  }

  /** Null when the client's copy is current (If-None-Match). */
  async openDownload(
    actor: Actor | null,
    id: string,
    options: { range?: string; ifNoneMatch?: string },
  ): Promise<{ file: FileRecord; object: ObjectStream | null }> {
    const file = await this.findAvailable(actor, id);
    return { file, object: await this.storage.get(file.s3Key, options) };
  }

  async copy(actor: Actor | null, id: string, request: CopyRequest = {}): Promise<FileEntity> {
    const user = requireActor(actor);
    const source = await this.findAvailable(user, id);
    const folder = request.newFolder === undefined || request.newFolder === null ? source.folder : validateFolder(request.newFolder);
    const { originalName, extension } = request.newName ? this.policy.checkName(request.newName) : source;
    // jpg → jpeg is the same type; png → pdf would make the recorded type a lie.
    const expected = expectedMimeFor(extension);
    const sameType = expected ? expected === expectedMimeFor(source.extension) : extension === source.extension;
    if (!sameType) {
      throw Errors.unsupportedType(`A .${source.extension} file cannot be copied to a .${extension} name`);
    }
    const copy = Object.assign(new FileEntity(), {
      ownerId: user.userId,
      originalName,
      extension,
      folder,
      bucket: this.storage.bucket,
      contentType: source.contentType,
      size: source.size,
      checksumSha256: source.checksumSha256,
      description: source.description,
      metadata: request.newMetadata ? this.policy.checkMetadata(request.newMetadata) : source.metadata,
      isPublic: request.isPublic ?? false,
      copiedFrom: this.files.reference(source.id),
    });
    copy.s3Key = objectKey(this.rules, { fileId: copy.id, folder, originalName, extension, now: copy.createdAt });
    await reserveKey(this.files, this.storage, this.rules, copy);
    const started = Date.now();
    let copied = false;
    try {
      const written = await this.storage.copy(source.s3Key, copy.s3Key, {
        contentType: copy.contentType,
        metadata: objectMetadata(copy),
      });
      copied = true;
      copy.serverSideEncryption = written.serverSideEncryption ?? null;
      markAvailable(copy);
      await this.files.save();
    } catch (error) {
      if (copied) await removeObject(this.storage, copy.s3Key, this.log);
      await forgetReservation(this.files, copy, this.log, error);
      throw error;
    }
    this.log.info({ event: 's3_file_copied', fileId: copy.id, sourceId: source.id, userId: user.userId, bytes: copy.size, durationMs: Date.now() - started });
    return copy;
  }

  async update(actor: Actor | null, id: string, request: UpdateRequest): Promise<FileEntity> {
    const file = await this.findOwned(actor, id);
    if (request.description !== undefined) file.description = request.description;
    if (request.metadata !== undefined) file.metadata = this.policy.checkMetadata(request.metadata);
    if (request.isPublic !== undefined && request.isPublic !== null) file.isPublic = request.isPublic;
    await this.files.save();
    return file;
  }

  async delete(actor: Actor | null, id: string, hardDelete: boolean): Promise<boolean> {
    const file = await this.findOwned(actor, id);
    // A pending upload has nothing worth keeping: deleting it is always final.
    const final = hardDelete || file.status === FileStatus.PENDING;
    if (final) {
      if (file.multipartUploadId) await this.storage.abortMultipartUpload(file.s3Key, file.multipartUploadId);
      await this.storage.delete(file.s3Key);
      await this.files.remove(file);
    } else if (file.status !== FileStatus.DELETED) {
      file.status = FileStatus.DELETED;
      file.deletedAt = new Date();
      await this.files.save();
    }
    this.log.info({ event: 's3_file_deleted', fileId: file.id, userId: actor?.userId, hardDelete: final, bytes: file.size });
    return true;
  }

  async restore(actor: Actor | null, id: string): Promise<FileEntity> {
    const file = await this.findOwned(actor, id);
    if (file.status !== FileStatus.DELETED) throw Errors.badInput('Only a deleted file can be restored');
    file.status = FileStatus.AVAILABLE;
    file.deletedAt = null;
    await this.files.save();
    return file;
  }

  /** Readable and neither deleted nor pending, else NOT_FOUND. */
  private async findAvailable(actor: Actor | null, id: string): Promise<FileRecord> {
    const file = await this.find(actor, id);
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
