/**
 * Images as 8-bit RGB, decoded from PNG / JPEG bytes. Pure JavaScript (pngjs, jpeg-js), so it also runs
 * in a browser bundle; reading files from disk lives in image-node.ts.
 *
 * `decodeImage` = sniff the magic bytes → parse the header → refuse empty or oversized images (the
 * decompression-bomb check, done before any pixel is inflated) → decode → convert to RGB as Pillow's
 * `convert('RGB')` does. Every failure is an `ImageError` whose message starts with the file name.
 */
import { ImageError, readHeader, type ImageHeader } from './image-format.js';
import { decodeJpeg } from './image-jpeg.js';
import { decodePng, encodeRgbPng } from './image-png.js';

export { ImageError, readHeader, sniffFormat, type ImageFormat, type ImageHeader } from './image-format.js';

/** Row-major H×W×3 bytes, R G B per pixel, no padding. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface DecodeOptions {
  /** Largest width×height accepted, checked from the header before decoding (default 50 Mpx). */
  maxPixels?: number;
  /** Memory cap handed to jpeg-js (default 1024 MB). */
  maxMemoryUsageInMB?: number;
}

export const DEFAULT_MAX_PIXELS = 50_000_000;
export const DEFAULT_MAX_MEMORY_MB = 1024;

/** Decodes PNG or JPEG bytes (format from the magic bytes, not the name) to 8-bit RGB. */
export function decodeImage(bytes: Uint8Array, name: string, opts: DecodeOptions = {}): RgbImage {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const header = readHeader(bytes, name);
  checkSize(header, name, maxPixels);
  if (header.format === 'png') return decodePng(bytes, header, name);
  return decodeJpeg(bytes, header, name, { maxPixels, maxMemoryUsageInMB: opts.maxMemoryUsageInMB ?? DEFAULT_MAX_MEMORY_MB });
}

function checkSize(h: ImageHeader, name: string, maxPixels: number): void {
  const kind = h.format.toUpperCase();
  if (h.width === 0 || h.height === 0) throw new ImageError(name, `zero-size ${kind} image (${h.width}×${h.height})`);
  const pixels = h.width * h.height;
  if (pixels > maxPixels) {
    throw new ImageError(
      name,
      `${kind} image is ${h.width}×${h.height} = ${pixels} pixels, over the limit of ${maxPixels} ` +
        `(possible decompression bomb; raise maxPixels to accept it)`,
    );
  }
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

/** Encodes RGB as an 8-bit PNG (colour type 2). */
export function encodePng(img: RgbImage): Uint8Array {
  assertRgbImage(img, 'encodePng');
  return encodeRgbPng(img);
}
