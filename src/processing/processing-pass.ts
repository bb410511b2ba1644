import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ImageInfo } from '../../entities/file.entity';
import { type ImageAnalyser, MAX_DECODED_IMAGE_BYTES } from '../images/image-analyser';
import type { Metrics } from '../metrics';
import type { MalwareScanner, ScanSession } from '../scanning/malware-scanner';

/** An image's header sits in its first bytes (a JPEG's after its EXIF block, at most 64 KiB). */
const HEADER_SAMPLE_BYTES = 512 * 1024;

export interface PassResult {
  checksumSha256: string;
  checksumCrc32: number;
  /** Null: clean, or not scanned (MALWARE_SCAN=off). */
  malwareSignature: string | null;
  image: ImageInfo | null;
}

/**
 * The processing pass: the bytes of a new file read once, start to end, and on
 * the way checksummed (SHA-256, CRC-32), scanned (when a scanner is configured)
 * and, for images, analysed. A streamed upload runs it alongside the storage
 * write; a direct upload's job runs it over the object read back.
 */
export class ProcessingPass {
  constructor(
    private readonly scanner: MalwareScanner | null,
    private readonly images: ImageAnalyser,
    private readonly metrics: Metrics,
  ) {}

  get scans(): boolean {
    return this.scanner !== null;
  }

  /**
   * A reading of one file's bytes. `wholeImage`: decode an image whole (a blurhash
   * too); otherwise its header alone is read, and the blurhash comes later.
   * `readBack`: the object read back from storage (a direct upload), not a stream on its way in.
   */
  async begin(contentType: string, options: { wholeImage: boolean; readBack: boolean }): Promise<PassReading> {
    const image = !this.images.isImage(contentType) ? 'none' : options.wholeImage ? 'whole' : 'header';
    const read = options.readBack ? 'object' : 'stream';
    return new PassReading(this.scanner ? await this.scanner.open() : null, this.images, image, this.metrics, read);
  }
}

export class PassReading {
  private readonly sha256 = createHash('sha256');
  private crc = 0;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private readonly started = process.hrtime.bigint();

  constructor(
    private readonly scan: ScanSession | null,
    private readonly images: ImageAnalyser,
    private image: 'none' | 'header' | 'whole',
    private readonly metrics: Metrics,
    private readonly read: 'stream' | 'object',
  ) {}

  /** Resolves when the scanner has taken the chunk: its pace is the pass's. */
  async write(chunk: Buffer): Promise<void> {
    this.sha256.update(chunk);
    this.crc = crc32(chunk, this.crc);
    this.hold(chunk);
    if (this.scan) await this.scan.write(chunk);
  }

  async finish(): Promise<PassResult> {
    const malwareSignature = this.scan ? await this.scan.verdict().catch((error: unknown) => {
      this.metrics.filesScanned.inc({ outcome: 'error' });
      throw error;
    }) : null;
    const bytes = Buffer.concat(this.held, this.heldBytes);
    this.held = [];
    let image: ImageInfo | null = null;
    if (!malwareSignature && this.image === 'whole') image = await this.images.fromImage(bytes);
    if (!malwareSignature && this.image === 'header') image = await this.images.fromHeader(bytes);
    if (this.scan) this.metrics.filesScanned.inc({ outcome: malwareSignature ? 'infected' : 'clean' });
    this.metrics.passDuration.observe({ read: this.read }, Number(process.hrtime.bigint() - this.started) / 1e9);
    return { checksumSha256: this.sha256.digest('hex'), checksumCrc32: this.crc, malwareSignature, image };
  }

  cancel(): void {
    this.scan?.cancel();
    this.held = [];
  }

  private hold(chunk: Buffer): void {
    if (this.image === 'none') return;
    if (this.image === 'whole' && this.heldBytes + chunk.length > MAX_DECODED_IMAGE_BYTES) {
      this.image = 'header'; // too large to decode here: its start alone is kept
      const start = Buffer.concat(this.held, this.heldBytes).subarray(0, HEADER_SAMPLE_BYTES);
      [this.held, this.heldBytes] = [[start], start.length];
    }
    const room = this.image === 'whole' ? chunk.length : HEADER_SAMPLE_BYTES - this.heldBytes;
    if (room <= 0) return;
    // A copy of a slice: a view would keep the whole chunk alive.
    const kept = chunk.length <= room ? chunk : Buffer.from(chunk.subarray(0, room));
    this.held.push(kept);
    this.heldBytes += kept.length;
  }
}
