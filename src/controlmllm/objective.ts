/**
 * The differentiable prefill used by the optimisers: image features + delta → merged embeddings →
 * decoder with attention capture → pooled image attention → α·E. Only the layers the energy reads are
 * run (the decoder stops after the deepest pooled layer; the LM head is never needed).
 */
import { Tensor } from '../tensor/tensor.js';
import { energy, imageAttention, type ImageSpan, type Pooling } from './energy.js';

/** The two seams the prefill needs, as both model families give them (Qwen2.5-VL bound to its prompt's positions). */
export interface PrefillModel {
  embedWithImageFeatures(ids: readonly number[], imageFeatures: Tensor): { inputsEmbeds: Tensor; imageSpan: ImageSpan };
  attentionMaps(inputsEmbeds: Tensor, layers: readonly number[]): Map<number, Tensor>;
}

export interface PrefillObjective {
  (delta: Tensor): Tensor;
  /** The pooled attention [N] of the most recent evaluation (detached). */
  lastAttention: () => Tensor | null;
  span: ImageSpan;
}

export function makeObjective(
  model: PrefillModel,
  ids: readonly number[],
  imageFeatures: Tensor, // [1, N, C] (LLaVA) or [N, C] (Qwen2.5-VL), constant
  regions: readonly Float32Array[],
  pooling: Pooling,
  alpha: number,
  /** ε in the energy's denominator (see energy.ts regionEnergy). */
  eps = 0,
): PrefillObjective {
  let last: Tensor | null = null;
  const span = model.embedWithImageFeatures(ids, imageFeatures).imageSpan;
  const objective = ((delta: Tensor) => {
    const { inputsEmbeds } = model.embedWithImageFeatures(ids, imageFeatures.add(delta)); // [1, T, C]
    const attentions = model.attentionMaps(inputsEmbeds, pooling.layers); // layers 0..max(pooling.layers) only
    const a = imageAttention(attentions, span, pooling); // [N]
    last = Tensor.of(a.toTypedArray(), a.shape, a.backend); // fresh memory: survives the step's tidy scope
    return energy(a, regions, eps).mul(alpha);
  }) as PrefillObjective;
  objective.lastAttention = () => last;
  objective.span = span;
  return objective;
}
