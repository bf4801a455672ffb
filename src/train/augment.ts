/**
 * Perturbations of the image features while training the decoder (regularisers; no gradient flows into
 * them). ControlMLLM adds a latent to the visual tokens at inference, and the decoder must still read
 * the scene through it: with Adam the latent grows by about lr per element per step and is coherent
 * over the tokens of a region, so i.i.d. noise alone does not show the decoder what it will meet.
 *
 * - featureNoise: i.i.d. Gaussian noise of std σ on every element.
 * - featureShift: per sample, one Gaussian vector u (std τ per channel) added to every token inside a
 *   random box of the token grid and another, v, to every token outside it: the shape of a latent
 *   optimised toward a region.
 * - tokenDrop: per sample, each image token is zeroed with probability p (or a rate drawn per sample
 *   from a range); the rest are kept as they are, not rescaled. The decoder must then read every object
 *   from whichever of its tokens survive, which is what ControlMLLM with a mask asks of it: the mask moves
 *   the attention onto the tokens whose centres lie inside the object. (In stage 1, where the gradient
 *   also reaches the vision tower, it made the tower read shape worse: TRAINING.md, eleventh session.)
 */
import type { Backend } from '../kernels/backend.js';
import { Rng, Tensor, fromArray, randn, zeros } from '../tensor/index.js';

export interface FeatureAugment {
  /** Std of i.i.d. Gaussian noise (0: none). */
  noise: number;
  /** Std per channel of the per-region shift (0: none). */
  shift: number;
}

/** The perturbation [B, N, C] for one step, or undefined when both parts are 0. N must be a square grid. */
export function featurePerturbation(B: number, N: number, C: number, a: FeatureAugment, seed: number, backend: Backend): Tensor | undefined {
  if (!a.noise && !a.shift) return undefined;
  const out = a.noise ? randn([B, N, C], { seed, std: a.noise, backend }) : zeros([B, N, C], { backend });
  if (a.shift) addRegionShift(out.data as Float32Array, B, N, C, a.shift, new Rng(seed ^ 0x51f7));
  return out;
}

/** Adds, per sample, u inside a random box of the √N×√N grid and v outside it (both N(0, τ²) per channel). */
export function addRegionShift(data: Float32Array, B: number, N: number, C: number, tau: number, rng: Rng): void {
  const g = Math.round(Math.sqrt(N));
  if (g * g !== N) throw new Error(`featureShift: ${N} image tokens are not a square grid`);
  for (let b = 0; b < B; b++) {
    const [r0, r1] = span(g, rng);
    const [c0, c1] = span(g, rng);
    const u = Float32Array.from({ length: C }, () => tau * rng.normal());
    const v = Float32Array.from({ length: C }, () => tau * rng.normal());
    for (let t = 0; t < N; t++) {
      const [r, c] = [Math.floor(t / g), t % g];
      const s = r >= r0 && r < r1 && c >= c0 && c < c1 ? u : v;
      const at = (b * N + t) * C;
      for (let k = 0; k < C; k++) data[at + k] += s[k];
    }
  }
}

/** A random non-empty [start, end) within 0..g. */
function span(g: number, rng: Rng): [number, number] {
  const a = rng.int(g);
  const b = rng.int(g);
  return [Math.min(a, b), Math.max(a, b) + 1];
}

/**
 * The 0/1 keep mask [B, N, 1] of one step, or undefined when the rate is 0: each token is dropped with
 * probability p, or, for a range [lo, hi], with a rate drawn per sample uniformly from it (so some
 * samples are seen whole and some through few tokens).
 */
export function tokenKeepMask(B: number, N: number, p: number | readonly [number, number], seed: number, backend: Backend): Tensor | undefined {
  const [lo, hi] = typeof p === 'number' ? [p, p] : p;
  if (!hi) return undefined;
  if (!(lo >= 0 && hi < 1 && lo <= hi)) throw new Error(`tokenDrop must be a rate or a range [lo, hi] within [0, 1), got ${JSON.stringify(p)}`);
  const rng = new Rng(seed ^ 0x7d0b);
  const keep = new Float32Array(B * N);
  for (let b = 0; b < B; b++) {
    const rate = lo === hi ? lo : lo + (hi - lo) * rng.uniform(); // a fixed rate draws nothing extra
    for (let t = 0; t < N; t++) keep[b * N + t] = rng.uniform() < rate ? 0 : 1;
  }
  return fromArray(keep, [B, N, 1], { backend });
}
