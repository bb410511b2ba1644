import 'reflect-metadata';
import 'dotenv/config';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormConfig } from '../../mikro-orm.config';
import { startServices } from '../boot';
import { configOrExit } from '../cli-config';
import { createLogger } from '../logger';

/**
 * npm run migration:create
 * Writes a migration for the difference between the entities and the database
 * (DATABASE_URL, or the embedded one under DATA_DIR, as `npm start` uses), after
 * applying the existing ones; then list it in migrations/index.ts.
 */
async function main(): Promise<void> {
  const config = configOrExit(process.env);
  const log = createLogger(config.logLevel, 2);
  const services = await startServices(config, log, { attach: true });
  try {
    const orm = await MikroORM.init(ormConfig(services.config.database.url!));
    try {
      await orm.getMigrator().up();
      const result = await orm.getMigrator().createMigration();
      console.log(result.fileName ? `wrote migrations/${result.fileName}` : 'no changes');
    } finally {
      await orm.close();
    }
  } finally {
    await services.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
