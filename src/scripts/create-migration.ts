import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormConfig } from '../../mikro-orm.config';

/**
 * Writes a migration for the difference between the entities and the database at
 * DATABASE_URL (apply the existing ones first), then list it in migrations/index.ts.
 * Usage: DATABASE_URL=postgres://... npm run migration:create
 */
async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL: set it to a database with the existing migrations applied');
  const orm = await MikroORM.init(ormConfig(url));
  try {
    await orm.getMigrator().up();
    const result = await orm.getMigrator().createMigration();
    console.log(result.fileName ? `wrote migrations/${result.fileName}` : 'no changes');
  } finally {
    await orm.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
