import { Arg, Field, ID, ObjectType, registerEnumType, Resolver, Root, Subscription } from 'type-graphql';
import { FileEventType } from '../entities/file-event.entity';
import { Errors } from '../src/errors';
import type { FileEvent as LiveEvent } from '../src/events/file-event';
import type { FileRecord } from '../src/files/file-record';
import type { Context } from '../src/graphql/context';
import { DateTimeScalar } from '../src/graphql/scalars';
import { FileType } from './file.type';

registerEnumType(FileEventType, {
  name: 'FileEventType',
  valuesConfig: {
    CREATED: { description: 'The file became AVAILABLE (never sent before)' },
    UPDATED: { description: 'Its name, description, metadata, visibility, expiry or image details changed' },
    MOVED: { description: 'It moved to another folder' },
    DELETED: { description: 'Soft-deleted: in the trash' },
    RESTORED: { description: 'Back from the trash' },
    QUARANTINED: { description: 'The processing pass found malware' },
    PURGED: { description: 'Removed for good (hard delete, emptyTrash, the purge); file is as it was' },
  },
});

@ObjectType({ simpleResolvers: true })
export class FileEvent {
  @Field(() => ID, { description: 'Unique: webhook deliveries carry it too (a receiver drops a repeat by it)' })
  id: string;

  @Field(() => FileEventType)
  type: FileEventType;

  @Field(() => DateTimeScalar)
  occurredAt: Date;

  @Field(() => FileType, { description: 'The file as it stands after the change' })
  file: FileRecord;

  @Field(() => String, { nullable: true, description: 'MOVED: the folder the file left (null: the top level, or another type)' })
  previousFolder: string | null;
}

/** Live events over graphql-ws, on the same /graphql path (src/graphql/subscriptions.ts). */
@Resolver()
export class EventResolver {
  @Subscription(() => FileEvent, {
    description: "Changes of the caller's files after they commit, each once, in commit order per file (administrators: everyone's, or ownerId's)",
    subscribe: ({ args, context }) => {
      const ctx = context as Context;
      if (!ctx.subscribe) throw Errors.badInput('Subscriptions are served over WebSocket (the graphql-ws protocol) on /graphql');
      return ctx.subscribe({ folderPrefix: args.folderPrefix ?? null, fileId: args.fileId ?? null, ownerId: args.ownerId ?? null });
    },
  })
  fileEvents(
    @Root() event: LiveEvent,
    @Arg('folderPrefix', () => String, { nullable: true, description: 'As files(filter: { folderPrefix }); a move matches on either folder' }) _folderPrefix?: string | null,
    @Arg('fileId', () => ID, { nullable: true }) _fileId?: string | null,
    @Arg('ownerId', () => ID, { nullable: true, description: 'Administrators only' }) _ownerId?: string | null,
  ): LiveEvent {
    return event;
  }
}
