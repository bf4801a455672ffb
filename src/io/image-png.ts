/**
 * PNG → RGB through `pngjs` (PNG.sync.read), converted the way Pillow's `Image.open(f).convert('RGB')`
 * would (python-pillow/Pillow: src/PIL/PngImagePlugin.py `_MODES`, src/libImaging/Convert.c, Unpack.c):
 *
 * - RGBA, LA: alpha dropped, no compositing; gray replicated to R=G=B.
 * - palette: palette colour (its tRNS alpha dropped); 1/2/4-bit gray scaled to 0..255 (×255, ×85, ×17),
 *   which is what pngjs's own rescale does, exactly.
 * - 16-bit RGB / RGBA / LA: Pillow unpacks "RGB;16B" etc. by keeping the most significant byte, so we ask
 *   pngjs for the raw 16-bit samples (`skipRescale`) and take `v >> 8` (pngjs would round v·255/65535).
 * - 16-bit gray: Pillow opens it as mode "I;16"/"I" and convert('RGB') CLIPS to 255 (`min(v, 255)`), which
 *   turns most such images white. We follow Pillow, since the goal is parity with the Python reference.
 * - tRNS on gray / RGB images: pngjs zeroes every pixel equal to the transparent colour; Pillow keeps
 *   the colour (only the alpha changes), so the chunk is removed before pngjs sees it.
 * - Decompression bombs: pngjs caps the inflated size of non-interlaced images at what the header
 *   needs, but inflates interlaced (Adam7) ones without a limit; so for those we inflate the IDAT data
 *   first with the cap the seven passes need, before pngjs does.
 */
import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { ImageError, type ImageHeader } from './image-format.js';
import type { RgbImage } from './image.js';

/** Decodes a PNG whose header was already validated (size limits included). */
export function decodePng(bytes: Uint8Array, header: ImageHeader, name: string): RgbImage {
  const { width, height, bitDepth, colorType } = header;
  if (bytes[28] === 1) checkInterlacedSize(bytes, header, name);
  const input = colorType === 0 || colorType === 2 ? withoutChunk(bytes, 'tRNS') : bytes;
  let png: { width: number; height: number; data: ArrayLike<number> };
  try {
    png = PNG.sync.read(toBuffer(input), { skipRescale: bitDepth === 16 }) as typeof png;
  } catch (e) {
    throw new ImageError(name, `corrupt or truncated PNG (${width}×${height}, ${bitDepth}-bit, colour type ${colorType}): ${(e as Error).message}`);
  }
  if (png.width !== width || png.height !== height || png.data.length !== width * height * 4) {
    throw new ImageError(name, `corrupt PNG: decoded ${png.width}×${png.height} (${png.data.length} samples), header says ${width}×${height}`);
  }
  return rgbaToRgb(png.data, width, height, sampleTo8(bitDepth, colorType));
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Bytes of filtered scanlines an Adam7-interlaced image inflates to: seven passes, one filter byte per row. */
export function interlacedBytes(width: number, height: number, bitsPerPixel: number): number {
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil((width - x0) / dx);
    const h = Math.ceil((height - y0) / dy);
    if (w > 0 && h > 0) total += h * (1 + Math.ceil((w * bitsPerPixel) / 8));
  }
  return total;
}

/** Inflates the IDAT stream with the cap the header implies; more data is a decompression bomb. */
function checkInterlacedSize(bytes: Uint8Array, header: ImageHeader, name: string): void {
  const cap = interlacedBytes(header.width, header.height, CHANNELS[header.colorType] * header.bitDepth);
  try {
    inflateSync(chunkData(bytes, 'IDAT'), { maxOutputLength: cap });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ImageError(name, `corrupt PNG: the interlaced ${header.width}×${header.height} image data inflates past the ${cap} bytes its header allows (decompression bomb?)`);
    }
    throw new ImageError(name, `corrupt or truncated PNG (${header.width}×${header.height}, interlaced): ${(e as Error).message}`);
  }
}

/** The data of every chunk of one type, concatenated (IDAT: the zlib stream). */
function chunkData(bytes: Uint8Array, type: string): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];
    const t = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
    if (t === type) parts.push(bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + length)));
    at += 12 + length;
  }
  return concatBytes(parts);
}

/** The parts one after another in one array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The per-sample 16→8 bit rule (see the file comment); identity for ≤ 8-bit data (already 0..255). */
function sampleTo8(bitDepth: number, colorType: number): (v: number) => number {
  if (bitDepth !== 16) return (v) => v;
  if (colorType === 0) return (v) => (v > 255 ? 255 : v);
  return (v) => v >> 8;
}

function rgbaToRgb(src: ArrayLike<number>, width: number, height: number, to8: (v: number) => number): RgbImage {
  const n = width * height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    data[i * 3] = to8(src[i * 4]);
    data[i * 3 + 1] = to8(src[i * 4 + 1]);
    data[i * 3 + 2] = to8(src[i * 4 + 2]);
  }
  return { width, height, data };
}

/** Removes every chunk of one type (length + type + data + CRC); other chunks and their CRCs are untouched. */
function withoutChunk(bytes: Uint8Array, type: string): Uint8Array {
  const keep: Uint8Array[] = [bytes.subarray(0, 8)];
  let at = 8;
  let removed = false;
  while (at + 8 <= bytes.length) {
    const length = ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];
    const end = Math.min(bytes.length, at + 12 + length);
    const t = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
    if (t === type) removed = true;
    else keep.push(bytes.subarray(at, end));
    at = end;
  }
  if (!removed) return bytes;
  if (at < bytes.length) keep.push(bytes.subarray(at));
  const out = new Uint8Array(keep.reduce((s, k) => s + k.length, 0));
  let o = 0;
  for (const k of keep) {
    out.set(k, o);
    o += k.length;
  }
  return out;
}

/** pngjs wants a Buffer in node; in a browser bundle the `buffer` polyfill provides one. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Encodes 8-bit RGB as a PNG (colour type 2, no alpha). */
export function encodeRgbPng(img: RgbImage): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = toBuffer(img.data);
  const out = PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
