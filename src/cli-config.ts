import { ConfigError, parseConfig, type Config, type Env } from './config';

/** For commands: the configuration, or one line naming the bad variable and exit code 1. */
export function configOrExit(env: Env): Config {
  try {
    return parseConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
}
