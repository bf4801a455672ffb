/**
 * The wasm backend's elementwise ops (kernels/wasm/elementwise.ts) against the reference backend, bit for
 * bit (the same arithmetic per element): every binary op, every unary op (specialised or not) and where,
 * on contiguous, broadcast (stride 0), scalar, transposed and offset views, float32 and float64 — except
 * silu and quick_gelu on dense float32 views, which run the SIMD kernel of wat/gated.ts (a polynomial
 * exp) and must agree within float32 rounding (a few ulp) instead.
 */
import type { View } from '../../src/kernels/backend.js';
import { cpu } from '../../src/kernels/cpu/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/kernels/wasm/index.js';
import { binaryTable, unaryTable, type BinaryOp, type UnaryOp } from '../../src/kernels/scalar.js';
import { random, view } from './wasm-helpers.js';

let wasm: WasmBackend;
beforeAll(async () => {
  wasm = await createWasmBackend();
});
afterAll(() => wasm.dispose());

const base = random(4 * 5 * 6 + 7, 1).map((v, i) => (i % 7 === 0 ? 0 : i % 11 === 0 ? -v : 3 * v));
const other = random(4 * 5 * 6 + 7, 2).map((v, i) => (i % 5 === 0 ? 0.5 : v));

/** Views of shape [4, 5, 6] over `d`: contiguous, offset, transposed, broadcast row, broadcast column, scalar. */
const layouts = (d: Float32Array | Float64Array): Array<[string, View]> => [
  ['contiguous', view(d, [4, 5, 6], [30, 6, 1])],
  ['offset', view(d, [4, 5, 6], [30, 6, 1], 7)],
  ['transposed', view(d, [4, 5, 6], [1, 24, 4])],
  ['row broadcast', view(d, [4, 5, 6], [0, 0, 1], 3)],
  ['column broadcast', view(d, [4, 5, 6], [6, 1, 0])],
  ['scalar', view(d, [4, 5, 6], [0, 0, 0], 5)],
];

describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
  const wrap = (x: Float32Array) => (dtype === 'float64' ? Float64Array.from(x) : Float32Array.from(x));
  const alloc = () => (dtype === 'float64' ? new Float64Array(120) : new Float32Array(120));
  const [A, B] = [layouts(wrap(base)), layouts(wrap(other))];

  it.each(Object.keys(binaryTable) as BinaryOp[])('binary %s on every pair of layouts', (op) => {
    for (const [, a] of A) for (const [, b] of B) {
      const [want, got] = [alloc(), alloc()];
      cpu.binary(op, a, b, want);
      wasm.binary(op, a, b, got);
      expect(got).toEqual(want);
    }
  });

  it.each(Object.keys(unaryTable) as UnaryOp[])('unary %s on every layout', (op) => {
    for (const [, x] of A) {
      const [want, got] = [alloc(), alloc()];
      cpu.unary(op, x, want);
      wasm.unary(op, x, got);
      if (dtype === 'float32' && (((op === 'silu' || op === 'quick_gelu') && x.strides[2] === 1 && x.strides[1] === 6) || op === 'gelu')) {
        got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(4e-7 * Math.max(1, Math.abs(want[i]))));
        if (x.strides[0] !== 0) expect(got).not.toEqual(want); // the SIMD kernel / float32 row ran (not the reference loop)
      } else expect(got).toEqual(want);
    }
  });

  it('gelu keeps a float32 relative error in both tails and at 0 (the float32 row on float32, the reference on float64)', () => {
    const xs = Float32Array.from({ length: 4001 }, (_, i) => (i - 2000) / 160); // −12.5 … 12.5
    const [want, got] = [alloc(), alloc()].map(() => (dtype === 'float64' ? new Float64Array(xs.length) : new Float32Array(xs.length)));
    const x = view(wrap(xs), [xs.length], [1]);
    cpu.unary('gelu', x, want);
    wasm.unary('gelu', x, got);
    if (dtype === 'float64') return expect(got).toEqual(want);
    // + 1e-14 absolute: below x ≈ −7 the reference's 1 + erf(x/√2) cancels to a few double ulps (its
    // values there, |gelu| < 1e-11, carry no digits); erfc keeps them
    got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(3e-7 * Math.abs(want[i]) + 1e-14));
  });

  it('assign of every layout into a strided window (row block copies where both rows are unit-stride)', () => {
    for (const [, src] of A) {
      const [want, got] = [alloc(), alloc()];
      const window = (d: Float32Array | Float64Array) => view(d, [4, 5, 6], [1, 24, 4]); // transposed: not unit-stride
      const rows = (d: Float32Array | Float64Array) => view(d, [4, 5, 6], [30, 6, 1]);
      for (const dst of [window, rows]) {
        cpu.assign(src, dst(want));
        wasm.assign(src, dst(got));
        expect(got).toEqual(want);
      }
    }
  });

  it('where on mixed layouts', () => {
    const cond = view(wrap(base.map((v) => (v > 0 ? 1 : 0))), [4, 5, 6], [30, 6, 1]);
    for (const [, a] of A) for (const [, b] of B.slice(2)) {
      const [want, got] = [alloc(), alloc()];
      cpu.where(cond, a, b, want);
      wasm.where(cond, a, b, got);
      expect(got).toEqual(want);
    }
  });
});
