/**
 * LLaVA multi-modal projector: linear_2(act(linear_1(x))), act = projector_hidden_act (exact erf GELU
 * for "gelu").
 *
 * Mirrors: transformers models/llava/modeling_llava.py `LlavaMultiModalProjector` (SPEC-llava.md §4).
 * Key prefix: `multi_modal_projector.` (linear_1 [C_text, C_vis·k], linear_2 [C_text, C_text]).
 * In: selected vision features [B, N, C_vis·k] (k = number of vision_feature_layer entries).
 * Out: image features [B, N, C_text].
 */
import type { LlavaConfig } from './config.js';
import { Linear, Params } from './layers.js';
import { Tensor, activation } from '../tensor/index.js';

export class LlavaMultiModalProjector {
  readonly linear_1: Linear;
  readonly linear_2: Linear;
  private readonly act: (x: Tensor) => Tensor;

  constructor(p: Params, cfg: LlavaConfig) {
    const inF = cfg.vision_config.hidden_size * cfg.vision_feature_layer.length;
    const C = cfg.text_config.hidden_size;
    const bias = cfg.multimodal_projector_bias;
    this.linear_1 = new Linear(p.at('linear_1'), inF, C, bias);
    this.linear_2 = new Linear(p.at('linear_2'), C, C, bias);
    this.act = activation(cfg.projector_hidden_act);
  }

  /** [B, N, C_vis·k] → [B, N, C_text]. */
  forward(x: Tensor): Tensor {
    return this.linear_2.forward(this.act(this.linear_1.forward(x)));
  }
}
