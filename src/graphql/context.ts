import type DataLoader from 'dataloader';
import type { Actor } from '../auth/authenticator';
import type { FileRecord } from '../files/file-record';
import type { ArchiveService } from '../archives/archive.service';
import type { FileEvent } from '../events/file-event';
import type { FileService } from '../files/file.service';
import type { FolderService } from '../files/folders.service';
import type { TrashService } from '../files/trash.service';
import type { UploadService } from '../files/upload.service';
import type { MultipartUploadService } from '../files/multipart-upload.service';
import type { UploadProfiles } from '../files/upload-profiles';
import type { UsageService } from '../quotas/usage.service';
import type { RequestBudget } from './request-cost';
import type { ImageTransformRequest } from '../images/image-transform';

/** What every resolver gets: who asks, and this request's services and loaders. */
export interface Context {
  actor: Actor | null;
  files: FileService;
  uploads: UploadService;
  multipart: MultipartUploadService;
  folders: FolderService;
  trash: TrashService;
  archives: ArchiveService;
  /** Subscriptions only (a WebSocket connection): the events of fileEvents, for these arguments. */
  subscribe?: (request: { folderPrefix: string | null; fileId: string | null; ownerId: string | null }) => AsyncIterable<FileEvent>;
  /** This request's origin (scheme, host, port), for URLs of this server. */
  origin: string;
  /** The upload rules: the server's, or an UPLOAD_PROFILES profile's. */
  profiles: UploadProfiles;
  usage: UsageService;
  /** File.imageUrl: an absolute URL of the image route, for this request's origin (null for files that are not images). */
  imageUrl(file: FileRecord, transform: ImageTransformRequest, expiresIn?: number | null): string | null;
  /** The work this HTTP request may still ask for, shared by the operations of a batch. */
  budget: RequestBudget;
  loaders: {
    /** Files by id as this actor may see them (null otherwise), batched per request. */
    file: DataLoader<string, FileRecord | null>;
  };
}
