/**
 * libjpeg(-turbo)'s decoder back end, which is what Pillow's JPEG decoding runs: "fancy" (triangular)
 * chroma upsampling and the fixed-point YCbCr → RGB tables.
 *
 * Mirrors libjpeg-turbo jdsample.c (`h2v1_fancy_upsample`, `h1v2_fancy_upsample`, `h2v2_fancy_upsample`,
 * plain replication otherwise, and `jinit_upsampler`'s choice: fancy only for ×2 factors and for planes
 * wider than 2 samples in the horizontal cases), jdmainct.c's context rows (the first and last sample
 * rows are repeated beyond the image edges) and jdcolor.c (`build_ycc_rgb_table`, `ycc_rgb_convert`).
 */

// Module-scope alias: a global lookup per pixel is slow where the code runs in a vm context (jest).
const { floor, max, min, trunc } = Math;

/** One decoded component at its own (downsampled) resolution. */
export interface Plane {
  width: number;
  height: number;
  data: Uint8Array;
  /** Upsampling factors to the full image: maxH / h and maxV / v (each 1 or 2 here). */
  fx: number;
  fy: number;
}

/** Full-resolution samples of one component, `width`×`height`, by libjpeg's upsampling rules. */
export function upsamplePlane(p: Plane, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const pw = p.width;
  const fancyH = p.fx === 2 && pw > 2;
  // Column sums of the nearest (×3) and next-nearest (×1) sample rows, or the plain row (×4) when fy = 1.
  const colsum = new Int32Array(pw + 2);
  for (let y = 0; y < height; y++) {
    const cy = p.fy === 2 ? y >> 1 : y;
    // h1v2 / h2v2: the next-nearest row is above for even output rows, below for odd ones; the first
    // and last sample rows repeat beyond the edges (jdmainct.c context rows).
    const far = p.fy === 2 ? min(p.height - 1, max(0, y & 1 ? cy + 1 : cy - 1)) : cy;
    for (let i = 0; i < pw; i++) colsum[i + 1] = p.data[cy * pw + i] * 3 + p.data[far * pw + i];
    colsum[0] = colsum[1];
    colsum[pw + 1] = colsum[pw];
    const row = y * width;
    if (p.fy === 2 && fancyH) {
      // h2v2_fancy_upsample: (3·this + last + 8) >> 4, (3·this + next + 7) >> 4.
      for (let x = 0; x < width; x++) {
        const i = (x >> 1) + 1;
        out[row + x] = x & 1 ? (colsum[i] * 3 + colsum[i + 1] + 7) >> 4 : (colsum[i] * 3 + colsum[i - 1] + 8) >> 4;
      }
    } else if (p.fy === 2 && p.fx === 1) {
      // h1v2_fancy_upsample: (3·near + far + bias) >> 2, bias 1 above, 2 below.
      const bias = y & 1 ? 2 : 1;
      for (let x = 0; x < width; x++) out[row + x] = (colsum[x + 1] + bias) >> 2;
    } else if (p.fy === 1 && fancyH) {
      // h2v1_fancy_upsample: (3·this + last + 1) >> 2, (3·this + next + 2) >> 2 (colsum here is 4·sample).
      for (let x = 0; x < width; x++) {
        const i = (x >> 1) + 1;
        const near = (colsum[i] >> 2) * 3;
        out[row + x] = x & 1 ? (near + (colsum[i + 1] >> 2) + 2) >> 2 : (near + (colsum[i - 1] >> 2) + 1) >> 2;
      }
    } else {
      // Replication (int_upsample / h2v1_upsample / h2v2_upsample).
      const src = (p.fy === 2 ? y >> 1 : y) * pw;
      for (let x = 0; x < width; x++) out[row + x] = p.data[src + (p.fx === 2 ? x >> 1 : x)];
    }
  }
  return out;
}

const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const FIX = (x: number) => trunc(x * (1 << SCALEBITS) + 0.5);

/** jdcolor.c `build_ycc_rgb_table` (RIGHT_SHIFT is an arithmetic, i.e. flooring, shift). */
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = floor((FIX(1.402) * x + ONE_HALF) / (1 << SCALEBITS));
  CB_B[i] = floor((FIX(1.772) * x + ONE_HALF) / (1 << SCALEBITS));
  CR_G[i] = -FIX(0.71414) * x;
  CB_G[i] = -FIX(0.34414) * x + ONE_HALF;
}

const clamp8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** jdcolor.c `ycc_rgb_convert` on full-resolution planes → interleaved RGB. */
export function yccToRgb(y: Uint8Array, cb: Uint8Array, cr: Uint8Array): Uint8Array {
  const out = new Uint8Array(y.length * 3);
  for (let i = 0; i < y.length; i++) {
    const Y = y[i];
    out[i * 3] = clamp8(Y + CR_R[cr[i]]);
    out[i * 3 + 1] = clamp8(Y + floor((CB_G[cb[i]] + CR_G[cr[i]]) / (1 << SCALEBITS)));
    out[i * 3 + 2] = clamp8(Y + CB_B[cb[i]]);
  }
  return out;
}
