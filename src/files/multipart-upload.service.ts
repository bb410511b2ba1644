import type { Actor } from '../auth/authenticator';
import type { Config } from '../config';
import { FileStatus, type FileEntity } from '../../entities/file.entity';
import { Errors } from '../errors';
import type { StorageBackend, StoredPart } from '../storage/storage-backend';
import { requireActor } from './file-access';
import type { FilePolicy } from './file-policy';
import type { FileRecord } from './file-record';
import type { FileRepository } from './file-repository';
import { newFile } from './new-file';
import type { NewFileLifecycle } from './new-file-lifecycle';
import { objectMetadata } from './object-metadata';
import { checkUploadedObject } from './uploaded-object-check';
import type { DeclaredFile } from './upload.service';
import type { UploadProfiles } from './upload-profiles';

const MIB = 1024 * 1024;
/** S3's limits: at most 10,000 parts, each 5 MiB to 5 GiB (the last may be smaller), 5 TiB in all. */
const MAX_PARTS = 10_000;
const MAX_PART_BYTES = 5 * 1024 * MIB;
const MAX_OBJECT_BYTES = 5 * 1024 * 1024 * MIB;
/** Part URLs are signed in batches of at most this many. */
const MAX_PARTS_PER_SIGNING = 100;

export interface MultipartTicket {
  file: FileEntity;
  partSize: number;
  partCount: number;
  expiresAt: Date;
}

export interface PartUrl {
  partNumber: number;
  url: string;
  headers: Record<string, string>;
  expiresAt: Date;
}

/**
 * Resumable direct uploads: the client puts parts straight into storage, can ask
 * which parts storage already holds, and resumes with the missing ones. The same
 * rules as a single direct upload hold, checked up front and again on completion.
 */
export class MultipartUploadService {
  constructor(
    private readonly files: FileRepository,
    private readonly storage: StorageBackend,
    private readonly policy: FilePolicy,
    private readonly rules: Config['upload'],
    private readonly lifecycle: NewFileLifecycle,
    private readonly profiles: UploadProfiles,
  ) {}

  async request(actor: Actor | null, declared: DeclaredFile): Promise<MultipartTicket> {
    try {
      const user = requireActor(actor);
      const { policy, details } = this.profiles.rulesFor(user, declared.profile, declared);
      const { contentType, ...name } = policy.checkDeclared(declared.filename, declared.contentType, declared.size);
      if (declared.size > MAX_OBJECT_BYTES) throw Errors.tooLarge(MAX_OBJECT_BYTES);
      const partSize = this.partSizeFor(declared.size);
      const file = newFile(user, name, details, { policy, bucket: this.storage.bucket, rules: this.rules });
      Object.assign(file, {
        contentType,
        size: declared.size,
        partSize,
        uploadExpiresAt: new Date(Date.now() + this.rules.multipartUploadExpirySeconds * 1000),
      });
      await this.lifecycle.reserve(file, 'resumable');
      try {
        file.multipartUploadId = await this.storage.createMultipartUpload(file.s3Key, { contentType, metadata: objectMetadata(file) });
        await this.files.save();
      } catch (error) {
        await this.lifecycle.discard(file, 'resumable', error, false);
      }
      return { file, partSize, partCount: partCountOf(file), expiresAt: file.uploadExpiresAt! };
    } catch (error) {
      this.lifecycle.rejected(actor?.userId ?? null, 'resumable', error);
      throw error;
    }
  }

  async signParts(actor: Actor | null, id: string, partNumbers: number[], checksumsSha256?: string[] | null): Promise<PartUrl[]> {
    const file = await this.pendingUpload(actor, id);
    const count = partCountOf(file);
    if (partNumbers.length === 0 || partNumbers.length > MAX_PARTS_PER_SIGNING) {
      throw Errors.badInput(`Sign from 1 to ${MAX_PARTS_PER_SIGNING} parts at a time`);
    }
    if (new Set(partNumbers).size !== partNumbers.length || partNumbers.some((n) => !Number.isInteger(n) || n < 1 || n > count)) {
      throw Errors.badInput(`Part numbers must be distinct, from 1 to ${count}`);
    }
    if (checksumsSha256 && checksumsSha256.length !== partNumbers.length) {
      throw Errors.badInput('Give one checksum per part number, or none');
    }
    if (checksumsSha256?.some((checksum) => !isSha256Base64(checksum))) {
      throw Errors.badInput('Each checksum must be a SHA-256 digest in base64 (44 characters)');
    }
    // A part URL never outlives the upload it belongs to.
    const expiresIn = Math.min(this.rules.presignedUrlExpirySeconds, Math.floor((file.uploadExpiresAt!.getTime() - Date.now()) / 1000));
    const expiresAt = new Date(Date.now() + expiresIn * 1000);
    return Promise.all(
      partNumbers.map(async (partNumber, i) => {
        const signed = await this.storage.presignUploadPart(file.s3Key, file.multipartUploadId!, {
          partNumber,
          contentLength: partLength(file, partNumber),
          checksumSha256: checksumsSha256?.[i],
          expiresIn,
        });
        return { partNumber, url: signed.url, headers: signed.headers, expiresAt };
      }),
    );
  }

  async uploadedParts(actor: Actor | null, id: string): Promise<StoredPart[]> {
    const file = await this.pendingUpload(actor, id);
    return this.storage.listParts(file.s3Key, file.multipartUploadId!);
  }

  /**
   * Checks the client's list against what storage holds (every part present, each
   * of its exact size, the ETags the client saw), completes, then checks the
   * object itself like any direct upload.
   */
  async complete(actor: Actor | null, id: string, parts: { partNumber: number; etag: string }[]): Promise<FileRecord> {
    const file = await this.pendingUpload(actor, id);
    const count = partCountOf(file);
    const numbers = parts.map((part) => part.partNumber);
    if (numbers.length !== count || numbers.some((n, i) => n !== i + 1)) {
      throw Errors.badInput(`List all ${count} parts, in order, numbered from 1`);
    }
    const stored = new Map((await this.storage.listParts(file.s3Key, file.multipartUploadId!)).map((part) => [part.partNumber, part]));
    for (const part of parts) {
      const held = stored.get(part.partNumber);
      if (!held) throw Errors.badInput(`Part ${part.partNumber} has not been uploaded`);
      if (unquote(held.etag) !== unquote(part.etag)) throw Errors.badInput(`Part ${part.partNumber}: the ETag does not match the stored part`);
      if (held.size !== partLength(file, part.partNumber)) {
        throw Errors.badInput(`Part ${part.partNumber} has ${held.size} bytes, not ${partLength(file, part.partNumber)}`);
      }
    }
    await this.storage.completeMultipartUpload(file.s3Key, file.multipartUploadId!, parts.map((part) => ({ partNumber: part.partNumber, etag: stored.get(part.partNumber)!.etag })), file.size);
    file.multipartUploadId = null;
    return this.lifecycle.settle(file, 'resumable', async () => checkUploadedObject(this.storage, this.policy, file, await this.storage.head(file.s3Key)));
  }

  /** Ends a pending direct upload (resumable or not): parts, object and row go. */
  async abort(actor: Actor | null, id: string): Promise<boolean> {
    const user = requireActor(actor);
    await this.lifecycle.abandon(await this.ownPending(user, id), user);
    return true;
  }

  /** Parts as large as configured, grown (in whole MiB) when the file would need more than 10,000. */
  private partSizeFor(size: number): number {
    const smallest = Math.ceil(size / MAX_PARTS / MIB) * MIB;
    const partSize = Math.max(this.rules.multipartPartSizeBytes, smallest);
    if (partSize > MAX_PART_BYTES) throw Errors.tooLarge(MAX_OBJECT_BYTES);
    return partSize;
  }

  /** The caller's own PENDING resumable upload, still alive; anyone else's does not exist. */
  private async pendingUpload(actor: Actor | null, id: string): Promise<FileEntity> {
    const file = await this.ownPending(actor, id);
    if (!file.multipartUploadId) throw Errors.fileNotFound();
    if (file.uploadExpiresAt && file.uploadExpiresAt.getTime() <= Date.now()) {
      await this.lifecycle.discard(file, 'resumable', Errors.badInput('The upload has expired; request a new one'));
    }
    return file;
  }

  private async ownPending(actor: Actor | null, id: string): Promise<FileEntity> {
    const user = requireActor(actor);
    const file = await this.files.findById(id);
    // Only the owner: an administrator has no business signing someone's parts.
    if (!file || file.ownerId !== user.userId || file.status !== FileStatus.PENDING) throw Errors.fileNotFound();
    return file;
  }

}

function partCountOf(file: FileEntity): number {
  return Math.max(1, Math.ceil(file.size / file.partSize!));
}

function partLength(file: FileEntity, partNumber: number): number {
  const count = partCountOf(file);
  return partNumber < count ? file.partSize! : file.size - file.partSize! * (count - 1);
}

function isSha256Base64(text: string): boolean {
  return /^[A-Za-z0-9+/]{43}=$/.test(text);
}

function unquote(etag: string): string {
  return etag.replace(/"/g, '');
}
