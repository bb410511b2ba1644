import { Arg, Ctx, ID, Int, Mutation, Resolver } from 'type-graphql';
import type { BulkResult as Bulk } from '../src/files/bulk';
import type { Context } from '../src/graphql/context';
import { BulkResult } from './result.types';

/** Bulk deletes and restores, and the trash: files(filter: { status: DELETED }) lists it. */
@Resolver()
export class TrashResolver {
  @Mutation(() => BulkResult, { description: 'Up to 1000 ids, each answered alone; soft unless hardDelete' })
  deleteFiles(
    @Arg('ids', () => [ID]) ids: string[],
    @Ctx() ctx: Context,
    @Arg('hardDelete', () => Boolean, { defaultValue: false, nullable: true }) hardDelete?: boolean | null,
  ): Promise<Bulk> {
    return ctx.trash.deleteFiles(ctx.actor, ids, hardDelete ?? false);
  }

  @Mutation(() => BulkResult, { description: 'Up to 1000 ids, each answered alone' })
  restoreFiles(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: Context): Promise<Bulk> {
    return ctx.trash.restoreFiles(ctx.actor, ids);
  }

  @Mutation(() => Int, { description: 'Hard-deletes the caller\'s trash (soft-deleted and expired files), objects too; how many files it held' })
  emptyTrash(@Ctx() ctx: Context): Promise<number> {
    return ctx.trash.emptyTrash(ctx.actor);
  }
}
