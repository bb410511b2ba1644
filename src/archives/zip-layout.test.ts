import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { ArchiveEntry, ArchiveLayout, layoutArchive } from './zip-layout';

const GiB = 1024 ** 3;
const MAX_32 = 0xffffffff;
const modifiedAt = new Date(Date.UTC(2024, 4, 17, 13, 45, 30));

function entryOf(name: string, content: Buffer, at = modifiedAt): ArchiveEntry {
  return { name, size: content.length, crc32: crc32(content), modifiedAt: at };
}

/** Bytes start..end of the archive, as the route would send them: 'file' pieces are read from `contents`. */
function bytesOf(layout: ArchiveLayout, contents: readonly Buffer[], start = 0, end = layout.length - 1): Buffer {
  const parts = [...layout.pieces(start, end)].map((piece) => (piece.kind === 'bytes' ? piece.data : contents[piece.entry].subarray(piece.start, piece.end + 1)));
  return Buffer.concat(parts);
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so a failing range can be replayed. */
function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function sample(): { entries: ArchiveEntry[]; contents: Buffer[] } {
  const random = seededRandom(7);
  const files: [string, Buffer][] = [
    ['hello.txt', Buffer.from('Hello, world\n')],
    ['empty.txt', Buffer.alloc(0)],
    ['résumé/été.txt', Buffer.from('Un été à Montréal ☀\n')],
    ['a/b/c/deep.bin', Buffer.from(Array.from({ length: 3000 }, () => Math.floor(random() * 256)))],
  ];
  return { entries: files.map(([name, content]) => entryOf(name, content)), contents: files.map(([, content]) => content) };
}

async function readAll(zip: yauzl.ZipFile): Promise<{ entry: yauzl.Entry; local: yauzl.LocalFileHeader; content: Buffer }[]> {
  const read = [];
  for await (const entry of zip.eachEntry()) {
    const local = await zip.readLocalFileHeaderPromise(entry);
    const content = Buffer.concat(await (await zip.openReadStreamPromise(entry)).toArray());
    read.push({ entry, local, content });
  }
  return read;
}

describe('layoutArchive: a real archive', () => {
  it('is read back by yauzl: names, contents, CRCs, dates, and local headers that agree', async () => {
    const { entries, contents } = sample();
    const layout = layoutArchive(entries);
    const archive = bytesOf(layout, contents);
    expect(archive).toHaveLength(layout.length);

    const read = await readAll(await yauzl.fromBufferPromise(archive, { lazyEntries: true, strictFileNames: true }));
    expect(read.map(({ entry }) => entry.fileName)).toEqual(entries.map((entry) => entry.name));
    read.forEach(({ entry, local, content }, i) => {
      expect(content.equals(contents[i])).toBe(true);
      // yauzl does not check CRCs (its README says so), so the test does.
      expect(crc32(content)).toBe(entry.crc32);
      expect(entry.generalPurposeBitFlag).toBe(0x0800);
      expect(entry.compressionMethod).toBe(0);
      expect(entry.versionNeededToExtract).toBe(20);
      expect(entry.getLastModDate({ timezone: 'UTC' })).toEqual(modifiedAt);
      // yauzl only checks the local header's signature; a streaming reader trusts the rest.
      expect([local.crc32, local.compressedSize, local.uncompressedSize, local.generalPurposeBitFlag]).toEqual([entry.crc32, content.length, content.length, 0x0800]);
      expect(local.fileName.toString()).toBe(entries[i].name);
    });
  });

  it('asks for no content of an empty file', () => {
    const { entries, contents } = sample();
    const layout = layoutArchive(entries);
    const files = [...layout.pieces(0, layout.length - 1)].filter((piece) => piece.kind === 'file');
    expect(files).toEqual([
      { kind: 'file', entry: 0, start: 0, end: contents[0].length - 1 },
      { kind: 'file', entry: 2, start: 0, end: contents[2].length - 1 },
      { kind: 'file', entry: 3, start: 0, end: contents[3].length - 1 },
    ]);
  });

  it('is a valid, empty archive with no entries', async () => {
    const layout = layoutArchive([]);
    expect(layout.length).toBe(22);
    expect(await readAll(await yauzl.fromBufferPromise(bytesOf(layout, []), { lazyEntries: true }))).toEqual([]);
  });

  it('clamps dates DOS cannot hold to 1980 and 2107', async () => {
    const content = Buffer.from('x');
    const entries = [entryOf('old.txt', content, new Date(0)), entryOf('far.txt', content, new Date(Date.UTC(2200, 0, 1))), entryOf('bad.txt', content, new Date(NaN))];
    const read = await readAll(await yauzl.fromBufferPromise(bytesOf(layoutArchive(entries), [content, content, content]), { lazyEntries: true }));
    expect(read.map(({ entry }) => entry.getLastModDate({ timezone: 'UTC' }).toISOString())).toEqual([
      '1980-01-01T00:00:00.000Z',
      '2107-12-31T23:59:58.000Z',
      '1980-01-01T00:00:00.000Z',
    ]);
  });

  it('refuses entries it cannot write', () => {
    const ok = entryOf('a.txt', Buffer.from('a'));
    expect(() => layoutArchive([{ ...ok, name: '' }])).toThrow(RangeError);
    expect(() => layoutArchive([{ ...ok, name: 'x'.repeat(0x10000) }])).toThrow(RangeError);
    expect(() => layoutArchive([{ ...ok, size: -1 }])).toThrow(RangeError);
    expect(() => layoutArchive([{ ...ok, crc32: 2 ** 32 }])).toThrow(RangeError);
  });
});

describe('layoutArchive: ranges', () => {
  const { entries, contents } = sample();
  const layout = layoutArchive(entries);
  const archive = bytesOf(layout, contents);

  it('gives the same bytes as the whole archive for 2000 random ranges', () => {
    const random = seededRandom(42);
    for (let n = 0; n < 2000; n++) {
      const a = Math.floor(random() * layout.length);
      const b = Math.floor(random() * layout.length);
      const [start, end] = a <= b ? [a, b] : [b, a];
      expect(bytesOf(layout, contents, start, end).equals(archive.subarray(start, end + 1))).toBe(true);
    }
  });

  it('gives every single byte as one non-empty piece, across every boundary', () => {
    for (let position = 0; position < layout.length; position++) {
      const pieces = [...layout.pieces(position, position)];
      expect(pieces).toHaveLength(1);
      expect(bytesOf(layout, contents, position, position)[0]).toBe(archive[position]);
    }
  });

  it.each([
    [-1, 0],
    [0, layout.length],
    [5, 4],
    [0.5, 3],
  ])('refuses bytes %d-%d', (start, end) => {
    expect(() => [...layout.pieces(start, end)]).toThrow(RangeError);
  });
});

/** Reads the end records the way a reader does, from the last bytes back. */
function endRecords(tail: Buffer) {
  const end = tail.subarray(tail.length - 22);
  const locator = tail.subarray(tail.length - 42, tail.length - 22);
  return {
    end: { signature: end.readUInt32LE(0), count: end.readUInt16LE(10), size: end.readUInt32LE(12), offset: end.readUInt32LE(16) },
    locator: { signature: locator.readUInt32LE(0), zip64EndOffset: Number(locator.readBigUInt64LE(8)), disks: locator.readUInt32LE(16) },
  };
}

describe('layoutArchive: zip64 by count', () => {
  it('writes 65 537 empty files that yauzl reads back', async () => {
    const entries = Array.from({ length: 65_537 }, (_, i) => entryOf(`many/${i}.txt`, Buffer.alloc(0)));
    const layout = layoutArchive(entries);
    const archive = bytesOf(layout, []);
    const { end, locator } = endRecords(archive);
    expect(end).toEqual({ signature: 0x06054b50, count: 0xffff, size: MAX_32, offset: MAX_32 });
    expect(locator.signature).toBe(0x07064b50);
    expect(archive.readUInt32LE(locator.zip64EndOffset)).toBe(0x06064b50);

    const zip = await yauzl.fromBufferPromise(archive, { lazyEntries: true });
    expect(zip.entryCount).toBe(65_537);
    const names: string[] = [];
    for await (const entry of zip.eachEntry()) names.push(entry.fileName);
    expect(names).toEqual(entries.map((entry) => entry.name));
  });

  // 0xFFFF in the classic record means "see zip64", so 65 535 entries cannot be written there.
  it.each([
    [65_534, false],
    [65_535, true],
  ])('with %d entries, writes a zip64 end record: %s', (count, zip64) => {
    const layout = layoutArchive(Array.from({ length: count }, (_, i) => entryOf(`${i}`, Buffer.alloc(0))));
    const { end, locator } = endRecords(bytesOf(layout, [], layout.length - 42));
    expect(end.count).toBe(zip64 ? 0xffff : count);
    expect(locator.signature === 0x07064b50).toBe(zip64);
  });
});

describe('layoutArchive: zip64 by size (headers only, the content is never built)', () => {
  // Two 3 GiB files push later offsets past 4 GiB; one of exactly 0xFFFFFFFF bytes needs 64-bit sizes.
  const entries: ArchiveEntry[] = [
    { name: 'small.txt', size: 10, crc32: 0x11111111, modifiedAt },
    { name: 'big-1.bin', size: 3 * GiB, crc32: 0x22222222, modifiedAt },
    { name: 'big-2.bin', size: 3 * GiB, crc32: 0x33333333, modifiedAt },
    { name: 'huge.bin', size: MAX_32, crc32: 0x44444444, modifiedAt },
    { name: 'empty.txt', size: 0, crc32: 0, modifiedAt },
    { name: 'last.txt', size: 5, crc32: 0x55555555, modifiedAt },
  ];
  const layout = layoutArchive(entries);

  /** Every 'bytes' piece at its archive offset, and every 'file' piece's place; checks they tile the archive. */
  function walk() {
    const bytes: { at: number; data: Buffer }[] = [];
    const files: { at: number; entry: number; start: number; end: number }[] = [];
    let at = 0;
    for (const piece of layout.pieces(0, layout.length - 1)) {
      if (piece.kind === 'bytes') bytes.push({ at, data: piece.data });
      else files.push({ at, entry: piece.entry, start: piece.start, end: piece.end });
      at += piece.kind === 'bytes' ? piece.data.length : piece.end - piece.start + 1;
    }
    expect(at).toBe(layout.length);
    const read = (offset: number, length: number): Buffer => {
      const found = bytes.find((piece) => piece.at <= offset && offset + length <= piece.at + piece.data.length);
      if (!found) throw new Error(`No header bytes at ${offset}`);
      return found.data.subarray(offset - found.at, offset - found.at + length);
    };
    return { files, read };
  }

  it('has the exact length: headers, contents, directory and end records', () => {
    const names = entries.reduce((sum, entry) => sum + entry.name.length, 0);
    const contents = entries.reduce((sum, entry) => sum + entry.size, 0);
    // Zip64 fields: huge.bin has one of 20 bytes (two sizes) in its local header; it and
    // the two after it (past 4 GiB) have one of 28 (two sizes, an offset) in the directory.
    const local = 30 * entries.length + names + 20;
    const central = 46 * entries.length + names + 28 * 3;
    expect(layout.length).toBe(local + contents + central + 56 + 20 + 22);
  });

  it('writes zip64 end records that point at the central directory', () => {
    const { read } = walk();
    const { end, locator } = endRecords(read(layout.length - 42, 42));
    expect(end).toEqual({ signature: 0x06054b50, count: 0xffff, size: MAX_32, offset: MAX_32 });
    expect(locator).toEqual({ signature: 0x07064b50, zip64EndOffset: layout.length - 22 - 20 - 56, disks: 1 });
    const zip64End = read(locator.zip64EndOffset, 56);
    expect(zip64End.readUInt32LE(0)).toBe(0x06064b50);
    expect(Number(zip64End.readBigUInt64LE(4))).toBe(44);
    expect(zip64End.readUInt16LE(14)).toBe(45);
    expect(Number(zip64End.readBigUInt64LE(24))).toBe(entries.length);
    expect(Number(zip64End.readBigUInt64LE(32))).toBe(entries.length);
    const [size, offset] = [Number(zip64End.readBigUInt64LE(40)), Number(zip64End.readBigUInt64LE(48))];
    expect(offset + size).toBe(locator.zip64EndOffset);
    expect(offset).toBeGreaterThan(MAX_32);
  });

  it('writes 64-bit sizes and offsets in zip64 fields, only where they are needed', () => {
    const { files, read } = walk();
    const { locator } = endRecords(read(layout.length - 42, 42));
    const zip64End = read(locator.zip64EndOffset, 56);
    let at = Number(zip64End.readBigUInt64LE(48));
    const seen = entries.map((expected, i) => {
      const header = read(at, 46);
      expect(header.readUInt32LE(0)).toBe(0x02014b50);
      const [nameLength, extraLength] = [header.readUInt16LE(28), header.readUInt16LE(30)];
      const name = read(at + 46, nameLength).toString();
      const extra = read(at + 46 + nameLength, extraLength);
      at += 46 + nameLength + extraLength;
      // The zip64 field holds, in order, whichever of these hold the marker.
      const zip64 = Array.from({ length: extraLength ? (extraLength - 4) / 8 : 0 }, (_, k) => Number(extra.readBigUInt64LE(4 + 8 * k)));
      if (extraLength) expect([extra.readUInt16LE(0), extra.readUInt16LE(2)]).toEqual([1, extraLength - 4]);
      const field = (value: number) => (value === MAX_32 ? zip64.shift()! : value);
      const [size, compressedSize, offset] = [field(header.readUInt32LE(24)), field(header.readUInt32LE(20)), field(header.readUInt32LE(42))];
      expect(zip64).toEqual([]); // nothing left over
      expect({ name, size, compressedSize, crc32: header.readUInt32LE(16) }).toEqual({ name: expected.name, size: expected.size, compressedSize: expected.size, crc32: expected.crc32 });
      expect(header.readUInt16LE(6)).toBe(extraLength ? 45 : 20);

      // The local header it points at, and the content right behind it.
      const local = read(offset, 30);
      expect(local.readUInt32LE(0)).toBe(0x04034b50);
      const localExtra = read(offset + 30 + local.readUInt16LE(26), local.readUInt16LE(28));
      const localSizes = localExtra.length ? [Number(localExtra.readBigUInt64LE(4)), Number(localExtra.readBigUInt64LE(12))] : [local.readUInt32LE(22), local.readUInt32LE(18)];
      expect(localSizes).toEqual([expected.size, expected.size]);
      expect(local.readUInt32LE(14)).toBe(expected.crc32);
      const dataStart = offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      expect(files.filter((file) => file.entry === i)).toEqual(expected.size ? [{ at: dataStart, entry: i, start: 0, end: expected.size - 1 }] : []);
      return { offset, centralExtra: extraLength, localExtra: localExtra.length };
    });
    expect(seen.map(({ centralExtra, localExtra }) => [centralExtra, localExtra])).toEqual([
      [0, 0], // small.txt at 0
      [0, 0], // big-1.bin: 3 GiB fits in 32 bits
      [0, 0], // big-2.bin starts at 3 GiB
      [28, 20], // huge.bin: 0xFFFFFFFF bytes, at 6 GiB
      [28, 0], // empty.txt, past 4 GiB: all three fields, not only its offset (see zip-layout.ts)
      [28, 0], // last.txt, likewise
    ]);
  });

  it('is read by yauzl, through ranges, down to the last bytes of a file that starts past 4 GiB', async () => {
    // Content is a pattern computed per byte, never held: only what yauzl asks for is made.
    const patternAt = (entry: number, position: number) => (entry * 31 + position) & 0xff;
    class LayoutReader extends yauzl.RandomAccessReader {
      _readStreamForRange(start: number, end: number): Readable {
        const pieces = layout.pieces(start, end - 1); // yauzl's end is exclusive
        function* chunks() {
          for (const piece of pieces) {
            if (piece.kind === 'bytes') yield piece.data;
            else yield Buffer.from(Array.from({ length: piece.end - piece.start + 1 }, (_, k) => patternAt(piece.entry, piece.start + k)));
          }
        }
        return Readable.from(chunks(), { objectMode: false });
      }
    }
    const zip = await yauzl.fromRandomAccessReaderPromise(new LayoutReader(), layout.length, { lazyEntries: true });
    const read: yauzl.Entry[] = [];
    for await (const entry of zip.eachEntry()) {
      read.push(entry);
      if (entry.fileName !== 'huge.bin') continue;
      const stream = await zip.openReadStreamPromise(entry, { start: entry.uncompressedSize - 16, end: entry.uncompressedSize });
      const tail = Buffer.concat(await stream.toArray());
      expect([...tail]).toEqual(Array.from({ length: 16 }, (_, k) => patternAt(3, MAX_32 - 16 + k)));
    }
    expect(read.map((entry) => [entry.fileName, entry.uncompressedSize, entry.crc32])).toEqual(entries.map((entry) => [entry.name, entry.size, entry.crc32]));
    expect(read[3].relativeOffsetOfLocalHeader).toBeGreaterThan(MAX_32);
  });
});
