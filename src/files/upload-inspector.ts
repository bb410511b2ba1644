import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { Errors } from '../errors';
import { SNIFF_BYTES } from './file-types';

export interface InspectionResult {
  size: number;
  sha256: string;
  contentType: string;
}

/**
 * Sits between the upload and storage: counts bytes (stopping past the limit),
 * hashes them, and holds back the first bytes until their type is decided, so a
 * refused type never reaches storage. Nothing else is buffered.
 */
export class UploadInspector extends Transform {
  private received = 0;
  private readonly hash: Hash = createHash('sha256');
  private held: Buffer[] = [];
  private heldBytes = 0;
  private contentType: string | undefined;
  private digest: string | undefined;
  private settleType!: { resolve(type: string): void; reject(error: Error): void };

  /**
   * Settles once the first bytes are judged: storage is only written to after this,
   * with the type that was found.
   */
  readonly contentTypeKnown = new Promise<string>((resolve, reject) => (this.settleType = { resolve, reject }));

  constructor(
    private readonly maxBytes: number,
    /** Decides the type from the first bytes; throws to refuse the file. */
    private readonly decideType: (sample: Buffer) => Promise<string>,
    /** Text formats must stay text past the sample: no NUL bytes anywhere. */
    private readonly mustBeText: boolean,
  ) {
    super();
    this.contentTypeKnown.catch(() => undefined); // a refusal is reported through the stream as well
    this.once('error', (error) => this.settleType.reject(error));
    this.once('close', () => this.settleType.reject(new Error('The upload ended before its type was known')));
  }

  /** Bytes received so far. */
  get bytesSeen(): number {
    return this.received;
  }

  get result(): InspectionResult {
    if (this.contentType === undefined) throw new Error('The upload has not been inspected to its end');
    this.digest ??= this.hash.digest('hex');
    return { size: this.received, sha256: this.digest, contentType: this.contentType };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.maxBytes) return done(Errors.tooLarge(this.maxBytes));
    this.hash.update(chunk);
    if (this.contentType !== undefined) {
      if (this.mustBeText && chunk.includes(0)) return done(Errors.unsupportedType('The content is not text'));
      return done(null, chunk);
    }
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes < SNIFF_BYTES) return done();
    this.release(done);
  }

  override _flush(done: TransformCallback): void {
    if (this.received === 0) return done(Errors.badInput('The file is empty'));
    if (this.contentType === undefined) return this.release(done);
    done();
  }

  private release(done: TransformCallback): void {
    const sample = Buffer.concat(this.held);
    this.held = [];
    this.decideType(sample).then(
      (contentType) => {
        this.contentType = contentType;
        this.settleType.resolve(contentType);
        done(null, sample);
      },
      (error: Error) => done(error),
    );
  }
}
