/**
 * Llama decoder with a KV cache and explicit attention capture.
 *
 * Mirrors: transformers models/llama/modeling_llama.py — LlamaRMSNorm, LlamaRotaryEmbedding +
 * rotate_half/apply_rotary_pos_emb (half-split RoPE, no Q/K permutation), LlamaAttention (eager, GQA via
 * repeat_kv), LlamaMLP (down(act(gate(x)) · up(x))), LlamaDecoderLayer, LlamaModel, LlamaForCausalLM
 * (SPEC-llava.md §5).
 * Key prefix: `language_model.` (model.embed_tokens, model.layers.i.{self_attn,mlp,input_layernorm,
 * post_attention_layernorm}, model.norm, lm_head — absent when tie_word_embeddings).
 *
 * In:  inputs_embeds [1, T, C], positions offset..offset+T−1, an optional cache of S−T earlier positions.
 * Out: logits [1, T, V], the extended cache, attention probabilities [1, H, T, S] of requested layers,
 *      optionally the hidden states (HF `hidden_states`: L+1 entries, the last one after the final norm).
 */
import type { LlamaTextConfig } from './config.js';
import { Linear, Params, RMSNorm, TokenEmbedding } from './layers.js';
import { Tensor, activation, applyRope, attention, attentionProbs, cat, isGradEnabled, ropeTables, swiglu, tidy } from '../tensor/index.js';
import { checkpoint } from './checkpoint.js';
import { resolveLayers, type DecodeOptions, type DecodeResult, type LayerOut } from './decode-options.js';
import { KVCache, extendKV, type LayerKV } from './kv-cache.js';


/**
 * What a Llama-shaped decoder layer needs; Qwen2 (Qwen2.5-VL's decoder) is the same layer with q/k/v
 * biases and no o_proj bias (`o_proj_bias: false`, default: attention_bias).
 */
export type DecoderLayerConfig = Pick<
  LlamaTextConfig,
  'hidden_size' | 'intermediate_size' | 'num_attention_heads' | 'num_key_value_heads' | 'head_dim' | 'hidden_act' | 'rms_norm_eps' | 'attention_bias' | 'mlp_bias'
> & { o_proj_bias?: boolean };

/** A gated MLP's sizes: down(act(gate(x)) · up(x)), C → I → C (Llama, Qwen2, Qwen2.5-VL's vision blocks). */
export type GatedMlpConfig = Pick<LlamaTextConfig, 'hidden_size' | 'intermediate_size' | 'hidden_act' | 'mlp_bias'>;

export class LlamaAttention {
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly o_proj: Linear;
  constructor(p: Params, private readonly cfg: DecoderLayerConfig) {
    const { hidden_size: C, num_attention_heads: H, num_key_value_heads: Hkv, head_dim: D, attention_bias: b } = cfg;
    this.q_proj = new Linear(p.at('q_proj'), C, H * D, b);
    this.k_proj = new Linear(p.at('k_proj'), C, Hkv * D, b);
    this.v_proj = new Linear(p.at('v_proj'), C, Hkv * D, b);
    this.o_proj = new Linear(p.at('o_proj'), H * D, C, cfg.o_proj_bias ?? b);
  }

  /** x [B, T, C], cos/sin [T, D] → out [B, T, C], new k/v [B, Hkv, S, D] (past's S0 first), probs [B, H, T, S]. */
  forward(x: Tensor, cos: Tensor, sin: Tensor, past?: LayerKV, reserve?: number) {
    const [B, T] = x.shape;
    const { num_attention_heads: H, num_key_value_heads: Hkv, head_dim: D } = this.cfg;
    const q = applyRope(this.heads(this.q_proj.forward(x), H), cos, sin);
    const { k, v, store } = extendKV(past, applyRope(this.heads(this.k_proj.forward(x), Hkv), cos, sin), this.heads(this.v_proj.forward(x), Hkv), reserve);
    const { out, probs } = attention(q, k, v, { causal: true }); // out [B, H, T, D], probs [B, H, T, S]
    const y = this.o_proj.forward(out.transpose(1, 2).reshape([B, T, H * D]));
    return { out: y, k, v, store, probs };
  }

  /** The probabilities alone (no values, no output projection): x [B, T, C] → [B, H, T, T]. */
  probs(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
    const { num_attention_heads: H, num_key_value_heads: Hkv, head_dim: D } = this.cfg;
    const [q, k] = [applyRope(this.heads(this.q_proj.forward(x), H), cos, sin), applyRope(this.heads(this.k_proj.forward(x), Hkv), cos, sin)];
    return attentionProbs(q, k, { scale: 1 / Math.sqrt(D), causal: true });
  }

  /** [B, T, n·D] → [B, n, T, D] (a view). */
  private heads(t: Tensor, n: number): Tensor {
    return t.reshape([t.shape[0], t.shape[1], n, this.cfg.head_dim]).transpose(1, 2);
  }
}

export class LlamaMlp {
  readonly gate_proj: Linear;
  readonly up_proj: Linear;
  readonly down_proj: Linear;
  private readonly act: ((x: Tensor) => Tensor) | null; // null: silu, fused with the product (SwiGLU)
  constructor(p: Params, cfg: GatedMlpConfig) {
    const { hidden_size: C, intermediate_size: I, mlp_bias: b } = cfg;
    this.gate_proj = new Linear(p.at('gate_proj'), C, I, b);
    this.up_proj = new Linear(p.at('up_proj'), C, I, b);
    this.down_proj = new Linear(p.at('down_proj'), I, C, b);
    this.act = cfg.hidden_act === 'silu' ? null : activation(cfg.hidden_act);
  }
  /** [..., C] → [..., C]. */
  forward(x: Tensor): Tensor {
    const [gate, up] = [this.gate_proj.forward(x), this.up_proj.forward(x)]; // [..., I]
    return this.down_proj.forward(this.act ? this.act(gate).mul(up) : swiglu(gate, up));
  }
}

export class LlamaDecoderLayer {
  readonly self_attn: LlamaAttention;
  readonly mlp: LlamaMlp;
  readonly input_layernorm: RMSNorm;
  readonly post_attention_layernorm: RMSNorm;
  constructor(p: Params, cfg: DecoderLayerConfig) {
    this.self_attn = new LlamaAttention(p.at('self_attn'), cfg);
    this.mlp = new LlamaMlp(p.at('mlp'), cfg);
    this.input_layernorm = new RMSNorm(p.at('input_layernorm'), cfg.hidden_size, cfg.rms_norm_eps);
    this.post_attention_layernorm = new RMSNorm(p.at('post_attention_layernorm'), cfg.hidden_size, cfg.rms_norm_eps);
  }
  forward(x: Tensor, cos: Tensor, sin: Tensor, past?: LayerKV, reserve?: number): LayerOut {
    const a = this.self_attn.forward(this.input_layernorm.forward(x), cos, sin, past, reserve);
    const h = x.add(a.out); // [B, T, C]
    return { h: h.add(this.mlp.forward(this.post_attention_layernorm.forward(h))), k: a.k, v: a.v, store: a.store, probs: a.probs };
  }
  /** The layer's attention probabilities only [B, H, T, T] (what the energy reads of the deepest layer). */
  probs(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
    return this.self_attn.probs(this.input_layernorm.forward(x), cos, sin);
  }
}

/** LlamaModel (`language_model.model`). */
export class LlamaModel {
  readonly embed_tokens: TokenEmbedding;
  readonly layers: LlamaDecoderLayer[];
  readonly norm: RMSNorm;
  constructor(p: Params, cfg: LlamaTextConfig) {
    this.embed_tokens = new TokenEmbedding(p.at('embed_tokens'), cfg.vocab_size, cfg.hidden_size);
    const layers = p.at('layers');
    this.layers = Array.from({ length: cfg.num_hidden_layers }, (_, i) => new LlamaDecoderLayer(layers.at(i), cfg));
    this.norm = new RMSNorm(p.at('norm'), cfg.hidden_size, cfg.rms_norm_eps);
  }
}

/** LlamaForCausalLM (`language_model`). */
export class LlamaForCausalLM {
  readonly model: LlamaModel;
  readonly lm_head: Linear | null; // null when tied to embed_tokens

  constructor(p: Params, readonly config: LlamaTextConfig) {
    this.model = new LlamaModel(p.at('model'), config);
    this.lm_head = config.tie_word_embeddings ? null : new Linear(p.at('lm_head'), config.hidden_size, config.vocab_size, false);
  }

  /** ids → [1, T, C]. */
  embedTokens(ids: readonly number[]): Tensor {
    return this.model.embed_tokens.forward(ids);
  }

  /**
   * The prefill's attention probabilities for `layers` only, running the decoder no deeper than the
   * deepest of them (no final norm, no LM head): what the ControlMLLM energy needs.
   * inputs_embeds [1, T, C] → layer → [1, H, T, T].
   */
  attentionMaps(inputsEmbeds: Tensor, layers: readonly number[]): Map<number, Tensor> {
    const L = this.model.layers.length;
    const capture = resolveLayers(layers, L);
    const positions = Array.from({ length: inputsEmbeds.shape[1] }, (_, t) => t);
    const attentions = new Map<number, Tensor>();
    this.runLayers(inputsEmbeds, positions, { upTo: Math.max(...capture) }, (i, r) => {
      if (capture.has(i)) attentions.set(i, r.probs);
    });
    return attentions;
  }

  /**
   * Like attentionMaps, but each captured layer's probabilities [1, H, T, T] are reduced at once by
   * `reduce(layer, probs)` (e.g. pooled to the image tokens), and only the reductions are returned.
   * With `recompute`, every decoder layer is a gradient checkpoint: its activations are dropped after the
   * forward and rebuilt during the backward, so a step holds one layer's activations instead of all of
   * them (what a 7B needs), for one more forward pass.
   */
  reducedAttention(inputsEmbeds: Tensor, layers: readonly number[], reduce: (layer: number, probs: Tensor) => Tensor, recompute: boolean): Map<number, Tensor> {
    const capture = resolveLayers(layers, this.model.layers.length);
    const [, T, C] = inputsEmbeds.shape;
    const positions = Array.from({ length: T }, (_, t) => t);
    const { cos, sin } = ropeTables(positions, this.config.head_dim, this.config.rope_theta, inputsEmbeds); // [T, D]
    const reduced = new Map<number, Tensor>();
    let h = inputsEmbeds;
    const deepest = Math.max(...capture);
    for (let i = 0; i <= deepest; i++) {
      const layer = this.model.layers[i];
      if (i === deepest) { // nothing reads this layer's output: its probabilities only
        reduced.set(i, recompute ? checkpoint((x) => reduce(i, layer.probs(x, cos, sin)), h) : reduce(i, layer.probs(h, cos, sin)));
        break;
      }
      if (!recompute) {
        const r = layer.forward(h, cos, sin);
        if (capture.has(i)) reduced.set(i, reduce(i, r.probs));
        h = r.h;
        continue;
      }
      let shape: readonly number[] = [];
      // One checkpoint per layer: h [1, T, C] → [T·C + numel(reduction)] (the next h, then the reduction).
      const packed = checkpoint((x) => {
        const r = layer.forward(x, cos, sin);
        if (!capture.has(i)) return r.h.reshape([T * C]);
        const red = reduce(i, r.probs);
        shape = red.shape;
        return cat([r.h.reshape([T * C]), red.reshape([red.size])], 0);
      }, h);
      if (capture.has(i)) reduced.set(i, packed.slice(0, T * C).reshape(shape));
      h = packed.slice(0, 0, T * C).reshape([1, T, C]);
    }
    return reduced;
  }

  /**
   * The decoder body, one loop for inference and training: layers 0..upTo on x [B, T, C] at `positions`
   * (causal; `past` only with B = 1), calling `each` with every layer's outputs in order.
   */
  runLayers(x: Tensor, positions: readonly number[], o: { past?: KVCache; reserve?: number; upTo: number }, each: (i: number, r: LayerOut) => void): void {
    const { cos, sin } = ropeTables(positions, this.config.head_dim, this.config.rope_theta, x); // [T, D]
    let h = x;
    for (let i = 0; i <= o.upTo; i++) {
      const layer = this.model.layers[i];
      const past = o.past?.layers[i];
      // Inference: each layer's temporaries go back to the pool as it ends, and the next layer reuses
      // them (a 7B prefill allocates ~200 MB per layer: fresh pages and garbage otherwise).
      const r = isGradEnabled() ? layer.forward(h, cos, sin, past) : tidy(() => layer.forward(h, cos, sin, past, o.reserve));
      h = r.h;
      each(i, r);
    }
  }

  /** The LM head on final-normed hidden states: [..., C] → logits [..., V] (tied to embed_tokens when lm_head is absent). */
  lmHead(h: Tensor): Tensor {
    return this.lm_head ? this.lm_head.forward(h) : this.model.embed_tokens.project(h);
  }

  /**
   * The prefill for a consumer that writes each layer out as it goes (trace): `each(i, input, probs)` gets
   * layer i's input hidden state [1, T, C] (HF's hidden_states[i]) and its attention probabilities
   * [1, H, T, T], and nothing is kept for later (no cache, no list of maps: a 7B's are 1.5 GB). Returns
   * the final-normed hidden state (hidden_states[L]) and the logits [1, T, V].
   */
  streamLayers(inputsEmbeds: Tensor, each: (i: number, input: Tensor, probs: Tensor) => void): { normed: Tensor; logits: Tensor } {
    const T = inputsEmbeds.shape[1];
    let h = inputsEmbeds;
    this.runLayers(inputsEmbeds, Array.from({ length: T }, (_, t) => t), { upTo: this.model.layers.length - 1 }, (i, r) => {
      each(i, h, r.probs);
      h = r.h;
    });
    const normed = this.model.norm.forward(h); // [1, T, C]
    return { normed, logits: this.lmHead(normed) };
  }

  /** inputs_embeds [1, T, C] → logits [1, T, V] (see DecodeOptions). */
  decode(inputsEmbeds: Tensor, opts: DecodeOptions = {}): DecodeResult {
    const [B, T, C] = inputsEmbeds.shape;
    if (inputsEmbeds.ndim !== 3 || B !== 1 || C !== this.config.hidden_size) {
      throw new Error(`decode: inputs_embeds [${inputsEmbeds.shape.join(', ')}], expected [1, T, ${this.config.hidden_size}]`);
    }
    const L = this.model.layers.length;
    const past = opts.cache;
    if (past && past.layers.length !== L) throw new Error(`decode: cache has ${past.layers.length} layers, the model ${L}`);
    const capture = resolveLayers(opts.captureAttention, L);
    const offset = opts.positionOffset ?? past?.length ?? 0;
    const positions = Array.from({ length: T }, (_, t) => offset + t);

    let h = inputsEmbeds;
    const hidden: Tensor[] = [h];
    const kv: LayerKV[] = [];
    const attentions = new Map<number, Tensor>();
    this.runLayers(inputsEmbeds, positions, { past, reserve: opts.reserve, upTo: L - 1 }, (i, r) => {
      h = r.h;
      kv.push({ k: r.k, v: r.v, store: r.store });
      if (capture.has(i)) attentions.set(i, r.probs);
      if (i < L - 1 && opts.outputHiddenStates) hidden.push(h);
    });
    h = this.model.norm.forward(h); // [1, T, C]
    hidden.push(h);
    const logits = this.lmHead(opts.lastLogitsOnly ? h.slice(1, T - 1) : h); // [1, T or 1, V]
    const result: DecodeResult = { logits, cache: new KVCache(kv), attentions };
    if (opts.outputHiddenStates) result.hiddenStates = hidden;
    return result;
  }
}
