/**
 * The differentiable prefill used by the optimisers: image features + delta → merged embeddings →
 * decoder with attention capture → pooled image attention → α·E (each layer's attention pooled as soon as
 * it is formed; with `recompute`, layers are gradient checkpoints). Only the layers the energy reads are
 * run (the decoder stops after the deepest pooled layer; the LM head is never needed).
 */
import type { LlavaForConditionalGeneration } from '../model/llava.js';
import { Tensor } from '../tensor/tensor.js';
import { energy, layerImageAttention, meanOverLayers, type ImageSpan, type Pooling } from './energy.js';

export interface PrefillObjective {
  (delta: Tensor): Tensor;
  /** The pooled attention [N] of the most recent evaluation (detached). */
  lastAttention: () => Tensor | null;
  span: ImageSpan;
}

export function makeObjective(
  model: LlavaForConditionalGeneration,
  ids: readonly number[],
  imageFeatures: Tensor, // [1, N, C], constant
  regions: readonly Float32Array[],
  pooling: Pooling,
  alpha: number,
  /** Recompute each decoder layer in the backward (gradient checkpointing); default: when the weights are half. */
  recompute = model.halfWeights,
): PrefillObjective {
  let last: Tensor | null = null;
  const span = model.embedWithImageFeatures(ids, imageFeatures).imageSpan;
  const objective = ((delta: Tensor) => {
    const { inputsEmbeds } = model.embedWithImageFeatures(ids, imageFeatures.add(delta)); // [1, T, C]
    const pooled = model.reducedAttention(inputsEmbeds, pooling.layers, (_, probs) => layerImageAttention(probs, span, pooling), recompute); // layer → [N]
    const a = meanOverLayers(pooled, pooling); // [N]
    last = Tensor.of(a.toTypedArray(), a.shape, a.backend); // fresh memory: survives the step's tidy scope
    return energy(a, regions).mul(alpha);
  }) as PrefillObjective;
  objective.lastAttention = () => last;
  objective.span = span;
  return objective;
}
