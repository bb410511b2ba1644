import path from 'node:path';
import { startApp, type RunningApp } from './app';
import type { Config } from './config';
import { startEmbeddedPostgres } from './embedded/embedded-postgres';
import { startEmbeddedS3 } from './embedded/embedded-s3';
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
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const { name, stop } of stops.reverse()) {
      await stop();
      log.debug({ event: 'stopped', name });
    }
  };
  try {
    let effective = config;
    if (!config.database.url) {
      const postgres = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'postgres'), port: config.database.embeddedPort, log });
      stops.push({ name: 'embedded postgresql', stop: postgres.stop });
      effective = { ...effective, database: { ...effective.database, url: postgres.url } };
      log.warn({ event: 'development_default', service: 'postgresql', url: postgres.url }, 'No DATABASE_URL: using an embedded PostgreSQL (a development default)');
    }
    if (!config.s3.endpoint && !config.s3.hasAwsCredentials) {
      const s3 = await startEmbeddedS3({ directory: path.join(config.dataDir, 's3'), port: config.s3.embeddedPort, bucket: config.s3.bucket });
      stops.push({ name: 'embedded s3', stop: s3.stop });
      effective = { ...effective, s3: { ...effective.s3, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials } };
      log.warn(
        { event: 'development_default', service: 's3', endpoint: s3.endpoint, bucket: config.s3.bucket, accessKeyId: s3.credentials.accessKeyId, secretAccessKey: s3.credentials.secretAccessKey },
        'No S3_ENDPOINT_URL and no AWS credentials: using an embedded S3-compatible server (s3rver, a development default)',
      );
    }
    const app = await startApp(Object.freeze(effective), log);
    stops.push({ name: 'app', stop: app.close });
    return { app, config: effective, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
