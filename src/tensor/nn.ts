/**
 * Composed ops used by the models, each built from the recorded primitives so their gradients come
 * for free: linear, activations, RoPE tables, attention, cross-entropy, patch embedding; the norms, RoPE,
 * SwiGLU and the attention scores are fused ops with an explicit backward (fused.ts).
 */
import { formatShape } from '../kernels/layout.js';
import { alloc } from './checks.js';
import { TensorError } from './errors.js';
import { attentionProbs, attentionValues } from './fused.js';
import { add, gather, matmul, mul, sum, unary } from './ops.js';
import { Tensor } from './tensor.js';
import { reshape } from './views.js';

export { applyRope, layerNorm, rmsNorm, swiglu, attentionProbs, attentionValues } from './fused.js';

/** y = x Wᵀ + b, W: [out, in] as stored in checkpoints. x: [..., in] → [..., out]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const y = matmul(x, weight.transpose(-1, -2));
  return bias ? add(y, bias) : y;
}

export const gelu = (x: Tensor) => unary('gelu', x);
export const geluTanh = (x: Tensor) => unary('gelu_tanh', x);
export const quickGelu = (x: Tensor) => unary('quick_gelu', x);
export const silu = (x: Tensor) => unary('silu', x);

/** Activation by its config name (`hidden_act` / `projector_hidden_act`). */
export function activation(name: string): (x: Tensor) => Tensor {
  switch (name) {
    case 'gelu':
      return gelu;
    case 'gelu_pytorch_tanh':
    case 'gelu_new':
      return geluTanh;
    case 'quick_gelu':
      return quickGelu;
    case 'silu':
      return silu;
    default:
      throw new TensorError('activation', `unsupported activation '${name}' (supported: gelu, gelu_pytorch_tanh, gelu_new, quick_gelu, silu)`);
  }
}

/**
 * RoPE tables as HF Llama builds them, half-split layout emb = cat(angle, angle); cos, sin: [T, D] in
 * `like`'s dtype and backend. float32 follows HF's float32 arithmetic step by step (SPEC-llava.md §5):
 * inv_freq_i = f32(1 / f32(θ^f32(2i/D))), angle = f32(p · inv_freq_i); float64 is exact:
 * angle = p · θ^(−2i/D) (what PyTorch's float64 reference computes).
 */
export function ropeTables(positions: readonly number[], headDim: number, theta: number, like: Tensor) {
  const half = headDim / 2;
  const f = like.dtype === 'float64' ? (x: number) => x : Math.fround;
  const invFreq = Array.from({ length: half }, (_, i) =>
    like.dtype === 'float64' ? Math.pow(theta, (-2 * i) / headDim) : f(1 / f(Math.pow(theta, f((2 * i) / headDim)))),
  );
  const cos = alloc(like.dtype, positions.length * headDim, like.backend);
  const sin = alloc(like.dtype, positions.length * headDim, like.backend);
  positions.forEach((p, t) => {
    for (let i = 0; i < half; i++) {
      const angle = f(p * invFreq[i]);
      cos[t * headDim + i] = cos[t * headDim + i + half] = Math.cos(angle);
      sin[t * headDim + i] = sin[t * headDim + i + half] = Math.sin(angle);
    }
  });
  const shape = [positions.length, headDim];
  return { cos: Tensor.of(cos, shape, like.backend), sin: Tensor.of(sin, shape, like.backend) };
}

export interface AttentionOptions {
  /** Mask key j for query i when j > i + (S − T) (queries are the last T of S positions). */
  causal?: boolean;
  /** Defaults to 1/√D. */
  scale?: number;
}

/**
 * Scaled dot-product attention with grouped-query heads.
 * q: [B, H, T, D], k, v: [B, Hkv, S, D] with H a multiple of Hkv (head h uses KV head h / (H/Hkv)).
 * Returns the output [B, H, T, D] and the softmax probabilities [B, H, T, S].
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}) {
  const [B, H, T, D] = q.shape;
  const [, Hkv, S] = k.shape;
  if (q.ndim !== 4 || k.ndim !== 4 || v.ndim !== 4 || k.shape[3] !== D || v.shape[2] !== S || H % Hkv !== 0 || k.shape[0] !== B) {
    throw new TensorError(
      'attention',
      `q ${formatShape(q.shape)}, k ${formatShape(k.shape)}, v ${formatShape(v.shape)}: expected q [B,H,T,D], k/v [B,Hkv,S,D] with H % Hkv = 0`,
    );
  }
  const spec = { scale: opts.scale ?? 1 / Math.sqrt(D), causal: opts.causal ?? false };
  const probs = attentionProbs(q, k, spec); // [B, H, T, S]
  const out = attentionValues(probs, v, spec); // [B, H, T, D]
  return { out, probs };
}

/** Mean cross-entropy over rows whose target ≠ ignoreIndex. logits: [N, V], targets: N ids. */
export function crossEntropy(logits: Tensor, targets: readonly number[], ignoreIndex = -100): Tensor {
  const [N, V] = logits.shape;
  if (logits.ndim !== 2 || targets.length !== N) {
    throw new TensorError('crossEntropy', `logits ${formatShape(logits.shape)} vs ${targets.length} targets`);
  }
  const onehot = alloc(logits.dtype, N * V, logits.backend);
  let valid = 0;
  targets.forEach((t, i) => {
    if (t === ignoreIndex) return;
    if (!Number.isInteger(t) || t < 0 || t >= V) throw new TensorError('crossEntropy', `target ${t} at row ${i} is out of range for ${V} classes`);
    onehot[i * V + t] = 1;
    valid++;
  });
  const picked = sum(mul(logits.logSoftmax(-1), Tensor.of(onehot, [N, V], logits.backend)));
  return mul(picked, valid ? -1 / valid : NaN);
}

/** Embedding lookup: ids (shape idsShape) → [...idsShape, C]. */
export function embedding(weight: Tensor, ids: readonly number[] | Int32Array, idsShape?: readonly number[]): Tensor {
  return gather(weight, ids, idsShape);
}

/**
 * Convolution with stride = kernel (ViT patch embedding) as unfold + matmul.
 * x: [B, C, H, W], weight: [O, C, P, P] → [B, N, O] with N = (H/P)·(W/P) patches in row-major order.
 */
export function patchEmbed(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const [B, C, Hh, W] = x.shape;
  const [O, C2, P, P2] = weight.shape;
  if (x.ndim !== 4 || weight.ndim !== 4 || C !== C2 || P !== P2 || Hh % P !== 0 || W % P !== 0) {
    throw new TensorError('patchEmbed', `x ${formatShape(x.shape)} with kernel ${formatShape(weight.shape)}: need [B,C,H,W], [O,C,P,P], H and W multiples of P`);
  }
  const [gh, gw] = [Hh / P, W / P];
  const patches = reshape(x.reshape([B, C, gh, P, gw, P]).permute([0, 2, 4, 1, 3, 5]), [B, gh * gw, C * P * P]);
  return linear(patches, weight.reshape([O, C * P * P]), bias);
}

/** conv2d with stride = kernel, no padding, in PyTorch's layout: → [B, O, H/P, W/P]. */
export function conv2dPatch(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const [B, , Hh, W] = x.shape;
  const [O, , P] = weight.shape;
  return patchEmbed(x, weight, bias).transpose(1, 2).reshape([B, O, Hh / P, W / P]);
}

