import sharp from 'sharp';
import { Errors, isAppError } from '../errors';
import type { Metrics } from '../metrics';
import type { ImageTransform, RenditionFormat } from './image-transform';

const FITS = { COVER: 'cover', CONTAIN: 'contain', INSIDE: 'inside', FILL: 'fill' } as const;

/**
 * Renders renditions with sharp, at most `concurrency` at a time: a burst of
 * first requests waits its turn (holding no image bytes while it waits) instead
 * of decoding twenty 12-megapixel photos at once.
 */
export class ImageRenderer {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly maxPixels: number,
    private readonly concurrency: number,
    private readonly metrics?: Metrics,
  ) {}

  /** `load` is called once a slot is free, so that the source's bytes are held only while rendering. */
  async render(load: () => Promise<Buffer>, transform: ImageTransform, format: RenditionFormat): Promise<Buffer> {
    await this.turn();
    const stop = this.metrics?.imageRenderDuration.startTimer();
    try {
      const rendition = await encode(sharp(await load(), this.inputOptions), transform, format);
      stop?.({ outcome: 'ok' });
      return rendition;
    } catch (error) {
      stop?.({ outcome: 'failed' });
      // Storage's errors are AppErrors; anything else came from decoding the bytes.
      if (isAppError(error)) throw error;
      throw Errors.badInput("This image's bytes do not decode (truncated or corrupt): it has no renditions");
    } finally {
      this.running--;
      this.waiting.shift()?.();
      this.metrics?.imageRendersWaiting.set(this.waiting.length);
    }
  }

  private get inputOptions(): sharp.SharpOptions {
    // The pixel limit is checked against the header, before anything is decoded; an animation gives its first frame
    // (sharp's default); a truncated image fails rather than rendering grey.
    return { limitInputPixels: this.maxPixels, failOn: 'truncated' };
  }

  private async turn(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.metrics?.imageRendersWaiting.set(this.waiting.length);
    });
    this.running++;
  }
}

/**
 * rotate() applies the EXIF orientation; sharp writes no metadata unless asked
 * (withMetadata), so EXIF, GPS and XMP never reach a rendition. An image is never
 * enlarged: a small photo asked for at 1024 stays its own size.
 */
function encode(image: sharp.Sharp, transform: ImageTransform, format: RenditionFormat): Promise<Buffer> {
  const resized = image
    .rotate()
    .resize({ width: transform.width ?? undefined, height: transform.height ?? undefined, fit: FITS[transform.fit], withoutEnlargement: true });
  const quality = transform.quality;
  switch (format) {
    case 'webp':
      return resized.webp({ quality }).toBuffer();
    case 'avif':
      // effort 2 of 9: AVIF's default effort takes seconds for a photo, for a few percent of bytes.
      return resized.avif({ quality, effort: 2 }).toBuffer();
    case 'jpeg':
      return resized.jpeg({ quality, mozjpeg: true }).toBuffer();
    case 'png':
      // Lossless: sharp's PNG quality would mean a palette, which bands photographs.
      return resized.png({ compressionLevel: 8 }).toBuffer();
  }
}
