/**
 * The teacher-forced training loss of LLaVA on a batch (the forward only; gradients come from autograd
 * at the caller). Inference (`decode`) is batch 1 with a KV cache; training runs B sequences at once
 * through the same embedding splice (`embedWithImageFeatures`), decoder loop (`runLayers`) and `lmHead`:
 *
 *   pixels [B,3,S,S] → encodeImage → image features [B,N,C]
 *   ids: a shared prefix (…<image>) + per-sample suffixes right-padded to one length
 *   cat(prefix embeds, image features, suffix embeds) [B,T,C] → decoder layers (causal) → rows with a
 *   target only → final norm → lm_head → mean cross-entropy over those rows.
 *
 * Right padding never changes the earlier positions under a causal mask, so padded rows only need to be
 * left out of the loss. Mirrors transformers' LlavaForConditionalGeneration.forward(labels=…) with
 * labels = −100 everywhere but the answer tokens.
 */
import type { LlavaForConditionalGeneration } from '../model/llava.js';
import { Tensor, crossEntropy, gather } from '../tensor/index.js';

export interface TrainBatch {
  /** [B, 3, S, S] normalised pixels. */
  pixels: Tensor;
  /** Token ids before the image, the image id last (the same for every sample). */
  prefix: number[];
  /** Ids after the image, one row per sample, all of length L (right-padded). */
  suffix: number[][];
  /**
   * Per sample, the target of every merged position t (the id at t+1), or −100: length
   * prefix.length − 1 + N + L. Built by {@link mergedTargets}.
   */
  targets: number[][];
  /** Optional [B, N, C] noise added to the image features (a regulariser; no gradient flows into it). */
  featureNoise?: Tensor;
  /** Optional [B, N, 1] 0/1 mask the (noised) image features are multiplied by (token drop). */
  featureKeep?: Tensor;
}

/**
 * Next-token targets on the merged sequence (prefix without the image id, N image rows, suffix) from
 * per-token labels of the suffix (−100 = no loss). The image rows and the prefix never have targets.
 */
export function mergedTargets(prefixLength: number, imageTokens: number, suffixLabels: readonly number[]): number[] {
  const T = prefixLength - 1 + imageTokens + suffixLabels.length;
  const out = new Array<number>(T).fill(-100);
  const start = prefixLength - 1 + imageTokens; // merged index of suffix[0]
  // Position t predicts the token at t+1: suffix[j] is predicted from merged position start + j − 1.
  suffixLabels.forEach((label, j) => {
    if (label !== -100) out[start + j - 1] = label;
  });
  return out;
}

/** Mean cross-entropy over all target positions of the batch; also returns the number of targets. */
export function llavaTrainLoss(model: LlavaForConditionalGeneration, batch: TrainBatch): { loss: Tensor; count: number } {
  const B = batch.suffix.length;
  const L = batch.suffix[0]?.length ?? 0;
  if (batch.pixels.shape[0] !== B || batch.suffix.some((s) => s.length !== L)) {
    throw new Error(`llavaTrainLoss: ${batch.pixels.shape[0]} images for ${B} sequences, suffix lengths ${batch.suffix.map((s) => s.length).join(', ')} must be equal`);
  }
  const lm = model.language_model;
  const clean = model.encodeImage(batch.pixels).imageFeatures; // [B, N, C]
  const noised = batch.featureNoise ? clean.add(batch.featureNoise) : clean;
  const features = batch.featureKeep ? noised.mul(batch.featureKeep) : noised;
  const ids = batch.suffix.map((s) => [...batch.prefix, ...s]);
  let h = model.embedWithImageFeatures(ids, features).inputsEmbeds; // [B, T, C]
  const T = h.shape[1];
  const positions = Array.from({ length: T }, (_, t) => t);
  lm.runLayers(h, positions, { upTo: lm.model.layers.length - 1 }, (_, r) => (h = r.h));

  const rows: number[] = [];
  const targets: number[] = [];
  batch.targets.forEach((tg, b) => {
    if (tg.length !== T) throw new Error(`llavaTrainLoss: sample ${b} has ${tg.length} targets for ${T} positions`);
    tg.forEach((t, i) => {
      if (t === -100) return;
      rows.push(b * T + i);
      targets.push(t);
    });
  });
  if (rows.length === 0) throw new Error('llavaTrainLoss: no target tokens in the batch');
  const picked = lm.model.norm.forward(gather(h.reshape([B * T, lm.config.hidden_size]), rows)); // [R, C]
  return { loss: crossEntropy(lm.lmHead(picked), targets), count: rows.length }; // logits [R, V]
}
