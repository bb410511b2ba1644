/**
 * RFC 6266 with an RFC 5987 filename*: an ASCII fallback for old clients and the
 * exact UTF-8 name for the rest. Quotes, backslashes and line breaks cannot get
 * into the header.
 */
export function contentDisposition(kind: 'attachment' | 'inline', fileName: string): string {
  // "Grüße" falls back to "Gru_e": accents dropped, anything else outside printable ASCII replaced.
  const fallback = fileName.normalize('NFKD').replace(/\p{M}/gu, '').replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
