/**
 * Qwen2.5-VL: vision tower → image embeddings scattered over the `<|image_pad|>` ids → Qwen2 decoder with
 * M-RoPE. Batch 1; images only (no video).
 *
 * Mirrors: transformers modeling_qwen2_5_vl.py @ efa7189 `Qwen2_5_VLForConditionalGeneration.forward`
 * (`inputs_embeds.masked_scatter(image_mask, image_embeds)`, `get_rope_index`, rope_deltas while decoding).
 * Key prefixes: `visual.`, `model.`, `lm_head.` (the ≥ 4.52 layout `model.visual.*`,
 * `model.language_model.*` is renamed by load.ts `sanitizeQwen`).
 *
 * Seams for ControlMLLM (as LLaVA's):
 *   encodeImage(pixels, grids)          → { imageEmbeds [N, C], … }
 *   embedWithImageFeatures(ids, f)      → { inputsEmbeds [1, T, C], imageSpan } (f = imageEmbeds + latent)
 *   ropeIndex(ids, grids)               → the prompt's M-RoPE positions and rope delta
 *   decode(inputsEmbeds, {rope, …})     → { logits [1, T, V], cache, attentions: layer → [1, H, T, S] }
 */
import type { Qwen25VLConfig } from './config.js';
import { ropeIndex, type MropePositions } from './rope.js';
import { Qwen2Decoder, type QwenDecodeOptions } from './text.js';
import { Qwen25VisionTransformer, type VisionOutput } from './vision.js';
import type { GridThw } from './vision-windows.js';
import type { Params } from '../layers.js';
import type { DecodeResult } from '../decode-options.js';
import { imageTokenRun, type ImageSpan } from '../llava.js';
import { Tensor, cat, fromArray } from '../../tensor/index.js';

export interface QwenEmbedResult {
  inputsEmbeds: Tensor; // [1, T, C]
  /** The `<|image_pad|>` rows, between <|vision_start|> and <|vision_end|>. */
  imageSpan: ImageSpan;
}

export class Qwen25VLForConditionalGeneration {
  readonly visual: Qwen25VisionTransformer;
  readonly model: Qwen2Decoder; // `model.*` and `lm_head`

  constructor(p: Params, readonly config: Qwen25VLConfig) {
    this.visual = new Qwen25VisionTransformer(p.at('visual'), config.vision_config);
    this.model = new Qwen2Decoder(p.at('model'), p.at('lm_head'), config.text_config);
  }

  /** The dtype the weights were loaded in; inputs are converted to it. */
  get dtype() {
    return this.model.embed_tokens.weight.dtype;
  }

  /** The backend the weights live on; inputs are created there. */
  get backend() {
    return this.model.embed_tokens.weight.backend;
  }

  /** pixel_values [N, C_in·T_p·P·P] + image_grid_thw → image embeddings [N/4, C] (and the tower's intermediates). */
  encodeImage(pixelValues: Tensor, grids: readonly GridThw[], opts: { outputBlocks?: boolean } = {}): VisionOutput {
    return this.visual.forward(this.asModelDtype(pixelValues), grids, opts);
  }

  /** Token embeddings only: ids → [1, T, C]. */
  embedText(ids: readonly number[]): Tensor {
    return this.model.embed_tokens.forward(ids);
  }

  /** The M-RoPE positions of a prompt (image pads already expanded, one per merged token). */
  ropeIndex(ids: readonly number[], grids: readonly GridThw[]): MropePositions {
    return ropeIndex(ids, grids, { ...this.config, spatialMergeSize: this.config.vision_config.spatial_merge_size });
  }

  /** `masked_scatter` of image embeddings [N, C] (or [1, N, C]) over the N consecutive <|image_pad|> ids. Differentiable in them. */
  embedWithImageFeatures(ids: readonly number[], imageEmbeds: Tensor): QwenEmbedResult {
    const C = this.config.text_config.hidden_size;
    const feats = imageEmbeds.ndim === 2 ? imageEmbeds.unsqueeze(0) : imageEmbeds; // [1, N, C]
    const [B, N, C2] = feats.shape;
    if (feats.ndim !== 3 || B !== 1 || C2 !== C) throw new Error(`embed: image embeddings [${imageEmbeds.shape.join(', ')}], expected [N, ${C}]`);
    const { start, count } = imageTokenRun(ids, this.config.image_token_id, N);
    if (count !== N) throw new Error(`embed: one <|image_pad|> (id ${this.config.image_token_id}) for ${N} image embeddings; expand it to ${N} ids first (expandImagePads)`);
    const parts: Tensor[] = [];
    if (start > 0) parts.push(this.embedText(ids.slice(0, start))); // [1, start, C]
    parts.push(this.asModelDtype(feats)); // [1, N, C]
    if (start + N < ids.length) parts.push(this.embedText(ids.slice(start + N))); // [1, rest, C]
    return { inputsEmbeds: parts.length === 1 ? parts[0] : cat(parts, 1), imageSpan: { start, length: N } };
  }

  /** Runs the decoder on inputs_embeds [1, T, C]; pass the prompt's `rope` (see text.ts). */
  decode(inputsEmbeds: Tensor, opts: QwenDecodeOptions = {}): DecodeResult {
    return this.model.decode(inputsEmbeds, opts);
  }

  /** Prefill attention maps of `layers` only (the decoder stops at the deepest one). */
  attentionMaps(inputsEmbeds: Tensor, layers: readonly number[], rope?: MropePositions): Map<number, Tensor> {
    return this.model.attentionMaps(inputsEmbeds, layers, rope);
  }

  /**
   * The model bound to one prompt's positions, with LLaVA's seams: what `generate` drives (cache or full
   * re-run) and what the ControlMLLM objective calls.
   */
  forPrompt(rope: MropePositions) {
    return {
      config: this.config,
      embedText: (ids: readonly number[]) => this.embedText(ids),
      embedWithImageFeatures: (ids: readonly number[], f: Tensor) => this.embedWithImageFeatures(ids, f),
      decode: (e: Tensor, o: QwenDecodeOptions = {}) => this.decode(e, { ...o, rope }),
      attentionMaps: (e: Tensor, layers: readonly number[]) => this.attentionMaps(e, layers, rope),
    };
  }

  private asModelDtype(x: Tensor): Tensor {
    return x.dtype === this.dtype ? x : fromArray(x.toTypedArray(), x.shape, { like: this.model.embed_tokens.weight });
  }
}

/** Merged tokens of one image: t · (h/sms) · (w/sms). */
export function mergedTokenCount(grid: GridThw, spatialMergeSize: number): number {
  return (grid[0] * grid[1] * grid[2]) / spatialMergeSize ** 2;
}

/** The processor's prompt expansion: each lone <|image_pad|> becomes one id per merged token of its image. */
export function expandImagePads(ids: readonly number[], imageTokenId: number, counts: readonly number[]): number[] {
  const out: number[] = [];
  let k = 0;
  for (const id of ids) {
    if (id !== imageTokenId) out.push(id);
    else {
      if (k >= counts.length) throw new Error(`expandImagePads: more <|image_pad|> ids (id ${imageTokenId}) than the ${counts.length} image(s)`);
      for (let i = 0; i < counts[k]; i++) out.push(id);
      k++;
    }
  }
  if (k !== counts.length) throw new Error(`expandImagePads: ${k} <|image_pad|> id(s) (id ${imageTokenId}) for ${counts.length} image(s)`);
  return out;
}
