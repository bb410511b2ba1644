import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { FileStatus } from '../entities/file.entity';
import { DateTimeScalar, JSONObjectScalar, SafeIntScalar } from '../src/graphql/scalars';

registerEnumType(FileStatus, { name: 'FileStatus' });

/** The API's picture of a file. Resolvers return FileRecords (entities or rows read), whose fields have the same names. */
@ObjectType('File')
export class FileType {
  @Field(() => ID, { description: 'UUID' })
  id: string;

  @Field({ description: 'Sanitized original file name' })
  originalName: string;

  @Field()
  s3Key: string;

  @Field()
  bucket: string;

  @Field(() => String, { nullable: true })
  folder: string | null;

  @Field({ description: 'MIME type detected from the content' })
  contentType: string;

  @Field()
  extension: string;

  @Field(() => SafeIntScalar, { description: 'Size in bytes' })
  size: number;

  @Field(() => String, { nullable: true, description: 'SHA-256 (hex) of the stored bytes; null for direct uploads' })
  checksumSha256: string | null;

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field(() => JSONObjectScalar, { description: '{} when none' })
  metadata: Record<string, unknown>;

  @Field()
  isPublic: boolean;

  @Field(() => FileStatus)
  status: FileStatus;

  @Field(() => String, { nullable: true, description: 'e.g. AES256; null when not encrypted' })
  serverSideEncryption: string | null;

  @Field(() => ID)
  ownerId: string;

  // copiedFrom is a field resolver (batched with a DataLoader): see file.resolver.ts.

  @Field(() => DateTimeScalar)
  createdAt: Date;

  @Field(() => DateTimeScalar)
  updatedAt: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  deletedAt: Date | null;
}

@ObjectType()
export class FileEdge {
  @Field()
  cursor: string;

  @Field(() => FileType)
  node: FileType;
}

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

@ObjectType()
export class FileConnection {
  @Field(() => [FileEdge])
  edges: FileEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;

  /** A promise, so that it is only counted when selected. */
  @Field(() => Int)
  totalCount: number | Promise<number>;
}
