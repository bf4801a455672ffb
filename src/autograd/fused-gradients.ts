/**
 * The explicit backward of the fused ops (tensor/fused.ts): each one backend pass, except attention:
 * the score gradient ds = scale · p ⊙ (gp − Σ gp ⊙ p) feeds gq = ds · k and gk = Σ_{group} dsᵀ · q, the
 * output's gp = gy · vᵀ and gv = Σ_{group} pᵀ · gy; causal ones skip the zero blocks (tensor/attention.ts).
 */
import { alloc } from '../tensor/checks.js';
import { headGroups } from '../tensor/fused.js';
import { causalColumnsProduct, causalRowsProduct, causalScores } from '../tensor/attention.js';
import { empty, sum } from '../tensor/ops.js';
import { Tensor } from '../tensor/tensor.js';
import type { VjpArgs } from './gradients.js';

/** scale · y ⊙ (gy − Σ gy ⊙ y) over the last axis (y: a softmax output, contiguous). */
export function softmaxGrad(y: Tensor, gy: Tensor, scale: number): Tensor {
  const out = empty(y, y.shape);
  y.backend.softmaxBackward(y, gy, scale, out.data);
  return out;
}

/** A [C] gradient when asked for, else null. */
const rowGrad = (like: Tensor, need: boolean) => (need ? Tensor.of(alloc(like.dtype, like.shape[like.ndim - 1], like.backend), [like.shape[like.ndim - 1]], like.backend) : null);

/** [B, Hkv, g, S, D] → [B, Hkv, S, D], summing the query heads of each group (a view when g = 1). */
const sumGroups = (t: Tensor) => (t.shape[2] === 1 ? t.squeeze(2) : sum(t, 2));

export const fusedGradients = {
  attentionProbs: ({ op, inputs: [q, k], out: p, gy, needs }: VjpArgs<'attentionProbs'>) => {
    const [B, H, T, D] = q.shape;
    const g = H / k.shape[1];
    const ds = headGroups(softmaxGrad(p, gy, op.spec.scale), g, false); // [B, Hkv, g, T, S]
    const gq = needs[0] ? causalRowsProduct(ds, headGroups(k, g, true), op.spec) : null; // [B, Hkv, g, T, D]
    const gk = needs[1] ? sumGroups(causalColumnsProduct(ds, headGroups(q, g, false), op.spec)) : null; // [B, Hkv, S, D]
    return [gq && Tensor.of(gq.data, [B, H, T, D], gq.backend), gk];
  },

  attentionValues: ({ op, inputs: [p, v], gy, needs }: VjpArgs<'attentionValues'>) => {
    const [B, H, T, S] = p.shape;
    const g = H / v.shape[1];
    const gy5 = headGroups(gy, g, false); // [B, Hkv, g, T, D]
    const gp = needs[0] ? causalScores(gy5, headGroups(v, g, true), op.spec) : null; // [B, Hkv, g, T, S]
    const gv = needs[1] ? sumGroups(causalColumnsProduct(headGroups(p, g, false), gy5, op.spec)) : null; // [B, Hkv, S, D]
    return [gp && Tensor.of(gp.data, [B, H, T, S], gp.backend), gv];
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
