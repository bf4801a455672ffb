/** Node-only file access for images (kept apart from image.ts so that the browser bundle has no `fs`). */
import { readFileSync, writeFileSync } from 'node:fs';
import { decodeImage, encodePng, ImageError, type DecodeOptions, type RgbImage } from './image.js';

/** Reads and decodes a PNG / JPEG file; errors name the path. */
export function readImageFile(path: string, opts: DecodeOptions = {}): RgbImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ImageError(path, `cannot read file: ${(e as Error).message}`);
  }
  return decodeImage(bytes, path, opts);
}

/** Writes an RGB image as PNG. */
export function writePngFile(path: string, img: RgbImage): void {
  writeFileSync(path, encodePng(img));
}
