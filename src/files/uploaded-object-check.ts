import type { FileEntity } from '../../entities/file.entity';
import { Errors } from '../errors';
import type { ObjectInfo, StorageBackend } from '../storage/storage-backend';
import type { FilePolicy } from './file-policy';
import { SNIFF_BYTES } from './file-types';
import type { StoredBytes } from './new-file-lifecycle';

/**
 * A direct or resumable upload's object, checked as a streamed upload's bytes
 * are: the size the client declared (and the limit), and the type sniffed from
 * its first bytes. The processing pass reads it whole later, from the job queue.
 */
export async function checkUploadedObject(storage: StorageBackend, policy: FilePolicy, file: FileEntity, object: ObjectInfo): Promise<StoredBytes> {
  policy.checkSize(object.size);
  if (object.size !== file.size) throw Errors.badInput(`The upload has ${object.size} bytes, not the ${file.size} declared`);
  const contentType = await policy.checkContent(file.extension, await storage.readStart(file.s3Key, SNIFF_BYTES));
  return {
    size: object.size,
    contentType,
    // The signed URL binds the SSE header, so storage was asked for it even when it does not echo it.
    serverSideEncryption: object.serverSideEncryption ?? storage.requestedEncryption ?? null,
    // The object the pass will read back (If-Match): replaced before it runs, it is not passed.
    objectEtag: object.etag ?? null,
  };
}
