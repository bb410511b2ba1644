import { readFileSync } from 'node:fs';
import type { Config, UploadProfile } from './config';
import { ConfigError } from './config-error';
import { validateFolder } from './files/file-names';

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const KEYS = new Set(['maxFileSizeMb', 'allowedExtensions', 'allowedMimeTypes', 'folder', 'isPublic', 'expiresInDays']);
const MIB = 1024 * 1024;

/**
 * UPLOAD_PROFILES: a JSON object, or the path of a file holding one, e.g.
 * {"avatar": {"maxFileSizeMb": 2, "allowedExtensions": ["jpg", "png"], "folder": "avatars/{userId}", "isPublic": true}},
 * {"scratch": {"expiresInDays": 7}}.
 * Checked whole at start-up: a mistake stops the server with one line that
 * names the profile and the field, instead of surfacing at the first upload.
 */
export function parseUploadProfiles(raw: string | undefined, upload: Config['upload']): Map<string, UploadProfile> {
  const profiles = new Map<string, UploadProfile>();
  if (raw === undefined) return profiles;
  const fail = (message: string): never => {
    throw new ConfigError(`UPLOAD_PROFILES: ${message}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.startsWith('{') ? raw : readFileSync(raw, 'utf8'));
  } catch (error) {
    return fail(`not a JSON object, nor a readable file holding one (${(error as Error).message})`);
  }
  if (!isObject(parsed)) return fail('must be a JSON object of profiles by name');
  for (const [name, value] of Object.entries(parsed)) {
    if (!NAME.test(name)) fail(`"${name}": a profile's name is letters, digits, "-" and "_" (at most 64)`);
    if (!isObject(value)) return fail(`"${name}": must be an object`);
    const unknown = Object.keys(value).filter((key) => !KEYS.has(key));
    if (unknown.length) fail(`"${name}": unknown field ${unknown.join(', ')} (known: ${[...KEYS].join(', ')})`);
    profiles.set(name, {
      maxFileSizeBytes: maxSize(name, value.maxFileSizeMb, upload, fail),
      allowedExtensions: stringList(name, 'allowedExtensions', value.allowedExtensions, fail)?.map((extension) => extension.toLowerCase().replace(/^\./, '')) ?? upload.allowedExtensions,
      allowedMimeTypes: stringList(name, 'allowedMimeTypes', value.allowedMimeTypes, fail)?.map((type) => type.toLowerCase()) ?? upload.allowedMimeTypes,
      folder: folderTemplate(name, value.folder, fail),
      isPublic: value.isPublic === undefined ? null : typeof value.isPublic === 'boolean' ? value.isPublic : fail(`"${name}".isPublic: must be true or false`),
      expiresInSeconds: expiry(name, value.expiresInDays, fail),
    });
  }
  return profiles;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Up to S3_MAX_FILE_SIZE_MB: the multipart parser and the presigned uploads are bounded by it. */
function maxSize(name: string, value: unknown, upload: Config['upload'], fail: (message: string) => never): number {
  if (value === undefined) return upload.maxFileSizeBytes;
  if (typeof value !== 'number' || !(value > 0)) fail(`"${name}".maxFileSizeMb: must be a number above 0`);
  const bytes = Math.floor((value as number) * MIB);
  if (bytes > upload.maxFileSizeBytes) fail(`"${name}".maxFileSizeMb: ${value} is over S3_MAX_FILE_SIZE_MB (${upload.maxFileSizeBytes / MIB})`);
  return bytes;
}

function expiry(name: string, value: unknown, fail: (message: string) => never): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !(value > 0) || value > 36_500) fail(`"${name}".expiresInDays: must be a number of days above 0 (at most 36500)`);
  return Math.round((value as number) * 86_400);
}

function stringList(name: string, field: string, value: unknown, fail: (message: string) => never): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === 'string' && item.trim() !== '')) {
    fail(`"${name}".${field}: must be a non-empty list of strings`);
  }
  return (value as string[]).map((item) => item.trim());
}

/** Checked with a sample user id: `..`, an absolute path or a backslash fails at start-up. */
function folderTemplate(name: string, value: unknown, fail: (message: string) => never): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string') return fail(`"${name}".folder: must be a string`);
  const placeholders = [...value.matchAll(/\{([^}]*)\}/g)].map((match) => match[1]);
  if (placeholders.some((placeholder) => placeholder !== 'userId')) fail(`"${name}".folder: the only placeholder is {userId}`);
  try {
    if (validateFolder(value.replaceAll('{userId}', 'user')) === null) fail(`"${name}".folder: must not be empty`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    fail(`"${name}".folder: ${(error as Error).message}`);
  }
  return value.replace(/\/+$/, '');
}
