/**
 * Memory-bound elementwise ops of the wasm backend (binary with broadcasting, the hot unary activations,
 * where, assign by row blocks; exact GELU on float32 to float32 accuracy, below): the reference kernels' arithmetic, but with one specialised loop per op instead of a call
 * through the op table per element (27 % of a ControlMLLM step went there, issue 11), and one flat
 * loop when every operand walks memory with a single stride (contiguous, or a broadcast scalar).
 *
 * Binary ops whose operands live in wasm memory run the SIMD kernel of strided.ts instead; these loops
 * compute the rest (host outputs, large host operands, layouts of many blocks, eq and gt). Ops without
 * a specialised loop go to the reference.
 */
import type { Data, View } from '../backend.js';
import { cpu } from '../cpu/index.js';
import { forEachRow } from '../cpu/rows.js';
import type { BinaryOp, UnaryOp } from '../scalar.js';

/** out[base + j] = a[p + j·sa] ∘ b[q + j·sb] for j < n. */
type BinaryRow = (a: Data, p: number, sa: number, b: Data, q: number, sb: number, out: Data, base: number, n: number) => void;

const BINARY: Record<BinaryOp, BinaryRow> = {
  add: (a, p, sa, b, q, sb, out, base, n) => { for (let j = 0; j < n; j++, p += sa, q += sb) out[base + j] = a[p] + b[q]; },
  sub: (a, p, sa, b, q, sb, out, base, n) => { for (let j = 0; j < n; j++, p += sa, q += sb) out[base + j] = a[p] - b[q]; },
  mul: (a, p, sa, b, q, sb, out, base, n) => { for (let j = 0; j < n; j++, p += sa, q += sb) out[base + j] = a[p] * b[q]; },
  div: (a, p, sa, b, q, sb, out, base, n) => { for (let j = 0; j < n; j++, p += sa, q += sb) out[base + j] = a[p] / b[q]; },
  maximum: (a, p, sa, b, q, sb, out, base, n) => {
    for (let j = 0; j < n; j++, p += sa, q += sb) out[base + j] = a[p] >= b[q] ? a[p] : b[q];
  },
  eq: (a, p, sa, b, q, sb, out, base, n) => { for (let j = 0; j < n; j++, p += sa, q += sb) out[base + j] = a[p] === b[q] ? 1 : 0; },
  gt: (a, p, sa, b, q, sb, out, base, n) => { for (let j = 0; j < n; j++, p += sa, q += sb) out[base + j] = a[p] > b[q] ? 1 : 0; },
};

/** out[base + j] = f(x[p + j·s]) for j < n. */
type UnaryRow = (x: Data, p: number, s: number, out: Data, base: number, n: number) => void;

const UNARY: Partial<Record<UnaryOp, UnaryRow>> = {
  neg: (x, p, s, out, base, n) => { for (let j = 0; j < n; j++, p += s) out[base + j] = -x[p]; },
  exp: (x, p, s, out, base, n) => { for (let j = 0; j < n; j++, p += s) out[base + j] = Math.exp(x[p]); },
  square: (x, p, s, out, base, n) => { for (let j = 0; j < n; j++, p += s) out[base + j] = x[p] * x[p]; },
  rsqrt: (x, p, s, out, base, n) => { for (let j = 0; j < n; j++, p += s) out[base + j] = 1 / Math.sqrt(x[p]); },
  // σ as in scalar.ts: 1/(1+e^−x) for x ≥ 0, e^x/(1+e^x) below
  silu: (x, p, s, out, base, n) => {
    for (let j = 0; j < n; j++, p += s) {
      const v = x[p];
      out[base + j] = v * (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
    }
  },
  quick_gelu: (x, p, s, out, base, n) => {
    for (let j = 0; j < n; j++, p += s) {
      const v = x[p];
      const u = 1.702 * v;
      out[base + j] = v * (u >= 0 ? 1 / (1 + Math.exp(-u)) : Math.exp(u) / (1 + Math.exp(u)));
    }
  },
};

/**
 * erfc(z) for z ≥ 0: Numerical Recipes' erfcc (a Chebyshev fit, fractional error below 1.2e-7 for every
 * z), one exp instead of the reference's series of up to ~60 terms.
 */
function erfcNonNegative(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  const poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * Math.exp(-z * z + poly);
}

/**
 * Rows for float32 outputs only, accurate to float32 rounding (a few ulp) rather than the reference's
 * double-precision arithmetic: exact GELU ½x(1 + erf(x/√2)) = ½x·erfc(−x/√2), written with erfc of a
 * non-negative argument on either side so that the relative error stays ~1e-7 in both tails.
 */
const UNARY_F32: Partial<Record<UnaryOp, UnaryRow>> = {
  gelu: (x, p, s, out, base, n) => {
    for (let j = 0; j < n; j++, p += s) {
      const v = x[p];
      const c = erfcNonNegative(Math.abs(v) * Math.SQRT1_2);
      out[base + j] = 0.5 * v * (v >= 0 ? 2 - c : c);
    }
  },
};

const lastOf = (v: View) => (v.shape.length ? v.strides[v.shape.length - 1] : 0);

/** The one stride that walks all of v's elements in row-major order (1 contiguous, 0 a broadcast scalar), or null. */
function flatStride(v: View): number | null {
  let contiguous = true;
  let zero = true;
  let expected = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    if (v.shape[d] === 1) continue;
    if (v.strides[d] !== expected) contiguous = false;
    if (v.strides[d] !== 0) zero = false;
    expected *= v.shape[d];
  }
  return contiguous ? 1 : zero ? 0 : null;
}

const size = (v: View) => v.shape.reduce((n, d) => n * d, 1);
const rowLength = (v: View) => (v.shape.length ? v.shape[v.shape.length - 1] : 1);

export function binary(op: BinaryOp, a: View, b: View, out: Data): void {
  const row = BINARY[op];
  const [fa, fb] = [flatStride(a), flatStride(b)];
  if (fa !== null && fb !== null) return row(a.data, a.offset, fa, b.data, b.offset, fb, out, 0, size(a));
  const n = rowLength(a);
  const [sa, sb] = [lastOf(a), lastOf(b)];
  forEachRow(a.shape, [a.strides, b.strides], [a.offset, b.offset], (o, r) => row(a.data, o[0], sa, b.data, o[1], sb, out, r * n, n));
}

export function unary(op: UnaryOp, x: View, out: Data): void {
  const row = (out instanceof Float32Array && UNARY_F32[op]) || UNARY[op];
  if (!row) return cpu.unary(op, x, out);
  const f = flatStride(x);
  if (f !== null) return row(x.data, x.offset, f, out, 0, size(x));
  const n = rowLength(x);
  const s = lastOf(x);
  forEachRow(x.shape, [x.strides], [x.offset], (o, r) => row(x.data, o[0], s, out, r * n, n));
}

export function where(cond: View, a: View, b: View, out: Data): void {
  const n = rowLength(a);
  const [sc, sa, sb] = [lastOf(cond), lastOf(a), lastOf(b)];
  const [dc, da, db] = [cond.data, a.data, b.data];
  forEachRow(a.shape, [cond.strides, a.strides, b.strides], [cond.offset, a.offset, b.offset], (o, r) => {
    const base = r * n;
    for (let j = 0, c = o[0], p = o[1], q = o[2]; j < n; j++, c += sc, p += sa, q += sb) out[base + j] = dc[c] !== 0 ? da[p] : db[q];
  });
}

/** dst ← src; rows with unit element stride on both sides are block copies (TypedArray.set). */
export function assign(src: View, dst: View): void {
  const n = rowLength(src);
  if (lastOf(src) !== 1 || lastOf(dst) !== 1 || src.data.constructor !== dst.data.constructor) return cpu.assign(src, dst);
  const [from, to] = [src.data, dst.data];
  forEachRow(src.shape, [src.strides, dst.strides], [src.offset, dst.offset], (o) => to.set(from.subarray(o[0], o[0] + n), o[1]));
}
