import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { ReflectMetadataProvider } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { FileEntity } from './entities/file.entity';
import { JobQueueInstance } from './entities/job-queue-instance.entity';
import { ServerSecret } from './entities/server-secret.entity';
import { StorageUsageEntity } from './entities/storage-usage.entity';
import { FolderStatsEntity } from './entities/folder-stats.entity';
import { ArchiveEntity } from './entities/archive.entity';
import { FileEventEntity } from './entities/file-event.entity';
import { migrationsList } from './migrations';

/**
 * The ORM's settings for a database URL. Migrations are listed explicitly, so the
 * same list works from TypeScript (tests) and from the compiled build.
 */
export function ormConfig(clientUrl: string, overrides: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl,
    entities: [FileEntity, JobQueueInstance, ServerSecret, StorageUsageEntity, FolderStatsEntity, ArchiveEntity, FileEventEntity],
    // ts-morph takes seconds to start; decorator metadata is enough.
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    migrations: { migrationsList, path: 'migrations', pathTs: 'migrations', transactional: true, snapshot: false },
    pool: { min: 0, max: 10 },
    // The job queue's own tables (graphile-worker) are not the entities': never diff or drop them.
    schemaGenerator: { ignoreSchema: ['graphile_worker'] },
    allowGlobalContext: false,
    ...overrides,
  });
}

export default ormConfig;
