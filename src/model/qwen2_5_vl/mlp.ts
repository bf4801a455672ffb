/**
 * The gated SiLU MLP of Qwen2.5-VL, shared by the vision blocks (with biases) and the Qwen2 decoder
 * (without): down(silu(gate(x)) · up(x)).
 *
 * Mirrors: transformers modeling_qwen2_5_vl.py `Qwen2_5_VLMLP` (vision, bias=True) and `Qwen2MLP` (text).
 * Key prefix: `….mlp.` (gate_proj, up_proj [I, C], down_proj [C, I]).
 */
import { Linear, Params } from '../layers.js';
import { Tensor, silu } from '../../tensor/index.js';

export class GatedMlp {
  readonly gate_proj: Linear;
  readonly up_proj: Linear;
  readonly down_proj: Linear;
  constructor(p: Params, hidden: number, intermediate: number, bias: boolean) {
    this.gate_proj = new Linear(p.at('gate_proj'), hidden, intermediate, bias);
    this.up_proj = new Linear(p.at('up_proj'), hidden, intermediate, bias);
    this.down_proj = new Linear(p.at('down_proj'), intermediate, hidden, bias);
  }
  /** [..., C] → [..., C]. */
  forward(x: Tensor): Tensor {
    return this.down_proj.forward(silu(this.gate_proj.forward(x)).mul(this.up_proj.forward(x)));
  }
}
