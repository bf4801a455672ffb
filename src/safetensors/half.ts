/**
 * IEEE half precision (F16) and bfloat16 (BF16) bit conversions.
 *
 * Decoding (bits → number) is exact: every f16 and bf16 value is representable in float32.
 * Encoding (number → bits) rounds the JS number (a double) directly to nearest, ties to even, in one step;
 * going through float32 first would round twice and get ties wrong (1 + 2^-11 + 2^-40 must become the
 * f16 above 1, but float32 drops the 2^-40 and leaves an exact tie that rounds down to 1).
 * NaN stays a quiet NaN (sign and top payload bits kept); overflow gives ±Infinity.
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

/** Encodes a number as IEEE half-precision bits (1 sign, 5 exponent, 10 mantissa), rounding to nearest even. */
export function f32ToF16(x: number): number {
  return encode16(x, 5, 10);
}

/** Decodes 16 bfloat16 bits (the top half of a float32) to a number, exactly. */
export function bf16ToF32(bits: number): number {
  u32Cell[0] = (bits & 0xffff) << 16;
  return f32Cell[0];
}

/** Encodes a number as bfloat16 bits (1 sign, 8 exponent, 7 mantissa), rounding to nearest even. */
export function f32ToBf16(x: number): number {
  return encode16(x, 8, 7);
}

/**
 * Rounds `x` to a 16-bit IEEE-style format with `expBits` exponent and `mantBits` mantissa bits.
 * The value is scaled by a power of two (exact) so that one unit is the format's spacing at x's binade,
 * rounded half-to-even, and packed as ((e + bias - 1) << mantBits) + q: for normals q includes the
 * implicit leading 1, which adds the missing 1 to the exponent field; for subnormals q < 2^mantBits and
 * the field stays 0; a carry out of the mantissa lands in the exponent, as it should.
 */
function encode16(x: number, expBits: number, mantBits: number): number {
  const u = float32Bits(x);
  const sign = (u >>> 16) & 0x8000;
  const expMax = (1 << expBits) - 1; // all-ones exponent: inf / NaN
  const infBits = sign | (expMax << mantBits);
  if (x !== x) return infBits | (1 << (mantBits - 1)) | ((u & 0x7fffff) >>> (23 - mantBits)); // quiet NaN
  const bias = (1 << (expBits - 1)) - 1;
  const a = Math.abs(x);
  if (a === Infinity) return infBits;
  const e = Math.max(1 - bias, exponentOf(a)); // binade, clamped to the subnormal range
  if (e > bias) return infBits;
  const q = roundHalfEven(a * 2 ** (mantBits - e));
  const bits = ((e + bias - 1) << mantBits) + q;
  return bits >= expMax << mantBits ? infBits : sign | bits;
}

/** floor(log2(a)) for finite a > 0, exactly (Math.log2 may be off by one next to powers of two); -Infinity for 0. */
function exponentOf(a: number): number {
  if (a === 0) return -Infinity;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return e;
}

/** Nearest integer to v >= 0, ties to even (v < 2^53, so v - floor(v) is exact). */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const r = v - f;
  return r > 0.5 || (r === 0.5 && f % 2 === 1) ? f + 1 : f;
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
