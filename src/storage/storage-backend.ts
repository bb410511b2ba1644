import type { Readable } from 'node:stream';

/** What storage answers about one object. */
export interface ObjectInfo {
  size: number;
  contentType?: string;
  etag?: string;
  lastModified: Date;
  serverSideEncryption?: string;
  /** User-defined metadata (x-amz-meta-*). */
  metadata: Record<string, string>;
}

export interface ObjectStream {
  body: Readable;
  /** Bytes in this answer (the range's length for a range). */
  contentLength: number;
  /** "bytes start-end/total" when a range was asked for. */
  contentRange?: string;
  etag?: string;
}

export interface PutOptions {
  contentType: string;
  metadata?: Record<string, string>;
  /** The body's exact length, when the client declared it: one streamed PUT instead of a multipart upload. */
  size?: number;
}

export interface WriteResult {
  etag?: string;
  /** What storage confirmed, or what was requested when storage does not echo it. */
  serverSideEncryption?: string;
}

export interface PresignedPut {
  url: string;
  /** Headers the client must send with its PUT, exactly. */
  headers: Record<string, string>;
}

/** The seed's bucket hardening; 'unknown' where storage does not answer the question. */
export interface BucketProtections {
  versioning: 'on' | 'off' | 'unknown';
  encryption: 'on' | 'off' | 'unknown';
  publicAccessBlock: 'on' | 'off' | 'unknown';
}

export interface StoredPart {
  partNumber: number;
  size: number;
  etag: string;
}

/**
 * The only door to object storage. Services receive one in their constructor;
 * implementations translate their own errors into AppErrors (NOT_FOUND,
 * STORAGE_UNAVAILABLE, ...), so nothing storage-specific leaks upward.
 */
export interface StorageBackend {
  readonly bucket: string;
  /** The server-side encryption every write asks for (undefined: none). */
  readonly requestedEncryption: string | undefined;
  /** Streams the body in; a failed body aborts the write and leaves nothing behind. */
  put(key: string, body: Readable, options: PutOptions): Promise<WriteResult>;
  /**
   * `ifMatch`, on every read of a file's object: the ETag recorded when the file
   * became available. Another object under the key is an ObjectReplacedError, never
   * its bytes. Null or absent: any object (files stored before ETags were recorded).
   */
  head(key: string, options?: { ifMatch?: string | null }): Promise<ObjectInfo>;
  exists(key: string): Promise<boolean>;
  /** Null when ifNoneMatch matches the stored ETag (HTTP 304). */
  get(key: string, options?: { range?: string; ifNoneMatch?: string; ifMatch?: string | null }): Promise<ObjectStream | null>;
  /** The first bytes of an object, for sniffing its type. */
  readStart(key: string, bytes: number): Promise<Buffer>;
  /** `size`: the object's, so that a large copy gets the time it needs. */
  copy(sourceKey: string, targetKey: string, options: PutOptions, source: { size: number; sourceEtag?: string | null }): Promise<WriteResult>;
  delete(key: string): Promise<void>;
  presignGet(key: string, options: { expiresIn: number; contentDisposition?: string; contentType?: string }): Promise<string>;
  presignPut(key: string, options: { expiresIn: number; contentType: string; contentLength: number }): Promise<PresignedPut>;
  /** Starts a multipart upload the client fills part by part; returns its upload id. */
  createMultipartUpload(key: string, options: PutOptions): Promise<string>;
  /** A URL for one part, binding its exact length and, when given, its SHA-256 (base64). */
  presignUploadPart(
    key: string,
    uploadId: string,
    part: { partNumber: number; contentLength: number; checksumSha256?: string; expiresIn: number },
  ): Promise<PresignedPut>;
  /** The parts storage holds, in order. NOT_FOUND when the upload is gone. */
  listParts(key: string, uploadId: string): Promise<StoredPart[]>;
  completeMultipartUpload(key: string, uploadId: string, parts: { partNumber: number; etag: string }[], size: number): Promise<WriteResult>;
  /** Removes the upload and its parts; an upload already gone is not an error. */
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
  /** Every object in the bucket (or under a prefix), page by page (for the purge's orphan check). */
  listObjects(prefix?: string): AsyncIterable<{ key: string; lastModified: Date }>;
  /** Deletes every object whose key starts with prefix; how many there were. */
  deletePrefix(prefix: string): Promise<number>;
  /** Multipart uploads storage holds, or null where the server cannot list them. */
  listMultipartUploads(): Promise<{ key: string; uploadId: string; initiated: Date }[] | null>;
  /** Whether storage refuses a write over an existing key when asked (If-None-Match: *). */
  supportsConditionalWrites(): Promise<boolean>;
  /** Throws STORAGE_UNAVAILABLE when the bucket cannot be reached. */
  ping(): Promise<void>;
  protections(): Promise<BucketProtections>;
}
