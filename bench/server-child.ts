import { v8StartFlags } from '../src/v8-start-flags';
import { forkChild } from './child-process';
import type { ServerReady } from './server-process';

export interface ServerChild extends ServerReady {
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

/** The server under test (bench/server-process) in a child process, started with this environment. */
export async function startServerChild(env: Record<string, string | undefined>, logFile: string): Promise<ServerChild> {
  // The flags `npm start` and the Dockerfile give this runtime, and e.g.
  // BENCH_SERVER_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" (not allowed in NODE_OPTIONS).
  const execArgv = [...v8StartFlags(), ...(process.env.BENCH_SERVER_NODE_OPTIONS ?? '').split(' ').filter(Boolean)];
  const child = await forkChild<ServerReady>('server-process.js', env, logFile, execArgv);
  return { ...child.ready, pid: child.pid, logFile: child.logFile, stop: child.stop };
}
