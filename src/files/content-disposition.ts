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

// Types a browser shows without running anything. Everything else (HTML, SVG, XML,
// JavaScript, or an unknown type an operator allowed) is only ever an attachment.
const SAFE_INLINE = /^(image\/(png|jpeg|gif|webp|avif|bmp)|application\/pdf|text\/(plain|csv)|audio\/[\w.+-]+|video\/[\w.+-]+)$/;

/** Inline only when asked for and harmless; otherwise attachment. */
export function dispositionKind(contentType: string, wantsAttachment: boolean): 'attachment' | 'inline' {
  return wantsAttachment || !SAFE_INLINE.test(contentType) ? 'attachment' : 'inline';
}
