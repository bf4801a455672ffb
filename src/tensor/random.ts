/**
 * Seeded randomness. The PRNG is mulberry32 (32-bit state, period 2^32): fast, tiny and reproducible
 * across platforms; normal samples use the Box–Muller transform on two uniforms.
 */

// Module-scope aliases: a global lookup per sample is slow where the code runs in a vm context (jest).
const { cos, floor, imul, log, sqrt } = Math;

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal N(0, 1) via Box–Muller. */
  normal(): number {
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    return sqrt(-2 * log(u1)) * cos(2 * Math.PI * u2);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return floor(this.uniform() * n);
  }
}
