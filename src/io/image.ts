/**
 * Images as 8-bit RGB, decoded from PNG / JPEG bytes. Pure JavaScript (pngjs, jpeg-js), but pngjs needs
 * Node's zlib / stream / Buffer, so the browser entry (src/index.ts) leaves this file out: the type and its
 * check live in rgb-image.ts, and a page decodes with canvas. Reading files from disk: image-node.ts.
 *
 * `decodeImage` = sniff the magic bytes → parse the header → refuse empty or oversized images (the
 * decompression-bomb check, done before any pixel is inflated) → decode → convert to RGB as Pillow's
 * `convert('RGB')` does. Every failure is an `ImageError` whose message starts with the file name.
 */
import { ImageError, readHeader, type ImageHeader } from './image-format.js';
import { decodeJpeg } from './image-jpeg.js';
import { decodePng, encodeRgbPng } from './image-png.js';
import { assertRgbImage, type RgbImage } from './rgb-image.js';

export { assertRgbImage, type RgbImage } from './rgb-image.js';
export { ImageError, readHeader, sniffFormat, type ImageFormat, type ImageHeader } from './image-format.js';

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

/** Encodes RGB as an 8-bit PNG (colour type 2). */
export function encodePng(img: RgbImage): Uint8Array {
  assertRgbImage(img, 'encodePng');
  return encodeRgbPng(img);
}
