import './gc-tuning';
import 'dotenv/config';
import { boot } from './boot';
import { configOrExit } from './cli-config';
import { createLogger } from './logger';
import { missingV8StartFlags } from './v8-start-flags';

async function main(): Promise<void> {
  const config = configOrExit(process.env);
  const log = createLogger(config.logLevel);
  const missing = missingV8StartFlags();
  if (missing.length > 0) {
    log.warn({ event: 'v8_start_flags_missing', flags: missing }, `Start node with ${missing.join(' ')}: without them this runtime relays uploads and downloads at a fraction of the speed (docs/operations.md)`);
  }
  const server = await boot(config, log);
  log.info({ event: 'server_started', url: `http://localhost:${new URL(server.app.url).port}/graphql` });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ event: 'server_stopping', signal });
    await server.stop();
    log.info({ event: 'server_stopped' });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
