/**
 * AdamW (Loshchilov & Hutter; PyTorch `torch.optim.AdamW` semantics) updating parameter tensors in
 * place, with optional global-norm gradient clipping (`clip_grad_norm_`). The moments live here, not on
 * the tensors, and can be saved and restored for resumable training. One Adam for the whole engine:
 * training (src/train) and ControlMLLM++'s latent (weightDecay 0, src/controlmllm/optimize.ts).
 *
 *   θ ← θ − lr·λ·θ                    (decoupled weight decay, only where decay[i])
 *   m ← β1·m + (1−β1)·g ;  v ← β2·v + (1−β2)·g²
 *   θ ← θ − lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε)
 */
import type { Tensor } from '../tensor/tensor.js';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** Which parameters get weight decay (default: those with 2 or more dims). */
  decay?: readonly boolean[];
}

export interface AdamWState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decay: readonly boolean[];
  state: AdamWState;

  constructor(readonly params: readonly Tensor[], opts: AdamWOptions = {}) {
    for (const p of params) {
      if (!p.isContiguous || p.offset !== 0 || p.data.length !== p.size) throw new Error(`AdamW: parameter ${p} must own a contiguous buffer`);
    }
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.01;
    this.decay = opts.decay ?? params.map((p) => p.ndim >= 2);
    this.state = { step: 0, m: params.map((p) => new Float32Array(p.size)), v: params.map((p) => new Float32Array(p.size)) };
  }

  /**
   * One update with learning rate lr from gradients aligned with `params`. With maxNorm, the gradients
   * are first scaled so that their global L2 norm is at most maxNorm. Returns the norm before clipping.
   */
  step(grads: readonly Tensor[], lr: number, maxNorm = Infinity): number {
    if (grads.length !== this.params.length) throw new Error(`AdamW: ${grads.length} gradients for ${this.params.length} parameters`);
    const gs = grads.map((g, i) => {
      const d = rowMajor(g);
      if (d.length !== this.params[i].size) throw new Error(`AdamW: gradient ${i} has ${d.length} values for ${this.params[i]}`);
      return d;
    });
    let sq = 0;
    for (const d of gs) for (let k = 0; k < d.length; k++) sq += d[k] * d[k];
    const norm = Math.sqrt(sq);
    const scale = norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
    const t = ++this.state.step;
    const [b1, b2] = [this.beta1, this.beta2];
    const c1 = 1 - b1 ** t;
    const c2 = 1 - b2 ** t;
    this.params.forEach((p, i) => {
      const [g, w, m, v] = [gs[i], p.data, this.state.m[i], this.state.v[i]];
      const wd = this.decay[i] ? 1 - lr * this.weightDecay : 1;
      for (let k = 0; k < w.length; k++) {
        const gk = g[k] * scale;
        m[k] = b1 * m[k] + (1 - b1) * gk;
        v[k] = b2 * v[k] + (1 - b2) * gk * gk;
        w[k] = w[k] * wd - (lr * (m[k] / c1)) / (Math.sqrt(v[k] / c2) + this.eps);
      }
      p.backend.forget?.(w); // backends caching derived copies (wasm's packed weights) must drop them
    });
    return norm;
  }
}

/** The row-major values of a gradient (its own buffer when it already is one, else a copy). */
function rowMajor(g: Tensor) {
  return g.isContiguous && g.offset === 0 && g.data.length === g.size ? g.data : g.toTypedArray();
}
