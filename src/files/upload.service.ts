import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import type { Actor } from '../auth/authenticator';
import type { Config } from '../config';
import { type FileEntity, FileStatus } from '../../entities/file.entity';
import { AppError, Errors, isAppError } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { StorageBackend, WriteResult } from '../storage/storage-backend';
import { isOwnerOrAdmin, requireActor } from './file-access';
import type { FilePolicy } from './file-policy';
import type { FileRepository } from './file-repository';
import { isTextExtension, SNIFF_BYTES } from './file-types';
import { forgetReservation, markAvailable, removeObject, reserveKey } from './key-reservation';
import { newFile, type FileDetails } from './new-file';
import { objectMetadata } from './object-metadata';
import { UploadInspector } from './upload-inspector';

export interface IncomingFile {
  filename: string;
  /** Fails with an AppError when the client's side breaks, so that a storage failure stays one. */
  stream: Readable;
}

export interface DeclaredFile extends FileDetails {
  filename: string;
  contentType: string;
  size: number;
}

export interface UploadTicket {
  file: FileEntity;
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: Date;
}

/** The ways bytes arrive: streamed through the server, or put straight into storage by the client. */
export class UploadService {
  constructor(
    private readonly files: FileRepository,
    private readonly storage: StorageBackend,
    private readonly policy: FilePolicy,
    private readonly rules: Config['upload'],
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Streams the upload through the inspector (size, hash, type) into storage.
   * A refused or failed upload leaves no object and no row.
   */
  async upload(actor: Actor | null, incoming: IncomingFile, details: FileDetails): Promise<FileEntity> {
    const started = Date.now();
    try {
      const user = requireActor(actor);
      const file = newFile(user, incoming.filename, details, this.naming);
      await reserveKey(this.files, this.storage, this.rules, file);
      let written: WriteResult | undefined;
      try {
        const inspector = new UploadInspector(
          this.policy.maxFileSizeBytes,
          (sample) => this.policy.checkContent(file.extension, sample),
          isTextExtension(file.extension),
        );
        // pipeline() tears both streams down on either's failure: a client that disconnects
        // fails the storage write, and a refused file stops the client's stream.
        const body = pipeline(incoming.stream, inspector, () => undefined);
        file.contentType = await inspector.contentTypeKnown;
        written = await this.storage.put(file.s3Key, body, { contentType: file.contentType, metadata: objectMetadata(file) });
        const { size, sha256 } = inspector.result;
        Object.assign(file, { size, checksumSha256: sha256, serverSideEncryption: written.serverSideEncryption ?? null });
        markAvailable(file);
        await this.files.save();
      } catch (error) {
        // Stored but not recorded (the database failed): the object must not outlive its row.
        if (written) await removeObject(this.storage, file.s3Key, this.log);
        await forgetReservation(this.files, file, this.log, error);
        throw error;
      }
      this.log.info({ event: 's3_file_uploaded', fileId: file.id, userId: user.userId, bytes: file.size, durationMs: Date.now() - started, path: 'multipart' });
      this.metrics.uploaded('multipart', file.size);
      return file;
    } catch (error) {
      incoming.stream.resume(); // drain what the client still sends, so it reads our answer
      incoming.stream.on('error', () => undefined); // its failure is already the answer, or beside the point
      this.rejected(actor, error, 'multipart');
      throw error;
    }
  }

  /** A direct upload: the rules are checked up front from what the client declares. */
  async requestUpload(actor: Actor | null, declared: DeclaredFile): Promise<UploadTicket> {
    try {
      const user = requireActor(actor);
      const { contentType } = this.policy.checkDeclared(declared.filename, declared.contentType, declared.size);
      const file = newFile(user, declared.filename, declared, this.naming);
      const expiresIn = this.rules.presignedUrlExpirySeconds;
      Object.assign(file, { contentType, size: declared.size, uploadExpiresAt: new Date(Date.now() + expiresIn * 1000) });
      await reserveKey(this.files, this.storage, this.rules, file);
      try {
        const signed = await this.storage.presignPut(file.s3Key, { expiresIn, contentType, contentLength: declared.size });
        return { file, url: signed.url, method: 'PUT', headers: signed.headers, expiresAt: file.uploadExpiresAt! };
      } catch (error) {
        await forgetReservation(this.files, file, this.log, error);
        throw error;
      }
    } catch (error) {
      this.rejected(actor, error, 'direct');
      throw error;
    }
  }

  /** Checks what the client put into storage (size, sniffed type) before the file becomes AVAILABLE. */
  async completeUpload(actor: Actor | null, id: string): Promise<FileEntity> {
    const user = requireActor(actor);
    const file = await this.files.findById(id);
    if (!file || !isOwnerOrAdmin(user, file) || file.status === FileStatus.DELETED) throw Errors.fileNotFound();
    if (file.status === FileStatus.AVAILABLE) return file; // completed already: answering again is harmless

    if (file.uploadExpiresAt && file.uploadExpiresAt.getTime() < Date.now()) {
      await this.discard(file, user, Errors.badInput('The upload has expired; request a new one'));
    }
    let stored;
    try {
      stored = await this.storage.head(file.s3Key);
    } catch (error) {
      // Nothing uploaded yet: the ticket stays valid and the client may still PUT.
      if (isAppError(error) && error.code === 'NOT_FOUND') throw Errors.badInput('Nothing has been uploaded for this file yet');
      throw error;
    }
    try {
      this.policy.checkSize(stored.size);
      if (stored.size !== file.size) {
        throw Errors.badInput(`The upload has ${stored.size} bytes, not the ${file.size} declared`);
      }
      file.contentType = await this.policy.checkContent(file.extension, await this.storage.readStart(file.s3Key, SNIFF_BYTES));
    } catch (error) {
      if (!isAppError(error) || error.code === 'STORAGE_UNAVAILABLE') throw error;
      await this.discard(file, user, error);
    }
    // The signed URL binds the SSE header, so storage was asked for it even when it does not echo it.
    file.serverSideEncryption = stored.serverSideEncryption ?? this.storage.requestedEncryption ?? null;
    markAvailable(file);
    await this.files.save();
    this.log.info({ event: 's3_file_uploaded', fileId: file.id, userId: user.userId, bytes: file.size, path: 'direct' });
    this.metrics.uploaded('direct', file.size);
    return file;
  }

  private get naming() {
    return { policy: this.policy, storage: this.storage, rules: this.rules };
  }

  /** A failed direct upload: its object and row go, and the caller hears why. */
  private async discard(file: FileEntity, user: Actor, reason: AppError): Promise<never> {
    await this.storage.delete(file.s3Key);
    await this.files.remove(file);
    this.rejected(user, reason, 'direct');
    throw reason;
  }

  private rejected(actor: Actor | null, error: unknown, path: 'multipart' | 'direct'): void {
    const code = isAppError(error) ? error.code : 'INTERNAL_SERVER_ERROR';
    this.metrics.rejected.inc({ code });
    this.log.info({ event: 'upload_rejected', userId: actor?.userId ?? null, code, reason: (error as Error).message, path });
  }
}
