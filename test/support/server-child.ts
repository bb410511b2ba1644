/**
 * A server in a process of its own, for tests that kill it (SIGKILL):
 * `node -r ./test/support/swc-register.js test/support/server-child.ts '<env as JSON>'`.
 * Prints its URL once it listens.
 */
import 'reflect-metadata';
import { startApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import { createLogger } from '../../src/logger';

async function main(): Promise<void> {
  const config = parseConfig(JSON.parse(process.argv[2]));
  const app = await startApp(config, createLogger('silent'));
  process.stdout.write(`${app.url}\n`);
}

void main();
