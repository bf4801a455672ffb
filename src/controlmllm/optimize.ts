/**
 * Latent optimisers (SPEC-controlmllm §2.2, §2.3, §8). The latent is added to the projected image
 * features; `objective(delta)` runs the prefill with `delta` added and returns the scalar loss α·E and
 * the pooled attention it came from. `optimizeLatent` is the one entry point (pipeline, trace, bench).
 *
 * v1: plain gradient descent on α·E with EMA (β) and early stop. With `accumulate` the edit at step t
 * is E0 + Σ_{i≤t} c_i (the official code's in-place `+=`, Note A); without it, E0 + c_t (the paper).
 * ++: Adam (β1, β2, ε, bias correction; the engine's one AdamW, without decay) on P with the edit
 * E0 + P, no EMA, no early stop.
 * A non-finite loss or gradient stops the loop with a warning; `finalDelta` is then the last latent whose
 * loss and gradient were finite (the one behind the last entry of `losses`). A final update that itself
 * overflows is dropped the same way. With no finite step at all, `losses` is empty and the caller has
 * no answer to give (the pipeline refuses to answer from it).
 */
import { valueAndGrad } from '../autograd/grad.js';
import { AdamW } from '../optim/adamw.js';
import { tidy, type TidyOptions } from '../tensor/arena.js';
import { noGrad } from '../tensor/record.js';
import { Tensor } from '../tensor/tensor.js';
import { makeObjective, type Objective, type PrefillModel } from './objective.js';

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

/**
 * Bytes a step's scope may track when the step keeps every activation for its backward anyway (no
 * recomputation): then all of them go back to the pool and the next step reuses them, where fresh arrays
 * would cost page faults (~50 ms for a fresh 11 MB array on the 2-core test machine, 3 ms rewritten).
 */
const STEP_TRACKED_BYTES = 2 * 2 ** 30;

/** The tidy scope of one step (its activations go back to the buffer pool afterwards). */
export const stepScopeOptions = (recompute: boolean): TidyOptions => (recompute ? {} : { maxTrackedBytes: STEP_TRACKED_BYTES });

/** One forward + backward. */
function lossAndGrad(objective: Objective, delta: Tensor): { loss: number; g: Tensor; attention: Tensor } {
  const f = valueAndGrad((d: Tensor) => {
    const { loss, attention } = objective(d);
    return { value: loss, aux: attention };
  }, { hasAux: true });
  return tidy(() => {
    const { value, aux, grads } = f(delta);
    return { loss: value.item(), g: grads[0], attention: aux };
  }, stepScopeOptions(objective.recompute ?? false));
}

/** What a run records step by step: losses, the first attention, warnings and why it stopped. */
class Run {
  readonly losses: number[] = [];
  readonly warnings: string[] = [];
  first: Tensor | null = null;
  stop: OptimizeResult['stop'] = 'done';
  steps = 0;
  /** A copy of the latent behind the last finite loss (the starting one before any step). */
  private lastGood: Tensor;
  constructor(private readonly objective: Objective, start: Tensor, private readonly onStep?: (s: StepInfo) => void) {
    this.lastGood = start;
  }

  /** Forward + backward at `delta` for step t: loss and gradient, or null when either is not finite (then stop). */
  evaluate(t: number, delta: Tensor, started: number): { loss: number; g: Tensor } | null {
    const { loss, g, attention } = lossAndGrad(this.objective, delta);
    this.first ??= attention;
    if (!Number.isFinite(loss) || !finite(g)) {
      this.warnings.push(`step ${t}: non-finite ${Number.isFinite(loss) ? 'gradient' : `loss (${loss})`}; stopping and keeping the last finite latent`);
      this.stop = 'non-finite';
      return null;
    }
    this.lastGood = Tensor.of(delta.toTypedArray().slice(), delta.shape, delta.backend); // a copy: Adam updates P in place
    this.losses.push(loss);
    this.onStep?.({ step: t, loss, seconds: (performance.now() - started) / 1000, attention });
    return { loss, g };
  }

  /** `next` (the latent after the last update) unless the run stopped on a non-finite step or `next` overflowed. */
  result(next: Tensor): OptimizeResult {
    let finalDelta = this.stop === 'non-finite' ? this.lastGood : next;
    if (finalDelta === next && !finite(next)) {
      this.warnings.push('the last update made the latent non-finite; keeping the last finite latent');
      finalDelta = this.lastGood;
    }
    return { losses: this.losses, steps: this.steps, finalDelta, stop: this.stop, warnings: this.warnings, first: this.first };
  }
}

export function optimizeV1(objective: Objective, zeros: Tensor, o: V1Options, onStep?: (s: StepInfo) => void): OptimizeResult {
  const run = new Run(objective, zeros, onStep);
  let vp = zeros;
  let hist = zeros;
  let applied = zeros; // Σ c_i applied so far (accumulate mode)
  for (let t = 0; t < o.steps; t++) {
    const started = performance.now();
    const c = noGrad(() => vp.mul(o.beta).add(hist.mul(1 - o.beta)));
    const delta = o.accumulate ? noGrad(() => applied.add(c)) : c;
    const r = run.evaluate(t, delta, started);
    if (!r) break;
    if (o.accumulate) applied = delta;
    if (o.earlyStopPct !== null && t >= 1 && (Math.abs(r.loss - run.losses[0]) / run.losses[0]) * 100 > o.earlyStopPct) {
      run.stop = 'early-stop';
      break;
    }
    hist = c;
    vp = noGrad(() => vp.sub(r.g.mul(o.beta * o.lr))); // ∂L/∂vp = β · ∂L/∂X
    run.steps++;
  }
  const finalDelta = noGrad(() => {
    const c = vp.mul(o.beta).add(hist.mul(1 - o.beta));
    return o.accumulate ? applied.add(c) : c;
  });
  return run.result(finalDelta);
}

/** ++ from `start` (not modified: Adam updates its own copy in place). */
export function optimizePP(objective: Objective, start: Tensor, o: PPOptions, onStep?: (s: StepInfo) => void): OptimizeResult {
  const run = new Run(objective, start, onStep);
  const P = Tensor.of(start.toTypedArray(), start.shape, start.backend); // fresh memory, [1, N, C]
  const adam = new AdamW([P], { beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: 0 });
  for (let t = 0; t < o.steps; t++) {
    const r = run.evaluate(t, P, performance.now());
    if (!r) break;
    adam.step([r.g], o.lr);
    run.steps++;
  }
  return run.result(P);
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
  /** ε in the energy's denominator (0; the official Qwen2.5-VL ++ code: 1e-6). */
  energyEps?: number;
  onStep?: (s: StepInfo) => void;
}

export interface LatentResult extends OptimizeResult {
  /** Pooled image attention [N] of the unedited prefill (step 0's forward) and of the edited one. */
  attention: { before: Tensor; after: Tensor };
}

/**
 * Optimises the latent added to `imageFeatures` ([1, N, C] LLaVA, [N, C] Qwen2.5-VL) so that the prompt's attention moves into
 * `regions` (grid weights [N] each): v1 pools every layer given and the tokens after the image, ++ the
 * last token. One forward and backward per step, plus one forward for the attention after.
 */
export function optimizeLatent(
  model: PrefillModel,
  ids: readonly number[],
  imageFeatures: Tensor,
  regions: readonly Float32Array[],
  o: LatentOptions,
): LatentResult {
  const queries = o.method === 'pp' ? ('last' as const) : ('after-image' as const);
  const objective = makeObjective(model, ids, imageFeatures, regions, { layers: o.layers, queries }, o.alpha, o.energyEps ?? 0);
  const zeros = noGrad(() => imageFeatures.mul(0));
  const r =
    o.method === 'pp'
      ? optimizePP(objective, zeros, { steps: o.steps, lr: o.lr, beta1: 0.9, beta2: 0.999, eps: o.eps }, o.onStep)
      : optimizeV1(objective, zeros, { steps: o.steps, lr: o.lr, beta: o.beta, earlyStopPct: o.earlyStopPct, accumulate: o.accumulate }, o.onStep);
  const pooled = (delta: Tensor) => noGrad(() => objective(delta).attention);
  return { ...r, attention: { before: r.first ?? pooled(zeros), after: pooled(r.finalDelta) } };
}
