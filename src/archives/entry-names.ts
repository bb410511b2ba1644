/**
 * Names for the entries of an archive, one per path, in the same order: each
 * safe to extract and none the same as another.
 *
 * A name met again becomes "report (2).pdf", "report (3).pdf"... (the number
 * goes before the extension of the last segment). A numbered name is never one
 * that another path in the list has, so inputs "x.txt", "x.txt", "x (2).txt"
 * give "x.txt", "x (3).txt", "x (2).txt". Paths are compared whole and
 * case-sensitively.
 */
export function uniqueEntryNames(paths: readonly string[]): string[] {
  const safe = paths.map(safeEntryPath);
  const taken = new Set(safe);
  const used = new Set<string>();
  // The last number tried for a name, so that 10 000 copies of one name cost 10 000 steps, not 50 million.
  const lastNumber = new Map<string, number>();
  return safe.map((name) => {
    let unique = name;
    if (used.has(name)) {
      let number = lastNumber.get(name) ?? 1;
      do unique = numbered(name, ++number);
      while (taken.has(unique) || used.has(unique));
      lastNumber.set(name, number);
    }
    used.add(unique);
    return unique;
  });
}

/**
 * Defence in depth: the server's names and folders are sanitized already, but
 * an archive entry is a path some unzip will write to disk. So no absolute
 * path, no backslash (a separator on Windows), no control character, and no
 * segment that is empty, "." or ".." (each becomes "_"): nothing can land
 * outside the folder it is extracted into.
 */
function safeEntryPath(path: string): string {
  return path
    .replace(/^\/+/, '')
    .split('/')
    .map((segment) => segment.replace(/[\\\p{Cc}]/gu, '_'))
    .map((segment) => (segment === '' || segment === '.' || segment === '..' ? '_' : segment))
    .join('/');
}

/** "a/report.pdf", 2 → "a/report (2).pdf"; a leading dot ("a/.env") is not an extension. */
function numbered(path: string, number: number): string {
  const dot = path.lastIndexOf('.');
  const hasExtension = dot > path.lastIndexOf('/') + 1;
  return hasExtension ? `${path.slice(0, dot)} (${number})${path.slice(dot)}` : `${path} (${number})`;
}
