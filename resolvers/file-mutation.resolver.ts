import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { FileUpload } from 'graphql-upload-minimal';
import type { FileRecord } from '../src/files/file-record';
import type { Context } from '../src/graphql/context';
import { clientUploadStream } from '../src/graphql/client-upload-stream';
import { UploadScalar } from '../src/graphql/scalars';
import { FileType } from './file.type';
import { CopyFileInput, RequestUploadInput, UpdateFileInput, UploadFileInput } from './inputs';
import { UploadTicket } from './result.types';

@Resolver()
export class FileMutationResolver {
  @Mutation(() => FileType)
  uploadFile(
    // TypeGraphQL awaits the upload's promise before calling the resolver.
    @Arg('file', () => UploadScalar) upload: FileUpload,
    @Ctx() ctx: Context,
    @Arg('input', () => UploadFileInput, { nullable: true }) input?: UploadFileInput,
  ): Promise<FileRecord> {
    // busboy leaves filename undefined for an empty filename="": that is an empty name.
    return ctx.uploads.upload(ctx.actor, { filename: upload.filename ?? '', stream: clientUploadStream(upload.createReadStream()) }, input ?? {});
  }

  @Mutation(() => UploadTicket)
  requestUpload(@Arg('input', () => RequestUploadInput) input: RequestUploadInput, @Ctx() ctx: Context): Promise<UploadTicket> {
    return ctx.uploads.requestUpload(ctx.actor, input);
  }

  @Mutation(() => FileType)
  completeUpload(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<FileRecord> {
    return ctx.uploads.completeUpload(ctx.actor, id);
  }

  @Mutation(() => FileType)
  copyFile(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: Context,
    @Arg('input', () => CopyFileInput, { nullable: true }) input?: CopyFileInput,
  ): Promise<FileRecord> {
    return ctx.files.copy(ctx.actor, id, input ?? {});
  }

  @Mutation(() => FileType)
  updateFile(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateFileInput) input: UpdateFileInput, @Ctx() ctx: Context): Promise<FileRecord> {
    return ctx.files.update(ctx.actor, id, input);
  }

  @Mutation(() => Boolean)
  deleteFile(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: Context,
    @Arg('hardDelete', () => Boolean, { defaultValue: false, nullable: true }) hardDelete?: boolean | null,
  ): Promise<boolean> {
    return ctx.files.delete(ctx.actor, id, hardDelete ?? false);
  }

  @Mutation(() => FileType)
  restoreFile(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<FileRecord> {
    return ctx.files.restore(ctx.actor, id);
  }
}
