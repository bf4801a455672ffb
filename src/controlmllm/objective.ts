/**
 * The differentiable prefill used by the optimisers: image features + delta → merged embeddings →
 * decoder with attention capture → pooled image attention a [N] → α·E. Only the layers the energy reads
 * are run (the decoder stops after the deepest pooled layer; the LM head is never needed). Each layer's
 * attention is pooled as soon as it is formed; with `recompute`, layers are gradient checkpoints. The pooled
 * attention comes back beside the loss, so a step's progress needs no second forward.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { ImageSpan } from '../model/llava.js';
import { energy, imageAttention, layerImageAttention, meanOverLayers, type Pooling } from './energy.js';

/** The two seams the prefill needs, as both model families give them (Qwen2.5-VL bound to its prompt's positions). */
export interface PrefillModel {
  embedWithImageFeatures(ids: readonly number[], imageFeatures: Tensor): { inputsEmbeds: Tensor; imageSpan: ImageSpan };
  attentionMaps(inputsEmbeds: Tensor, layers: readonly number[]): Map<number, Tensor>;
  /** Optional (LLaVA): each layer's attention reduced as formed, layers optionally gradient checkpoints. */
  reducedAttention?(inputsEmbeds: Tensor, layers: readonly number[], reduce: (layer: number, probs: Tensor) => Tensor, recompute: boolean): Map<number, Tensor>;
  /** Weights kept half precision (a large checkpoint): recompute by default. */
  readonly halfWeights?: boolean;
}

export interface ObjectiveValue {
  /** α·E, a scalar recorded for the backward to the latent. */
  loss: Tensor;
  /** The pooled image attention a [N] the energy was computed from. */
  attention: Tensor;
}

/**
 * delta (the image features' shape, added to them) → loss and pooled attention. `recompute`: whether the
 * decoder layers are gradient checkpoints (activations rebuilt in the backward, not kept).
 */
export type Objective = ((delta: Tensor) => ObjectiveValue) & { readonly recompute?: boolean };

export function makeObjective(
  model: PrefillModel,
  ids: readonly number[],
  imageFeatures: Tensor, // [1, N, C] (LLaVA) or [N, C] (Qwen2.5-VL), constant
  regions: readonly Float32Array[],
  pooling: Pooling,
  alpha: number,
  /** ε in the energy's denominator (see energy.ts regionEnergy). */
  eps = 0,
  /** Recompute each decoder layer in the backward (gradient checkpointing); default: when the weights are half. */
  recompute = model.halfWeights ?? false,
): Objective {
  const objective = (delta: Tensor): ObjectiveValue => {
    const { inputsEmbeds, imageSpan } = model.embedWithImageFeatures(ids, imageFeatures.add(delta)); // [1, T, C]
    // layers 0..max(pooling.layers) only; pooled per layer as formed where the model can (LLaVA)
    const attention = model.reducedAttention
      ? meanOverLayers(model.reducedAttention(inputsEmbeds, pooling.layers, (_, probs) => layerImageAttention(probs, imageSpan, pooling), recompute), pooling)
      : imageAttention(model.attentionMaps(inputsEmbeds, pooling.layers), imageSpan, pooling); // [N]
    return { loss: energy(attention, regions, eps).mul(alpha), attention };
  };
  return Object.assign(objective, { recompute });
}
