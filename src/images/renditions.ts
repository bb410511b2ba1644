import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Errors, isAppError } from '../errors';
import type { FileRecord } from '../files/file-record';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { StorageBackend } from '../storage/storage-backend';
import type { ImageRenderer } from './image-renderer';
import { RecentRenditions } from './recent-renditions';
import { RENDITION_CONTENT_TYPES, transformQuery, type ImageTransform, type RenditionFormat } from './image-transform';

/**
 * Renditions live under keys no file can have (a file's key never starts with a
 * dot: file-names.ts), one folder per file, so that deleting a file's renditions
 * is one prefix and the purge tells them from orphans.
 */
export const RENDITIONS_PREFIX = '.renditions/';
/** Renditions kept in memory by one instance (thumbnails are a few kilobytes each: thousands of them). */
const RECENT_BYTES = 32 * 1024 * 1024;

export function renditionsOf(fileId: string): string {
  return `${RENDITIONS_PREFIX}${fileId}/`;
}

/** The file id a rendition key belongs to, or null for any other key. */
export function renditionOwner(key: string): string | null {
  if (!key.startsWith(RENDITIONS_PREFIX)) return null;
  const [fileId, name, ...deeper] = key.slice(RENDITIONS_PREFIX.length).split('/');
  return FILE_ID.test(fileId) && name && deeper.length === 0 ? fileId : null;
}

const FILE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface Rendition {
  body: Readable;
  length: number;
  contentType: string;
  /** Rendered on this request, as opposed to read from storage. */
  rendered: boolean;
}

/**
 * A file's image, transformed: from memory or storage when it was rendered
 * before, otherwise rendered from the original, stored, and served. (What is in
 * memory is only ever served after the route has read the file's row: a deleted
 * file's renditions there are unreachable, and ids are never reused.) Concurrent first
 * requests for one rendition on this instance render it once; instances racing
 * each render it, and the first write wins (storage's writes are creates).
 */
export class Renditions {
  /** Loads under way (from storage, or rendering), by key: whoever asks meanwhile shares them. */
  private readonly inFlight = new Map<string, Promise<{ bytes: Buffer; rendered: boolean }>>();
  private readonly recent = new RecentRenditions(RECENT_BYTES);

  constructor(
    private readonly storage: StorageBackend,
    private readonly renderer: ImageRenderer,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {}

  /** Strong, and known without reading storage: the file's bytes never change, nor does what a transform makes of them. */
  etag(file: FileRecord, transform: ImageTransform, format: RenditionFormat): string {
    const digest = createHash('sha256').update(`${file.checksumSha256 ?? file.id}\n${variant(transform, format)}`).digest('base64url');
    return `"${digest.slice(0, 27)}"`;
  }

  async open(file: FileRecord, transform: ImageTransform, format: RenditionFormat): Promise<Rendition> {
    const key = `${renditionsOf(file.id)}${variant(transform, format)}`;
    const contentType = RENDITION_CONTENT_TYPES[format];
    const remembered = this.recent.get(key);
    if (remembered) {
      this.metrics?.imageRenditions.inc({ source: 'memory' });
      return { body: Readable.from([remembered]), length: remembered.length, contentType, rendered: false };
    }
    // One load per key at a time, the storage read included: a request that found storage empty
    // while another's render was being stored would otherwise render again.
    let loading = this.inFlight.get(key);
    if (!loading) {
      loading = this.load(key, file, transform, format).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, loading);
    }
    const { bytes, rendered } = await loading;
    this.metrics?.imageRenditions.inc({ source: rendered ? 'rendered' : 'stored' });
    return { body: Readable.from([bytes]), length: bytes.length, contentType, rendered };
  }

  private async load(key: string, file: FileRecord, transform: ImageTransform, format: RenditionFormat): Promise<{ bytes: Buffer; rendered: boolean }> {
    const stored = await this.readStored(key);
    if (stored) {
      this.recent.set(key, stored);
      return { bytes: stored, rendered: false };
    }
    return { bytes: await this.renderAndStore(key, file, transform, format), rendered: true };
  }

  /** Renditions are small (thumbnails: kilobytes): read whole, so that they can be remembered. */
  private async readStored(key: string): Promise<Buffer | null> {
    const object = await this.storage.get(key).catch((error) => {
      if (isAppError(error) && error.code === 'NOT_FOUND') return null;
      throw error;
    });
    return object ? collect(object.body) : null;
  }

  private async renderAndStore(key: string, file: FileRecord, transform: ImageTransform, format: RenditionFormat): Promise<Buffer> {
    const bytes = await this.renderer.render(() => this.readOriginal(file), transform, format);
    try {
      await this.storage.put(key, Readable.from([bytes]), { contentType: RENDITION_CONTENT_TYPES[format] });
    } catch (error) {
      // Another instance stored it first (CONFLICT): the same bytes. Storage failing: serve this one, render again next time.
      if (!(isAppError(error) && error.code === 'CONFLICT')) this.log.warn({ event: 'rendition_not_stored', fileId: file.id, key, err: error });
    }
    this.log.info({ event: 'image_rendered', fileId: file.id, key, bytes: bytes.length });
    this.recent.set(key, bytes);
    return bytes;
  }

  private async readOriginal(file: FileRecord): Promise<Buffer> {
    const object = await this.storage.get(file.s3Key, { ifMatch: file.objectEtag });
    if (!object) throw Errors.fileNotFound();
    return collect(object.body);
  }
}

async function collect(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The rendition's name in its file's folder: the canonical transform with AUTO resolved. */
function variant(transform: ImageTransform, format: RenditionFormat): string {
  return `${transformQuery({ ...transform, format: 'AUTO' }).replace(/&fmt=auto/, '').replace(/[=&]/g, (c) => (c === '=' ? '' : '-'))}.${format}`;
}
