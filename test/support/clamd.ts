import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { freePort } from './global-setup';

/** The 68 bytes of the EICAR anti-virus test file: every scanner detects it, by design. */
export const EICAR = Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*');

/**
 * A real ClamAV daemon (Debian's clamav-daemon) of the test's own, on a free
 * port. No signature download is possible here, so its database holds one hash
 * signature: EICAR's (as ../shared/tools/clamd does). Stoppable and restartable,
 * for the tests of a scanner that goes away.
 */
export class Clamd {
  private process: ChildProcess | undefined;

  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  /** `scratch`: where its database, configuration and log go (the test run's scratch directory by default). */
  static async start(scratch = process.env.TEST_SCRATCH_DIR!): Promise<Clamd> {
    const dir = path.join(scratch, `clamd-${Math.random().toString(16).slice(2)}`);
    await mkdir(path.join(dir, 'db'), { recursive: true });
    // md5:size:name, the .hdb format.
    await writeFile(path.join(dir, 'db', 'eicar.hdb'), '44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n');
    const clamd = new Clamd(dir, await freePort());
    await writeFile(
      path.join(dir, 'clamd.conf'),
      [
        'Foreground yes',
        `TCPSocket ${clamd.port}`,
        'TCPAddr 127.0.0.1',
        `DatabaseDirectory ${path.join(dir, 'db')}`,
        ...(process.getuid?.() === 0 ? ['User root'] : []),
        // clamd's default stops a stream at 25 MB; the server's limit is what counts.
        'StreamMaxLength 2000M',
        'MaxScanSize 2000M',
        'MaxFileSize 2000M',
      ].join('\n'),
    );
    await clamd.up();
    return clamd;
  }

  env(port = this.port): Record<string, string> {
    return { MALWARE_SCAN: 'clamd', CLAMD_HOST: '127.0.0.1', CLAMD_PORT: String(port) };
  }

  async up(): Promise<void> {
    const binary = process.env.CLAMD_BINARY ?? '/usr/sbin/clamd';
    this.process = spawn(binary, ['-c', path.join(this.dir, 'clamd.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.process.stderr!.on('data', (chunk) => (stderr += chunk));
    const started = Date.now();
    while (!(await this.answersPing())) {
      if (this.process.exitCode !== null) throw new Error(`clamd exited (is clamav-daemon installed?): ${stderr}`);
      if (Date.now() - started > 30_000) throw new Error(`clamd did not answer PING in 30 s: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async down(): Promise<void> {
    if (!this.process || this.process.exitCode !== null) return;
    const exited = new Promise((resolve) => this.process!.once('exit', resolve));
    this.process.kill('SIGKILL');
    await exited;
    this.process = undefined;
  }

  private answersPing(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect(this.port, '127.0.0.1');
      let reply = '';
      socket.setTimeout(1000);
      socket.on('connect', () => socket.write('zPING\0'));
      socket.on('data', (data) => (reply += data));
      socket.on('end', () => resolve(reply.startsWith('PONG')));
      socket.on('error', () => resolve(false));
      socket.on('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
  }
}
