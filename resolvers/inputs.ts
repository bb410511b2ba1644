import { IsOptional, Length, MaxLength, Min } from 'class-validator';
import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { FileStatus } from '../entities/file.entity';
import type { FileOrderField as OrderField, SortDirection as Direction } from '../src/files/cursor';
import { DateTimeScalar, JSONObjectScalar, SafeIntScalar } from '../src/graphql/scalars';

// Lengths here are the coarse limits; the file policy checks what names and folders may contain.
const MAX_DESCRIPTION = 4000;
const MAX_FOLDER = 512;
const MAX_FILTER_TEXT = 200;

@InputType()
export class FileFilter {
  @Field(() => String, { nullable: true, description: 'Exact folder' })
  @IsOptional()
  @MaxLength(MAX_FOLDER)
  folder?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(MAX_FOLDER)
  folderPrefix?: string | null;

  @Field(() => String, { nullable: true, description: 'e.g. "image/"' })
  @IsOptional()
  @MaxLength(MAX_FILTER_TEXT)
  contentTypePrefix?: string | null;

  @Field(() => String, { nullable: true, description: 'In originalName, case-insensitive' })
  @IsOptional()
  @MaxLength(MAX_FILTER_TEXT)
  search?: string | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: 'jsonb containment' })
  metadataContains?: Record<string, unknown> | null;

  @Field(() => Boolean, { nullable: true, description: 'Default false' })
  includeDeleted?: boolean | null;

  @Field(() => ID, { nullable: true, description: 'Administrators only' })
  ownerId?: string | null;

  @Field(() => FileStatus, { nullable: true, description: 'That status alone (DELETED: the trash; QUARANTINED: administrators). Default: AVAILABLE, and one\'s own PROCESSING and QUARANTINED files' })
  status?: FileStatus | null;
}

export enum FileOrderField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  NAME = 'NAME',
  SIZE = 'SIZE',
}
registerEnumType(FileOrderField, { name: 'FileOrderField', valuesConfig: { NAME: { description: 'originalName, in the database\'s collation' } } });

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, { name: 'SortDirection' });

@InputType({ description: 'Every order pages with keyset cursors (ties broken by id); a cursor belongs to the order it was made in' })
export class FileOrder {
  @Field(() => FileOrderField)
  field: OrderField;

  @Field(() => SortDirection)
  direction: Direction;
}

@InputType()
export class UploadFileInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(MAX_FOLDER)
  folder?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(MAX_DESCRIPTION)
  description?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Default false' })
  isPublic?: boolean | null;

  @Field(() => JSONObjectScalar, { nullable: true })
  metadata?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'An UPLOAD_PROFILES name: its size, types, folder and visibility apply instead of the server\'s rules; unknown: BAD_USER_INPUT' })
  @IsOptional()
  @MaxLength(64)
  profile?: string | null;

  @Field(() => SafeIntScalar, {
    nullable: true,
    description: "The file's exact size in bytes, if known (an SPA knows File.size): the bytes must match it, and the server streams them to storage in one PUT",
  })
  size?: number | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'After it the file reads as deleted, and the purge removes it; must be in the future' })
  expiresAt?: Date | null;
}

@InputType()
export class RequestUploadInput extends UploadFileInput {
  // Any length: the name is sanitized and shortened like an uploaded file's.
  @Field()
  filename: string;

  @Field()
  @Length(1, 255)
  contentType: string;

  // Declared, and required: the presigned PUT binds it.
  @Field(() => SafeIntScalar, { description: "The file's exact size in bytes: the presigned PUT binds it" })
  @Min(0)
  declare size: number;
}

@InputType()
export class CopyFileInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(MAX_FOLDER)
  newFolder?: string | null;

  @Field(() => String, { nullable: true })
  newName?: string | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: 'Replaces the metadata of the copy; omitted: copied as is' })
  newMetadata?: Record<string, unknown> | null;

  @Field(() => Boolean, { nullable: true })
  isPublic?: boolean | null;
}

@InputType()
export class UpdateFileInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(MAX_DESCRIPTION)
  description?: string | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: 'Replaces' })
  metadata?: Record<string, unknown> | null;

  @Field(() => Boolean, { nullable: true })
  isPublic?: boolean | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'In the future; null: the file no longer expires' })
  expiresAt?: Date | null;
}

@InputType()
export class CompletedPartInput {
  @Field(() => Int)
  partNumber: number;

  @Field()
  @Length(1, 200)
  etag: string;
}

export enum ImageFit {
  COVER = 'COVER',
  CONTAIN = 'CONTAIN',
  INSIDE = 'INSIDE',
  FILL = 'FILL',
}
registerEnumType(ImageFit, {
  name: 'ImageFit',
  valuesConfig: {
    COVER: { description: 'Fills the box, cropping what overflows (centred)' },
    CONTAIN: { description: 'Fits inside the box, letterboxed to its size' },
    INSIDE: { description: 'Fits inside the box, keeping its own aspect ratio (no letterbox)' },
    FILL: { description: 'Stretched to the box' },
  },
});

export enum ImageFormat {
  AUTO = 'AUTO',
  WEBP = 'WEBP',
  AVIF = 'AVIF',
  JPEG = 'JPEG',
  PNG = 'PNG',
}
registerEnumType(ImageFormat, {
  name: 'ImageFormat',
  valuesConfig: { AUTO: { description: 'AVIF if the request for the image accepts it, else WebP if it does, else the source\'s format' } },
});

// Ranges are checked by the image service (IMAGE_MAX_DIMENSION is configuration): BAD_USER_INPUT either way.
@InputType()
export class ImageTransformInput {
  @Field(() => Int, { nullable: true, description: '1..IMAGE_MAX_DIMENSION (default 4096); at least one of width and height' })
  width?: number | null;

  @Field(() => Int, { nullable: true })
  height?: number | null;

  @Field(() => ImageFit, { nullable: true, defaultValue: ImageFit.COVER })
  fit?: ImageFit | null;

  @Field(() => ImageFormat, { nullable: true, defaultValue: ImageFormat.AUTO })
  format?: ImageFormat | null;

  @Field(() => Int, { nullable: true, defaultValue: 80, description: '1..100' })
  quality?: number | null;
}
