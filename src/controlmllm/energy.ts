/**
 * The ControlMLLM energy on captured prefill attention (SPEC-controlmllm §3):
 *   a = mean over layers, heads and query rows of A_l[h, q, image keys]      ([N] over the grid)
 *   act = Σ w·a / Σ a,   E = (1 − act)²
 * v1 pools all layers and every prompt token after the image; ++ pools a layer range and the last
 * prompt token. Everything is built from recorded tensor ops, so E is differentiable in the latent.
 */
import type { ImageSpan } from '../model/llava.js';
import { TensorError } from '../tensor/errors.js';
import { stack } from '../tensor/views.js';
import { Tensor } from '../tensor/tensor.js';

export interface Pooling {
  /** Decoder layers whose attention is averaged. */
  layers: readonly number[];
  /** 'after-image': every prompt token after the image (v1); 'last': the last prompt token (++). */
  queries: 'after-image' | 'last';
}

/**
 * Attention from the pooled queries to the image keys, averaged: [N].
 * attentions: per layer, probabilities [1, H, T, S] of the prefill (T = S = sequence length).
 */
export function imageAttention(attentions: ReadonlyMap<number, Tensor>, span: ImageSpan, pooling: Pooling): Tensor {
  return meanOverLayers(new Map([...attentions].map(([l, probs]) => [l, layerImageAttention(probs, span, pooling)])), pooling);
}

/** One layer's share of {@link imageAttention}: probabilities [1, H, T, S] → mean over heads and pooled queries [N]. */
export function layerImageAttention(probs: Tensor, span: ImageSpan, pooling: Pooling): Tensor {
  const T = probs.shape[2];
  const end = span.start + span.length;
  if (end > probs.shape[3] || (pooling.queries === 'after-image' && end >= T)) {
    throw new TensorError('imageAttention', `image span ${span.start}..${end} does not fit attention of shape (${probs.shape.join(',')}) with queries after it`);
  }
  const rows = pooling.queries === 'last' ? probs.slice(2, T - 1) : probs.slice(2, end);
  return rows.slice(3, span.start, end).mean([0, 1, 2]); // [N]
}

/** The mean over `pooling.layers` of per-layer pooled attention (layer → [N]): [N]. */
export function meanOverLayers(perLayer: ReadonlyMap<number, Tensor>, pooling: Pooling): Tensor {
  return stack(pooling.layers.map((layer) => {
    const a = perLayer.get(layer);
    if (!a) throw new TensorError('imageAttention', `no attention captured for layer ${layer} (captured: ${[...perLayer.keys()].join(', ') || 'none'})`);
    return a;
  }), 0).mean(0);
}

/**
 * E = (1 − Σ w·a / (Σ a + ε))² for one region's weights w: [N]; ε = 0 except in the official Qwen2.5-VL
 * ++ code (`compute_activation_loss_qwen`, ε = 1e-6).
 */
export function regionEnergy(a: Tensor, weights: Float32Array, eps = 0): Tensor {
  if (weights.length !== a.size) {
    throw new TensorError('regionEnergy', `${weights.length} region weights for ${a.size} image tokens`);
  }
  const data = a.dtype === 'float64' ? Float64Array.from(weights) : weights.slice();
  const w = Tensor.of(data, a.shape, a.backend);
  const act = a.mul(w).sum().div(eps ? a.sum().add(eps) : a.sum());
  return act.neg().add(1).square();
}

/** Sum of the per-region energies (several regions at once; the official code never passes more than one). */
export function energy(a: Tensor, regions: ReadonlyArray<Float32Array>, eps = 0): Tensor {
  if (regions.length === 0) throw new TensorError('energy', 'no region given');
  return regions.map((w) => regionEnergy(a, w, eps)).reduce((s, e) => s.add(e));
}

/** The fraction of image attention inside a region, Σ w·a / Σ a, as a number (for progress lines). */
export function insideRatio(a: Tensor, weights: Float32Array): number {
  const v = a.toArray();
  const total = v.reduce((s, x) => s + x, 0);
  return v.reduce((s, x, i) => s + x * weights[i], 0) / total;
}
