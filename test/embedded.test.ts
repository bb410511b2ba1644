import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { loadOrCreateDevSecret } from '../src/auth/dev-secret';
import { boot } from '../src/boot';
import { parseConfig, type Env } from '../src/config';
import { startEmbeddedPostgres } from '../src/embedded/embedded-postgres';
import { createLogger } from '../src/logger';
import { freePort } from './support/global-setup';
import { fixtures } from './support/fixtures';

/** `npm start` with nothing configured: embedded PostgreSQL and S3, data under DATA_DIR. */
describe('the embedded default', () => {
  let dataDir: string;
  let env: Env;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'file-server-embedded-'));
    env = { DATA_DIR: dataDir, PORT: '0', EMBEDDED_DB_PORT: String(await freePort()), EMBEDDED_S3_PORT: String(await freePort()), LOG_LEVEL: 'silent' };
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  async function upload(url: string, token: string): Promise<string> {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: 'mutation($f: Upload!) { uploadFile(file: $f) { id } }', variables: { f: null } }));
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    form.append('0', new Blob([fixtures.png]), 'kept.png');
    const response = await fetch(`${url}/graphql`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' } });
    return ((await response.json()) as any).data.uploadFile.id;
  }

  it('keeps files across a restart, and starts despite a stale postmaster.pid', async () => {
    const config = parseConfig(env);
    const secret = await loadOrCreateDevSecret(dataDir);
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('dev').setExpirationTime('5m').sign(new TextEncoder().encode(secret));

    const first = await boot(config, createLogger('silent'));
    const id = await upload(first.app.url, token);
    await first.stop();

    // What a SIGKILLed run leaves behind: a pid file naming a process that is gone.
    await writeFile(path.join(dataDir, 'postgres', 'postmaster.pid'), '999999\n');
    const second = await boot(config, createLogger('silent'));
    try {
      const response = await fetch(`${second.app.url}/files/${id}/download`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer())).toEqual(fixtures.png);
    } finally {
      await second.stop();
    }
  });

  it('stops a PostgreSQL left running by a killed parent before starting its own', async () => {
    const dir = path.join(dataDir, 'orphan');
    const port = await freePort();
    const log = createLogger('silent');
    await startEmbeddedPostgres({ dataDir: dir, port, log }); // never stopped: the "killed parent"
    const again = await startEmbeddedPostgres({ dataDir: dir, port, log });
    await again.stop();
  });
});
