import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { FileMutationResolver } from '../../resolvers/file-mutation.resolver';
import { FileResolver } from '../../resolvers/file.resolver';
import { MultipartUploadResolver } from '../../resolvers/multipart-upload.resolver';
import { DateTimeScalar } from './scalars';

export function buildFileSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [FileResolver, FileMutationResolver, MultipartUploadResolver],
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // class-validator rules on the input types run before any resolver.
    validate: { forbidUnknownValues: false },
  });
}
