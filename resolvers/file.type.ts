import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { FileStatus, type ImageInfo } from '../entities/file.entity';
import { DateTimeScalar, JSONObjectScalar, SafeIntScalar } from '../src/graphql/scalars';

registerEnumType(FileStatus, {
  name: 'FileStatus',
  valuesConfig: {
    PENDING: { description: 'Bytes not all there yet (an upload in progress, a direct upload not completed)' },
    PROCESSING: { description: 'The processing pass runs (checksums, malware scan, image analysis); its bytes answer FILE_NOT_READY' },
    AVAILABLE: { description: 'Ready' },
    QUARANTINED: { description: 'Malware was found: its bytes are served to nobody' },
    DELETED: { description: 'Soft-deleted: in the trash until restored, hard-deleted or purged' },
  },
});

/** The API's picture of a file. Resolvers return FileRecords (entities or rows read), whose fields have the same names. */
@ObjectType('File', { simpleResolvers: true })
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

  @Field(() => String, { nullable: true, description: 'SHA-256 (hex) of the stored bytes; never null on an AVAILABLE file (but files stored before the processing pass existed)' })
  checksumSha256: string | null;

  @Field(() => ImageInfoType, { nullable: true, description: 'Null for files that are not images, or too large to decode (IMAGE_MAX_PIXELS)' })
  image: ImageInfo | null;

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

  @Field(() => DateTimeScalar, { nullable: true, description: 'After it the file reads as deleted (in its owner\'s trash); the purge removes it' })
  expiresAt: Date | null;
}

@ObjectType('ImageInfo', { simpleResolvers: true })
export class ImageInfoType {
  @Field(() => Int, { description: 'As displayed (EXIF orientation applied)' })
  width: number;

  @Field(() => Int)
  height: number;

  @Field({ description: 'jpeg, png, webp, gif, avif, tiff' })
  format: string;

  @Field()
  hasAlpha: boolean;

  @Field(() => String, { nullable: true, description: 'A placeholder an SPA can paint before the image loads (a streamed upload\'s follows shortly from the job queue)' })
  blurhash: string | null;
}

@ObjectType({ simpleResolvers: true })
export class FileEdge {
  @Field()
  cursor: string;

  @Field(() => FileType)
  node: FileType;
}

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

@ObjectType({ simpleResolvers: true })
export class FileConnection {
  @Field(() => [FileEdge])
  edges: FileEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;

  /**
   * A promise, so that it is only counted when selected. Not a simple field: a
   * compiled operation reads simple fields as plain values and would not wait for it.
   */
  @Field(() => Int, { simple: false })
  totalCount: number | Promise<number>;
}
