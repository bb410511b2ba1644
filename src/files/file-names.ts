import { Errors } from '../errors';

/**
 * In UTF-8 bytes. The name ends up as the last segment of the key, behind a
 * 37-byte UUID prefix; servers that keep objects as files (MinIO, s3rver) need
 * that segment, plus their own suffixes, under the usual 255-byte file-name limit.
 */
const MAX_NAME_BYTES = 180;
export const MAX_FOLDER_LENGTH = 512;
export const MAX_FOLDER_DEPTH = 16;

// Characters with no business in a name: controls, bidi overrides, zero-width joiners.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
// Kept: letters and digits of any script, combining marks, dot, dash, underscore.
const UNSAFE = /[^\p{L}\p{N}\p{M}._-]+/gu;
// Names Windows will not open, with any extension.
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i;
const FOLDER_SEGMENT = /^[\p{L}\p{N}\p{M}_-][\p{L}\p{N}\p{M}._-]*$/u;

/**
 * A user's file name made safe to show, store and put in a key: any path is
 * dropped, invisible characters removed, anything else unsafe becomes "_".
 */
export function sanitizeFileName(raw: string): string {
  const base = raw.normalize('NFC').replace(INVISIBLE, '').split(/[/\\]/).pop() ?? '';
  let name = base
    .replace(UNSAFE, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^[._-]+/, '') // no hidden files, no "..", no leading dash
    .replace(/[._]+$/, '');
  if (WINDOWS_RESERVED.test(name)) name = `_${name}`;
  if (!name) throw Errors.badInput('The file name is empty once unsafe characters are removed');
  return truncateKeepingExtension(name);
}

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

function truncateKeepingExtension(name: string): string {
  if (Buffer.byteLength(name) <= MAX_NAME_BYTES) return name;
  const extension = extensionOf(name);
  const suffix = extension && extension.length < 16 ? `.${extension}` : '';
  let kept = '';
  for (const char of name) {
    if (Buffer.byteLength(kept + char + suffix) > MAX_NAME_BYTES) break;
    kept += char;
  }
  return kept + suffix;
}

/**
 * A folder is a relative path of safe segments. Unlike names, folders are not
 * repaired: a folder the user meant must not silently become another one.
 */
export function validateFolder(raw: string | null | undefined): string | null {
  if (raw === undefined || raw === null) return null;
  const folder = raw.normalize('NFC').replace(/\/+$/, '');
  if (folder === '') return null;
  if (folder.startsWith('/') || folder.includes('\\')) {
    throw Errors.badInput('The folder must be a relative path with "/" separators');
  }
  if (folder.length > MAX_FOLDER_LENGTH) throw Errors.badInput(`The folder is longer than ${MAX_FOLDER_LENGTH} characters`);
  const segments = folder.split('/');
  if (segments.length > MAX_FOLDER_DEPTH) throw Errors.badInput(`The folder is deeper than ${MAX_FOLDER_DEPTH} levels`);
  for (const segment of segments) {
    if (segment === '..' || segment === '.') throw Errors.badInput('The folder must not contain "." or ".." segments');
    if (!FOLDER_SEGMENT.test(segment)) {
      throw Errors.badInput(`The folder segment "${segment.replace(INVISIBLE, '?')}" has characters other than letters, digits, ".", "-" and "_"`);
    }
  }
  return folder;
}

