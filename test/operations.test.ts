import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import { parse } from 'yaml';
import { parseConfig } from '../src/config';
import { v8StartFlags } from '../src/v8-start-flags';
import { freePort } from './support/global-setup';
import { fixtures, pngOfSize } from './support/fixtures';
import { halfUpload } from './support/half-upload';
import { createTestResources, someUser, startTestServer, type TestResources } from './support/test-server';

const root = path.join(__dirname, '..');

describe('several instances on one database and bucket', () => {
  it('serve the same files: a direct upload requested on one is completed on the other', async () => {
    const first = await startTestServer();
    const second = await startTestServer({}, { shareWith: first });
    try {
      const user = someUser();
      const { requestUpload } = await (await first.client(user)).request<any>(
        `mutation { requestUpload(input: { filename: "shared.png", contentType: "image/png", size: ${fixtures.png.length} }) { url headers file { id } } }`,
      );
      await fetch(requestUpload.url, { method: 'PUT', headers: requestUpload.headers, body: new Uint8Array(fixtures.png) });
      const { completeUpload } = await (await second.client(user)).request<any>(`mutation($id: ID!) { completeUpload(id: $id) { status } }`, { id: requestUpload.file.id });
      expect(completeUpload.status).toBe('AVAILABLE');
      const viaFirst = await fetch(`${first.url}/files/${requestUpload.file.id}/download`, { headers: { authorization: `Bearer ${await first.token(user)}` } });
      expect(Buffer.from(await viaFirst.arrayBuffer())).toEqual(fixtures.png);
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});

describe('graceful shutdown (the real process)', () => {
  let resources: TestResources;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
    resources = await createTestResources();
  }, 120_000);
  afterAll(async () => {
    child?.kill('SIGKILL');
    await resources.remove();
  });

  it('on SIGTERM lets an upload in flight finish, answers /readyz 503 meanwhile, and exits 0', async () => {
    const port = await freePort();
    const secret = randomBytes(24).toString('hex');
    child = spawn(process.execPath, [...v8StartFlags(), 'dist/src/main.js'], {
      cwd: root,
      env: { ...process.env, ...resources.env, PORT: String(port), JWT_SECRET: secret, LOG_LEVEL: 'info', S3_MAX_FILE_SIZE_MB: '8', DATA_DIR: path.join(process.env.TEST_SCRATCH_DIR!, 'shutdown') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    for (let waited = 0; !output.includes('server_started'); waited++) {
      if (waited > 300) throw new Error(`the server did not start: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const agent = new http.Agent({ keepAlive: false });
    expect((await get(port, '/readyz', agent)).status).toBe(200);

    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('slow').setExpirationTime('5m').sign(new TextEncoder().encode(secret));
    const bytes = pngOfSize(3 * 1024 * 1024);
    const upload = halfUpload(port, token, bytes);
    await upload.started;
    await new Promise((resolve) => setTimeout(resolve, 300)); // the server has read the request's head: it is in flight
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await get(port, '/readyz', agent)).status).toBe(503);
    expect((await get(port, '/healthz', agent)).status).toBe(503); // new work is refused while draining
    upload.finish();

    const answer = JSON.parse(await upload.response);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.uploadFile.size).toBe(bytes.length);
    expect(await exited).toBe(0);
    expect(output).toContain('server_stopped');
    expect(output).not.toContain('v8_start_flags_missing');
    agent.destroy();
  }, 60_000);

  it('SIGKILL in the middle of uploads, then a restart and one purge: no row without its object, no object without its row', async () => {
    const port = await freePort();
    const secret = randomBytes(24).toString('hex');
    const env = { ...process.env, ...resources.env, PORT: String(port), JWT_SECRET: secret, LOG_LEVEL: 'info', S3_MAX_FILE_SIZE_MB: '64', DATA_DIR: path.join(process.env.TEST_SCRATCH_DIR!, 'killed') };
    const rowsBefore = await countRows(resources);
    child = spawn(process.execPath, ['dist/src/main.js'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    for (let waited = 0; !output.includes('server_started'); waited++) {
      if (waited > 300) throw new Error(`the server did not start: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Started without the V8 flags: on a runtime that needs them (Node 24) the server says so.
    expect(output.includes('v8_start_flags_missing')).toBe(v8StartFlags().length > 0);
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('victim').setExpirationTime('5m').sign(new TextEncoder().encode(secret));
    // One finished upload, and three caught half-way (one large enough for S3 multipart).
    const done = halfUpload(port, token, pngOfSize(100 * 1024));
    done.finish();
    expect(JSON.parse(await done.response).data.uploadFile.size).toBe(100 * 1024);
    const inFlight = [halfUpload(port, token, pngOfSize(30 * 1024 * 1024)), halfUpload(port, token, pngOfSize(200 * 1024)), halfUpload(port, token, pngOfSize(2 * 1024 * 1024))];
    await Promise.all(inFlight.map((upload) => upload.started));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const killed = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await killed;
    await Promise.all(inFlight.map((upload) => upload.response.catch(() => undefined)));

    const restarted = await startTestServer({}, { resources });
    try {
      await restarted.app.purger.run({ now: new Date(Date.now() + 2 * 86_400_000) });
      const rows = await restarted.app.orm.em.getConnection().execute<{ s3_key: string; status: string; size: string }[]>('select s3_key, status, size from files');
      // The upload that finished remains; the three killed ones left nothing.
      expect(rows.every((row) => row.status === 'AVAILABLE')).toBe(true);
      expect(rows).toHaveLength(rowsBefore + 1);
      expect(rows.filter((row) => Number(row.size) === 100 * 1024)).toHaveLength(1);
      expect((await restarted.objectKeys()).sort()).toEqual(rows.map((row) => row.s3_key).sort());
      const uploads = await restarted.app.storage.listMultipartUploads();
      expect(uploads).toEqual([]);
    } finally {
      await restarted.stop();
    }
  }, 60_000);
});

async function countRows(resources: TestResources): Promise<number> {
  const pg = new Client({ connectionString: resources.env.DATABASE_URL });
  await pg.connect();
  try {
    const exists = await pg.query(`select to_regclass('files') is not null as present`);
    if (!exists.rows[0].present) return 0;
    return (await pg.query('select count(*)::int as count from files')).rows[0].count;
  } finally {
    await pg.end();
  }
}

function get(port: number, route: string, agent: http.Agent): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    http.get({ port, host: '127.0.0.1', path: route, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode! }));
    }).on('error', reject);
  });
}

describe('deployment files', () => {
  const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'));
  const app = compose.services.app;

  it('has the app, PostgreSQL, MinIO, a one-shot bucket init and ClamAV, with health checks', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['app', 'clamav', 'minio', 'minio-init', 'postgres']);
    expect(compose.services.postgres.healthcheck).toBeDefined();
    expect(compose.services.minio.healthcheck).toBeDefined();
    expect(compose.services.clamav.healthcheck).toBeDefined();
    expect(app.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      minio: { condition: 'service_healthy' },
      'minio-init': { condition: 'service_completed_successfully' },
      clamav: { condition: 'service_healthy' },
    });
  });

  it('configures the app with variables the server reads, pointing at the other services', () => {
    const env = app.environment as Record<string, string>;
    const known = new Set([...configVariables(), 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    for (const name of Object.keys(env)) expect(known).toContain(name);
    const withSecret = { ...env, JWT_SECRET: 'x'.repeat(32) };
    const config = parseConfig(withSecret); // every value parses
    expect(app.ports).toEqual([`${config.port}:${config.port}`]);

    const database = new URL(env.DATABASE_URL);
    const postgres = compose.services.postgres.environment;
    expect([database.hostname, database.port, database.username, database.password, database.pathname]).toEqual(['postgres', '5432', postgres.POSTGRES_USER, postgres.POSTGRES_PASSWORD, `/${postgres.POSTGRES_DB}`]);

    const endpoint = new URL(env.S3_ENDPOINT_URL);
    expect(endpoint.hostname).toBe('minio');
    expect(compose.services.minio.command).toContain('server /data');
    expect(endpoint.port).toBe('9000');
    expect([env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY]).toEqual([compose.services.minio.environment.MINIO_ROOT_USER, compose.services.minio.environment.MINIO_ROOT_PASSWORD]);
    expect(JSON.stringify(compose.services['minio-init'])).toContain(`local/${config.s3.bucket}`);
    // Uploads are scanned by the clamav service, on clamd's own port.
    expect(config.processing).toMatchObject({ malwareScan: 'clamd', clamdHost: 'clamav', clamdPort: 3310 });
  });

  it('builds the image in two stages and runs it as a non-root user with production dependencies only', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages).toHaveLength(2);
    const final = stages[1];
    expect(final).toMatch(/npm ci --omit=dev/);
    expect(final).toMatch(/^USER (?!root)\S+/m);
    expect(final).toMatch(/^EXPOSE 4000$/m);
    // The image runs Node 24: its command line carries the V8 flags that runtime needs.
    const command = JSON.parse(/^CMD (\[.*\])$/m.exec(final)![1]);
    expect(command).toEqual(['node', ...v8StartFlags('13.6.233.17-node.33'), 'dist/src/main.js']);
    expect(readFileSync(path.join(root, 'src', 'main.ts'), 'utf8')).toContain('boot(');
  });
});

/** Every variable the configuration reads, found by watching which names it asks for. */
function configVariables(): string[] {
  const asked = new Set<string>();
  parseConfig(new Proxy({}, { get: (_target, name) => (asked.add(String(name)), undefined) }));
  return [...asked];
}
