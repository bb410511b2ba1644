import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import type { Actor } from '../auth/authenticator';
import type { Config } from '../config';
import { type FileEntity, FileStatus } from '../../entities/file.entity';
import { Errors, isAppError } from '../errors';
import type { StorageBackend } from '../storage/storage-backend';
import { isOwnerOrAdmin, requireActor } from './file-access';
import type { FilePolicy } from './file-policy';
import type { FileRecord } from './file-record';
import type { FileRepository } from './file-repository';
import { isTextExtension } from './file-types';
import { newFile, type FileDetails } from './new-file';
import type { NewFileLifecycle, StoredBytes } from './new-file-lifecycle';
import { objectMetadata } from './object-metadata';
import { checkUploadedObject } from './uploaded-object-check';
import { UploadInspector } from './upload-inspector';
import type { UploadProfiles } from './upload-profiles';
import type { PassReading, ProcessingPass } from '../processing/processing-pass';

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

/** The ways bytes arrive in one piece: streamed through the server, or put straight into storage by the client. */
export class UploadService {
  constructor(
    private readonly files: FileRepository,
    private readonly storage: StorageBackend,
    private readonly policy: FilePolicy,
    private readonly rules: Config['upload'],
    private readonly lifecycle: NewFileLifecycle,
    private readonly pass: ProcessingPass,
    private readonly profiles: UploadProfiles,
  ) {}

  /**
   * Streams the upload through the inspector (size, hash, type) into storage.
   * A refused or failed upload leaves no object and no row.
   */
  async upload(actor: Actor | null, incoming: IncomingFile, details: FileDetails & { size?: number | null }): Promise<FileRecord> {
    try {
      const user = requireActor(actor);
      // A declared size is checked before a byte is read: too large is refused at once.
      const declaredSize = details.size ?? undefined;
      const { policy, details: fixed } = this.profiles.rulesFor(user, details.profile, details);
      if (declaredSize !== undefined) policy.checkSize(declaredSize);
      const file = newFile(user, policy.checkName(incoming.filename), fixed, { ...this.naming, policy });
      await this.lifecycle.reserve(file, 'stream');
      return await this.lifecycle.settle(file, 'stream', (objectWritten) => this.receive(file, incoming.stream, objectWritten, policy, declaredSize));
    } catch (error) {
      incoming.stream.resume(); // drain what the client still sends, so it reads our answer
      this.lifecycle.rejected(actor?.userId ?? null, 'stream', error);
      throw error;
    }
  }

  /** A direct upload: the rules are checked up front from what the client declares. */
  async requestUpload(actor: Actor | null, declared: DeclaredFile): Promise<UploadTicket> {
    try {
      const user = requireActor(actor);
      const { policy, details } = this.profiles.rulesFor(user, declared.profile, declared);
      const { contentType, ...name } = policy.checkDeclared(declared.filename, declared.contentType, declared.size);
      const file = newFile(user, name, details, { ...this.naming, policy });
      const expiresIn = this.rules.presignedUrlExpirySeconds;
      Object.assign(file, { contentType, size: declared.size, uploadExpiresAt: new Date(Date.now() + expiresIn * 1000) });
      await this.lifecycle.reserve(file, 'direct');
      try {
        const signed = await this.storage.presignPut(file.s3Key, { expiresIn, contentType, contentLength: declared.size });
        return { file, url: signed.url, method: 'PUT', headers: signed.headers, expiresAt: file.uploadExpiresAt! };
      } catch (error) {
        return await this.lifecycle.discard(file, 'direct', error, false);
      }
    } catch (error) {
      this.lifecycle.rejected(actor?.userId ?? null, 'direct', error);
      throw error;
    }
  }

  /** Checks what the client put into storage (size, sniffed type) before the file becomes AVAILABLE. */
  async completeUpload(actor: Actor | null, id: string): Promise<FileRecord> {
    const user = requireActor(actor);
    const file = await this.files.findById(id);
    if (!file || !isOwnerOrAdmin(user, file) || file.status === FileStatus.DELETED) throw Errors.fileNotFound();
    // Completed already (available, in its pass, or quarantined): answering again is harmless, starting over is not.
    if (file.status !== FileStatus.PENDING) return file;

    if (file.uploadExpiresAt && file.uploadExpiresAt.getTime() < Date.now()) {
      await this.lifecycle.discard(file, 'direct', Errors.badInput('The upload has expired; request a new one'));
    }
    let object;
    try {
      object = await this.storage.head(file.s3Key);
    } catch (error) {
      // Nothing uploaded yet: the ticket stays valid and the client may still PUT.
      if (isAppError(error) && error.code === 'NOT_FOUND') throw Errors.badInput('Nothing has been uploaded for this file yet');
      throw error;
    }
    return this.lifecycle.settle(file, 'direct', () => checkUploadedObject(this.storage, this.policy, file, object));
  }

  private get naming() {
    return { policy: this.policy, bucket: this.storage.bucket, rules: this.rules };
  }

  /**
   * The client's bytes through the inspector into storage and, alongside, through
   * the processing pass (checksums, scan, image header), the reservation kept
   * alive while they flow.
   */
  private async receive(file: FileEntity, stream: Readable, objectWritten: () => void, policy: FilePolicy, declaredSize?: number): Promise<StoredBytes> {
    const quotaBytesLeft = await this.lifecycle.bytesLeft(file.ownerId);
    if (declaredSize !== undefined && quotaBytesLeft !== null && declaredSize > quotaBytesLeft) {
      throw Errors.quotaExceeded(`the file has ${declaredSize} bytes and only ${quotaBytesLeft} are left`);
    }
    let reading: PassReading | undefined;
    const inspector = new UploadInspector(
      policy.maxFileSizeBytes,
      (sample) => policy.checkContent(file.extension, sample),
      isTextExtension(file.extension),
      async (contentType) => (reading = await this.pass.begin(contentType, { wholeImage: false, readBack: false })),
      { declaredBytes: declaredSize, quotaBytesLeft },
    );
    // pipeline() tears both streams down on either's failure: a client that disconnects
    // fails the storage write, and a refused file stops the client's stream.
    const body = pipeline(stream, inspector, () => undefined);
    const stopKeeping = this.lifecycle.keepReserved(file, () => inspector.bytesSeen);
    try {
      const contentType = await inspector.contentTypeKnown;
      const written = await this.storage.put(file.s3Key, body, { contentType, metadata: objectMetadata(file), size: declaredSize });
      objectWritten();
      return { size: inspector.bytesSeen, contentType, serverSideEncryption: written.serverSideEncryption ?? null, objectEtag: written.etag ?? null, processed: await reading!.finish() };
    } catch (error) {
      reading?.cancel();
      throw error;
    } finally {
      stopKeeping();
    }
  }
}
