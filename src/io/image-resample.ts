/**
 * Pillow's `Image.resize(size, resample=BICUBIC, reducing_gap=None)` on an 8-bit RGB image, bit for bit.
 *
 * Mirrors python-pillow/Pillow src/libImaging/Resample.c (commit 01f132fb): `bicubic_filter`,
 * `precompute_coeffs`, `normalize_coeffs_8bpc`, `ImagingResampleHorizontal_8bpc`,
 * `ImagingResampleVertical_8bpc` and `ImagingResampleInner`. Separable and antialiased: when shrinking,
 * the filter support is widened by the downscale factor. Coefficients are doubles, turned into 22-bit
 * fixed point; each pass accumulates u8·k in integers from 0.5 (1 << 21), shifts right by 22 and clips
 * to 0..255. The horizontal pass runs first, over the source rows the vertical pass needs, into an
 * 8-bit temporary; a dimension whose size does not change is skipped. (No `reduce()` step: HF passes
 * `reducing_gap=None`.)
 */
import type { RgbImage } from './image.js';

// Module-scope alias: a global lookup per sample is slow where the code runs in a vm context (jest).
const { ceil, floor, trunc } = Math;

/** PRECISION_BITS = 32 − 8 − 2 in Resample.c. */
const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);
const BICUBIC_SUPPORT = 2.0;

/** Pillow `bicubic_filter` with a = −0.5 (same operation order as the C source). */
export function bicubicFilter(x: number): number {
  const a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

/** Per output sample: first source index and count, plus `ksize` fixed-point weights (zero-padded). */
export interface ResampleCoeffs {
  ksize: number;
  /** [xmin, count] per output sample. */
  bounds: Int32Array;
  /** outSize × ksize weights in 22-bit fixed point. */
  kk: Int32Array;
}

/**
 * `precompute_coeffs(inSize, in0, in1, outSize)` followed by `normalize_coeffs_8bpc`.
 * `(int)` casts truncate toward zero, as in C.
 */
export function precomputeCoeffs(inSize: number, in0: number, in1: number, outSize: number): ResampleCoeffs {
  const scale = (in1 - in0) / outSize;
  const filterscale = scale < 1.0 ? 1.0 : scale;
  const support = BICUBIC_SUPPORT * filterscale;
  const ksize = ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    const ss = 1.0 / filterscale;
    let xmin = trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0.0;
    for (let x = 0; x < xmax; x++) {
      const w = bicubicFilter((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0.0 ? k[x] / ww : k[x];
      // normalize_coeffs_8bpc: round half away from zero, then (int) truncation.
      kk[xx * ksize + x] = trunc(w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

/** Pillow `clip8`: arithmetic shift by PRECISION_BITS, clamped to 0..255. */
function clip8(ss: number): number {
  if (ss >= 256 * (1 << PRECISION_BITS)) return 255;
  if (ss <= 0) return 0;
  return floor(ss / (1 << PRECISION_BITS));
}

/** `ImagingResampleHorizontal_8bpc` over source rows [rowOffset, rowOffset + outRows). */
function resampleHorizontal(src: RgbImage, outWidth: number, rowOffset: number, outRows: number, c: ResampleCoeffs): RgbImage {
  const { ksize, bounds, kk } = c;
  const out = new Uint8Array(outWidth * outRows * 3);
  const inRowBytes = src.width * 3;
  for (let yy = 0; yy < outRows; yy++) {
    const rowBase = (yy + rowOffset) * inRowBytes;
    for (let xx = 0; xx < outWidth; xx++) {
      const xmin = bounds[xx * 2];
      const xmax = bounds[xx * 2 + 1];
      const kBase = xx * ksize;
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      for (let x = 0; x < xmax; x++) {
        const w = kk[kBase + x];
        const p = rowBase + (x + xmin) * 3;
        s0 += src.data[p] * w;
        s1 += src.data[p + 1] * w;
        s2 += src.data[p + 2] * w;
      }
      const o = (yy * outWidth + xx) * 3;
      out[o] = clip8(s0);
      out[o + 1] = clip8(s1);
      out[o + 2] = clip8(s2);
    }
  }
  return { width: outWidth, height: outRows, data: out };
}

/** `ImagingResampleVertical_8bpc`; `bounds` are relative to the first row of `src`. */
function resampleVertical(src: RgbImage, outHeight: number, c: ResampleCoeffs): RgbImage {
  const { ksize, bounds, kk } = c;
  const rowBytes = src.width * 3;
  const out = new Uint8Array(rowBytes * outHeight);
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = bounds[yy * 2];
    const ymax = bounds[yy * 2 + 1];
    const kBase = yy * ksize;
    for (let i = 0; i < rowBytes; i++) {
      let s = HALF;
      for (let y = 0; y < ymax; y++) s += src.data[(y + ymin) * rowBytes + i] * kk[kBase + y];
      out[yy * rowBytes + i] = clip8(s);
    }
  }
  return { width: src.width, height: outHeight, data: out };
}

/**
 * `Image.resize((width, height), BICUBIC)` with the default box (0, 0, W, H). Same size → a copy, as in
 * Pillow's Python `resize`.
 */
export function resizeBicubic(img: RgbImage, width: number, height: number): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`resizeBicubic: invalid output size ${width}×${height}`);
  }
  if (width === img.width && height === img.height) return { width, height, data: img.data.slice() };
  const needHorizontal = width !== img.width;
  const needVertical = height !== img.height;
  const horiz = precomputeCoeffs(img.width, 0, img.width, width);
  const vert = precomputeCoeffs(img.height, 0, img.height, height);
  // First and last source rows used by the vertical pass.
  const yboxFirst = vert.bounds[0];
  const yboxLast = vert.bounds[height * 2 - 2] + vert.bounds[height * 2 - 1];
  let cur = img;
  if (needHorizontal) {
    for (let i = 0; i < height; i++) vert.bounds[i * 2] -= yboxFirst;
    cur = resampleHorizontal(img, width, yboxFirst, yboxLast - yboxFirst, horiz);
  }
  if (needVertical) cur = resampleVertical(cur, height, vert);
  return cur;
}
