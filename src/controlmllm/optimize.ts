/**
 * Latent optimisers (SPEC-controlmllm §2.2, §2.3, §8). The latent is added to the projected image
 * features; `objective(delta)` runs the prefill with `delta` added and returns the scalar loss α·E and
 * the pooled attention it came from. `optimizeLatent` is the one entry point (pipeline, trace, bench).
 *
 * v1: plain gradient descent on α·E with EMA (β) and early stop. With `accumulate` the edit at step t
 * is E0 + Σ_{i≤t} c_i (the official code's in-place `+=`, Note A); without it, E0 + c_t (the paper).
 * ++: Adam (β1, β2, ε, bias correction; the engine's one AdamW, without decay) on P with the edit
 * E0 + P, no EMA, no early stop.
 * A non-finite loss or gradient stops the loop with a warning and keeps the last finite latent.
 */
import { valueAndGrad } from '../autograd/grad.js';
import type { LlavaForConditionalGeneration } from '../model/llava.js';
import { AdamW } from '../optim/adamw.js';
import { tidy } from '../tensor/arena.js';
import { noGrad } from '../tensor/record.js';
import { Tensor } from '../tensor/tensor.js';
import { makeObjective, type Objective } from './objective.js';

export interface StepInfo {
  step: number;
  loss: number;
  /** Seconds spent in this step (forward + backward). */
  seconds: number;
  /** The pooled image attention [N] of this step's forward (step 0: the unedited prefill). */
  attention: Tensor;
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
  /** The pooled attention [N] of the first step's forward, at the starting latent (null: no step ran). */
  first: Tensor | null;
}

export interface V1Options {
  /** Iterations T. */
  steps: number;
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
function lossAndGrad(objective: Objective, delta: Tensor): { loss: number; g: Tensor; attention: Tensor } {
  const f = valueAndGrad((d: Tensor) => {
    const { loss, attention } = objective(d);
    return { value: loss, aux: attention };
  }, { hasAux: true });
  return tidy(() => {
    const { value, aux, grads } = f(delta);
    return { loss: value.item(), g: grads[0], attention: aux };
  });
}

/** The warning for a step whose loss or gradient is not finite (null when both are). */
function nonFinite(step: number, loss: number, g: Tensor): string | null {
  if (Number.isFinite(loss) && finite(g)) return null;
  return `step ${step}: non-finite ${Number.isFinite(loss) ? 'gradient' : `loss (${loss})`}; stopping and keeping the last finite latent`;
}

export function optimizeV1(objective: Objective, zeros: Tensor, o: V1Options, onStep?: (s: StepInfo) => void): OptimizeResult {
  const losses: number[] = [];
  const warnings: string[] = [];
  let vp = zeros;
  let hist = zeros;
  let applied = zeros; // Σ c_i applied so far (accumulate mode)
  let steps = 0;
  let stop: OptimizeResult['stop'] = 'done';
  let first: Tensor | null = null;
  for (let t = 0; t < o.steps; t++) {
    const started = performance.now();
    const c = noGrad(() => vp.mul(o.beta).add(hist.mul(1 - o.beta)));
    const delta = o.accumulate ? noGrad(() => applied.add(c)) : c;
    const { loss, g, attention } = lossAndGrad(objective, delta);
    first ??= attention;
    const warning = nonFinite(t, loss, g);
    if (warning) {
      warnings.push(warning);
      stop = 'non-finite';
      break;
    }
    losses.push(loss);
    if (o.accumulate) applied = delta;
    onStep?.({ step: t, loss, seconds: (performance.now() - started) / 1000, attention });
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
  return { losses, steps, finalDelta, stop, warnings, first };
}

/** ++ from `start` (not modified: Adam updates its own copy in place). */
export function optimizePP(objective: Objective, start: Tensor, o: PPOptions, onStep?: (s: StepInfo) => void): OptimizeResult {
  const losses: number[] = [];
  const warnings: string[] = [];
  const P = Tensor.of(start.toTypedArray(), start.shape, start.backend); // fresh memory, [1, N, C]
  const adam = new AdamW([P], { beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: 0 });
  let stop: OptimizeResult['stop'] = 'done';
  let steps = 0;
  let first: Tensor | null = null;
  for (let t = 0; t < o.steps; t++) {
    const started = performance.now();
    const { loss, g, attention } = lossAndGrad(objective, P);
    first ??= attention;
    const warning = nonFinite(t, loss, g);
    if (warning) {
      warnings.push(warning);
      stop = 'non-finite';
      break;
    }
    losses.push(loss);
    onStep?.({ step: t, loss, seconds: (performance.now() - started) / 1000, attention });
    adam.step([g], o.lr);
    steps++;
  }
  return { losses, steps, finalDelta: P, stop, warnings, first };
}

export interface LatentOptions {
  method: 'v1' | 'pp';
  /** v1: iterations T; ++: Adam steps. */
  steps: number;
  /** Energy scale α. */
  alpha: number;
  lr: number;
  /** Decoder layers pooled by the energy (resolved: 0..L−1). */
  layers: readonly number[];
  /** v1 EMA β, early stop (percent, null: off) and in-place accumulation. */
  beta: number;
  earlyStopPct: number | null;
  accumulate: boolean;
  /** ++ Adam ε (β1 0.9, β2 0.999). */
  eps: number;
  onStep?: (s: StepInfo) => void;
}

export interface LatentResult extends OptimizeResult {
  /** Pooled image attention [N] of the unedited prefill (step 0's forward) and of the edited one. */
  attention: { before: Tensor; after: Tensor };
}

/**
 * Optimises the latent added to `imageFeatures` [1, N, C] so that the prompt's attention moves into
 * `regions` (grid weights [N] each): v1 pools every layer given and the tokens after the image, ++ the
 * last token. One forward and backward per step, plus one forward for the attention after.
 */
export function optimizeLatent(
  model: LlavaForConditionalGeneration,
  ids: readonly number[],
  imageFeatures: Tensor,
  regions: readonly Float32Array[],
  o: LatentOptions,
): LatentResult {
  const queries = o.method === 'pp' ? ('last' as const) : ('after-image' as const);
  const objective = makeObjective(model, ids, imageFeatures, regions, { layers: o.layers, queries }, o.alpha);
  const zeros = noGrad(() => imageFeatures.mul(0));
  const r =
    o.method === 'pp'
      ? optimizePP(objective, zeros, { steps: o.steps, lr: o.lr, beta1: 0.9, beta2: 0.999, eps: o.eps }, o.onStep)
      : optimizeV1(objective, zeros, { steps: o.steps, lr: o.lr, beta: o.beta, earlyStopPct: o.earlyStopPct, accumulate: o.accumulate }, o.onStep);
  const pooled = (delta: Tensor) => noGrad(() => objective(delta).attention);
  return { ...r, attention: { before: r.first ?? pooled(zeros), after: pooled(r.finalDelta) } };
}
