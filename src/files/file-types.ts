import { fileTypeFromBuffer } from 'file-type';
import { Errors } from '../errors';

/** Enough bytes for file-type to see inside ZIP-based formats (docx, xlsx). */
export const SNIFF_BYTES = 16 * 1024;

interface KnownType {
  /** The type recorded for a file with this extension. */
  mime: string;
  /** What file-type reports for genuine content of this kind. */
  sniffed: string[];
}

const ZIP = 'application/zip';
const OLE = 'application/x-cfb'; // legacy Office files are OLE compound documents
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const KNOWN: Record<string, KnownType> = {
  jpg: { mime: 'image/jpeg', sniffed: ['image/jpeg'] },
  jpeg: { mime: 'image/jpeg', sniffed: ['image/jpeg'] },
  png: { mime: 'image/png', sniffed: ['image/png'] },
  gif: { mime: 'image/gif', sniffed: ['image/gif'] },
  webp: { mime: 'image/webp', sniffed: ['image/webp'] },
  pdf: { mime: 'application/pdf', sniffed: ['application/pdf'] },
  doc: { mime: 'application/msword', sniffed: [OLE] },
  xls: { mime: 'application/vnd.ms-excel', sniffed: [OLE] },
  // An OOXML file is a ZIP; file-type only names it when [Content_Types].xml comes early.
  docx: { mime: DOCX, sniffed: [DOCX, ZIP] },
  xlsx: { mime: XLSX, sniffed: [XLSX, ZIP] },
  zip: { mime: ZIP, sniffed: [ZIP] },
  // An SVG may start with an XML declaration, or not (then it is checked as text).
  svg: { mime: 'image/svg+xml', sniffed: ['application/xml'] },
};

/** Formats with no magic number: accepted when the content is text. */
const TEXT: Record<string, string> = {
  txt: 'text/plain',
  csv: 'text/csv',
  md: 'text/markdown',
  log: 'text/plain',
  json: 'application/json',
  // Active content: only if an operator allows it, and then only ever served as an attachment.
  html: 'text/html',
  htm: 'text/html',
  svg: 'image/svg+xml',
};

export function isTextExtension(extension: string): boolean {
  return extension in TEXT;
}

/** The type a declared (not yet seen) file of this extension will be recorded with. */
export function expectedMimeFor(extension: string): string | undefined {
  return KNOWN[extension]?.mime ?? TEXT[extension];
}

/**
 * Decides a file's content type from its first bytes and checks that it agrees
 * with its extension. Throws UNSUPPORTED_FILE_TYPE when it does not.
 */
export async function detectContentType(extension: string, sample: Buffer): Promise<string> {
  const sniffed = await fileTypeFromBuffer(sample);
  if (sniffed) {
    const known = KNOWN[extension];
    const agrees = known ? known.sniffed.includes(sniffed.mime) : sniffed.ext === extension;
    if (!agrees) {
      throw Errors.unsupportedType(`The content is ${sniffed.mime}, which does not match the extension .${extension}`);
    }
    return known?.mime ?? sniffed.mime;
  }
  if (TEXT[extension] && isText(sample)) return TEXT[extension];
  throw Errors.unsupportedType(`The content is not a recognizable .${extension} file`);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 with no NUL bytes. The sample may end inside a multi-byte character. */
export function isText(sample: Buffer): boolean {
  if (sample.includes(0)) return false;
  for (let cut = 0; cut <= 3 && cut < sample.length; cut++) {
    try {
      UTF8.decode(sample.subarray(0, sample.length - cut));
      return true;
    } catch {
      // A cut multi-byte character at the end: try one byte shorter.
    }
  }
  return sample.length === 0;
}
