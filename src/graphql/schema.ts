import { assertObjectType, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { FileMutationResolver } from '../../resolvers/file-mutation.resolver';
import { FileResolver } from '../../resolvers/file.resolver';
import { EventResolver } from '../../resolvers/event.resolver';
import { FolderResolver } from '../../resolvers/folder.resolver';
import { TrashResolver } from '../../resolvers/trash.resolver';
import { MultipartUploadResolver } from '../../resolvers/multipart-upload.resolver';
import { UsageResolver } from '../../resolvers/usage.resolver';
import type { FileRecord } from '../files/file-record';
import type { ImageTransformRequest } from '../images/image-transform';
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
  resolveSynchronously(schema);
  return schema;
}

/**
 * TypeGraphQL makes every resolver that takes arguments asynchronous (its argument
 * validation is an async function, even when there is nothing to validate), and a
 * promise per row made `File.imageUrl` cost a page of 50 files more than its 50
 * signatures. The field is declared in FileResolver as usual; here its resolver is
 * the same call, made directly. Its arguments are checked by ImageUrls.
 */
function resolveSynchronously(schema: GraphQLSchema): void {
  const imageUrl = assertObjectType(schema.getType('File')).getFields().imageUrl;
  imageUrl.resolve = (file: FileRecord, args: { transform: ImageTransformRequest; expiresIn?: number | null }, ctx: Context) =>
    ctx.imageUrl(file, args.transform, args.expiresIn);
}
