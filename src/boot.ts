import net from 'node:net';
import path from 'node:path';
import { startApp, type RunningApp } from './app';
import type { Config } from './config';
import { runningPostgresPort, startEmbeddedPostgres } from './embedded/embedded-postgres';
import { S3RVER_CREDENTIALS, startEmbeddedS3 } from './embedded/embedded-s3';
import type { Logger } from './logger';

export interface Server {
  app: RunningApp;
  config: Config;
  stop(): Promise<void>;
}

/**
 * `npm start`: the app on the configured PostgreSQL and S3, or, where none is
 * configured, on embedded ones keeping their data under DATA_DIR.
 */
export async function boot(config: Config, log: Logger): Promise<Server> {
  const services = await startServices(config, log);
  try {
    const app = await startApp(services.config, log);
    return {
      app,
      config: services.config,
      async stop() {
        await app.close();
        await services.stop();
      },
    };
  } catch (error) {
    await services.stop();
    throw error;
  }
}

export interface Services {
  /** The configuration with the embedded services' addresses filled in. */
  config: Config;
  stop(): Promise<void>;
}

/**
 * The embedded PostgreSQL and S3 where none is configured. With `attach`, (a
 * command beside a running server) embedded services that already run are used
 * as they are, and left running.
 */
export async function startServices(config: Config, log: Logger, options: { attach?: boolean } = {}): Promise<Services> {
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const { name, stop } of stops.reverse()) {
      await stop();
      log.debug({ event: 'stopped', name });
    }
  };
  try {
    let effective = config;
    const postgresDir = path.join(config.dataDir, 'postgres');
    const runningPort = options.attach && !config.database.url ? await runningPostgresPort(postgresDir) : null;
    if (runningPort) {
      effective = { ...effective, database: { ...effective.database, url: `postgres://postgres@127.0.0.1:${runningPort}/postgres` } };
    } else if (!config.database.url) {
      const postgres = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'postgres'), port: config.database.embeddedPort, log });
      stops.push({ name: 'embedded postgresql', stop: postgres.stop });
      effective = { ...effective, database: { ...effective.database, url: postgres.url } };
      log.warn({ event: 'development_default', service: 'postgresql', url: postgres.url }, 'No DATABASE_URL: using an embedded PostgreSQL (a development default)');
    }
    const embeddedS3 = !config.s3.endpoint && !config.s3.hasAwsCredentials;
    if (embeddedS3 && options.attach && (await isListening(config.s3.embeddedPort))) {
      effective = { ...effective, s3: { ...effective.s3, endpoint: `http://127.0.0.1:${config.s3.embeddedPort}`, forcePathStyle: true, credentials: S3RVER_CREDENTIALS } };
    } else if (embeddedS3) {
      // Pages of this server (the file manager) and of CORS_ORIGINS may use the bucket from a browser.
      const corsOrigins = [`http://localhost:${config.port}`, `http://127.0.0.1:${config.port}`, ...config.corsOrigins];
      const s3 = await startEmbeddedS3({ directory: path.join(config.dataDir, 's3'), port: config.s3.embeddedPort, bucket: config.s3.bucket, corsOrigins });
      stops.push({ name: 'embedded s3', stop: s3.stop });
      effective = { ...effective, s3: { ...effective.s3, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials } };
      log.warn(
        { event: 'development_default', service: 's3', endpoint: s3.endpoint, bucket: config.s3.bucket, accessKeyId: s3.credentials.accessKeyId, secretAccessKey: s3.credentials.secretAccessKey },
        'No S3_ENDPOINT_URL and no AWS credentials: using an embedded S3-compatible server (s3rver, a development default)',
      );
    }
    return { config: Object.freeze(effective), stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
