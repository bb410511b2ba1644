import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar, JSONObjectScalar, SafeIntScalar } from '../src/graphql/scalars';
import { FileType } from './file.type';

@ObjectType({ simpleResolvers: true })
export class PresignedUrl {
  @Field()
  url: string;

  @Field()
  method: string;

  @Field(() => DateTimeScalar)
  expiresAt: Date;
}

@ObjectType({ description: 'The seed\'s "Get File Metadata", read live from storage', simpleResolvers: true })
export class FileMetadata {
  @Field()
  contentType: string;

  @Field(() => SafeIntScalar)
  fileSize: number;

  @Field(() => DateTimeScalar)
  lastModified: Date;

  @Field(() => String, { nullable: true })
  etag: string | null;

  @Field(() => String, { nullable: true })
  serverSideEncryption: string | null;

  @Field(() => JSONObjectScalar, { description: 'The file\'s custom metadata (File.metadata), as the seed returns it' })
  metadata: Record<string, unknown>;

  @Field(() => JSONObjectScalar, { description: 'The object\'s own user metadata in storage (x-amz-meta-*)' })
  objectMetadata: Record<string, string>;
}

@ObjectType({ description: 'Lets an SPA validate before it uploads', simpleResolvers: true })
export class UploadConfig {
  @Field(() => SafeIntScalar)
  maxFileSizeBytes: number;

  @Field(() => [String])
  allowedExtensions: string[];

  @Field(() => [String])
  allowedMimeTypes: string[];
}

@ObjectType({ description: 'A direct browser-to-S3 upload', simpleResolvers: true })
export class UploadTicket {
  @Field(() => FileType, { description: 'Status PENDING until completeUpload' })
  file: FileType;

  @Field()
  url: string;

  @Field({ description: 'PUT' })
  method: string;

  @Field(() => JSONObjectScalar, { description: 'Headers the client must send (Content-Type, SSE, ...)' })
  headers: Record<string, string>;

  @Field(() => DateTimeScalar)
  expiresAt: Date;
}

@ObjectType({ description: 'A resumable direct upload: PENDING until completeMultipartUpload', simpleResolvers: true })
export class MultipartUploadTicket {
  @Field(() => FileType)
  file: FileType;

  @Field(() => SafeIntScalar, { description: 'Every part but the last has exactly this size' })
  partSize: number;

  @Field(() => Int)
  partCount: number;

  @Field(() => DateTimeScalar, { description: 'The upload may be resumed until then' })
  expiresAt: Date;
}

@ObjectType({ simpleResolvers: true })
export class UploadPartUrl {
  @Field(() => Int)
  partNumber: number;

  @Field()
  url: string;

  @Field(() => JSONObjectScalar, { description: 'Headers the client must send with the part' })
  headers: Record<string, string>;

  @Field(() => DateTimeScalar)
  expiresAt: Date;
}

@ObjectType({ description: 'A part storage already holds', simpleResolvers: true })
export class UploadedPart {
  @Field(() => Int)
  partNumber: number;

  @Field(() => SafeIntScalar)
  size: number;

  @Field()
  etag: string;
}

@ObjectType({ description: "What an owner stores against their quotas: every file (the trash included) and pending uploads' declared sizes", simpleResolvers: true })
export class StorageUsage {
  @Field(() => SafeIntScalar)
  usedBytes: number;

  @Field(() => Int)
  fileCount: number;

  @Field(() => SafeIntScalar, { nullable: true, description: 'The quota in force (the default unless set); null: unlimited' })
  quotaBytes: number | null;

  @Field(() => Int, { nullable: true })
  quotaFiles: number | null;
}

@ObjectType({ description: 'A folder of the caller\'s files, with the AVAILABLE files of its whole subtree counted', simpleResolvers: true })
export class Folder {
  @Field({ description: '"reports/2024"' })
  path: string;

  @Field({ description: '"2024"' })
  name: string;

  @Field(() => Int)
  fileCount: number;

  @Field(() => SafeIntScalar)
  totalBytes: number;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When a file in its subtree last arrived, left or changed size' })
  updatedAt: Date | null;
}

@ObjectType({ simpleResolvers: true })
export class BulkFailure {
  @Field(() => ID)
  id: string;

  @Field({ description: 'An error code (API.md): NOT_FOUND for a missing id or another user\'s file' })
  code: string;

  @Field()
  message: string;
}

@ObjectType({ description: 'Each id once: done, or failed alone with its reason', simpleResolvers: true })
export class BulkResult {
  @Field(() => [ID])
  succeeded: string[];

  @Field(() => [BulkFailure])
  failed: BulkFailure[];
}
