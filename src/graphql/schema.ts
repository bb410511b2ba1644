import { assertObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { FileMutationResolver } from '../../resolvers/file-mutation.resolver';
import { FileResolver } from '../../resolvers/file.resolver';
import { EventResolver } from '../../resolvers/event.resolver';
import { FolderResolver } from '../../resolvers/folder.resolver';
import { TrashResolver } from '../../resolvers/trash.resolver';
import { MultipartUploadResolver } from '../../resolvers/multipart-upload.resolver';
import { UsageResolver } from '../../resolvers/usage.resolver';
import type { FileRecord } from '../files/file-record';
import type { ImageTransformInput } from '../../resolvers/inputs';
import type { Context } from './context';
import { DateTimeScalar } from './scalars';

export async function buildFileSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [FileResolver, FileMutationResolver, MultipartUploadResolver, UsageResolver, FolderResolver, TrashResolver, EventResolver],
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // TypeGraphQL asks for a PubSub whenever there are subscriptions; fileEvents brings its own
    // `subscribe` (the EventHub, fed from PostgreSQL), so this one is never used.
    pubSub: {
      publish: () => undefined,
      subscribe: () => {
        throw new Error('Subscriptions here bring their own subscribe function');
      },
    },
    // class-validator rules on the input types run before any resolver.
    validate: { forbidUnknownValues: false },
  });
  resolveFileFieldsDirectly(schema);
  return schema;
}

/**
 * File's field resolvers, called directly. TypeGraphQL wraps each one in a
 * function that copies the row into a new FileType (convertToType), sorts the
 * parameters and, for fields with arguments, validates them asynchronously: per
 * row of a page, more than the field's own work (a promise per row made
 * `imageUrl` cost a page of 50 files more than its 50 signatures). The fields are
 * declared in FileResolver as usual, and these call the same methods.
 * `imageUrl`'s arguments are checked by ImageUrls.
 */
function resolveFileFieldsDirectly(schema: GraphQLSchema): void {
  const fields = assertObjectType(schema.getType('File')).getFields();
  const resolver = new FileResolver();
  const direct: Record<string, GraphQLFieldResolver<FileRecord, Context, { transform: ImageTransformInput; expiresIn?: number | null }>> = {
    copiedFrom: (file, _args, ctx) => resolver.copiedFrom(file, ctx),
    publicUrl: (file, _args, ctx) => resolver.publicUrl(file, ctx),
    malwareSignature: (file, _args, ctx) => resolver.malwareSignature(file, ctx),
    imageUrl: (file, args, ctx) => resolver.imageUrl(file, ctx, args.transform, args.expiresIn),
  };
  for (const [name, resolve] of Object.entries(direct)) fields[name].resolve = resolve;
}
