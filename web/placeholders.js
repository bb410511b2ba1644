// Blurhash placeholders for the list's thumbnails, painted while the rendition
// loads, with the decoder of the blurhash package (served from the installed package).
import { decode } from '/web/vendor/blurhash.mjs';

var SIZE = 16; // a blurhash is a few colours: 16 pixels a side is plenty, the browser smooths the rest

/** A data: URL of the picture a blurhash describes, or null if it is not one. */
export function blurhashDataUrl(hash) {
  try {
    var canvas = document.createElement('canvas');
    canvas.width = SIZE;
    canvas.height = SIZE;
    var context = canvas.getContext('2d');
    var image = context.createImageData(SIZE, SIZE);
    image.data.set(decode(hash, SIZE, SIZE));
    context.putImageData(image, 0, 0);
    return canvas.toDataURL();
  } catch (invalid) {
    return null; // the thumbnail then starts blank
  }
}
