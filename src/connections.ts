import { MikroORM } from '@mikro-orm/postgresql';
import { ormConfig } from '../mikro-orm.config';
import type { Config } from './config';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { openS3Storage } from './storage/s3-storage';
import type { StorageBackend } from './storage/storage-backend';

export interface Connections {
  orm: MikroORM;
  storage: StorageBackend;
  close(): Promise<void>;
}

/** The database (migrated) and the bucket: what both the server and `npm run purge` stand on. */
export async function connect(config: Config, log: Logger, metrics?: Metrics): Promise<Connections> {
  if (!config.database.url) throw new Error('A database URL is needed here (see boot.ts for the embedded default)');
  const orm = await MikroORM.init(
    ormConfig(config.database.url, { colors: false, logger: (message) => log.debug({ event: 'orm' }, message) }),
  );
  await orm.getMigrator().up();
  const s3 = openS3Storage(config, log, metrics);
  return {
    orm,
    storage: s3.storage,
    async close() {
      await orm.close();
      s3.close();
    },
  };
}
