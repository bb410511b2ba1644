import type { Config } from '../config';
import { Errors } from '../errors';
import { extensionOf, sanitizeFileName } from './file-names';
import { detectContentType, expectedMimeFor } from './file-types';

/** Generous for any real SPA, small enough that metadata stays metadata. */
const MAX_METADATA_BYTES = 64 * 1024;
const MAX_METADATA_DEPTH = 32;

export interface CheckedName {
  originalName: string;
  extension: string;
}

/** What may be stored: size, extension, type. The one place these rules live. */
export class FilePolicy {
  constructor(private readonly rules: Config['upload']) {}

  get maxFileSizeBytes(): number {
    return this.rules.maxFileSizeBytes;
  }

  /** What an SPA needs to check a file before it uploads it. */
  describe(): { maxFileSizeBytes: number; allowedExtensions: string[]; allowedMimeTypes: string[] } {
    return {
      maxFileSizeBytes: this.rules.maxFileSizeBytes,
      allowedExtensions: [...this.rules.allowedExtensions],
      allowedMimeTypes: [...this.rules.allowedMimeTypes],
    };
  }

  checkName(rawName: string): CheckedName {
    const originalName = sanitizeFileName(rawName);
    const extension = extensionOf(originalName);
    if (!extension) throw Errors.unsupportedType('The file name has no extension');
    if (!this.rules.allowedExtensions.includes(extension)) {
      throw Errors.unsupportedType(`Files with the extension .${extension} are not allowed`);
    }
    return { originalName, extension };
  }

  checkSize(size: number): void {
    if (size > this.rules.maxFileSizeBytes) throw Errors.tooLarge(this.rules.maxFileSizeBytes);
    if (size === 0) throw Errors.badInput('The file is empty');
    if (!Number.isSafeInteger(size) || size < 0) throw Errors.badInput('The size must be a whole number of bytes');
  }

  checkMimeAllowed(mime: string): void {
    if (!this.rules.allowedMimeTypes.includes(mime)) {
      throw Errors.unsupportedType(`Files of type ${mime} are not allowed`);
    }
  }

  /** For direct uploads: the rules checked up front against what the client declares. */
  checkDeclared(rawName: string, declaredType: string, size: number): CheckedName & { contentType: string } {
    const checked = this.checkName(rawName);
    this.checkSize(size);
    const contentType = declaredType.split(';')[0].trim().toLowerCase();
    const expected = expectedMimeFor(checked.extension);
    if (expected && expected !== contentType) {
      throw Errors.unsupportedType(`The type ${contentType} does not match the extension .${checked.extension}`);
    }
    this.checkMimeAllowed(contentType);
    return { ...checked, contentType };
  }

  /** The type of the content itself, from its first bytes: must agree with the extension and be allowed. */
  async checkContent(extension: string, sample: Buffer): Promise<string> {
    const contentType = await detectContentType(extension, sample);
    this.checkMimeAllowed(contentType);
    return contentType;
  }

  checkMetadata(metadata: Record<string, unknown> | null | undefined): Record<string, unknown> {
    if (!metadata) return {};
    if (depthOf(metadata) > MAX_METADATA_DEPTH) throw Errors.badInput(`Metadata is nested deeper than ${MAX_METADATA_DEPTH} levels`);
    if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
      throw Errors.badInput(`Metadata is larger than ${MAX_METADATA_BYTES} bytes`);
    }
    return metadata;
  }
}

function depthOf(value: unknown, limit = MAX_METADATA_DEPTH + 1): number {
  if (value === null || typeof value !== 'object' || limit === 0) return 0;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, limit - 1));
  return deepest + 1;
}
