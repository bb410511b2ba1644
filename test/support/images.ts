import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/** A photo-like JPEG (noise), stored 300 × 200 and displayed turned a quarter (EXIF orientation 6). */
export async function turnedJpeg(): Promise<Buffer> {
  return sharp(randomBytes(300 * 200 * 3), { raw: { width: 300, height: 200, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
}

export async function translucentPng(): Promise<Buffer> {
  return sharp({ create: { width: 120, height: 80, channels: 4, background: { r: 200, g: 30, b: 30, alpha: 0.5 } } }).png().toBuffer();
}

/** A real PNG whose header claims 30 000 × 30 000 pixels (900 megapixels): a decompression bomb. */
export async function bombPng(): Promise<Buffer> {
  const png = Buffer.from(await translucentPng());
  png.writeUInt32BE(30_000, 16);
  png.writeUInt32BE(30_000, 20);
  // The IHDR chunk's CRC must match, or the header is rejected before its size is read.
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** A turned JPEG that says where it was taken (GPS), who took it (EXIF) and more (XMP): what a rendition must not carry. */
export async function jpegWithLocation(): Promise<Buffer> {
  return sharp(await turnedJpeg())
    .keepMetadata()
    .withExif({ IFD0: { Artist: 'Someone', Copyright: 'Someone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '7/1 0/1 0/1' } })
    .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Someone</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>')
    .jpeg()
    .toBuffer();
}

/** An animated GIF of two frames: red, then blue. */
export async function animatedGif(): Promise<Buffer> {
  const frame = (r: number, b: number) => sharp({ create: { width: 40, height: 30, channels: 3, background: { r, g: 0, b } } }).raw().toBuffer();
  const frames = Buffer.concat([await frame(255, 0), await frame(0, 255)]);
  return sharp(frames, { raw: { width: 40, height: 60, channels: 3, pageHeight: 30 } as sharp.CreateRaw }).gif({ loop: 0, delay: [100, 100] }).toBuffer();
}
