import net from 'node:net';
import { AppError } from '../errors';
import type { MalwareScanner, ScanSession } from './malware-scanner';

/**
 * ClamAV's daemon over TCP, with its INSTREAM command: the bytes go as chunks of
 * <4-byte big-endian length><data>, a zero length ends them, and clamd answers
 * one line, "stream: OK" or "stream: <signature> FOUND". Nothing is written to
 * disk on either side.
 */
export class ClamdScanner implements MalwareScanner {
  constructor(
    private readonly host: string,
    private readonly port: number,
    /** No answer (or no progress) for this long: the scanner is unavailable. */
    private readonly timeoutMs: number,
  ) {}

  open(): Promise<ScanSession> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      socket.setTimeout(this.timeoutMs);
      const fail = (error: Error) => {
        socket.destroy();
        reject(unavailable(error));
      };
      socket.once('error', fail);
      socket.once('timeout', () => fail(new Error(`clamd did not accept a connection within ${this.timeoutMs} ms`)));
      socket.once('connect', () => {
        socket.removeListener('error', fail);
        socket.removeAllListeners('timeout');
        resolve(new ClamdSession(socket, this.timeoutMs));
      });
    });
  }
}

class ClamdSession implements ScanSession {
  private reply = '';
  private failure: Error | undefined;
  private readonly answered: Promise<string>;

  constructor(
    private readonly socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    // Waiting on the client is not the scanner's fault: the clock runs only while clamd owes something.
    socket.setTimeout(0);
    // The z prefix: commands and the answer end with NUL instead of a newline.
    socket.write('zINSTREAM\0');
    this.answered = new Promise((resolve, reject) => {
      socket.on('data', (data: Buffer) => {
        this.reply += data.toString('utf8');
        if (this.reply.includes('\0')) {
          socket.end();
          resolve(this.reply.slice(0, this.reply.indexOf('\0')));
        }
      });
      socket.on('timeout', () => this.fail(new Error('clamd stopped answering'), reject));
      socket.on('error', (error) => this.fail(error, reject));
      socket.on('close', () => this.fail(new Error('clamd closed the connection without an answer'), reject));
    });
    this.answered.catch(() => undefined); // heard by write() or verdict()
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.failure) throw unavailable(this.failure);
    // clamd may answer early (a size limit, an error) and close: its answer is the verdict.
    if (this.reply.includes('\0')) return;
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(chunk.length);
    this.socket.write(length);
    if (this.socket.write(chunk)) return;
    this.socket.setTimeout(this.timeoutMs);
    await new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off('drain', done).off('close', done);
        resolve();
      };
      this.socket.on('drain', done).on('close', done);
    });
    this.socket.setTimeout(0);
  }

  async verdict(): Promise<string | null> {
    if (!this.failure && !this.reply.includes('\0')) this.socket.write(Buffer.alloc(4)); // the zero length: no more bytes
    this.socket.setTimeout(this.timeoutMs);
    let answer: string;
    try {
      answer = await this.answered;
    } catch (error) {
      throw unavailable(error as Error);
    }
    if (/: OK$/.test(answer)) return null;
    const found = /: (.+) FOUND$/.exec(answer);
    // ".UNOFFICIAL" marks a signature from a database ClamAV did not sign (one's own): the name is what matters.
    if (found) return found[1].replace(/\.UNOFFICIAL$/, '');
    throw unavailable(new Error(`clamd answered: ${answer}`));
  }

  cancel(): void {
    this.socket.destroy();
  }

  private fail(error: Error, reject: (error: Error) => void): void {
    this.failure ??= error;
    reject(this.failure);
  }
}

function unavailable(cause: Error): AppError {
  return new AppError('STORAGE_UNAVAILABLE', 'The malware scanner is unavailable, try again later', { cause });
}
