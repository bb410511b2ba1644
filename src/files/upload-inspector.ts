import { Transform, type TransformCallback } from 'node:stream';
import { Errors } from '../errors';
import { SNIFF_BYTES } from './file-types';

/** Sees every byte that goes to storage, in order (the processing pass); its pace holds the stream back. */
export interface ByteTap {
  write(chunk: Buffer): Promise<void>;
}

/**
 * Sits between the upload and storage: counts bytes (stopping past the limit),
 * holds back the first bytes until their type is decided, so a refused type
 * never reaches storage, then hands every byte to the tap as it passes. Nothing
 * else is buffered.
 */
export class UploadInspector extends Transform {
  private received = 0;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private tap: ByteTap | undefined;
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
    /** Opened once the type is known, before the first byte passes. */
    private readonly openTap: (contentType: string) => Promise<ByteTap>,
    private readonly limits: {
      /** The exact length the client declared (UploadFileInput.size), if it did: one byte more or less is refused. */
      declaredBytes?: number;
      /** What the owner's quota leaves, when the upload began: one byte more stops it (the check at the end is exact). */
      quotaBytesLeft?: number | null;
    } = {},
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

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.maxBytes) return done(Errors.tooLarge(this.maxBytes));
    const { declaredBytes, quotaBytesLeft } = this.limits;
    if (declaredBytes !== undefined && this.received > declaredBytes) return done(this.notAsDeclared('more'));
    if (quotaBytesLeft != null && this.received > quotaBytesLeft) return done(Errors.quotaExceeded(`only ${quotaBytesLeft} bytes are left`));
    if (this.tap) {
      if (this.mustBeText && chunk.includes(0)) return done(Errors.unsupportedType('The content is not text'));
      return this.pass(chunk, done);
    }
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes < SNIFF_BYTES) return done();
    this.release(done);
  }

  override _flush(done: TransformCallback): void {
    if (this.received === 0) return done(Errors.badInput('The file is empty'));
    // An error here, not an end: storage, waiting for the declared length, never sees a whole body.
    if (this.limits.declaredBytes !== undefined && this.received !== this.limits.declaredBytes) return done(this.notAsDeclared('fewer'));
    if (this.tap === undefined) return this.release(done);
    done();
  }

  private notAsDeclared(which: 'more' | 'fewer'): Error {
    return Errors.badInput(`The upload has ${which} bytes than the ${this.limits.declaredBytes} declared (size)`);
  }

  private release(done: TransformCallback): void {
    const sample = Buffer.concat(this.held);
    this.held = [];
    this.decideType(sample)
      .then(async (contentType) => {
        this.tap = await this.openTap(contentType);
        this.settleType.resolve(contentType);
      })
      .then(() => this.pass(sample, done), (error: Error) => done(error));
  }

  private pass(chunk: Buffer, done: TransformCallback): void {
    this.tap!.write(chunk).then(() => done(null, chunk), (error: Error) => done(error));
  }
}
