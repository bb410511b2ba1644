import type { RequestHandler } from 'express';
import { writeError } from './send-error';

/**
 * Graceful shutdown for the HTTP side. Once draining, the server keeps its port
 * open only to say so: /readyz answers 503 (a load balancer stops sending work)
 * and any new request gets 503 with Retry-After, on a connection that is then
 * closed. Requests already in flight (uploads, downloads) run to their end.
 */
export class Drain {
  private inFlight = 0;
  private draining = false;
  private idle: (() => void) | undefined;

  readonly middleware: RequestHandler = (req, res, next) => {
    if (this.draining) {
      res.setHeader('Connection', 'close');
      if (req.path === '/readyz') return void res.status(503).json({ status: 'draining' });
      res.setHeader('Retry-After', '1');
      return writeError(res, 503, 'INTERNAL_SERVER_ERROR', 'The server is shutting down; retry');
    }
    this.inFlight++;
    res.once('close', () => {
      if (--this.inFlight === 0) this.idle?.();
    });
    next();
  };

  /** Resolves when no request is in flight, or after timeoutMs, whichever comes first. */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    if (this.inFlight === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (this.idle = resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }
}
