import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../src/graphql/context';
import type { StorageUsage as Usage } from '../src/quotas/quotas';
import { SafeIntScalar } from '../src/graphql/scalars';
import { StorageUsage } from './result.types';

@Resolver()
export class UsageResolver {
  @Query(() => StorageUsage, { description: "The caller's usage and quotas; another owner's: administrators only (else FORBIDDEN)" })
  storageUsage(@Ctx() ctx: Context, @Arg('ownerId', () => ID, { nullable: true }) ownerId?: string | null): Promise<Usage> {
    return ctx.usage.usage(ctx.actor, ownerId);
  }

  @Mutation(() => StorageUsage, { description: 'Administrators only (else FORBIDDEN). null: back to the default (QUOTA_DEFAULT_BYTES, QUOTA_DEFAULT_FILES)' })
  setQuota(
    @Ctx() ctx: Context,
    @Arg('ownerId', () => ID) ownerId: string,
    @Arg('quotaBytes', () => SafeIntScalar, { nullable: true }) quotaBytes?: number | null,
    @Arg('quotaFiles', () => Int, { nullable: true }) quotaFiles?: number | null,
  ): Promise<Usage> {
    return ctx.usage.setQuota(ctx.actor, ownerId, quotaBytes ?? null, quotaFiles ?? null);
  }
}
