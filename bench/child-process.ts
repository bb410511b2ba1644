import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Child<T> {
  ready: T;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 120_000;

/**
 * Forks one of the bench's process entries (server-process, s3-process) and waits
 * for the message it sends once it listens. Its output goes to a log file, so that
 * writing the log costs what writing to a file costs in production.
 */
export async function forkChild<T>(entry: string, env: Record<string, string | undefined>, logFile: string, execArgv: string[] = []): Promise<Child<T>> {
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = fork(path.join(__dirname, entry), [], {
      env: { ...withoutNpmVariables(process.env), ...env },
      execArgv,
      stdio: ['ignore', log, log, 'ipc'],
    });
  } finally {
    closeSync(log);
  }
  const ready = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start within ${START_TIMEOUT_MS / 1000} s (log: ${logFile})`)), START_TIMEOUT_MS);
    child.once('message', (message: T) => {
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code}) before it was ready: ${tail(logFile)}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    ready,
    pid: child.pid!,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

/** What a child entry does when the parent asks it to stop, or goes away without asking. */
export function stopOnRequest(stop: () => Promise<void>): void {
  let stopping = false;
  const once = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('message', (message: { type?: string }) => message.type === 'stop' && once());
  // A parent that dies without asking must not leave an embedded PostgreSQL behind.
  process.on('disconnect', once);
  process.on('SIGTERM', once);
  process.on('SIGINT', once);
}

function withoutNpmVariables(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('npm_')));
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}
