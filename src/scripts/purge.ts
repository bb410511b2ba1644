import 'dotenv/config';
import { startServices } from '../boot';
import { configOrExit } from '../cli-config';
import { connect } from '../connections';
import { Purger } from '../files/purge';
import { createLogger } from '../logger';

/**
 * npm run purge -- [--dry-run] [--delete-orphans]
 * One purge run (see src/files/purge.ts), beside a running server or alone. The
 * report goes to standard output as JSON; events go to the log (standard error).
 */
async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const unknown = [...args].filter((arg) => !['--dry-run', '--delete-orphans'].includes(arg));
  if (unknown.length) {
    console.error(`usage: npm run purge -- [--dry-run] [--delete-orphans]  (unknown: ${unknown.join(' ')})`);
    process.exit(2);
  }
  const config = configOrExit(process.env);
  const log = createLogger(config.logLevel, 2); // standard output carries the report
  const services = await startServices(config, log, { attach: true });
  try {
    const connections = await connect(services.config, log);
    try {
      const report = await new Purger(connections.orm, connections.storage, config.purge, log).run({
        dryRun: args.has('--dry-run'),
        deleteOrphans: args.has('--delete-orphans'),
      });
      console.log(JSON.stringify(report, null, 2));
    } finally {
      await connections.close();
    }
  } finally {
    await services.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
