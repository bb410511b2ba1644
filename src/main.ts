import './gc-tuning';
import 'dotenv/config';
import { boot } from './boot';
import { configOrExit } from './cli-config';
import { createLogger } from './logger';

async function main(): Promise<void> {
  const config = configOrExit(process.env);
  const log = createLogger(config.logLevel);
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
