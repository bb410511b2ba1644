import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { FileRecord } from '../src/files/file-record';
import type { Context } from '../src/graphql/context';
import { FileType } from './file.type';
import { CompletedPartInput, RequestUploadInput } from './inputs';
import { MultipartUploadTicket, UploadedPart, UploadPartUrl } from './result.types';

/** Large direct uploads, resumable: API.md "Large direct uploads". */
@Resolver()
export class MultipartUploadResolver {
  @Query(() => [UploadedPart], { description: 'What storage already holds: resume from here' })
  uploadedParts(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<UploadedPart[]> {
    return ctx.multipart.uploadedParts(ctx.actor, id);
  }

  @Mutation(() => MultipartUploadTicket)
  requestMultipartUpload(@Arg('input', () => RequestUploadInput) input: RequestUploadInput, @Ctx() ctx: Context): Promise<MultipartUploadTicket> {
    return ctx.multipart.request(ctx.actor, input);
  }

  @Mutation(() => [UploadPartUrl])
  signUploadParts(
    @Arg('id', () => ID) id: string,
    @Arg('partNumbers', () => [Int]) partNumbers: number[],
    @Ctx() ctx: Context,
    @Arg('checksumsSha256', () => [String], { nullable: true }) checksumsSha256?: string[] | null,
  ): Promise<UploadPartUrl[]> {
    return ctx.multipart.signParts(ctx.actor, id, partNumbers, checksumsSha256);
  }

  @Mutation(() => FileType)
  completeMultipartUpload(
    @Arg('id', () => ID) id: string,
    @Arg('parts', () => [CompletedPartInput]) parts: CompletedPartInput[],
    @Ctx() ctx: Context,
  ): Promise<FileRecord> {
    return ctx.multipart.complete(ctx.actor, id, parts);
  }

  @Mutation(() => Boolean)
  abortUpload(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.multipart.abort(ctx.actor, id);
  }
}
