/**
 * Scaled-dot-product attention scores, fused: p = softmax(scale · q kᵀ) with an optional causal mask and
 * grouped-query heads mapped by index (no repeated copy of K), and the softmax backward its gradient
 * starts from. The products go through a backend's own `matmul` and `softmax` (passed in), so every
 * backend can share this definition (the reference and GPU.js do; wasm fuses the last pass into its
 * softmax kernel); causal scores are computed in query blocks that skip most of the masked triangle, and
 * the mask-and-scale pass is a plain loop from the blocks into the [B, H, T, S] scores. The arithmetic is
 * the composition's: scores rounded, times scale, masked to −∞, softmax.
 */
import type { AttentionSpec, Data, View } from '../backend.js';
import { forEachRow } from './rows.js';

export interface AttentionKernels {
  matmul(a: View, b: View, out: Data): void;
  softmax(x: View, out: Data, log: boolean): void;
}

/**
 * A 4-D [B, n·g, R, C] layout as 5-D [B, n, g, R, C] (head h = group·g + member) — or, with `share`,
 * a [B, n, R, C] layout seen by all g members of each group (stride 0). `transpose` swaps R and C.
 */
export function groupedHeads(x: View, g: number, share: boolean, transpose = false): View {
  const [B, Hx, R, C] = x.shape;
  const [sb, sh, sr, sc] = x.strides;
  const [rc, rcs] = transpose ? [[C, R], [sc, sr]] : [[R, C], [sr, sc]];
  return share
    ? { data: x.data, offset: x.offset, shape: [B, Hx, g, ...rc], strides: [sb, sh, 0, ...rcs] }
    : { data: x.data, offset: x.offset, shape: [B, Hx / g, g, ...rc], strides: [sb, sh * g, sh, ...rcs] };
}

/** Keys query t (of the last T of S positions) may see: all S, or the first t + S − T + 1 when causal. */
export const visibleKeys = (spec: AttentionSpec, t: number, T: number, S: number) => (spec.causal ? Math.max(0, Math.min(S, t + S - T + 1)) : S);

/**
 * Query blocks [t0, t1) and the keys [0, n) the block sees: one block, or (causal, T ≥ 128) four, so
 * that the products never compute most of the masked upper triangle (n = the last row's visible keys).
 */
export function queryBlocks(spec: AttentionSpec, T: number, S: number): Array<{ t0: number; t1: number; n: number }> {
  const count = spec.causal && T >= 128 ? 4 : 1;
  return Array.from({ length: count }, (_, i) => {
    const [t0, t1] = [Math.floor((i * T) / count), Math.floor(((i + 1) * T) / count)];
    return { t0, t1, n: visibleKeys(spec, t1 - 1, T, S) };
  });
}

/** v restricted to [start, end) along `axis` (a view). */
export const narrow = (v: View, axis: number, start: number, end: number): View => ({
  data: v.data,
  offset: v.offset + start * v.strides[axis],
  shape: v.shape.map((d, i) => (i === axis ? end - start : d)),
  strides: v.strides,
});

/** p [B, H, T, S] = softmax(scale · q kᵀ (masked)); q [B, H, T, D], k [B, Hkv, S, D]. */
export function attentionProbsVia(kern: AttentionKernels, q: View, k: View, spec: AttentionSpec, p: Data): void {
  const [B, H, T] = q.shape;
  const [, Hkv, S] = k.shape;
  const g = H / Hkv;
  const scale = p instanceof Float32Array ? Math.fround(spec.scale) : spec.scale;
  const [q5, kT5] = [groupedHeads(q, g, false), groupedHeads(k, g, true, true)]; // [B, Hkv, g, T, D], [B, Hkv, g, D, S]
  for (const { t0, t1, n } of queryBlocks(spec, T, S)) {
    const rows = t1 - t0;
    // [B, H, rows, n]; the scores themselves when one block covers them all (scaled in place below)
    const block = rows === T && n === S ? p : new (p instanceof Float64Array ? Float64Array : Float32Array)(B * H * rows * n);
    kern.matmul(narrow(q5, 3, t0, t1), narrow(kT5, 4, 0, n), block);
    for (let bh = 0; bh < B * H; bh++) {
      for (let t = t0; t < t1; t++) {
        const [base, from] = [(bh * T + t) * S, (bh * rows + t - t0) * n];
        const seen = visibleKeys(spec, t, T, S);
        for (let j = 0; j < seen; j++) p[base + j] = block[from + j] * scale;
        for (let j = seen; j < S; j++) p[base + j] = -Infinity;
      }
    }
  }
  kern.softmax({ data: p, offset: 0, shape: [B * H * T, S], strides: [S, 1] }, p, false);
}

/** out = scale · y ⊙ (gy − Σ_j gy ⊙ y) row by row (the softmax backward); y, out contiguous [..., S]. */
export function softmaxBackward(y: View, gy: View, scale: number, out: Data): void {
  const nd = y.shape.length;
  const S = y.shape[nd - 1];
  const s = gy.strides[nd - 1];
  const [yd, gd] = [y.data, gy.data];
  forEachRow(gy.shape, [gy.strides], [gy.offset], (o, r) => {
    const base = r * S;
    const yBase = y.offset + base;
    let dot = 0;
    for (let j = 0, q = o[0]; j < S; j++, q += s) dot += gd[q] * yd[yBase + j];
    for (let j = 0, q = o[0]; j < S; j++, q += s) out[base + j] = scale * yd[yBase + j] * (gd[q] - dot);
  });
}
