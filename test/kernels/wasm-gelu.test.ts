/**
 * The exact GELU kernel (wat/gelu.ts, run through gated.ts) against the reference's float64 GELU: a
 * float32 relative error in both tails and at 0 over −12.5 … 12.5, the special values (NaN, ±∞, −0,
 * a huge negative), chunks past 1024 elements on both threads, and a length that is not a multiple of 4.
 */
import { cpu } from '../../src/kernels/cpu/index.js';
import { gatedRows } from '../../src/kernels/wasm/gated.js';
import { useKernelRig, view } from './wasm-helpers.js';

const rig = useKernelRig();
const resident = (values: Float32Array | number) => rig.resident(values);

const reference = (xs: Float32Array) => {
  const want = new Float64Array(xs.length);
  cpu.unary('gelu', view(Float64Array.from(xs), [xs.length], [1]), want);
  return want;
};

it.each([[4001, 'host'], [40000, 'resident']] as const)('%i values (%s) within float32 rounding of the float64 GELU', (n, where) => {
  const xs = Float32Array.from({ length: n }, (_, i) => -12.5 + (25 * i) / (n - 1));
  const x = where === 'resident' ? resident(xs) : xs;
  const out = where === 'resident' ? resident(n) : new Float32Array(n);
  gatedRows(rig.heap, rig.pool, 0, 0, [view(x, [n], [1])], [out], 'gelu_rows');
  const want = reference(xs);
  // + 1e-14 absolute: below x ≈ −7 the reference's 1 + erf(x/√2) cancels to a few double ulps
  const worst = out.reduce((w, g, i) => Math.max(w, Math.abs(g - want[i]) / (3e-7 * Math.abs(want[i]) + 1e-14)), 0);
  expect(worst).toBeLessThanOrEqual(1);
  expect(out[Math.floor(n / 2) + 1]).toBeGreaterThan(0);
});

it('special values: NaN, ±∞, −0, a huge negative, a large positive', () => {
  const xs = Float32Array.from([NaN, Infinity, -Infinity, -0, 0, -1e30, 3e4, -40]);
  const out = new Float32Array(xs.length);
  gatedRows(rig.heap, rig.pool, 0, 0, [view(xs, [xs.length], [1])], [out], 'gelu_rows');
  const want = reference(xs); // −∞ gives NaN there too: ½·(−∞)·(1 + erf(−∞)) = −∞·0
  expect([0, 2].map((i) => [Number.isNaN(out[i]), Number.isNaN(want[i])])).toEqual([[true, true], [true, true]]);
  expect([out[1], ...out.slice(3)]).toEqual([Infinity, -0, 0, -0, 3e4, -0]);
  expect([want[1], ...want.slice(3)].map(Math.fround)).toEqual([Infinity, -0, 0, -0, 3e4, -0]);
});
