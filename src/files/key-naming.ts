import type { Config } from '../config';

type NamingRules = Pick<
  Config['upload'],
  'useUuidPrefix' | 'preserveFilename' | 'useTimestampPrefix' | 'folderStructure'
>;

export interface KeyParts {
  fileId: string;
  folder: string | null;
  originalName: string;
  extension: string;
  now: Date;
}

/**
 * key = folder / rendered folder structure / name, empty parts left out.
 * Placeholders are UTC, zero-padded, like the seed's.
 */
export function objectKey(rules: NamingRules, parts: KeyParts): string {
  return [parts.folder, renderFolderStructure(rules.folderStructure, parts.now), objectName(rules, parts)]
    .filter(Boolean)
    .join('/');
}

function objectName(rules: NamingRules, { fileId, originalName, extension, now }: KeyParts): string {
  if (rules.useUuidPrefix) return rules.preserveFilename ? `${fileId}_${originalName}` : `${fileId}.${extension}`;
  const stamp = timestamp(now);
  if (!rules.preserveFilename) return `${stamp}.${extension}`;
  return rules.useTimestampPrefix ? `${stamp}_${originalName}` : originalName;
}

function renderFolderStructure(template: string, now: Date): string {
  const values: Record<string, string> = {
    year: String(now.getUTCFullYear()),
    month: pad(now.getUTCMonth() + 1),
    day: pad(now.getUTCDate()),
    hour: pad(now.getUTCHours()),
  };
  return template.replace(/\{(year|month|day|hour)\}/g, (_, name: string) => values[name]);
}

/** YYYYMMDD_HHMMSS, UTC. */
function timestamp(now: Date): string {
  const date = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`;
  return `${date}_${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
