/**
 * LLaVA-1.5: CLIP vision tower → feature selection → projector → spliced into the token embeddings →
 * Llama decoder. One image per prompt; batch 1 for inference, B sequences for training.
 *
 * Mirrors: transformers models/llava/modeling_llava.py `LlavaForConditionalGeneration` — the old merge
 * path (`_merge_input_ids_with_image_features`: one `<image>` id expanded to N features) and the new one
 * (`masked_scatter` over N image ids already in the prompt) (SPEC-llava.md §6).
 * Key prefixes: `vision_tower.`, `multi_modal_projector.`, `language_model.` (newer checkpoints are
 * renamed to these by load.ts `sanitize`).
 *
 * Seams for ControlMLLM:
 *   embed(ids, pixels)              → { inputsEmbeds [1,T,C], imageSpan, imageFeatures [1,N,C] }
 *   embedWithImageFeatures(ids, f)  → same, with given features [B,N,C] (e.g. imageFeatures.add(latent))
 *   decode(inputsEmbeds, opts)      → { logits [1,T,V], cache, attentions: layer → [1,H,T,S], hiddenStates? }
 */
import { ClipVisionModel } from './clip.js';
import type { LlavaConfig } from './config.js';
import type { Params } from './layers.js';
import type { DecodeOptions, DecodeResult } from './decode-options.js';
import { LlamaForCausalLM } from './llama.js';
import { LlavaMultiModalProjector } from './projector.js';
import { Tensor, cat, fromArray } from '../tensor/index.js';
import { HalfWeight } from '../tensor/half.js';

/** Where the image features sit in the merged sequence: rows start..start+length−1. */
export interface ImageSpan {
  /** Position of the first image token in the sequence. */
  start: number;
  /** Number of image tokens N (= grid²). */
  length: number;
}

export interface EmbedResult {
  inputsEmbeds: Tensor; // [B, T, C]
  imageSpan: ImageSpan;
  imageFeatures: Tensor; // [B, N, C]
}

export interface VisionResult {
  /** HF vision hidden states 0..k, k = the deepest selected layer (or all with allHiddenStates). */
  hiddenStates: Tensor[]; // each [1, N+1, C_vis]
  selected: Tensor; // [1, N, C_vis·k] (N+1 rows with strategy "full")
  imageFeatures: Tensor; // [1, N, C]
}

export class LlavaForConditionalGeneration {
  readonly vision_tower: ClipVisionModel;
  readonly multi_modal_projector: LlavaMultiModalProjector;
  readonly language_model: LlamaForCausalLM;

  constructor(p: Params, readonly config: LlavaConfig) {
    this.vision_tower = new ClipVisionModel(p.at('vision_tower'), config.vision_config);
    this.multi_modal_projector = new LlavaMultiModalProjector(p.at('multi_modal_projector'), config);
    this.language_model = new LlamaForCausalLM(p.at('language_model'), config.text_config);
  }

  /** The dtype the weights were loaded in; inputs are converted to it. */
  get dtype() {
    const w = this.language_model.model.embed_tokens.weight;
    return w instanceof HalfWeight ? 'float32' : w.dtype; // half weights compute in float32
  }

  /** The backend the weights live on; inputs are created there. */
  get backend() {
    return this.language_model.model.norm.weight.backend; // a float tensor in every loading mode
  }

  /** pixel_values [1, 3, H, W] → vision hidden states, selected features and projected image features. */
  encodeImage(pixelValues: Tensor, opts: { allHiddenStates?: boolean } = {}): VisionResult {
    const vm = this.vision_tower.vision_model;
    const nStates = vm.config.num_hidden_layers + 1;
    const indices = this.config.vision_feature_layer.map((l) => (l < 0 ? l + nStates : l));
    const upTo = opts.allHiddenStates ? nStates - 1 : Math.max(...indices);
    const hiddenStates = vm.hiddenStates(this.asModelDtype(pixelValues), upTo); // (upTo+1) × [1, N+1, C_vis]
    const pick = (h: Tensor) => (this.config.vision_feature_select_strategy === 'default' ? h.slice(1, 1) : h); // drop CLS
    const parts = indices.map((i) => pick(hiddenStates[i]));
    const selected = parts.length === 1 ? parts[0] : cat(parts, -1); // [1, N, C_vis·k]
    return { hiddenStates, selected, imageFeatures: this.multi_modal_projector.forward(selected) };
  }

  /** Token embeddings only: ids → [1, T, C]. */
  embedText(ids: readonly number[]): Tensor {
    return this.language_model.embedTokens(ids);
  }

  /** ids (one `<image>` id, or N of them in a row) + pixel_values [1, 3, H, W] → merged embeddings. */
  embed(ids: readonly number[], pixelValues: Tensor): EmbedResult {
    return this.embedWithImageFeatures(ids, this.encodeImage(pixelValues).imageFeatures);
  }

  /**
   * Splices `imageFeatures` [B, N, C] into the embeddings of `ids` at the image-token positions: a single
   * image id is replaced by N rows (old HF path); N consecutive image ids are overwritten in order (new path).
   * `ids` is one sequence (B = 1) or B sequences of one length with the image at the same place (a
   * training batch). Differentiable in `imageFeatures`.
   */
  embedWithImageFeatures(ids: readonly number[] | readonly (readonly number[])[], imageFeatures: Tensor): EmbedResult {
    const rows = isBatch(ids) ? ids : [ids];
    const C = this.config.text_config.hidden_size;
    const [B, N, C2] = imageFeatures.shape;
    if (imageFeatures.ndim !== 3 || B !== rows.length || C2 !== C) {
      throw new Error(`embed: image features [${imageFeatures.shape.join(', ')}], expected [${rows.length}, N, ${C}] for ${rows.length} sequence(s)`);
    }
    const { start, count } = imageTokenRun(rows[0], this.config.image_token_index, N);
    rows.forEach((r, b) => {
      const run = imageTokenRun(r, this.config.image_token_index, N);
      if (r.length !== rows[0].length || run.start !== start || run.count !== count) {
        throw new Error(`embed: sequence ${b} (${r.length} ids, image at ${run.start}) does not line up with sequence 0 (${rows[0].length} ids, image at ${start})`);
      }
    });
    const text = (from: number, to: number) => this.language_model.model.embed_tokens.forward(rows.flatMap((r) => r.slice(from, to)), [B, to - from]);
    const parts: Tensor[] = [];
    if (start > 0) parts.push(text(0, start)); // [B, start, C]
    parts.push(this.asModelDtype(imageFeatures)); // [B, N, C]
    if (start + count < rows[0].length) parts.push(text(start + count, rows[0].length)); // [B, rest, C]
    const inputsEmbeds = parts.length === 1 ? parts[0] : cat(parts, 1); // [B, T, C]
    return { inputsEmbeds, imageSpan: { start, length: N }, imageFeatures };
  }

  /** Runs the decoder on inputs_embeds [1, T, C]; see llama.ts DecodeOptions. */
  decode(inputsEmbeds: Tensor, opts: DecodeOptions = {}): DecodeResult {
    return this.language_model.decode(inputsEmbeds, opts);
  }

  /** Prefill attention maps of `layers` only (the decoder stops at the deepest one); see llama.ts. */
  attentionMaps(inputsEmbeds: Tensor, layers: readonly number[]): Map<number, Tensor> {
    return this.language_model.attentionMaps(inputsEmbeds, layers);
  }

  /** Per-layer reductions of the prefill attention, optionally recomputed in the backward; see llama.ts. */
  reducedAttention(inputsEmbeds: Tensor, layers: readonly number[], reduce: (layer: number, probs: Tensor) => Tensor, recompute: boolean): Map<number, Tensor> {
    return this.language_model.reducedAttention(inputsEmbeds, layers, reduce, recompute);
  }

  /** True when the weights are kept half precision (a large checkpoint loaded with halfWeights). */
  get halfWeights(): boolean {
    return this.language_model.model.embed_tokens.weight instanceof HalfWeight;
  }

  private asModelDtype(x: Tensor): Tensor {
    return x.dtype === this.dtype ? x : fromArray(x.toTypedArray(), x.shape, { like: this.language_model.model.norm.weight });
  }
}


const isBatch = (ids: readonly number[] | readonly (readonly number[])[]): ids is readonly (readonly number[])[] => Array.isArray(ids[0]);

/**
 * The image tokens of `ids`: one id (expanded to n features) or exactly n consecutive ids. Returns the
 * first index and how many ids are replaced; errors say what was found.
 */
export function imageTokenRun(ids: readonly number[], imageTokenId: number, n: number): { start: number; count: number } {
  const at = ids.flatMap((id, i) => (id === imageTokenId ? [i] : []));
  if (at.length === 0) throw new Error(`embed: no image token (id ${imageTokenId}) in the ${ids.length} input ids`);
  if (at.length === 1) return { start: at[0], count: 1 };
  const contiguous = at.every((p, i) => p === at[0] + i);
  if (at.length === n && contiguous) return { start: at[0], count: n };
  throw new Error(
    `embed: ${at.length} image tokens (id ${imageTokenId}) at positions ${at.slice(0, 8).join(', ')}${at.length > 8 ? ', …' : ''}; ` +
      `expected one (expanded to ${n} features) or ${n} consecutive ones (one image per prompt)`,
  );
}

/** Positions of the image rows in the merged sequence: start..start+length−1. */
export function imageTokenPositions(span: ImageSpan): number[] {
  return Array.from({ length: span.length }, (_, i) => span.start + i);
}
