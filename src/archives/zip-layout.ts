/**
 * A ZIP archive of stored (uncompressed) files, laid out before a byte of it is
 * sent. Every entry's size and CRC-32 come from the database, so every header,
 * offset and the total length are known up front: the route can send a
 * Content-Length and answer any Range by producing only the pieces it covers.
 * Format: PKWARE APPNOTE 6.3.x; section numbers below refer to it.
 */
export interface ArchiveEntry {
  /** A relative path with "/" separators (see uniqueEntryNames). */
  name: string;
  size: number;
  crc32: number;
  modifiedAt: Date;
}

/** Header bytes to send as they are, or an inclusive byte range of one entry's content to read from storage. */
export type ArchivePiece = { kind: 'bytes'; data: Buffer } | { kind: 'file'; entry: number; start: number; end: number };

export interface ArchiveLayout {
  /** The archive's exact size in bytes. */
  readonly length: number;
  /** Bytes start..end (inclusive, as HTTP ranges count) of the archive, in order. */
  pieces(start: number, end: number): Iterable<ArchivePiece>;
}

// 0xFFFF and 0xFFFFFFFF are the "see the zip64 field" markers (4.4.1.4), so a
// value equal to one must itself go to zip64: hence >=, never >.
const MAX_16 = 0xffff;
const MAX_32 = 0xffffffff;

const LOCAL_HEADER_SIZE = 30;
const CENTRAL_HEADER_SIZE = 46;
const ZIP64_END_SIZE = 56;
const ZIP64_LOCATOR_SIZE = 20;
const END_SIZE = 22;
// A zip64 extra field: id and length (4 bytes), then 64-bit values.
const LOCAL_ZIP64_EXTRA_SIZE = 4 + 2 * 8; // both sizes
const CENTRAL_ZIP64_EXTRA_SIZE = 4 + 3 * 8; // both sizes, the local header's offset

const VERSION_DEFAULT = 20; // 2.0: stored files in folders
const VERSION_ZIP64 = 45; // 4.5: zip64 fields
// Made by Unix (upper byte 3), so readers take the external attributes below
// as a Unix mode: extracted files come out rw-r--r-- (a regular file).
const VERSION_MADE_BY = (3 << 8) | VERSION_ZIP64;
const REGULAR_FILE_0644 = (0o100644 << 16) >>> 0;
// Bit 11: names are UTF-8. Without it readers decode them as CP437.
const FLAG_UTF8 = 0x0800;
const METHOD_STORED = 0;
const ZIP64_EXTRA_ID = 0x0001;

/** The layout of `entries`, in this order; a 'file' piece names an entry by its index here. */
export function layoutArchive(entries: readonly ArchiveEntry[]): ArchiveLayout {
  const names = entries.map(checkedName);
  // headerOffsets[i] is where entry i's local header starts; the last one is where the central directory starts.
  const headerOffsets = new Array<number>(entries.length + 1);
  let offset = 0;
  entries.forEach((entry, i) => {
    checkEntry(entry);
    headerOffsets[i] = offset;
    offset += localHeaderLength(entry, names[i]) + entry.size;
  });
  const directoryOffset = (headerOffsets[entries.length] = offset);
  const directorySize = entries.reduce((sum, entry, i) => sum + centralHeaderLength(entry, names[i], headerOffsets[i]), 0);
  const length = directoryOffset + directorySize + endRecordsLength(entries.length, directoryOffset, directorySize);
  if (!Number.isSafeInteger(length)) throw new RangeError('The archive is too large to address');

  // The central directory and end records (about 100 bytes an entry), built
  // once, when a range first reaches them; local headers are built as needed.
  let tail: Buffer | undefined;
  function tailBytes(): Buffer {
    if (!tail) {
      const buffer = Buffer.alloc(length - directoryOffset);
      const at = entries.reduce((next, entry, i) => writeCentralHeader(buffer, next, entry, names[i], headerOffsets[i]), 0);
      writeEndRecords(buffer, at, entries.length, directoryOffset, directorySize);
      tail = buffer;
    }
    return tail;
  }

  function* pieces(start: number, end: number): Generator<ArchivePiece> {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end >= length) {
      throw new RangeError(`Bytes ${start}-${end} are not inside an archive of ${length} bytes`);
    }
    for (let i = entryAt(headerOffsets, start); i < entries.length && headerOffsets[i] <= end; i++) {
      const entry = entries[i];
      const dataStart = headerOffsets[i] + localHeaderLength(entry, names[i]);
      if (start < dataStart) yield { kind: 'bytes', data: overlap(localHeader(entry, names[i]), headerOffsets[i], start, end) };
      // Content positions, relative to the entry, clipped to the range; an empty entry has none.
      const from = Math.max(start, dataStart) - dataStart;
      const to = Math.min(end, dataStart + entry.size - 1) - dataStart;
      if (from <= to) yield { kind: 'file', entry: i, start: from, end: to };
    }
    if (end >= directoryOffset) yield { kind: 'bytes', data: overlap(tailBytes(), directoryOffset, start, end) };
  }

  return { length, pieces };
}

/** The last entry whose local header starts at or before `position` (entries.length when it is in the central directory). */
function entryAt(headerOffsets: readonly number[], position: number): number {
  let low = 0;
  let high = headerOffsets.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (headerOffsets[middle] <= position) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** The part of `data`, which sits at archive offset `at`, inside start..end (the caller knows they meet); a view, not a copy. */
function overlap(data: Buffer, at: number, start: number, end: number): Buffer {
  return data.subarray(Math.max(start, at) - at, Math.min(end, at + data.length - 1) - at + 1);
}

function checkedName(entry: ArchiveEntry): Buffer {
  const name = Buffer.from(entry.name, 'utf8');
  if (name.length === 0 || name.length > MAX_16) throw new RangeError(`An entry name must be 1 to ${MAX_16} bytes: ${JSON.stringify(entry.name)}`);
  return name;
}

function checkEntry(entry: ArchiveEntry): void {
  if (!Number.isSafeInteger(entry.size) || entry.size < 0) throw new RangeError(`Bad size for ${entry.name}: ${entry.size}`);
  if (!Number.isInteger(entry.crc32) || entry.crc32 < 0 || entry.crc32 > MAX_32) throw new RangeError(`Bad CRC-32 for ${entry.name}: ${entry.crc32}`);
}

// --- Local file header (4.3.7) -------------------------------------------------

/** Only a file of 4 GiB or more needs zip64 here: the local header has no offset field. */
function localExtraLength(entry: ArchiveEntry): number {
  return entry.size >= MAX_32 ? LOCAL_ZIP64_EXTRA_SIZE : 0;
}

function localHeaderLength(entry: ArchiveEntry, name: Buffer): number {
  return LOCAL_HEADER_SIZE + name.length + localExtraLength(entry);
}

/**
 * Sizes and CRC are written here, with no data descriptor (flag bit 3), since
 * they are known before the content: any reader, streaming ones included, can use them.
 */
function localHeader(entry: ArchiveEntry, name: Buffer): Buffer {
  const large = entry.size >= MAX_32;
  const buffer = Buffer.alloc(localHeaderLength(entry, name));
  buffer.writeUInt32LE(0x04034b50, 0);
  buffer.writeUInt16LE(large ? VERSION_ZIP64 : VERSION_DEFAULT, 4);
  buffer.writeUInt16LE(FLAG_UTF8, 6);
  buffer.writeUInt16LE(METHOD_STORED, 8);
  writeDosDateTime(buffer, 10, entry.modifiedAt);
  buffer.writeUInt32LE(entry.crc32, 14);
  buffer.writeUInt32LE(large ? MAX_32 : entry.size, 18); // compressed: stored, so the same
  buffer.writeUInt32LE(large ? MAX_32 : entry.size, 22);
  buffer.writeUInt16LE(name.length, 26);
  buffer.writeUInt16LE(localExtraLength(entry), 28);
  name.copy(buffer, 30);
  // 4.5.3: in a local header the zip64 field holds both sizes, uncompressed first.
  if (large) writeZip64Extra(buffer, 30 + name.length, [entry.size, entry.size]);
  return buffer;
}

// --- Central directory header (4.3.12) -----------------------------------------

/**
 * An entry needs zip64 in the directory when its size or its local header's
 * offset does not fit 32 bits. Then all three fields go to zip64, as Go's
 * archive/zip writes them, not just the one that overflows: Info-ZIP's unzip
 * 6.0 (the `unzip` of most Linux and macOS machines) decides which fields its
 * zip64 record holds partly from the previous entry's state, and misreads a
 * record holding the offset alone once it has seen a file of 0xFFFFFFFF bytes.
 */
function centralNeedsZip64(entry: ArchiveEntry, headerOffset: number): boolean {
  return entry.size >= MAX_32 || headerOffset >= MAX_32;
}

function centralHeaderLength(entry: ArchiveEntry, name: Buffer, headerOffset: number): number {
  return CENTRAL_HEADER_SIZE + name.length + (centralNeedsZip64(entry, headerOffset) ? CENTRAL_ZIP64_EXTRA_SIZE : 0);
}

/** Writes the entry's central header into `buffer` at `at`; returns where the next one goes. */
function writeCentralHeader(buffer: Buffer, at: number, entry: ArchiveEntry, name: Buffer, headerOffset: number): number {
  const zip64 = centralNeedsZip64(entry, headerOffset);
  const extraLength = zip64 ? CENTRAL_ZIP64_EXTRA_SIZE : 0;
  buffer.writeUInt32LE(0x02014b50, at);
  buffer.writeUInt16LE(VERSION_MADE_BY, at + 4);
  buffer.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, at + 6);
  buffer.writeUInt16LE(FLAG_UTF8, at + 8);
  buffer.writeUInt16LE(METHOD_STORED, at + 10);
  writeDosDateTime(buffer, at + 12, entry.modifiedAt);
  buffer.writeUInt32LE(entry.crc32, at + 16);
  buffer.writeUInt32LE(zip64 ? MAX_32 : entry.size, at + 20);
  buffer.writeUInt32LE(zip64 ? MAX_32 : entry.size, at + 24);
  buffer.writeUInt16LE(name.length, at + 28);
  buffer.writeUInt16LE(extraLength, at + 30);
  // 32: comment length, 34: disk number, 36: internal attributes, all 0.
  buffer.writeUInt32LE(REGULAR_FILE_0644, at + 38);
  buffer.writeUInt32LE(zip64 ? MAX_32 : headerOffset, at + 42);
  name.copy(buffer, at + CENTRAL_HEADER_SIZE);
  // 4.5.3: the fields whose 32-bit places hold the marker, in this order.
  if (zip64) writeZip64Extra(buffer, at + CENTRAL_HEADER_SIZE + name.length, [entry.size, entry.size, headerOffset]);
  return at + CENTRAL_HEADER_SIZE + name.length + extraLength;
}

function writeZip64Extra(buffer: Buffer, at: number, values: readonly number[]): void {
  buffer.writeUInt16LE(ZIP64_EXTRA_ID, at);
  buffer.writeUInt16LE(8 * values.length, at + 2);
  values.forEach((value, i) => buffer.writeBigUInt64LE(BigInt(value), at + 4 + 8 * i));
}

// --- End records (4.3.14-4.3.16) -----------------------------------------------

function needsZip64End(count: number, directoryOffset: number, directorySize: number): boolean {
  return count >= MAX_16 || directoryOffset >= MAX_32 || directorySize >= MAX_32;
}

function endRecordsLength(count: number, directoryOffset: number, directorySize: number): number {
  return (needsZip64End(count, directoryOffset, directorySize) ? ZIP64_END_SIZE + ZIP64_LOCATOR_SIZE : 0) + END_SIZE;
}

/** Writes the zip64 end record and its locator when anything overflows, then the classic end record. */
function writeEndRecords(buffer: Buffer, at: number, count: number, directoryOffset: number, directorySize: number): void {
  const zip64 = needsZip64End(count, directoryOffset, directorySize);
  if (zip64) {
    buffer.writeUInt32LE(0x06064b50, at);
    buffer.writeBigUInt64LE(BigInt(ZIP64_END_SIZE - 12), at + 4); // the size of what follows this field
    buffer.writeUInt16LE(VERSION_MADE_BY, at + 12);
    buffer.writeUInt16LE(VERSION_ZIP64, at + 14);
    // 16: this disk, 20: the directory's disk, both 0.
    buffer.writeBigUInt64LE(BigInt(count), at + 24); // entries on this disk
    buffer.writeBigUInt64LE(BigInt(count), at + 32); // entries in all
    buffer.writeBigUInt64LE(BigInt(directorySize), at + 40);
    buffer.writeBigUInt64LE(BigInt(directoryOffset), at + 48);
    at += ZIP64_END_SIZE;
    buffer.writeUInt32LE(0x07064b50, at);
    // 4: the zip64 end record's disk, 0.
    buffer.writeBigUInt64LE(BigInt(directoryOffset + directorySize), at + 8);
    buffer.writeUInt32LE(1, at + 16); // disks in all
    at += ZIP64_LOCATOR_SIZE;
  }
  // With zip64, every field is the marker (as Go's archive/zip writes it): a
  // reader that sees one looks for the zip64 record and takes all from there.
  buffer.writeUInt32LE(0x06054b50, at);
  // 4: this disk, 6: the directory's disk, both 0.
  buffer.writeUInt16LE(zip64 ? MAX_16 : count, at + 8);
  buffer.writeUInt16LE(zip64 ? MAX_16 : count, at + 10);
  buffer.writeUInt32LE(zip64 ? MAX_32 : directorySize, at + 12);
  buffer.writeUInt32LE(zip64 ? MAX_32 : directoryOffset, at + 16);
  // 20: comment length, 0.
}

// --- MS-DOS date and time (4.4.6) ----------------------------------------------

const DOS_EPOCH = Date.UTC(1980, 0, 1);
const DOS_LAST = Date.UTC(2107, 11, 31, 23, 59, 58);

/**
 * ZIP keeps local wall-clock time with no zone; the server cannot know the
 * reader's, so it writes UTC. DOS dates run from 1980 to 2107 in 2-second steps:
 * anything outside (or an invalid date) is clamped to the nearest end.
 */
function writeDosDateTime(buffer: Buffer, at: number, date: Date): void {
  const time = date.getTime();
  const clamped = Number.isNaN(time) || time < DOS_EPOCH ? new Date(DOS_EPOCH) : time > DOS_LAST ? new Date(DOS_LAST) : date;
  const dosTime = (clamped.getUTCHours() << 11) | (clamped.getUTCMinutes() << 5) | (clamped.getUTCSeconds() >> 1);
  const dosDate = ((clamped.getUTCFullYear() - 1980) << 9) | ((clamped.getUTCMonth() + 1) << 5) | clamped.getUTCDate();
  buffer.writeUInt16LE(dosTime, at);
  buffer.writeUInt16LE(dosDate, at + 2);
}
