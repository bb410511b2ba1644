import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startEmbeddedS3, type EmbeddedS3 } from '../../src/embedded/embedded-s3';
import { freePort } from './global-setup';

interface Daemon {
  up(): Promise<void>;
  down(): Promise<void>;
  /** At the end of a test file: its own server goes, the suite's radosgw stays up for the next file. */
  dispose(): Promise<void>;
}

/**
 * An S3 server a test can stop and start again, keeping its data: the suite's
 * Ceph RGW when it runs on one (CEPH_CONF names it; radosgw is killed and
 * restarted), otherwise an embedded s3rver of the test's own.
 */
export class StoppableS3 {
  readonly client: S3Client;

  private constructor(
    private readonly daemon: Daemon,
    readonly port: number,
    readonly bucket: string,
    private readonly credentials: { accessKeyId: string; secretAccessKey: string },
  ) {
    this.client = new S3Client({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      maxAttempts: 1,
    });
  }

  static async start(): Promise<StoppableS3> {
    const bucket = `faults-${randomBytes(4).toString('hex')}`;
    const conf = process.env.CEPH_CONF;
    if (conf && process.env.TEST_S3_ENDPOINT_URL) {
      const port = Number(new URL(process.env.TEST_S3_ENDPOINT_URL).port);
      const credentials = { accessKeyId: process.env.TEST_AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.TEST_AWS_SECRET_ACCESS_KEY! };
      const s3 = new StoppableS3(radosgw(conf, port), port, bucket, credentials);
      await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
      return s3;
    }
    const directory = await mkdtemp(path.join(os.tmpdir(), 'faults-s3-'));
    const port = await freePort();
    let running: EmbeddedS3 | undefined;
    const daemon: Daemon = {
      up: async () => void (running = await startEmbeddedS3({ directory, port, bucket })), // creates the bucket
      down: async () => {
        await running?.stop();
        running = undefined;
      },
      dispose: async () => daemon.down(),
    };
    await daemon.up();
    return new StoppableS3(daemon, port, bucket, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  }

  /** Back up, and answering requests on the bucket (a restarted radosgw listens before it serves). */
  async up(): Promise<void> {
    await this.daemon.up();
    for (let waited = 0; ; waited++) {
      try {
        await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
        return;
      } catch (error) {
        if (waited > 300) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  down(): Promise<void> {
    return this.daemon.down();
  }

  dispose(): Promise<void> {
    return this.daemon.dispose();
  }

  async keys(): Promise<string[]> {
    return ((await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket }))).Contents ?? []).map((object) => object.Key!);
  }

  async multipartUploads(): Promise<number> {
    return ((await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket }))).Uploads ?? []).length;
  }

  /** The server's environment for this storage, optionally through another port (a proxy). */
  env(endpointPort = this.port) {
    return {
      S3_ENDPOINT_URL: `http://127.0.0.1:${endpointPort}`,
      S3_BUCKET_NAME: this.bucket,
      AWS_ACCESS_KEY_ID: this.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.credentials.secretAccessKey,
    };
  }
}

/** The cluster's radosgw, killed (SIGKILL, like a crash) and started again; the data lives on in the OSD. */
function radosgw(conf: string, port: number): Daemon {
  const pidFile = path.join(path.dirname(conf), 'run', 'client.rgw.a.pid');
  const daemon: Daemon = {
    async down() {
      const pid = Number((await readFile(pidFile, 'utf8')).trim());
      process.kill(pid, 'SIGKILL');
      while (await alive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
    },
    async up() {
      // It daemonizes; its output must not be a pipe that closes when this call returns (SIGPIPE would kill it).
      execFileSync('radosgw', ['-c', conf, '-n', 'client.rgw.a'], { stdio: 'ignore' });
      for (let waited = 0; !(await listening(port)); waited++) {
        if (waited > 200) throw new Error('radosgw did not come back');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async dispose() {
      if (!(await listening(port))) await daemon.up();
    },
  };
  return daemon;
}

async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
