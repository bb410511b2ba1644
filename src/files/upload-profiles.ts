import type { Actor } from '../auth/authenticator';
import type { Config, UploadProfile } from '../config';
import { Errors } from '../errors';
import { FilePolicy } from './file-policy';
import type { FileDetails } from './new-file';

/** What an upload follows: a profile's rules and the details it fixes, or the server's own rules. */
export interface UploadRules {
  policy: FilePolicy;
  details: FileDetails;
}

/**
 * UPLOAD_PROFILES: named rules per use case (an avatar: small, images only,
 * public, in the user's folder), applied on every upload path. A profile's
 * folder and visibility come from the profile, not the client: a client that
 * asks for others is refused, never silently overruled.
 */
export class UploadProfiles {
  private readonly policies = new Map<string, FilePolicy>();

  constructor(
    private readonly profiles: Config['uploadProfiles'],
    private readonly defaultPolicy: FilePolicy,
    upload: Config['upload'],
  ) {
    for (const [name, profile] of profiles) {
      this.policies.set(name, new FilePolicy({ ...upload, maxFileSizeBytes: profile.maxFileSizeBytes, allowedExtensions: profile.allowedExtensions, allowedMimeTypes: profile.allowedMimeTypes }));
    }
  }

  /** The policy of a profile (or the default one, for none): uploadConfig(profile). */
  policyOf(name: string | null | undefined): FilePolicy {
    if (name === null || name === undefined) return this.defaultPolicy;
    const policy = this.policies.get(name);
    if (!policy) throw Errors.badInput(`There is no upload profile "${name}"`);
    return policy;
  }

  rulesFor(user: Actor, name: string | null | undefined, details: FileDetails): UploadRules {
    const policy = this.policyOf(name);
    const profile = name === null || name === undefined ? undefined : this.profiles.get(name)!;
    if (!profile) return { policy, details };
    const fixed = { ...details };
    if (profile.folder !== null) {
      const folder = profile.folder.replaceAll('{userId}', folderSafe(user.userId));
      if (details.folder != null && details.folder.replace(/\/+$/, '') !== folder) throw Errors.badInput(`The upload profile "${name}" puts files in ${folder}: no other folder may be asked for`);
      fixed.folder = folder;
    }
    if (profile.isPublic !== null) {
      if (details.isPublic != null && details.isPublic !== profile.isPublic) throw Errors.badInput(`The upload profile "${name}" makes files ${profile.isPublic ? 'public' : 'private'}`);
      fixed.isPublic = profile.isPublic;
    }
    if (profile.expiresInSeconds !== null) {
      // The profile bounds a file's life; a client may ask for a shorter one.
      const latest = new Date(Date.now() + profile.expiresInSeconds * 1000);
      fixed.expiresAt = details.expiresAt && details.expiresAt < latest ? details.expiresAt : latest;
    }
    return { policy, details: fixed };
  }
}

/** A user id as a folder segment: identity providers' ids hold characters folders may not ("auth0|123" → "auth0_123"). */
function folderSafe(userId: string): string {
  return userId.replace(/[^\p{L}\p{N}\p{M}._-]/gu, '_').replace(/^[.]/, '_');
}
