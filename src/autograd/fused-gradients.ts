/**
 * The explicit backward of the fused ops (tensor/fused.ts): each one backend pass, except attention,
 * whose score gradient ds = scale · p ⊙ (gp − Σ gp ⊙ p) feeds two products, gq = ds · k and
 * gk = Σ_{query heads of the group} dsᵀ · q.
 */
import { alloc } from '../tensor/checks.js';
import { headGroups } from '../tensor/fused.js';
import { empty, matmul, sum } from '../tensor/ops.js';
import { Tensor } from '../tensor/tensor.js';
import type { VjpArgs } from './gradients.js';

/** scale · y ⊙ (gy − Σ gy ⊙ y) over the last axis (y: a softmax output, contiguous). */
export function softmaxGrad(y: Tensor, gy: Tensor, scale: number): Tensor {
  const out = empty(y, y.shape);
  y.backend.softmaxBackward(y, gy, scale, out.data);
  return out;
}

/** A [C] gradient when asked for, else null. */
const rowGrad = (like: Tensor, need: boolean) => (need ? Tensor.of(alloc(like.dtype, like.shape[like.ndim - 1]), [like.shape[like.ndim - 1]], like.backend) : null);

export const fusedGradients = {
  attentionProbs: ({ op, inputs: [q, k], out: p, gy, needs }: VjpArgs<'attentionProbs'>) => {
    const [B, H, T, D] = q.shape;
    const Hkv = k.shape[1];
    const g = H / Hkv;
    const ds = headGroups(softmaxGrad(p, gy, op.spec.scale), g, false); // [B, Hkv, g, T, S]
    const gq = needs[0] ? matmul(ds, headGroups(k, g, true)).reshape([B, H, T, D]) : null;
    const gk = needs[1] ? sum(matmul(ds.transpose(-1, -2), headGroups(q, g, false)), 2) : null; // [B, Hkv, S, D]
    return [gq, gk];
  },

  rmsNorm: ({ op, inputs: [x, w], gy, needs }: VjpArgs<'rmsNorm'>) => {
    const gx = empty(x, x.shape);
    const gw = rowGrad(x, needs[1]);
    x.backend.rmsNormBackward(x, w, gy, op.eps, gx.data, gw?.data ?? null);
    return [gx, gw];
  },

  layerNorm: ({ op, inputs: [x, w], gy, needs }: VjpArgs<'layerNorm'>) => {
    const gx = empty(x, x.shape);
    const [gw, gb] = [rowGrad(x, needs[1]), rowGrad(x, needs[2])];
    x.backend.layerNormBackward(x, w, gy, op.eps, gx.data, gw?.data ?? null, gb?.data ?? null);
    return [gx, gw, gb];
  },

  rope: ({ op, inputs: [x], gy }: VjpArgs<'rope'>) => {
    const gx = empty(x, x.shape);
    x.backend.rope(gy, op.cos, op.sin, gx.data, true);
    return [gx];
  },

  swiglu: ({ inputs: [gate, up], gy }: VjpArgs<'swiglu'>) => {
    const [gg, gu] = [empty(gate, gate.shape), empty(up, up.shape)];
    gate.backend.swigluBackward(gate, up, gy, gg.data, gu.data);
    return [gg, gu];
  },
};
