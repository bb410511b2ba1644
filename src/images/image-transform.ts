import { Errors } from '../errors';

export type ImageFit = 'COVER' | 'CONTAIN' | 'INSIDE' | 'FILL';
export type ImageFormat = 'AUTO' | 'WEBP' | 'AVIF' | 'JPEG' | 'PNG';
/** What a rendition is encoded as, once AUTO is resolved. */
export type RenditionFormat = 'webp' | 'avif' | 'jpeg' | 'png';

export const IMAGE_FITS: readonly ImageFit[] = ['COVER', 'CONTAIN', 'INSIDE', 'FILL'];
export const IMAGE_FORMATS: readonly ImageFormat[] = ['AUTO', 'WEBP', 'AVIF', 'JPEG', 'PNG'];

/** A checked transform: at least one side, every value in range. */
export interface ImageTransform {
  width: number | null;
  height: number | null;
  fit: ImageFit;
  format: ImageFormat;
  quality: number;
}

export const DEFAULT_QUALITY = 80;

/** A transform as asked for (GraphQL's ImageTransformInput, or a route's query), not yet checked. */
export interface ImageTransformRequest {
  width?: number | null;
  height?: number | null;
  fit?: ImageFit | null;
  format?: ImageFormat | null;
  quality?: number | null;
}

/** The same checks for a GraphQL argument and for a route's query string: BAD_USER_INPUT, naming the value. */
export function checkTransform(input: ImageTransformRequest, maxDimension: number): ImageTransform {
  const side = (name: string, value: number | null | undefined): number | null => {
    if (value === null || value === undefined) return null;
    if (!Number.isInteger(value) || value < 1 || value > maxDimension) {
      throw Errors.badInput(`The image ${name} must be a whole number from 1 to ${maxDimension} (IMAGE_MAX_DIMENSION)`);
    }
    return value;
  };
  const width = side('width', input.width);
  const height = side('height', input.height);
  if (width === null && height === null) throw Errors.badInput('An image transform needs a width, a height, or both');
  const quality = input.quality ?? DEFAULT_QUALITY;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw Errors.badInput('The image quality must be a whole number from 1 to 100');
  const fit = input.fit ?? 'COVER';
  const format = input.format ?? 'AUTO';
  if (!IMAGE_FITS.includes(fit)) throw Errors.badInput(`The image fit must be one of ${IMAGE_FITS.join(', ')}`);
  if (!IMAGE_FORMATS.includes(format)) throw Errors.badInput(`The image format must be one of ${IMAGE_FORMATS.join(', ')}`);
  return { width, height, fit, format, quality };
}

/** The transform as a route's query string, in one canonical order: it is what a URL's signature covers. */
export function transformQuery(transform: ImageTransform): string {
  const params = new URLSearchParams();
  if (transform.width !== null) params.set('w', String(transform.width));
  if (transform.height !== null) params.set('h', String(transform.height));
  params.set('fit', transform.fit.toLowerCase());
  params.set('fmt', transform.format.toLowerCase());
  params.set('q', String(transform.quality));
  return params.toString();
}

/** The inverse of transformQuery, as strict: a value that is not a whole number is refused, never rounded. */
export function transformFromQuery(query: URLSearchParams, maxDimension: number): ImageTransform {
  const integer = (name: string): number | null => {
    const text = query.get(name);
    if (text === null) return null;
    if (!/^-?\d{1,9}$/.test(text)) throw Errors.badInput(`The image parameter "${name}" must be a whole number`);
    return Number(text);
  };
  return checkTransform(
    {
      width: integer('w'),
      height: integer('h'),
      fit: (query.get('fit')?.toUpperCase() as ImageFit | undefined) ?? null,
      format: (query.get('fmt')?.toUpperCase() as ImageFormat | undefined) ?? null,
      quality: integer('q'),
    },
    maxDimension,
  );
}

/**
 * AUTO: AVIF if the request accepts it, else WebP if it does, else the source's
 * own format where browsers show it (JPEG, PNG, WebP, AVIF; a GIF's first frame
 * and a TIFF become PNG, or JPEG for an opaque TIFF photo).
 */
export function renditionFormat(format: ImageFormat, accept: string | undefined, source: { format: string; hasAlpha: boolean }): { format: RenditionFormat; negotiated: boolean } {
  if (format !== 'AUTO') return { format: format.toLowerCase() as RenditionFormat, negotiated: false };
  const accepted = acceptedTypes(accept);
  if (accepted.has('image/avif')) return { format: 'avif', negotiated: true };
  if (accepted.has('image/webp')) return { format: 'webp', negotiated: true };
  const own: Record<string, RenditionFormat> = { jpeg: 'jpeg', png: 'png', webp: 'webp', avif: 'avif', gif: 'png' };
  return { format: own[source.format] ?? (source.hasAlpha ? 'png' : 'jpeg'), negotiated: true };
}

/** The media types an Accept header names with a weight above 0 (wildcards are not AVIF or WebP: a browser names those). */
function acceptedTypes(accept: string | undefined): Set<string> {
  const types = new Set<string>();
  for (const entry of (accept ?? '').split(',')) {
    const [type, ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    const weight = params.find((param) => param.startsWith('q='));
    if (type && !(weight && Number(weight.slice(2)) === 0)) types.add(type);
  }
  return types;
}

export const RENDITION_CONTENT_TYPES: Readonly<Record<RenditionFormat, string>> = {
  webp: 'image/webp',
  avif: 'image/avif',
  jpeg: 'image/jpeg',
  png: 'image/png',
};
