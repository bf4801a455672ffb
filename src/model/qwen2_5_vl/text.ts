/**
 * The Qwen2 decoder of Qwen2.5-VL: llama.ts's decoder layers with q/k/v biases (no o_proj bias), GQA,
 * RMSNorm, gated SiLU MLP, fed M-RoPE cos/sin tables (rope.ts); a KV cache and explicit attention capture.
 *
 * Mirrors: transformers modeling_qwen2_5_vl.py @ efa7189 — Qwen2_5_VLAttention (eager, repeat_kv),
 * Qwen2_5_VLDecoderLayer, Qwen2_5_VLModel, the LM head of Qwen2_5_VLForConditionalGeneration; during
 * decoding the three position ids of row p ≥ T are p + rope_deltas.
 * Key prefix: `model.` (embed_tokens, layers.i.{self_attn.{q,k,v,o}_proj, mlp, input_layernorm,
 * post_attention_layernorm}, norm) and `lm_head` (absent when tie_word_embeddings).
 *
 * In:  inputs_embeds [1, T, C], the prompt's M-RoPE positions, an optional cache of S−T earlier rows.
 * Out: logits [1, T, V], the extended cache, attention probabilities [1, H, T, S] of requested layers,
 *      optionally the HF hidden states (L+1 entries, the last after the final norm).
 */
import type { Qwen2TextConfig } from './config.js';
import { mropeCosSin, positionsFor, type MropePositions } from './rope.js';
import { resolveLayers, type DecodeOptions, type DecodeResult } from '../decode-options.js';
import { KVCache } from '../kv-cache.js';
import { LlamaDecoderLayer, type DecoderLayerConfig } from '../llama.js';
import { Embedding, Linear, Params, RMSNorm } from '../layers.js';
import type { Tensor } from '../../tensor/index.js';

export interface QwenDecodeOptions extends DecodeOptions {
  /** The prompt's positions (get_rope_index); absent: plain 1-D positions (text only). */
  rope?: MropePositions;
}

/** Qwen2_5_VLDecoderLayer = the Llama layer with q/k/v biases and no o_proj bias. */
export function decoderLayerConfig(cfg: Qwen2TextConfig): DecoderLayerConfig {
  return { ...cfg, attention_bias: true, o_proj_bias: false, mlp_bias: false };
}

/** Qwen2_5_VLModel (`model`) with the LM head of the causal-LM wrapper. */
export class Qwen2Decoder {
  readonly embed_tokens: Embedding;
  readonly layers: LlamaDecoderLayer[];
  readonly norm: RMSNorm;
  readonly lm_head: Linear | null; // null when tied to embed_tokens

  constructor(model: Params, lmHead: Params, readonly config: Qwen2TextConfig) {
    this.embed_tokens = new Embedding(model.at('embed_tokens'), config.vocab_size, config.hidden_size);
    const layers = model.at('layers');
    const layerCfg = decoderLayerConfig(config);
    this.layers = Array.from({ length: config.num_hidden_layers }, (_, i) => new LlamaDecoderLayer(layers.at(i), layerCfg));
    this.norm = new RMSNorm(model.at('norm'), config.hidden_size, config.rms_norm_eps);
    this.lm_head = config.tie_word_embeddings ? null : new Linear(lmHead, config.hidden_size, config.vocab_size, false);
  }

  /** inputs_embeds [1, T, C] → logits [1, T, V] (see QwenDecodeOptions). */
  decode(inputsEmbeds: Tensor, opts: QwenDecodeOptions = {}): DecodeResult {
    const L = this.layers.length;
    const capture = resolveLayers(opts.captureAttention, L);
    const run = this.runLayers(inputsEmbeds, opts, L - 1, capture);
    const h = this.norm.forward(run.h); // [1, T, C]
    run.hidden.push(h);
    const logits = this.lm_head ? this.lm_head.forward(h) : h.matmul(this.embed_tokens.weight.transpose(0, 1)); // [1, T, V]
    const result: DecodeResult = { logits, cache: new KVCache(run.kv), attentions: run.attentions };
    if (opts.outputHiddenStates) result.hiddenStates = run.hidden;
    return result;
  }

  /** The prefill's attention probabilities of `layers` only, running no deeper than the deepest: layer → [1, H, T, T]. */
  attentionMaps(inputsEmbeds: Tensor, layers: readonly number[], rope?: MropePositions): Map<number, Tensor> {
    const capture = resolveLayers(layers, this.layers.length);
    return this.runLayers(inputsEmbeds, { rope }, Math.max(...capture), capture).attentions;
  }

  /** Layers 0..upTo on inputs_embeds [1, T, C]: the last hidden state, new cache rows, captured attention. */
  private runLayers(x: Tensor, opts: QwenDecodeOptions, upTo: number, capture: Set<number>) {
    const [B, T, C] = x.shape;
    if (x.ndim !== 3 || B !== 1 || C !== this.config.hidden_size) {
      throw new Error(`decode: inputs_embeds [${x.shape.join(', ')}], expected [1, T, ${this.config.hidden_size}]`);
    }
    const L = this.layers.length;
    const past = opts.cache;
    if (past && past.layers.length !== L) throw new Error(`decode: cache has ${past.layers.length} layers, the model ${L}`);
    const offset = opts.positionOffset ?? past?.length ?? 0;
    const c = this.config;
    const { cos, sin } = mropeCosSin(positionsFor(opts.rope, offset, T), c.head_dim, c.rope_theta, c.mrope_section, x); // [T, D]
    let h = x;
    const hidden: Tensor[] = [h];
    const kv: { k: Tensor; v: Tensor }[] = [];
    const attentions = new Map<number, Tensor>();
    for (let i = 0; i <= upTo; i++) {
      const r = this.layers[i].forward(h, cos, sin, past?.layers[i]);
      h = r.h;
      kv.push({ k: r.k, v: r.v });
      if (capture.has(i)) attentions.set(i, r.probs);
      if (i < L - 1) hidden.push(h);
    }
    return { h, kv, attentions, hidden };
  }
}
