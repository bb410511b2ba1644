import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import type { Arrivals, SubscribersRequest } from './event-subscribers-process';
import type { Subscription } from './graphql-ws-socket';

export type { Arrivals };

/** Epoch milliseconds, sub-millisecond, as the subscribers' process reads them. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** The bench's many subscribers, in their own process (bench/event-subscribers-process). */
export class Subscribers {
  private requests = 0;
  private readonly pending = new Map<number, { resolve(result: any): void; reject(error: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiting?.reject(new Error(message.error));
      else waiting?.resolve(message.result);
    });
    child.once('exit', (code) => {
      for (const waiting of this.pending.values()) waiting.reject(new Error(`the subscribers' process exited (${code})`));
      this.pending.clear();
    });
  }

  static async start(logFile: string): Promise<Subscribers> {
    const log = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = fork(path.join(__dirname, 'event-subscribers-process.js'), [], { stdio: ['ignore', log, log, 'ipc'] });
    } finally {
      closeSync(log);
    }
    const subscribers = new Subscribers(child);
    await new Promise<void>((resolve, reject) => subscribers.pending.set(0, { resolve, reject }));
    return subscribers;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Every connection opened and acknowledged, its subscribe messages sent (not yet necessarily registered). */
  open(url: string, connections: { token: string; subscriptions: Subscription[] }[], concurrency = 50): Promise<{ subscriptions: number }> {
    return this.ask({ type: 'open', url, connections, concurrency });
  }

  /** From now on, count events afresh (those whose JSON contains `contains`, if given); a subscription is done at its `each`-th. */
  expect(each: number, contains?: string): Promise<void> {
    return this.ask({ type: 'expect', each, contains });
  }

  /** Until every subscription is done, or the time is up. */
  wait(timeoutMs: number): Promise<Arrivals> {
    return this.ask({ type: 'wait', timeoutMs });
  }

  close(): Promise<void> {
    return this.ask({ type: 'close' });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    await exited;
  }

  private ask<T>(request: SubscribersRequest): Promise<T> {
    const id = ++this.requests;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, request });
    });
  }
}
