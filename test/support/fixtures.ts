import { randomBytes } from 'node:crypto';

/** Small, genuine files of each kind, and impostors. */
export const fixtures = {
  png: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'),
  gif: Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'),
  pdf: Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'),
  csv: Buffer.from('name,size\nalpha,1\nbeta,2\n'),
  txt: Buffer.from('Grüße aus Köln — plain UTF-8 text.\n'),
  /** The start of a Windows executable (a PE "MZ" header). */
  exe: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(64), Buffer.from('PE\0\0')]),
};

/** A real PNG followed by random bytes: sniffed as PNG, and incompressible. */
export function pngOfSize(bytes: number): Buffer {
  return Buffer.concat([fixtures.png, randomBytes(bytes - fixtures.png.length)]);
}
