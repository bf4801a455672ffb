/**
 * IEEE half precision (F16) and bfloat16 (BF16) bit conversions.
 *
 * Decoding (bits → number) is exact: every f16 and bf16 value is representable in float32.
 * Encoding (number → bits) rounds to nearest, ties to even. A JS number is first rounded to float32 and
 * then to 16 bits; this double rounding is harmless because float32 keeps 24 significant bits, at least
 * 2p + 2 for both targets (p = 11 for f16, 8 for bf16), so the result equals a direct correct rounding.
 * NaN stays NaN (quiet, sign and top payload bits kept); overflow gives ±Infinity.
 *
 * No Node imports: this file runs in the browser bundle too.
 */

/** Scratch cell shared by the bit casts below (float32 ↔ uint32 in host byte order, which is fine for a cast). */
const f32Cell = new Float32Array(1);
const u32Cell = new Uint32Array(f32Cell.buffer);

/** Bits of `x` rounded to float32. */
function float32Bits(x: number): number {
  f32Cell[0] = x;
  return u32Cell[0];
}

/** Decodes 16 IEEE half-precision bits (1 sign, 5 exponent, 10 mantissa) to a number, exactly. */
export function f16ToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals: mant × 2^-24
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25); // (1 + mant/1024) × 2^(exp-15)
}

/** Encodes a number as IEEE half-precision bits, rounding to nearest even. */
export function f32ToF16(x: number): number {
  const u = float32Bits(x);
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff; // float32 biased exponent
  const mant = u & 0x7fffff;
  if (exp === 0xff) return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13); // inf / quiet NaN
  if (exp >= 143) return sign | 0x7c00; // |x| >= 2^16: overflow to infinity
  if (exp >= 113) {
    // Normal half: rebias exponent 127 → 15, keep the top 10 mantissa bits, round on the 13 dropped ones.
    // A carry out of the mantissa correctly bumps the exponent (and 65520 and above becomes infinity).
    const half = ((exp - 112) << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    return sign | (rest > 0x1000 || (rest === 0x1000 && half & 1) ? half + 1 : half);
  }
  // Subnormal half (or zero): the value in units of 2^-24 is m × 2^-shift with m the 24-bit significand.
  const shift = 126 - exp; // >= 14
  if (exp === 0 || shift > 24) return sign; // below 2^-25 (or a float32 subnormal): rounds to ±0
  const m = mant | 0x800000;
  const q = m >>> shift;
  const rest = m & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  return sign | (rest > halfway || (rest === halfway && q & 1) ? q + 1 : q);
}

/** Decodes 16 bfloat16 bits (the top half of a float32) to a number, exactly. */
export function bf16ToF32(bits: number): number {
  u32Cell[0] = (bits & 0xffff) << 16;
  return f32Cell[0];
}

/** Encodes a number as bfloat16 bits, rounding to nearest even. */
export function f32ToBf16(x: number): number {
  const u = float32Bits(x);
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) return (u >>> 16) | 0x40; // quiet NaN
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff; // carries into the exponent as it should
}

let f16Table: Float32Array | undefined;

/** All 65536 f16 values as float32, built on first use (256 KB); decoding a tensor is then one lookup per element. */
export function f16Table32(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let b = 0; b < 65536; b++) f16Table[b] = f16ToF32(b);
  }
  return f16Table;
}
