/**
 * JPEG → RGB through `jpeg-js` (baseline SOF0, extended SOF1 and progressive SOF2 Huffman frames).
 *
 * Pillow decodes JPEG with libjpeg(-turbo): ISLOW IDCT, "fancy" (triangular) chroma upsampling and
 * fixed-point YCbCr → RGB. jpeg-js only replicates chroma samples, which on detailed colour content is
 * off by tens of levels. So for 3-component files we ask jpeg-js for the raw components
 * (`colorTransform: false`); each subsampled component comes back as exact 2×2 / 2×1 / 1×2 replicas, from
 * which its plane is read back and then upsampled and converted as libjpeg does (image-jpeg-color.ts).
 * What remains is the IDCT (jpeg-js's integer IDCT vs libjpeg's ISLOW): ±1 here and there.
 *
 * Colour space as libjpeg's `default_decompress_parms` decides it: JFIF → YCbCr; else Adobe APP14
 * transform 0 → RGB, 1 → YCbCr; else component ids 'R','G','B' → RGB; else YCbCr. Grayscale comes out
 * replicated to R=G=B, like Pillow's L → RGB. Adobe CMYK/YCCK files and unusual sampling factors fall
 * back to jpeg-js's own conversion (CMYK by jpeg-js's formula, which is not Pillow's).
 */
import { decode as jpegDecode } from 'jpeg-js';
import { ImageError, type ImageHeader } from './image-format.js';
import { checkJpegDataSize, countBlocks, walkJpegScans } from './image-jpeg-scan.js';
import { upsamplePlane, yccToRgb, type Plane } from './image-jpeg-color.js';
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
  const layout = readJpegLayout(bytes);
  const scans = walkJpegScans(bytes, header, name);
  checkJpegDataSize(scans, header, countBlocks(width, height, layout.sampling), name, bytes.length);
  const raw = components === 3 && layout.sampling.length === 3 ? layout : null;
  // jpeg-js forces its own colour conversion when an Adobe marker says "transform"; we know the colour
  // space already, so it gets the file without that segment.
  const input = raw && layout.adobeSegment && layout.adobeTransform !== 0 ? withoutRange(bytes, layout.adobeSegment) : bytes;
  let out: { width: number; height: number; data: Uint8Array };
  try {
    out = jpegDecode(input, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      ...(raw ? { colorTransform: false } : {}),
      maxResolutionInMP: limits.maxPixels / 1e6,
      maxMemoryUsageInMB: limits.maxMemoryUsageInMB,
    });
  } catch (e) {
    throw new ImageError(name, `corrupt or truncated JPEG (${width}×${height}): ${(e as Error).message}`);
  }
  if (out.width !== width || out.height !== height || out.data.length !== width * height * 3) {
    throw new ImageError(name, `corrupt JPEG: decoded ${out.width}×${out.height} (${out.data.length} bytes), header says ${width}×${height}`);
  }
  if (!raw) return { width, height, data: out.data };
  return { width, height, data: libjpegColor(out.data, width, height, raw) };
}

interface JpegLayout {
  jfif: boolean;
  /** APP14 "Adobe" transform flag, if that marker is present. */
  adobeTransform?: number;
  /** Byte range [start, end) of that APP14 segment. */
  adobeSegment?: [number, number];
  /** Per frame component: id and sampling factors. */
  sampling: { id: number; h: number; v: number }[];
}

/** Markers up to the first SOS: JFIF (APP0), Adobe (APP14) and the SOFn component table. */
function readJpegLayout(b: Uint8Array): JpegLayout {
  const layout: JpegLayout = { jfif: false, sampling: [] };
  let at = 2;
  while (at + 4 <= b.length && b[at] === 0xff) {
    const m = b[at + 1];
    if (m === 0xff) {
      at++;
      continue;
    }
    if (m === 0xda || m === 0xd9) break;
    const len = (b[at + 2] << 8) | b[at + 3];
    const seg = b.subarray(at + 4, at + 2 + len);
    const tag = (n: number) => String.fromCharCode(...seg.subarray(0, n));
    if (m === 0xe0 && tag(5) === 'JFIF\0') layout.jfif = true;
    if (m === 0xee && tag(5) === 'Adobe' && seg.length >= 12) {
      layout.adobeTransform = seg[11];
      layout.adobeSegment = [at, at + 2 + len];
    }
    if (m >= 0xc0 && m <= 0xc2) {
      for (let c = 0; c < seg[5] && 6 + c * 3 + 2 < seg.length; c++) {
        layout.sampling.push({ id: seg[6 + c * 3], h: seg[7 + c * 3] >> 4, v: seg[7 + c * 3] & 15 });
      }
    }
    at += 2 + len;
  }
  return layout;
}

function withoutRange(b: Uint8Array, [start, end]: [number, number]): Uint8Array {
  const out = new Uint8Array(b.length - (end - start));
  out.set(b.subarray(0, start), 0);
  out.set(b.subarray(end), start);
  return out;
}

/**
 * Raw 3-component output of jpeg-js (each subsampled component replicated) → libjpeg's upsampling and
 * colour conversion. Returns jpeg-js's replication unchanged where a factor is not 1 or 2.
 */
function libjpegColor(raw: Uint8Array, width: number, height: number, layout: JpegLayout): Uint8Array {
  const s = layout.sampling;
  const maxH = Math.max(...s.map((c) => c.h));
  const maxV = Math.max(...s.map((c) => c.v));
  const full: Uint8Array[] = [];
  for (let c = 0; c < 3; c++) {
    const fx = maxH / s[c].h;
    const fy = maxV / s[c].v;
    if (!((fx === 1 || fx === 2) && (fy === 1 || fy === 2))) return raw; // libjpeg would replicate too
    // jpeg-js picked sample floor(x / fx), floor(y / fy): read the plane back from the replicas.
    const pw = Math.ceil(width / fx);
    const ph = Math.ceil(height / fy);
    const data = new Uint8Array(pw * ph);
    for (let y = 0; y < ph; y++) for (let x = 0; x < pw; x++) data[y * pw + x] = raw[(y * fy * width + x * fx) * 3 + c];
    const plane: Plane = { width: pw, height: ph, data, fx, fy };
    full.push(fx === 1 && fy === 1 ? data : upsamplePlane(plane, width, height));
  }
  if (isRgbColorSpace(layout)) {
    const out = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = full[c][i];
    return out;
  }
  return yccToRgb(full[0], full[1], full[2]);
}

/** libjpeg `default_decompress_parms` for 3 components. */
function isRgbColorSpace(layout: JpegLayout): boolean {
  if (layout.jfif) return false;
  if (layout.adobeTransform !== undefined) return layout.adobeTransform === 0;
  const ids = layout.sampling.map((c) => c.id);
  return ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42;
}
