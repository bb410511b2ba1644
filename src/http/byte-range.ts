/** Inclusive positions, as HTTP counts them: `bytes=0-0` is one byte. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * What a download answers to its Range header (RFC 9110, 14.1-14.2), once the
 * file's size is known: all of it (no header, or one we ignore), one range, or
 * nothing (416).
 *
 * - Only one `bytes` range is served. A header we may ignore is ignored, as the
 *   RFC allows: another unit, a syntax error (`bytes=5-2` included), or several
 *   ranges (a multipart/byteranges answer costs more than the whole file for the
 *   small files this serves, and clients that ask for several cope with 200).
 * - `a-b` is clamped to the last byte; `a-` runs to the end; `-n` is the last n
 *   bytes (all of them when n is larger than the file).
 * - Unsatisfiable: a start at or past the end, `-0`, or any range of an empty file.
 */
export function requestedRange(header: string | undefined, size: number): ByteRange | 'whole' | 'unsatisfiable' {
  const spec = header === undefined ? undefined : singleByteRange(header);
  if (!spec) return 'whole';
  if ('suffix' in spec) {
    if (spec.suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - spec.suffix), end: size - 1 };
  }
  if (spec.first >= size) return 'unsatisfiable';
  return { start: spec.first, end: Math.min(spec.last ?? size - 1, size - 1) };
}

type RangeSpec = { first: number; last?: number } | { suffix: number };

/** The one range-spec of a valid `bytes=` header; undefined for anything to ignore. */
function singleByteRange(header: string): RangeSpec | undefined {
  const equals = header.indexOf('=');
  // The unit is a case-insensitive token, with no whitespace around "=".
  if (equals < 0 || header.slice(0, equals).toLowerCase() !== 'bytes') return undefined;
  // A list (1#range-spec) may hold empty elements and optional whitespace around commas.
  const specs = header
    .slice(equals + 1)
    .split(',')
    .map((spec) => spec.trim())
    .filter(Boolean);
  if (specs.length !== 1) return undefined;
  const match = /^(\d*)-(\d*)$/.exec(specs[0]);
  if (!match) return undefined;
  const [, first, last] = match;
  if (first === '') return last === '' ? undefined : { suffix: Number(last) };
  if (last !== '' && Number(last) < Number(first)) return undefined;
  return last === '' ? { first: Number(first) } : { first: Number(first), last: Number(last) };
}
