/**
 * The 8-bit RGB image type and its consistency check, with no decoder attached: the browser-safe part
 * of image.ts (whose PNG decoder, pngjs, needs Node's zlib/stream/Buffer). Preprocessing, heatmaps and
 * the browser entry import this; image.ts re-exports it.
 */

/** Row-major H×W×3 bytes, R G B per pixel, no padding. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Checks that an RgbImage is self-consistent (positive integer size, data of length W·H·3). */
export function assertRgbImage(img: RgbImage, what = 'image'): void {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`${what}: invalid size ${width}×${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new Error(`${what}: ${data.length} bytes of data, expected ${width}×${height}×3 = ${width * height * 3}`);
  }
}
