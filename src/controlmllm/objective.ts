/**
 * The differentiable prefill used by the optimisers: image features + delta → merged embeddings →
 * decoder with attention capture → pooled image attention a [N] → α·E. Only the layers the energy reads
 * are run (the decoder stops after the deepest pooled layer; the LM head is never needed). Each layer's
 * attention is pooled as soon as it is formed; with `recompute`, layers are gradient checkpoints. The pooled
 * attention comes back beside the loss, so a step's progress needs no second forward.
 */
import type { LlavaForConditionalGeneration } from '../model/llava.js';
import type { Tensor } from '../tensor/tensor.js';
import { energy, layerImageAttention, meanOverLayers, type Pooling } from './energy.js';

export interface ObjectiveValue {
  /** α·E, a scalar recorded for the backward to the latent. */
  loss: Tensor;
  /** The pooled image attention a [N] the energy was computed from. */
  attention: Tensor;
}

/** delta [1, N, C] (added to the image features) → loss and pooled attention. */
export type Objective = (delta: Tensor) => ObjectiveValue;

export function makeObjective(
  model: LlavaForConditionalGeneration,
  ids: readonly number[],
  imageFeatures: Tensor, // [1, N, C], constant
  regions: readonly Float32Array[],
  pooling: Pooling,
  alpha: number,
  /** Recompute each decoder layer in the backward (gradient checkpointing); default: when the weights are half. */
  recompute = model.halfWeights,
): Objective {
  return (delta) => {
    const { inputsEmbeds, imageSpan } = model.embedWithImageFeatures(ids, imageFeatures.add(delta)); // [1, T, C]
    const pooled = model.reducedAttention(inputsEmbeds, pooling.layers, (_, probs) => layerImageAttention(probs, imageSpan, pooling), recompute); // layer → [N]
    const attention = meanOverLayers(pooled, pooling); // [N], layers 0..max(pooling.layers) only
    return { loss: energy(attention, regions).mul(alpha), attention };
  };
}
