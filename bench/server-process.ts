// As src/main.ts does first: the server runs with the same V8 settings as `npm start`.
import '../src/gc-tuning';
import { boot } from '../src/boot';
import { parseConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { stopOnRequest } from './child-process';

/** What the bench needs to know about a started server (sent over the IPC channel). */
export interface ServerReady {
  url: string;
  databaseUrl: string;
  s3: { endpoint?: string; bucket: string; credentials?: { accessKeyId: string; secretAccessKey: string } };
  dataDir: string;
  jwtSecret?: string;
}

/**
 * The server under test, in a process of its own, started as `npm start` starts
 * it (boot() on the environment the parent passes; no .env file), so that its
 * memory can be read from /proc without the load generator in it, and so that
 * the load generator does not share its event loop.
 */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const server = await boot(config, createLogger(config.logLevel));
  stopOnRequest(server.stop);
  const ready: ServerReady = {
    url: server.app.url,
    databaseUrl: server.config.database.url!,
    s3: { endpoint: server.config.s3.endpoint, bucket: server.config.s3.bucket, credentials: server.config.s3.credentials },
    dataDir: server.config.dataDir,
    jwtSecret: server.config.auth.jwtSecret,
  };
  process.send!(ready);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
