/**
 * CLIP vision tower, as LLaVA uses it.
 *
 * Mirrors: transformers models/clip/modeling_clip.py — CLIPVisionEmbeddings, CLIPAttention, CLIPMLP,
 * CLIPEncoderLayer, CLIPEncoder, CLIPVisionTransformer, CLIPVisionModel (SPEC-llava.md §3).
 * Key prefix: `vision_tower.vision_model.` (fields: embeddings, pre_layrnorm — HF's spelling —,
 * encoder.layers.i, post_layernorm, which is stored but never used by LLaVA).
 *
 * In:  pixel_values [B, 3, H, W] (already normalised).
 * Out: hidden states [B, N+1, C] for HF indices 0..k (0 = embeddings after pre_layrnorm, i = output of
 *      encoder layer i−1), CLS first, patches in row-major order.
 */
import type { ClipVisionConfig } from './config.js';
import { LayerNorm, Linear, Params, Embedding } from './layers.js';
import { Tensor, activation, attention, cat, patchEmbed } from '../tensor/index.js';

/** CLIPVisionEmbeddings: Conv2d patches (no bias) + class token + learned positions. */
export class ClipVisionEmbeddings {
  readonly class_embedding: Tensor; // [C]
  readonly patch_embedding: { weight: Tensor }; // [C, 3, P, P]
  readonly position_embedding: Embedding; // [N+1, C]

  constructor(p: Params, private readonly cfg: ClipVisionConfig) {
    const C = cfg.hidden_size;
    const P = cfg.patch_size;
    const positions = (cfg.image_size / P) ** 2 + 1;
    this.class_embedding = p.get('class_embedding', [C]);
    this.patch_embedding = { weight: p.at('patch_embedding').get('weight', [C, cfg.num_channels, P, P]) };
    this.position_embedding = new Embedding(p.at('position_embedding'), positions, C);
  }

  /** pixels [B, 3, H, W] → [B, N+1, C]. */
  forward(pixels: Tensor): Tensor {
    const { image_size: S, num_channels: ch } = this.cfg;
    const [B, c, H, W] = pixels.shape;
    if (pixels.ndim !== 4 || c !== ch || H !== S || W !== S) {
      throw new Error(`clip: pixel_values [${pixels.shape.join(', ')}] do not match the vision config (expected [B, ${ch}, ${S}, ${S}])`);
    }
    const patches = patchEmbed(pixels, this.patch_embedding.weight); // [B, N, C]
    const C = this.class_embedding.shape[0];
    const cls = this.class_embedding.reshape([1, 1, C]).expand([B, 1, C]); // [B, 1, C]
    const x = cat([cls, patches], 1); // [B, N+1, C]
    return x.add(this.position_embedding.weight); // + [N+1, C]
  }
}

/** CLIPAttention: full (unmasked) multi-head self-attention with biases; q is scaled before q·kᵀ. */
export class ClipAttention {
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly out_proj: Linear;
  constructor(p: Params, private readonly cfg: ClipVisionConfig) {
    const C = cfg.hidden_size;
    this.q_proj = new Linear(p.at('q_proj'), C, C, true);
    this.k_proj = new Linear(p.at('k_proj'), C, C, true);
    this.v_proj = new Linear(p.at('v_proj'), C, C, true);
    this.out_proj = new Linear(p.at('out_proj'), C, C, true);
  }

  /** x [B, T, C] → [B, T, C]. */
  forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape;
    const H = this.cfg.num_attention_heads;
    const D = C / H;
    const heads = (t: Tensor) => t.reshape([B, T, H, D]).transpose(1, 2); // [B, H, T, D]
    const q = heads(this.q_proj.forward(x).mul(D ** -0.5)); // scale after the bias, as HF
    const k = heads(this.k_proj.forward(x));
    const v = heads(this.v_proj.forward(x));
    const { out } = attention(q, k, v, { scale: 1 }); // [B, H, T, D]
    return this.out_proj.forward(out.transpose(1, 2).reshape([B, T, C]));
  }
}

/** CLIPMLP: fc2(act(fc1(x))), C → I → C. */
export class ClipMlp {
  readonly fc1: Linear;
  readonly fc2: Linear;
  private readonly act: (x: Tensor) => Tensor;
  constructor(p: Params, cfg: ClipVisionConfig) {
    this.fc1 = new Linear(p.at('fc1'), cfg.hidden_size, cfg.intermediate_size, true);
    this.fc2 = new Linear(p.at('fc2'), cfg.intermediate_size, cfg.hidden_size, true);
    this.act = activation(cfg.hidden_act);
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.act(this.fc1.forward(x)));
  }
}

/** CLIPEncoderLayer: pre-norm residual blocks h + attn(ln1(h)), then h + mlp(ln2(h)). */
export class ClipEncoderLayer {
  readonly self_attn: ClipAttention;
  readonly layer_norm1: LayerNorm;
  readonly mlp: ClipMlp;
  readonly layer_norm2: LayerNorm;
  constructor(p: Params, cfg: ClipVisionConfig) {
    this.self_attn = new ClipAttention(p.at('self_attn'), cfg);
    this.layer_norm1 = new LayerNorm(p.at('layer_norm1'), cfg.hidden_size, cfg.layer_norm_eps);
    this.mlp = new ClipMlp(p.at('mlp'), cfg);
    this.layer_norm2 = new LayerNorm(p.at('layer_norm2'), cfg.hidden_size, cfg.layer_norm_eps);
  }
  /** h [B, T, C] → [B, T, C]. */
  forward(h: Tensor): Tensor {
    const a = h.add(this.self_attn.forward(this.layer_norm1.forward(h)));
    return a.add(this.mlp.forward(this.layer_norm2.forward(a)));
  }
}

/** CLIPVisionTransformer (`vision_model`). */
export class ClipVisionTransformer {
  readonly embeddings: ClipVisionEmbeddings;
  readonly pre_layrnorm: LayerNorm;
  readonly encoder: { layers: ClipEncoderLayer[] };
  readonly post_layernorm: LayerNorm;

  constructor(p: Params, readonly config: ClipVisionConfig) {
    const C = config.hidden_size;
    this.embeddings = new ClipVisionEmbeddings(p.at('embeddings'), config);
    this.pre_layrnorm = new LayerNorm(p.at('pre_layrnorm'), C, config.layer_norm_eps);
    const layers = p.at('encoder').at('layers');
    this.encoder = { layers: Array.from({ length: config.num_hidden_layers }, (_, i) => new ClipEncoderLayer(layers.at(i), config)) };
    this.post_layernorm = new LayerNorm(p.at('post_layernorm'), C, config.layer_norm_eps);
  }

  /**
   * HF `hidden_states` 0..upTo (default: all L+1). Layers past `upTo` are not run, since LLaVA only
   * reads hidden_states[vision_feature_layer]. pixels [B, 3, H, W] → (upTo+1) × [B, N+1, C].
   */
  hiddenStates(pixels: Tensor, upTo = this.config.num_hidden_layers): Tensor[] {
    let h = this.pre_layrnorm.forward(this.embeddings.forward(pixels)); // [B, N+1, C]
    const states = [h];
    for (const layer of this.encoder.layers.slice(0, upTo)) {
      h = layer.forward(h);
      states.push(h);
    }
    return states;
  }
}

/** CLIPVisionModel (`vision_tower`): a wrapper holding `vision_model`. */
export class ClipVisionModel {
  readonly vision_model: ClipVisionTransformer;
  constructor(p: Params, config: ClipVisionConfig) {
    this.vision_model = new ClipVisionTransformer(p.at('vision_model'), config);
  }
}
