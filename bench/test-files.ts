import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/** A genuine 1×1 PNG: the server sniffs the type from the first bytes, so the rest may be anything. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const CHUNK = 1024 * 1024;

/**
 * A PNG followed by random bytes (incompressible, so no layer can cheat), written
 * to disk a chunk at a time: the bench never holds a large file in memory.
 */
export async function pngFile(directory: string, bytes: number): Promise<string> {
  const file = path.join(directory, `bench-${bytes}.png`);
  if (existsSync(file) && statSync(file).size === bytes) return file;
  async function* content() {
    yield PNG;
    for (let left = bytes - PNG.length; left > 0; left -= CHUNK) yield randomBytes(Math.min(CHUNK, left));
  }
  await pipeline(content, createWriteStream(file));
  return file;
}
