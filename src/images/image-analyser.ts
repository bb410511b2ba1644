import { encode } from 'blurhash';
import sharp from 'sharp';
import type { ImageInfo } from '../../entities/file.entity';

/** The types analysed. SVG is left out on purpose: rendering it means running a document, not decoding pixels. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/tiff']);
/** EXIF orientations 5 to 8 turn the image a quarter: displayed, its width is its height. */
const QUARTER_TURNS = new Set([5, 6, 7, 8]);
/** Images up to this size are decoded whole (for a blurhash); a larger one gets what its header says. */
export const MAX_DECODED_IMAGE_BYTES = 32 * 1024 * 1024;
/** A blurhash is drawn from a thumbnail this small; 4 × 3 components, as blurhash's own examples use. */
const PLACEHOLDER_SIZE = 32;

/**
 * What an SPA needs to lay an image out before it loads: its size as displayed,
 * format, alpha, and a blurhash. Images over `maxPixels` are never decoded
 * (sharp reads their header only and refuses them): they get no analysis.
 */
export class ImageAnalyser {
  constructor(private readonly maxPixels: number) {}

  isImage(contentType: string): boolean {
    return IMAGE_TYPES.has(contentType);
  }

  /** From the first bytes alone (the header): no blurhash. Null when they do not describe an image within the limit. */
  async fromHeader(start: Buffer): Promise<ImageInfo | null> {
    try {
      // Only the header is read: a body cut short (a sample, a truncated file) does not matter here.
      return this.describe(await sharp(start, { ...this.inputOptions, failOn: 'none' }).metadata(), null);
    } catch {
      return null; // a header cut short, or no image: the whole file may still tell
    }
  }

  /** From the whole image. A body that does not decode (corrupt, truncated) keeps what its header says, without a blurhash. */
  async fromImage(bytes: Buffer): Promise<ImageInfo | null> {
    const header = await this.fromHeader(bytes);
    if (!header) return null;
    try {
      // rotate(): EXIF orientation applied, as the image is displayed. The first frame of an animation.
      const { data, info } = await sharp(bytes, this.inputOptions)
        .rotate()
        .resize(PLACEHOLDER_SIZE, PLACEHOLDER_SIZE, { fit: 'inside' })
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      return { ...header, blurhash: encode(new Uint8ClampedArray(data), info.width, info.height, 4, 3) };
    } catch {
      return header;
    }
  }

  private get inputOptions(): sharp.SharpOptions {
    // limitInputPixels is checked against the header, before any pixel is decoded.
    return { limitInputPixels: this.maxPixels, failOn: 'error' };
  }

  private describe(meta: sharp.Metadata, blurhash: string | null): ImageInfo | null {
    if (!meta.width || !meta.height || !meta.format) return null;
    if (meta.width * meta.height > this.maxPixels) return null;
    const turned = QUARTER_TURNS.has(meta.orientation ?? 1);
    const format = meta.format === 'heif' && meta.compression === 'av1' ? 'avif' : meta.format;
    return {
      width: turned ? meta.height : meta.width,
      height: turned ? meta.width : meta.height,
      format,
      hasAlpha: meta.hasAlpha ?? false,
      blurhash,
    };
  }
}
