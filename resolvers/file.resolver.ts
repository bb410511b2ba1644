import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { isOwnerOrAdmin } from '../src/files/file-access';
import type { FileRecord } from '../src/files/file-record';
import { encodeCursor, NEWEST_FIRST } from '../src/files/cursor';
import type { Context } from '../src/graphql/context';
import { FileConnection, FileType } from './file.type';
import { FileFilter, FileOrder, ImageTransformInput } from './inputs';
import { FileMetadata, PresignedUrl, UploadConfig } from './result.types';

@Resolver(() => FileType)
export class FileResolver {
  @Query(() => FileType, { nullable: true })
  file(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<FileRecord | null> {
    return ctx.files.find(ctx.actor, id);
  }

  @Query(() => FileConnection)
  async files(
    @Ctx() ctx: Context,
    @Arg('filter', () => FileFilter, { nullable: true }) filter?: FileFilter,
    @Arg('first', () => Int, { defaultValue: 20, nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('orderBy', () => FileOrder, { nullable: true, description: 'Default: { field: CREATED_AT, direction: DESC }' }) orderBy?: FileOrder | null,
  ): Promise<FileConnection> {
    const order = orderBy ?? NEWEST_FIRST;
    const page = await ctx.files.list(ctx.actor, filter ?? {}, first ?? undefined, after, order);
    const edges = page.files.map((file) => ({ cursor: encodeCursor(file, order), node: file }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      // A getter: GraphQL reads it only when totalCount is selected, so an infinite-scroll page never counts.
      get totalCount() {
        return page.countTotal();
      },
    };
  }

  @Query(() => PresignedUrl)
  presignedUrl(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: Context,
    @Arg('expiresIn', () => Int, { nullable: true }) expiresIn?: number | null,
    @Arg('forceDownload', () => Boolean, { defaultValue: false, nullable: true }) forceDownload?: boolean | null,
  ): Promise<PresignedUrl> {
    return ctx.files.presignedUrl(ctx.actor, id, expiresIn, forceDownload ?? false);
  }

  @Query(() => FileMetadata)
  async fileMetadata(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<FileMetadata> {
    const { file, object } = await ctx.files.objectInfo(ctx.actor, id);
    return {
      contentType: object.contentType ?? 'application/octet-stream',
      fileSize: object.size,
      lastModified: object.lastModified,
      etag: object.etag ?? null,
      serverSideEncryption: object.serverSideEncryption ?? null,
      metadata: file.metadata,
      objectMetadata: object.metadata,
    };
  }

  @Query(() => UploadConfig)
  uploadConfig(
    @Ctx() ctx: Context,
    @Arg('profile', () => String, { nullable: true, description: "An UPLOAD_PROFILES profile's rules, for an SPA's pre-check; unknown: BAD_USER_INPUT" }) profile?: string | null,
  ): UploadConfig {
    return ctx.profiles.policyOf(profile).describe();
  }

  @FieldResolver(() => String, { nullable: true, description: 'What the malware scanner found, for QUARANTINED files; owner and administrators only' })
  malwareSignature(@Root() file: FileRecord, @Ctx() ctx: Context): string | null {
    return isOwnerOrAdmin(ctx.actor, file) ? file.malwareSignature : null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'PUBLIC_BASE_URL + the object key, for available public files when PUBLIC_BASE_URL is set (a CDN in front of the bucket)' })
  publicUrl(@Root() file: FileRecord, @Ctx() ctx: Context): string | null {
    return ctx.files.publicUrl(file);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'A URL of this server that serves the image transformed, as <img src> (no header needed): signed, valid expiresIn seconds (default S3_PRESIGNED_URL_EXPIRY), for a private file; plain for a public one. Rendered on first request and kept in storage. Null for files that are not images',
  })
  imageUrl(
    @Root() file: FileRecord,
    @Ctx() ctx: Context,
    // Checked by ImageUrls (ranges depend on configuration). The schema calls this field's
    // resolver synchronously, bypassing TypeGraphQL's argument handling (src/graphql/schema.ts).
    @Arg('transform', () => ImageTransformInput, { validate: false }) transform: ImageTransformInput,
    @Arg('expiresIn', () => Int, { nullable: true }) expiresIn?: number | null,
  ): string | null {
    return ctx.imageUrl(file, transform, expiresIn);
  }

  @FieldResolver(() => FileType, { nullable: true, description: 'The source of a copy (batched)' })
  copiedFrom(@Root() file: FileRecord, @Ctx() ctx: Context): Promise<FileRecord | null> | null {
    return file.copiedFrom ? ctx.loaders.file.load(file.copiedFrom.id) : null;
  }
}
