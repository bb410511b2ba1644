import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { FileStatus } from '../../entities/file.entity';
import { MAX_PRESIGNED_EXPIRY_SECONDS } from '../config';
import { Errors } from '../errors';
import { serverSecret } from '../server-secrets';
import type { FileRecord } from '../files/file-record';
import { checkTransform, transformQuery, type ImageTransform, type ImageTransformRequest } from './image-transform';

const KEY_NAME = 'image-urls';
/** Expiries are rounded up to this step (for URLs valid 10 minutes or more), so that a list fetched twice names the same URLs and the browser's cache hits. */
const EXPIRY_STEP_SECONDS = 300;

/** Transforms an SPA uses are few; past this many distinct ones, the memo starts again. */
const KNOWN_TRANSFORMS = 1000;

export type UrlCheck = 'signed' | 'unsigned' | 'expired' | 'forged';

/**
 * URLs of the image route that work as `<img src>`, with no header: a private
 * file's is signed (HMAC-SHA256 over the file id, the canonical transform and
 * the expiry) by a key every instance shares; a public file's is plain, and
 * stays the same for as long as the file is public.
 */
export class ImageUrls {
  /** Checked transforms and their canonical queries, by what was asked. */
  private readonly transforms = new Map<string, { transform: ImageTransform; query: string }>();

  private constructor(private readonly key: Buffer) {}

  /** The key is made once, by whichever instance starts first, and kept in the database (no configuration). */
  static async open(em: EntityManager): Promise<ImageUrls> {
    return new ImageUrls(await serverSecret(em, KEY_NAME));
  }

  /**
   * File.imageUrl, for a request that came to `origin`: null for a file that is
   * not an image (or not available: there is nothing to render). Only checks and
   * a signature: nothing is rendered until the URL is fetched.
   */
  forFile(origin: string, file: FileRecord, request: ImageTransformRequest, expiresIn: number | null | undefined, settings: { maxDimension: number; defaultExpirySeconds: number }): string | null {
    if (!file.image || file.status !== FileStatus.AVAILABLE) return null;
    const { query } = this.checked(request, settings.maxDimension);
    const seconds = expiresIn ?? settings.defaultExpirySeconds;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGNED_EXPIRY_SECONDS) {
      throw Errors.badInput(`expiresIn must be from 1 to ${MAX_PRESIGNED_EXPIRY_SECONDS} seconds`);
    }
    return `${origin}${this.url(file, query, seconds)}`;
  }

  /** A page of files asks for one transform 50 times: it is checked (and its query written) once. */
  private checked(request: ImageTransformRequest, maxDimension: number): { transform: ImageTransform; query: string } {
    const key = `${request.width}|${request.height}|${request.fit}|${request.format}|${request.quality}|${maxDimension}`;
    let checked = this.transforms.get(key);
    if (!checked) {
      const transform = checkTransform(request, maxDimension);
      checked = { transform, query: transformQuery(transform) };
      if (this.transforms.size >= KNOWN_TRANSFORMS) this.transforms.clear();
      this.transforms.set(key, checked);
    }
    return checked;
  }

  /** A path and query of this server, for a transform's canonical query; `expiresIn` (seconds) only for private files. */
  private url(file: { id: string; isPublic: boolean }, query: string, expiresIn: number, now = Date.now()): string {
    const path = `/files/${file.id}/image?${query}`;
    if (file.isPublic) return path;
    const step = expiresIn >= 2 * EXPIRY_STEP_SECONDS ? EXPIRY_STEP_SECONDS : 1;
    const expires = Math.ceil((now / 1000 + expiresIn) / step) * step;
    return `${path}&expires=${expires}&signature=${this.signature(file.id, query, expires)}`;
  }

  /** What a request's query says about its signature, for the transform it was parsed to. */
  check(fileId: string, transform: ImageTransform, query: URLSearchParams, now = Date.now()): UrlCheck {
    const signature = query.get('signature');
    const expires = query.get('expires');
    if (signature === null && expires === null) return 'unsigned';
    if (signature === null || expires === null || !/^\d{1,12}$/.test(expires)) return 'forged';
    const expected = Buffer.from(this.signature(fileId, transformQuery(transform), Number(expires)));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'forged';
    return Number(expires) * 1000 <= now ? 'expired' : 'signed';
  }

  private signature(fileId: string, query: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${fileId}?${query}&expires=${expires}`).digest('base64url');
  }
}
