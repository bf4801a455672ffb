/**
 * The products of causal attention that skip the masked upper triangle: with probabilities (or their
 * gradient) p [.., T, S] zero beyond key t + S − T for query t, each product runs as a few blocks over
 * the part that is not zero (cpu/attention.ts `queryBlocks`), written into a zero-filled result. Batch
 * dims are the grouped heads [B, Hkv, g]. Unrecorded: used inside the fused ops and their backward.
 */
import type { AttentionSpec } from '../kernels/backend.js';
import { queryBlocks } from '../kernels/cpu/attention.js';
import { empty, matmul, zeroed } from './ops.js';
import { noGrad } from './record.js';
import type { Tensor } from './tensor.js';

const last2 = (t: Tensor) => t.shape.slice(-2);

/** Writes `block` into rows [r0, r0 + rows) of `out` (axis −2) and columns [0, cols) (a view assign). */
function put(out: Tensor, block: Tensor, r0: number): void {
  const [rows, cols] = last2(block);
  out.backend.assign(block, out.slice(-2, r0, r0 + rows).slice(-1, 0, cols));
}

/** p · x: p [.., T, S] causal, x [.., S, X] → [.., T, X]. */
export function causalRowsProduct(p: Tensor, x: Tensor, spec: AttentionSpec): Tensor {
  return noGrad(() => {
    const [T, S] = last2(p);
    const blocks = queryBlocks(spec, T, S);
    if (blocks.length === 1) return matmul(p, x);
    const out = empty(p, [...p.shape.slice(0, -1), x.shape[x.ndim - 1]]);
    for (const { t0, t1, n } of blocks) put(out, matmul(p.slice(-2, t0, t1).slice(-1, 0, n), x.slice(-2, 0, n)), t0);
    return out;
  });
}

/** pᵀ · x: p [.., T, S] causal, x [.., T, X] → [.., S, X] (key s only meets queries t ≥ s − (S − T)). */
export function causalColumnsProduct(p: Tensor, x: Tensor, spec: AttentionSpec): Tensor {
  return noGrad(() => {
    const [T, S] = last2(p);
    const blocks = queryBlocks(spec, S, S); // key blocks: the same split, applied to the columns
    if (blocks.length === 1) return matmul(p.transpose(-1, -2), x);
    const out = empty(p, [...p.shape.slice(0, -2), S, x.shape[x.ndim - 1]]);
    for (const { t0: s0, t1: s1 } of blocks) {
      const from = Math.max(0, s0 - (S - T));
      put(out, matmul(p.slice(-2, from, T).slice(-1, s0, s1).transpose(-1, -2), x.slice(-2, from, T)), s0);
    }
    return out;
  });
}

/** a · bᵀ where only the causal part is needed: a [.., T, X], b [.., S, X] → [.., T, S], zero above (the blocks leave it). */
export function causalScores(a: Tensor, b: Tensor, spec: AttentionSpec): Tensor {
  return noGrad(() => {
    const [T, S] = [a.shape[a.ndim - 2], b.shape[b.ndim - 2]];
    const blocks = queryBlocks(spec, T, S);
    if (blocks.length === 1) return matmul(a, b.transpose(-1, -2));
    const out = zeroed(a, [...a.shape.slice(0, -2), T, S]);
    for (const { t0, t1, n } of blocks) put(out, matmul(a.slice(-2, t0, t1), b.slice(-2, 0, n).transpose(-1, -2)), t0);
    return out;
  });
}
