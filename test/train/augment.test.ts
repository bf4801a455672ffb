import { addRegionShift, featurePerturbation, tokenKeepMask } from '../../src/train/augment.js';
import { cpu } from '../../src/kernels/cpu/index.js';
import { Rng } from '../../src/tensor/index.js';

/** The per-token shift of sample b as strings (one per token) for comparing token rows. */
const rows = (d: Float32Array, b: number, N: number, C: number) => Array.from({ length: N }, (_, t) => Array.from(d.subarray((b * N + t) * C, (b * N + t + 1) * C)).join(','));

describe('featureShift (addRegionShift)', () => {
  const [B, N, C] = [3, 16, 5];

  test('adds one vector inside a box of the 4×4 grid and another outside it, per sample', () => {
    const d = new Float32Array(B * N * C);
    addRegionShift(d, B, N, C, 0.7, new Rng(9));
    for (let b = 0; b < B; b++) {
      const r = rows(d, b, N, C);
      const distinct = [...new Set(r)];
      expect(distinct.length).toBeLessThanOrEqual(2);
      expect(distinct[0]).not.toBe(new Array(C).fill(0).join(','));
      // One of the two token sets is a box of the grid (the other its complement, possibly empty).
      const sets = distinct.map((v) => r.flatMap((s, t) => (s === v ? [t] : [])));
      expect(sets.some(isBox)).toBe(true);
    }
    // Per channel the vectors are N(0, τ²): over many samples their std is near τ.
    const big = new Float32Array(400 * 4 * 64);
    addRegionShift(big, 400, 4, 64, 0.7, new Rng(1));
    const std = Math.sqrt(big.reduce((s, x) => s + x * x, 0) / big.length);
    expect(std).toBeGreaterThan(0.6);
    expect(std).toBeLessThan(0.8);
  });

  test('is a function of the seed, and names a token count that is not a square grid', () => {
    const a = featurePerturbation(B, N, C, { noise: 0.5, shift: 0.7 }, 42, cpu)!.data as Float32Array;
    const b = featurePerturbation(B, N, C, { noise: 0.5, shift: 0.7 }, 42, cpu)!.data as Float32Array;
    const c = featurePerturbation(B, N, C, { noise: 0.5, shift: 0.7 }, 43, cpu)!.data as Float32Array;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(featurePerturbation(B, N, C, { noise: 0, shift: 0 }, 42, cpu)).toBeUndefined();
    expect(() => addRegionShift(new Float32Array(12 * C), 1, 12, C, 0.7, new Rng(1))).toThrow(/12 image tokens are not a square grid/);
  });
});

describe('tokenDrop (tokenKeepMask)', () => {
  test('zeroes each token with probability p, one 0/1 value per token, seeded', () => {
    const m = tokenKeepMask(50, 64, 0.3, 7, cpu)!;
    expect(m.shape).toEqual([50, 64, 1]);
    const d = Array.from(m.data as Float32Array);
    expect(d.every((v) => v === 0 || v === 1)).toBe(true);
    const dropped = d.filter((v) => v === 0).length / d.length;
    expect(dropped).toBeGreaterThan(0.27);
    expect(dropped).toBeLessThan(0.33);
    expect(Array.from(tokenKeepMask(50, 64, 0.3, 7, cpu)!.data)).toEqual(d);
    expect(Array.from(tokenKeepMask(50, 64, 0.3, 8, cpu)!.data)).not.toEqual(d);
    expect(tokenKeepMask(50, 64, 0, 7, cpu)).toBeUndefined();
    expect(() => tokenKeepMask(1, 4, 1, 7, cpu)).toThrow(/tokenDrop must be a rate or a range \[lo, hi\] within \[0, 1\), got 1/);
    expect(() => tokenKeepMask(1, 4, -0.1, 7, cpu)).toThrow(/tokenDrop must be/);
    expect(() => tokenKeepMask(1, 4, [0.5, 0.2], 7, cpu)).toThrow(/got \[0.5,0.2\]/);
  });

  test('a range draws the rate per sample: some samples keep almost everything, some lose most', () => {
    const [B, N] = [400, 64];
    const d = tokenKeepMask(B, N, [0, 0.6], 3, cpu)!.data as Float32Array;
    const rates = Array.from({ length: B }, (_, b) => 1 - d.subarray(b * N, (b + 1) * N).reduce((s, v) => s + v, 0) / N);
    const mean = rates.reduce((s, r) => s + r, 0) / B;
    expect(mean).toBeGreaterThan(0.27);
    expect(mean).toBeLessThan(0.33);
    expect(rates.filter((r) => r < 0.08).length).toBeGreaterThan(20);
    expect(rates.filter((r) => r > 0.5).length).toBeGreaterThan(20);
    expect(Math.max(...rates)).toBeLessThan(0.85);
  });
});

/** Whether the tokens fill a rectangle of rows × columns of the 4×4 grid exactly. */
function isBox(tokens: number[]): boolean {
  const rs = tokens.map((t) => Math.floor(t / 4));
  const cs = tokens.map((t) => t % 4);
  const span = (v: number[]) => Math.max(...v) - Math.min(...v) + 1;
  return tokens.length === span(rs) * span(cs);
}
