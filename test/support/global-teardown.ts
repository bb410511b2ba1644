import { rm } from 'node:fs/promises';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __stopTestServices?: () => Promise<void> }).__stopTestServices?.();
  if (process.env.TEST_SCRATCH_DIR) await rm(process.env.TEST_SCRATCH_DIR, { recursive: true, force: true });
}
