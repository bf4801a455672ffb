/**
 * Fused recorded ops: one backend pass (and one output) where the composition of primitives would make
 * several memory-bound passes and keep every intermediate alive for the backward. Their gradients are
 * explicit (autograd/gradients.ts); each equals its composition within float32 rounding (the parity
 * tests compare them).
 */
import type { AttentionSpec } from '../kernels/backend.js';
import { groupedHeads } from '../kernels/cpu/attention.js';
import { formatShape } from '../kernels/layout.js';
import { checkSame } from './checks.js';
import { TensorError } from './errors.js';
import { empty } from './ops.js';
import { causalRowsProduct } from './attention.js';
import { record } from './record.js';
import { Tensor } from './tensor.js';

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** A weight [C] for x [..., C]. */
function checkRowParams(op: string, x: Tensor, params: readonly Tensor[]): void {
  checkSame(op, [x, ...params]);
  const C = x.shape[x.ndim - 1];
  for (const p of params) if (x.ndim === 0 || !same(p.shape, [C])) throw new TensorError(op, `x ${formatShape(x.shape)} needs a weight of shape (${C},), got ${formatShape(p.shape)}`);
}

/** Llama RMSNorm: w · x / √(mean(x²) + ε) over the last axis. x [..., C], w [C]. */
export function rmsNorm(x: Tensor, weight: Tensor, eps = 1e-6): Tensor {
  checkRowParams('rmsNorm', x, [weight]);
  const out = empty(x, x.shape);
  x.backend.rmsNorm(x, weight, eps, out.data);
  return record(out, { kind: 'rmsNorm', eps }, [x, weight]);
}

/** Layer norm over the last axis: (x − μ)/√(σ² + ε) · w + b (biased variance, as PyTorch). */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps = 1e-5): Tensor {
  checkRowParams('layerNorm', x, [weight, bias]);
  const out = empty(x, x.shape);
  x.backend.layerNorm(x, weight, bias, eps, out.data);
  return record(out, { kind: 'layerNorm', eps }, [x, weight, bias]);
}

/** HF `apply_rotary_pos_emb`: x·cos + rotate_half(x)·sin. x: [..., T, D], cos/sin: [T, D] (constants). */
export function applyRope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  checkSame('applyRope', [x, cos, sin]);
  const [T, D] = x.shape.slice(-2);
  if (x.ndim < 2 || D % 2 !== 0 || !same(cos.shape, [T, D]) || !same(sin.shape, [T, D])) {
    throw new TensorError('applyRope', `x ${formatShape(x.shape)} needs cos and sin of shape (${T},${D}) with an even D, got ${formatShape(cos.shape)}, ${formatShape(sin.shape)}`);
  }
  const out = empty(x, x.shape);
  x.backend.rope(x, cos, sin, out.data, false);
  return record(out, { kind: 'rope', cos, sin }, [x]);
}

/** SwiGLU, the gated MLP's middle: silu(gate) · up (one shape). */
export function swiglu(gate: Tensor, up: Tensor): Tensor {
  checkSame('swiglu', [gate, up]);
  if (!same(gate.shape, up.shape) || gate.ndim === 0) throw new TensorError('swiglu', `gate ${formatShape(gate.shape)} and up ${formatShape(up.shape)} differ`);
  const out = empty(gate, gate.shape);
  gate.backend.swiglu(gate, up, out.data);
  return record(out, { kind: 'swiglu' }, [gate, up]);
}

/**
 * Attention probabilities softmax(scale · q kᵀ) [B, H, T, S], causal (queries are the last T of S
 * positions) or not; q [B, H, T, D], k [B, Hkv, S, D] with H a multiple of Hkv (grouped-query heads).
 */
export function attentionProbs(q: Tensor, k: Tensor, spec: AttentionSpec): Tensor {
  checkSame('attentionProbs', [q, k]);
  const [B, H, T, D] = q.shape;
  const [, Hkv, S] = k.shape;
  if (q.ndim !== 4 || k.ndim !== 4 || k.shape[0] !== B || k.shape[3] !== D || H % Hkv !== 0) {
    throw new TensorError('attentionProbs', `q ${formatShape(q.shape)}, k ${formatShape(k.shape)}: expected q [B,H,T,D], k [B,Hkv,S,D] with H % Hkv = 0`);
  }
  const out = empty(q, [B, H, T, S]);
  q.backend.attentionProbs(q, k, spec, out.data);
  return record(out, { kind: 'attentionProbs', spec }, [q, k]);
}

/**
 * The attention output probs · v [B, H, T, D] for probabilities from `attentionProbs(…, spec)`:
 * probs [B, H, T, S], v [B, Hkv, S, D] (head h reads KV head ⌊h / (H/Hkv)⌋, no copy of V); causal
 * probabilities skip their zero blocks (attention.ts), forward and backward.
 */
export function attentionValues(probs: Tensor, v: Tensor, spec: AttentionSpec): Tensor {
  checkSame('attentionValues', [probs, v]);
  const [B, H, T, S] = probs.shape;
  const [, Hkv, , D] = v.shape;
  if (probs.ndim !== 4 || v.ndim !== 4 || v.shape[0] !== B || v.shape[2] !== S || H % Hkv !== 0) {
    throw new TensorError('attentionValues', `probs ${formatShape(probs.shape)}, v ${formatShape(v.shape)}: expected probs [B,H,T,S], v [B,Hkv,S,D] with H % Hkv = 0`);
  }
  const g = H / Hkv;
  const out = causalRowsProduct(headGroups(probs, g, false), headGroups(v, g, true), spec); // [B, Hkv, g, T, D]
  return record(Tensor.of(out.data, [B, H, T, D], out.backend), { kind: 'attentionValues', spec }, [probs, v]);
}

/** x [B, n·g, R, C] as [B, n, g, R, C], or (`share`) x [B, n, R, C] repeated over g by stride 0 — a view. */
export function headGroups(x: Tensor, g: number, share: boolean, transpose = false): Tensor {
  const v = groupedHeads(x, g, share, transpose);
  return new Tensor(x.data, v.shape, v.strides, v.offset, x.backend);
}
