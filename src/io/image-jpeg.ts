/**
 * JPEG → RGB through `jpeg-js` (baseline SOF0, extended SOF1 and progressive SOF2 Huffman frames).
 *
 * Pillow decodes JPEG with libjpeg(-turbo): ISLOW IDCT and "fancy" (triangular) chroma upsampling.
 * jpeg-js has its own IDCT and replicates chroma samples, so pixels agree only to within a few levels
 * (measured in test/io/image.test.ts); PNG decoding, in contrast, is exact.
 *
 * Grayscale JPEGs come out replicated to R=G=B, like Pillow's L → RGB. Adobe CMYK/YCCK files use
 * jpeg-js's CMYK formula, which is not Pillow's.
 */
import { decode as jpegDecode } from 'jpeg-js';
import { ImageError, type ImageHeader } from './image-format.js';
import type { RgbImage } from './image.js';

const SOF_NAMES: Record<number, string> = {
  0xc3: 'lossless',
  0xc5: 'differential sequential',
  0xc6: 'differential progressive',
  0xc7: 'differential lossless',
  0xc9: 'arithmetic-coded sequential',
  0xca: 'arithmetic-coded progressive',
  0xcb: 'arithmetic-coded lossless',
  0xcd: 'arithmetic-coded differential sequential',
  0xce: 'arithmetic-coded differential progressive',
  0xcf: 'arithmetic-coded differential lossless',
};

export interface JpegLimits {
  /** Passed to jpeg-js as `maxResolutionInMP` (it re-checks the frame size itself). */
  maxPixels: number;
  /** Passed to jpeg-js as `maxMemoryUsageInMB`. */
  maxMemoryUsageInMB: number;
}

/** Decodes a JPEG whose header was already validated (size limits included). */
export function decodeJpeg(bytes: Uint8Array, header: ImageHeader, name: string, limits: JpegLimits): RgbImage {
  const { width, height, sofMarker, bitDepth, components } = header;
  const kind = SOF_NAMES[sofMarker];
  if (kind) throw new ImageError(name, `unsupported JPEG type: ${kind} (SOF marker 0xFF${sofMarker.toString(16).toUpperCase()})`);
  if (bitDepth !== 8) throw new ImageError(name, `unsupported JPEG sample precision ${bitDepth} bits (only 8-bit)`);
  if (components !== 1 && components !== 3 && components !== 4) {
    throw new ImageError(name, `unsupported JPEG with ${components} components`);
  }
  if (!hasEoiAfterScan(bytes)) {
    throw new ImageError(name, `truncated JPEG (${width}×${height}): no end-of-image marker after the scan data (${bytes.length} bytes)`);
  }
  let out: { width: number; height: number; data: Uint8Array };
  try {
    out = jpegDecode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: limits.maxPixels / 1e6,
      maxMemoryUsageInMB: limits.maxMemoryUsageInMB,
    });
  } catch (e) {
    throw new ImageError(name, `corrupt or truncated JPEG (${width}×${height}): ${(e as Error).message}`);
  }
  if (out.width !== width || out.height !== height || out.data.length !== width * height * 3) {
    throw new ImageError(name, `corrupt JPEG: decoded ${out.width}×${out.height} (${out.data.length} bytes), header says ${width}×${height}`);
  }
  return { width, height, data: out.data };
}

/**
 * True when an EOI (FF D9) follows the first SOS (FF DA). Entropy-coded data stuffs every 0xFF as FF 00,
 * so FF D9 there can only be the real end marker; a file cut short loses it (Pillow then reports
 * "image file is truncated").
 */
function hasEoiAfterScan(b: Uint8Array): boolean {
  let sos = -1;
  for (let i = 2; i + 1 < b.length; i++) {
    if (b[i] !== 0xff) continue;
    const m = b[i + 1];
    if (m === 0xda) {
      sos = i;
      break;
    }
    // Skip whole marker segments so that bytes inside APPn/EXIF thumbnails are not mistaken for markers.
    if (m >= 0xc0 && m <= 0xfe && m !== 0xd8 && !(m >= 0xd0 && m <= 0xd7) && i + 3 < b.length) {
      i += 1 + ((b[i + 2] << 8) | b[i + 3]);
    }
  }
  if (sos < 0) return false;
  for (let i = b.length - 2; i > sos; i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  return false;
}
