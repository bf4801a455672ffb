/**
 * GPU.js kernels against the reference backend at the kernel level (raw strided views): matmul at odd
 * shapes, with transposed, offset and batch-broadcast operands (1e-5 relative); softmax and
 * log-softmax including a fully masked row; the per-shape kernel cache.
 */
import type { View } from '../../src/kernels/backend.js';
import { cpu } from '../../src/kernels/cpu/index.js';
import { createGpuJsBackend } from '../../src/kernels/gpujs/index.js';
import { numel } from '../../src/kernels/layout.js';
import { relError } from '../helpers/op-cases.js';
import { randomView } from '../../bench/random-data.js';

const backend = createGpuJsBackend();
afterAll(() => backend.dispose());

/** A contiguous view of fresh random data, starting `offset` elements into its buffer. */
const tensor = randomView;

/** The view with axes i and j swapped (no copy). */
function swap(v: View, i: number, j: number): View {
  const shape = [...v.shape];
  const strides = [...v.strides];
  [shape[i], shape[j]] = [shape[j], shape[i]];
  [strides[i], strides[j]] = [strides[j], strides[i]];
  return { ...v, shape, strides };
}

/** The view broadcast to `shape` (stride 0 on new or size-1 leading axes). */
function expand(v: View, shape: number[]): View {
  const lead = shape.length - v.shape.length;
  const strides = shape.map((d, i) => (i < lead || v.shape[i - lead] !== d ? 0 : v.strides[i - lead]));
  return { ...v, shape, strides };
}

function compareMatmul(a: View, b: View) {
  const nd = a.shape.length;
  const outShape = [...a.shape.slice(0, nd - 1), b.shape[nd - 1]];
  const ref = new Float32Array(numel(outShape));
  const got = new Float32Array(numel(outShape));
  cpu.matmul(a, b, ref);
  backend.matmul(a, b, got);
  return relError(got, ref);
}

describe(`GPU.js matmul vs the reference (${backend.name})`, () => {
  it.each([
    [1, 1, 1],
    [3, 5, 7],
    [7, 3, 1],
    [1, 13, 17],
    [17, 1, 9],
    [31, 29, 37],
    [65, 33, 127],
  ])('contiguous M=%i N=%i K=%i within 1e-5', (M, N, K) => {
    expect(compareMatmul(tensor([M, K], M), tensor([K, N], N))).toBeLessThan(1e-5);
  });

  it('transposed b (a Linear weight [N, K] seen as [K, N]) and transposed a', () => {
    const w = swap(tensor([11, 19], 1), 0, 1); // [19, 11], strides (1, 19): the "nk" layout, no copy
    expect(compareMatmul(tensor([5, 19], 2), w)).toBeLessThan(1e-5);
    const aT = swap(tensor([19, 5], 3), 0, 1); // [5, 19] with strides (1, 5): packed by copy
    expect(compareMatmul(aT, w)).toBeLessThan(1e-5);
    expect(compareMatmul(aT, tensor([19, 11], 4))).toBeLessThan(1e-5);
  });

  it('operands that start at an offset into their buffer', () => {
    expect(compareMatmul(tensor([2, 3, 9], 5, 7), tensor([2, 9, 4], 6, 13))).toBeLessThan(1e-5);
    expect(compareMatmul(tensor([6, 9], 5, 3), swap(tensor([4, 9], 6, 11), 0, 1))).toBeLessThan(1e-5);
  });

  it('batch-broadcast operands: a shared weight, a shared left side, and a partial broadcast', () => {
    const w = expand(tensor([9, 6], 7), [2, 3, 9, 6]);
    expect(compareMatmul(tensor([2, 3, 5, 9], 8), w)).toBeLessThan(1e-5);
    const wT = expand(swap(tensor([6, 9], 9), 0, 1), [4, 9, 6]);
    expect(compareMatmul(tensor([4, 5, 9], 10), wT)).toBeLessThan(1e-5);
    const a = expand(tensor([5, 9], 11), [3, 5, 9]);
    expect(compareMatmul(a, tensor([3, 9, 6], 12))).toBeLessThan(1e-5);
    const partial = expand(tensor([2, 1, 9, 6], 13), [2, 3, 9, 6]); // grouped-query style: copied out
    expect(compareMatmul(tensor([2, 3, 5, 9], 14), partial)).toBeLessThan(1e-5);
  });

  it('K = 0 gives zeros and an empty batch writes nothing', () => {
    const out = new Float32Array(6).fill(7);
    backend.matmul(tensor([2, 0], 1), tensor([0, 3], 2), out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0]);
    backend.matmul(tensor([0, 2, 3], 1), tensor([0, 3, 4], 2), new Float32Array(0));
  });

  it('float64 operands run the reference kernel exactly, compiling nothing', () => {
    const to64 = (v: View): View => ({ ...v, data: Float64Array.from(v.data) });
    const [a, b] = [to64(tensor([4, 6], 1)), to64(tensor([6, 5], 2))];
    const before = backend.cache.compiles;
    const [ref, got] = [new Float64Array(20), new Float64Array(20)];
    cpu.matmul(a, b, ref);
    backend.matmul(a, b, got);
    expect(Array.from(got)).toEqual(Array.from(ref));
    expect(backend.cache.compiles).toBe(before);
  });
});

describe('GPU.js softmax vs the reference', () => {
  function compareSoftmax(x: View, log: boolean) {
    const [ref, got] = [new Float32Array(numel(x.shape)), new Float32Array(numel(x.shape))];
    cpu.softmax(x, ref, log);
    backend.softmax(x, got, log);
    return { ref, got };
  }

  it.each([false, true])('log=%s on strided rows within 1e-5', (log) => {
    const x = swap(tensor([3, 37, 5], 21), 1, 2); // rows of 37 with stride 5
    const { ref, got } = compareSoftmax(x, log);
    expect(relError(got, ref)).toBeLessThan(1e-5);
  });

  it('masked entries give 0 and a fully masked row gives NaN, as the reference', () => {
    const data = Float32Array.from([0.5, -Infinity, 2, -Infinity, -Infinity, -Infinity]);
    const x: View = { data, shape: [2, 3], strides: [3, 1], offset: 0 };
    const { ref, got } = compareSoftmax(x, false);
    expect(Array.from(got.subarray(0, 3))).toEqual(Array.from(ref.subarray(0, 3)).map((v) => expect.closeTo(v, 6)));
    expect(got[1]).toBe(0);
    expect(Array.from(got.subarray(3)).every(Number.isNaN)).toBe(true);
    expect(Array.from(ref.subarray(3)).every(Number.isNaN)).toBe(true);
  });
});

describe('the kernel cache', () => {
  it('compiles one kernel per matmul shape and reuses it', () => {
    const be = createGpuJsBackend();
    try {
      const [a, b] = [tensor([3, 4, 5], 1), tensor([3, 5, 6], 2)];
      const out = new Float32Array(3 * 4 * 6);
      be.matmul(a, b, out);
      expect(be.cache.compiles).toBe(1);
      expect(be.cache.keys()).toEqual(['kn:4×6×5×3:a1b1']);
      be.matmul(tensor([3, 4, 5], 3), tensor([3, 5, 6], 4), out); // same shape, new data
      be.matmul(a, b, out);
      expect(be.cache.compiles).toBe(1);
      be.matmul(a, swap(tensor([3, 6, 5], 5), 1, 2), out); // transposed b: its own kernel
      expect(be.cache.compiles).toBe(2);
      be.softmax(tensor([4, 9], 6), new Float32Array(36), false);
      be.softmax(tensor([4, 9], 7), new Float32Array(36), false);
      expect(be.cache.compiles).toBe(4); // stats + apply, once
    } finally {
      be.dispose();
    }
  });

  it('evicts the least recently used kernel past its limit', () => {
    const be = createGpuJsBackend({ kernelCacheSize: 2 });
    try {
      const run = (M: number) => be.matmul(tensor([M, 3], M), tensor([3, 2], 1), new Float32Array(M * 2));
      run(1);
      run(2);
      run(1); // 1 is now the most recent
      run(3); // evicts 2
      expect(be.cache.keys()).toEqual(['kn:1×2×3×1:a1b1', 'kn:3×2×3×1:a1b1']);
      expect([be.cache.compiles, be.cache.evictions]).toEqual([3, 1]);
      run(2);
      expect(be.cache.compiles).toBe(4);
    } finally {
      be.dispose();
    }
  });
});
