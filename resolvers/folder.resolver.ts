import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { BulkResult as Bulk } from '../src/files/bulk';
import type { FileRecord } from '../src/files/file-record';
import type { FolderSummary } from '../src/files/folders.service';
import type { Context } from '../src/graphql/context';
import { FileType } from './file.type';
import { BulkResult, Folder, PresignedUrl } from './result.types';

/** Logical folders: API.md "Folders, bulk operations and the file lifecycle". */
@Resolver()
export class FolderResolver {
  @Query(() => [Folder], { description: 'The direct subfolders of parent (null: the top level), with their whole subtree counted; ownerId: administrators only' })
  folders(
    @Ctx() ctx: Context,
    @Arg('parent', () => String, { nullable: true }) parent?: string | null,
    @Arg('ownerId', () => ID, { nullable: true }) ownerId?: string | null,
  ): Promise<FolderSummary[]> {
    return ctx.folders.folders(ctx.actor, parent, ownerId);
  }

  @Mutation(() => FileType, { description: 'Sanitized as an upload\'s name; another extension: BAD_USER_INPUT. Keeps id, folder, key and createdAt' })
  renameFile(@Arg('id', () => ID) id: string, @Arg('name') name: string, @Ctx() ctx: Context): Promise<FileRecord> {
    return ctx.files.rename(ctx.actor, id, name);
  }

  @Mutation(() => BulkResult, { description: 'Up to 1000 ids; toFolder "" is the top level. Names may repeat in a folder' })
  moveFiles(@Arg('ids', () => [ID]) ids: string[], @Arg('toFolder') toFolder: string, @Ctx() ctx: Context): Promise<Bulk> {
    return ctx.folders.moveFiles(ctx.actor, ids, toFolder);
  }

  @Mutation(() => Int, { description: 'Moves from and everything under from/ (never "fromX") to to, merging with what is there; the number of files moved' })
  renameFolder(@Arg('from') from: string, @Arg('to') to: string, @Ctx() ctx: Context): Promise<number> {
    return ctx.folders.renameFolder(ctx.actor, from, to);
  }

  @Mutation(() => PresignedUrl, {
    description:
      'A short-lived URL of this server (GET /archives/:token) streaming a ZIP of the named files (or a folder\'s subtree, paths relative to it) that the caller may read; others are left out. Stored entries: Content-Length and Range. Over ARCHIVE_MAX_FILES or ARCHIVE_MAX_BYTES: BAD_USER_INPUT',
  })
  createArchive(
    @Ctx() ctx: Context,
    @Arg('ids', () => [ID], { nullable: true }) ids?: string[] | null,
    @Arg('folder', () => String, { nullable: true }) folder?: string | null,
    @Arg('name', () => String, { nullable: true, description: 'The ZIP\'s file name (Content-Disposition)' }) name?: string | null,
  ): Promise<PresignedUrl> {
    return ctx.archives.create(ctx.actor, { ids, folder, name }, ctx.origin);
  }

  @Mutation(() => Int, { description: 'The folder\'s whole subtree to the trash (hardDelete: removed, objects too); the number of files' })
  deleteFolder(
    @Arg('folder') folder: string,
    @Ctx() ctx: Context,
    @Arg('hardDelete', () => Boolean, { defaultValue: false, nullable: true }) hardDelete?: boolean | null,
  ): Promise<number> {
    return ctx.folders.deleteFolder(ctx.actor, folder, hardDelete ?? false);
  }
}
