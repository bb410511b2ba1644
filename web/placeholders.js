// Blurhash placeholders for the file manager's thumbnails: a module, since blurhash
// ships as one (served from the installed package). app.js is a classic script and
// uses window.blurhashDataUrl when it is there; until it loads, thumbnails simply
// start blank.
import { decode } from '/web/vendor/blurhash.mjs';

var SIZE = 16; // a blurhash is a few colours: 16 pixels a side is plenty, the browser smooths the rest

window.blurhashDataUrl = function (hash) {
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
    return null;
  }
};
