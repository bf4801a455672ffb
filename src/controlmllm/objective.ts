/**
 * The differentiable prefill used by the optimisers: image features + delta → merged embeddings →
 * decoder with attention capture → pooled image attention a [N] → α·E. Only the layers the energy reads
 * are run (the decoder stops after the deepest pooled layer; the LM head is never needed). The pooled
 * attention comes back beside the loss, so a step's progress needs no second forward.
 */
import type { LlavaForConditionalGeneration } from '../model/llava.js';
import type { Tensor } from '../tensor/tensor.js';
import { energy, imageAttention, type Pooling } from './energy.js';

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
): Objective {
  return (delta) => {
    const { inputsEmbeds, imageSpan } = model.embedWithImageFeatures(ids, imageFeatures.add(delta)); // [1, T, C]
    const attentions = model.attentionMaps(inputsEmbeds, pooling.layers); // layers 0..max(pooling.layers) only
    const attention = imageAttention(attentions, imageSpan, pooling); // [N]
    return { loss: energy(attention, regions).mul(alpha), attention };
  };
}
