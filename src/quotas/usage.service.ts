import type { Actor } from '../auth/authenticator';
import { Errors } from '../errors';
import { requireActor } from '../files/file-access';
import type { SqlInTransaction } from '../jobs/job-queue';
import type { Quotas, StorageUsage } from './quotas';

/** storageUsage and setQuota, with their access rules: one's own usage, anyone's for administrators. */
export class UsageService {
  constructor(
    private readonly sql: SqlInTransaction,
    private readonly quotas: Quotas,
  ) {}

  async usage(actor: Actor | null, ownerId?: string | null): Promise<StorageUsage> {
    const user = requireActor(actor);
    if (ownerId && ownerId !== user.userId && !user.isAdmin) throw Errors.forbidden("Only administrators may read another user's usage");
    return this.quotas.usage(this.sql, ownerId ?? user.userId);
  }

  async setQuota(actor: Actor | null, ownerId: string, quotaBytes: number | null, quotaFiles: number | null): Promise<StorageUsage> {
    if (!requireActor(actor).isAdmin) throw Errors.forbidden('Only administrators may set quotas');
    return this.quotas.set(this.sql, ownerId, quotaBytes, quotaFiles);
  }
}
