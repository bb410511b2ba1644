import type { Logger } from '../logger';
import type { StorageBackend } from './storage-backend';

const ADVICE = {
  versioning: 'Bucket versioning is off: an object deleted or overwritten by mistake cannot be recovered',
  encryption: 'The bucket has no default encryption: objects written without an SSE header are stored in plain text',
  publicAccessBlock: 'The bucket does not block public access: a policy or ACL could make every file public',
} as const;

/**
 * The seed's bucket hardening, checked once at start-up: one line per
 * protection, a warning when it is off, 'unknown' where storage does not answer
 * (s3rver; some Ceph versions). Never stops a start: the server works either
 * way, and the operator decides.
 */
export async function reportBucketProtections(storage: StorageBackend, log: Logger): Promise<void> {
  const protections = await storage.protections();
  for (const [protection, state] of Object.entries(protections) as [keyof typeof ADVICE, string][]) {
    if (state === 'off') log.warn({ event: 'bucket_protection', protection, state }, ADVICE[protection]);
    else log.info({ event: 'bucket_protection', protection, state });
  }
}
