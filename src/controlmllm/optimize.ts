/**
 * Latent optimisers (SPEC-controlmllm §2.2, §2.3, §8). The latent is added to the projected image
 * features; `objective(delta)` runs the prefill with `delta` added and returns the scalar loss α·E.
 *
 * v1: plain gradient descent on α·E with EMA (β) and early stop. With `accumulate` the edit at step t
 * is E0 + Σ_{i≤t} c_i (the official code's in-place `+=`, Note A); without it, E0 + c_t (the paper).
 * ++: Adam (β1, β2, ε, bias correction) on P with the edit E0 + P, no EMA, no early stop.
 * A non-finite loss or gradient stops the loop with a warning and keeps the last finite latent.
 */
import { grad } from '../autograd/grad.js';
import { tidy } from '../tensor/arena.js';
import { noGrad } from '../tensor/record.js';
import { Tensor } from '../tensor/tensor.js';

export type Objective = (delta: Tensor) => Tensor;

export interface StepInfo {
  step: number;
  loss: number;
  /** Seconds spent in this step (forward + backward). */
  seconds: number;
}

export interface OptimizeResult {
  /** α·E before each update (v1: also the iteration where early stop fired). */
  losses: number[];
  /** Number of gradient updates taken. */
  steps: number;
  /** What is finally added to the image features: [1, N, C]. */
  finalDelta: Tensor;
  stop: 'done' | 'early-stop' | 'non-finite';
  warnings: string[];
}

export interface V1Options {
  T: number;
  alpha?: number; // only used by callers building the objective; kept here for reporting
  lr: number;
  beta: number;
  /** Early-stop threshold in percent on |L_t − L_0| / L_0 (null: off). */
  earlyStopPct: number | null;
  accumulate: boolean;
}

export interface PPOptions {
  steps: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

const finite = (t: Tensor) => t.toArray().every(Number.isFinite);

/** One forward + backward; the step's activations go back to the buffer pool afterwards (tidy). */
function lossAndGrad(objective: Objective, delta: Tensor): { loss: number; g: Tensor } {
  return tidy(() => {
    const leaf = delta.detach().requireGrad();
    const loss = objective(leaf);
    const [g] = grad(loss, [leaf], { release: true }); // activations freed as the backward consumes them
    return { loss: loss.item(), g };
  });
}

export function optimizeV1(objective: Objective, zeros: Tensor, o: V1Options, onStep?: (s: StepInfo) => void): OptimizeResult {
  const losses: number[] = [];
  const warnings: string[] = [];
  let vp = zeros;
  let hist = zeros;
  let applied = zeros; // Σ c_i applied so far (accumulate mode)
  let steps = 0;
  let stop: OptimizeResult['stop'] = 'done';
  for (let t = 0; t < o.T; t++) {
    const started = performance.now();
    const c = noGrad(() => vp.mul(o.beta).add(hist.mul(1 - o.beta)));
    const delta = o.accumulate ? noGrad(() => applied.add(c)) : c;
    const { loss, g } = lossAndGrad(objective, delta);
    if (!Number.isFinite(loss) || !finite(g)) {
      warnings.push(`step ${t}: non-finite ${Number.isFinite(loss) ? 'gradient' : `loss (${loss})`}; stopping and keeping the last finite latent`);
      stop = 'non-finite';
      break;
    }
    losses.push(loss);
    if (o.accumulate) applied = delta;
    onStep?.({ step: t, loss, seconds: (performance.now() - started) / 1000 });
    if (o.earlyStopPct !== null && t >= 1 && (Math.abs(loss - losses[0]) / losses[0]) * 100 > o.earlyStopPct) {
      stop = 'early-stop';
      break;
    }
    hist = c;
    vp = noGrad(() => vp.sub(g.mul(o.beta * o.lr))); // ∂L/∂vp = β · ∂L/∂X
    steps++;
  }
  const finalDelta = noGrad(() => {
    const c = vp.mul(o.beta).add(hist.mul(1 - o.beta));
    return o.accumulate ? applied.add(c) : c;
  });
  return { losses, steps, finalDelta, stop, warnings };
}

export function optimizePP(objective: Objective, zeros: Tensor, o: PPOptions, onStep?: (s: StepInfo) => void): OptimizeResult {
  const losses: number[] = [];
  const warnings: string[] = [];
  let P = zeros;
  let m = zeros;
  let v = zeros;
  let stop: OptimizeResult['stop'] = 'done';
  let steps = 0;
  for (let t = 1; t <= o.steps; t++) {
    const started = performance.now();
    const { loss, g } = lossAndGrad(objective, P);
    if (!Number.isFinite(loss) || !finite(g)) {
      warnings.push(`step ${t - 1}: non-finite ${Number.isFinite(loss) ? 'gradient' : `loss (${loss})`}; stopping and keeping the last finite latent`);
      stop = 'non-finite';
      break;
    }
    losses.push(loss);
    onStep?.({ step: t - 1, loss, seconds: (performance.now() - started) / 1000 });
    noGrad(() => {
      m = m.mul(o.beta1).add(g.mul(1 - o.beta1));
      v = v.mul(o.beta2).add(g.square().mul(1 - o.beta2));
      const mHat = m.div(1 - o.beta1 ** t);
      const vHat = v.div(1 - o.beta2 ** t);
      P = P.sub(mHat.div(vHat.sqrt().add(o.eps)).mul(o.lr));
    });
    steps++;
  }
  return { losses, steps, finalDelta: P, stop, warnings };
}

