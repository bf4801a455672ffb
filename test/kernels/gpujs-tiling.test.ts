/**
 * The kernel element limit: GPU.js indexes in float32, so operands past 2^24 elements are split into
 * several kernels. A low `maxKernelElements` exercises the tiling at small sizes; one case crosses the
 * real 2^24 limit.
 */
import type { View } from '../../src/kernels/backend.js';
import { cpu } from '../../src/kernels/cpu/index.js';
import { createGpuJsBackend, MAX_EXACT_INDEX } from '../../src/kernels/gpujs/index.js';
import { numel } from '../../src/kernels/layout.js';
import { relError } from '../helpers/op-cases.js';
import { randomView } from '../../bench/random-data.js';

const tensor = randomView;

const transposed = (v: View): View => {
  const nd = v.shape.length;
  const shape = [...v.shape.slice(0, nd - 2), v.shape[nd - 1], v.shape[nd - 2]];
  const strides = [...v.strides.slice(0, nd - 2), v.strides[nd - 1], v.strides[nd - 2]];
  return { ...v, shape, strides };
};
const broadcastBatch = (v: View, batch: number): View => ({ ...v, shape: [batch, ...v.shape], strides: [0, ...v.strides] });

describe('GPU.js tiling under a kernel element limit of 60', () => {
  const be = createGpuJsBackend({ maxKernelElements: 60 });
  afterAll(() => be.dispose());

  function compare(a: View, b: View) {
    const nd = a.shape.length;
    const n = numel([...a.shape.slice(0, nd - 1), b.shape[nd - 1]]);
    const [ref, got] = [new Float32Array(n), new Float32Array(n)];
    cpu.matmul(a, b, ref);
    be.matmul(a, b, got);
    return relError(got, ref);
  }

  it.each([
    ['kn b, repacked to nk', () => [tensor([13, 7], 1), tensor([7, 11], 2)]],
    ['nk b (a transposed weight)', () => [tensor([13, 7], 3), transposed(tensor([11, 7], 4))]],
    ['batched, both sides', () => [tensor([3, 9, 6], 5), tensor([3, 6, 12], 6)]],
    ['batched, shared weight', () => [tensor([3, 9, 6], 7), broadcastBatch(transposed(tensor([12, 6], 8)), 3)]],
    ['batched, shared left side', () => [broadcastBatch(tensor([9, 6], 9), 2), tensor([2, 6, 12], 10)]],
    ['K = limit', () => [tensor([3, 60], 11), tensor([60, 2], 12)]],
  ])('matmul: %s, within 1e-5 of the reference', (_name, make) => {
    const [a, b] = make();
    expect(compare(a, b)).toBeLessThan(1e-5);
  });

  it('tiles so that no kernel exceeds the limit', () => {
    for (const key of be.cache.keys().filter((k) => k.startsWith('nk:') || k.startsWith('kn:'))) {
      const [M, N, K, batch] = key.split(':')[1].split('×').map(Number);
      expect(Math.max(M * K, N * K, M * N) * batch).toBeLessThanOrEqual(60);
    }
  });

  it.each([false, true])('softmax (log=%s) in chunks of whole rows', (log) => {
    const x = tensor([7, 23], 13);
    const [ref, got] = [new Float32Array(161), new Float32Array(161)];
    cpu.softmax(x, ref, log);
    be.softmax(x, got, log);
    expect(relError(got, ref)).toBeLessThan(1e-5);
    expect(be.cache.keys()).toContain(`${log ? 'log-softmax' : 'softmax'}:2×23`);
  });

  it('refuses a dot product or a softmax row longer than the limit, naming shapes and mode', () => {
    expect(() => be.matmul(tensor([1, 61], 1), tensor([61, 1], 2), new Float32Array(1))).toThrow(
      `gpujs matmul: (1,61) @ (61,1): K = 61 exceeds the 60-element kernel limit (${be.mode})`,
    );
    expect(() => be.softmax(tensor([2, 61], 1), new Float32Array(122), false)).toThrow(
      `gpujs softmax: rows of 61 in (2,61) exceed the 60-element kernel limit (${be.mode})`,
    );
  });

  it('refuses a limit past 2^24', () => {
    expect(() => createGpuJsBackend({ maxKernelElements: MAX_EXACT_INDEX + 1 })).toThrow(/maxKernelElements/);
  });
});

describe('GPU.js at the real 2^24 limit', () => {
  it('a weight of more than 2^24 elements (a [2^20 + 5, 16] Linear) is right', () => {
    const be = createGpuJsBackend();
    try {
      const [N, K] = [2 ** 20 + 5, 16];
      const x = tensor([2, K], 1);
      // A [N, K] weight of hashed values (no short period, so an off-by-one read shows), seen as [K, N].
      // (Math is read once: global lookups are slow in jest's VM context, and this loop is 16.8M long.)
      const { imul, abs } = Math;
      const wd = new Float32Array(N * K);
      for (let i = 0; i < wd.length; i++) wd[i] = (imul(i, 0x9e3779b1) >>> 16) / 32768 - 1;
      const w: View = { data: wd, shape: [K, N], strides: [1, K], offset: 0 };
      const [ref, got] = [new Float32Array(2 * N), new Float32Array(2 * N)];
      cpu.matmul(x, w, ref);
      be.matmul(x, w, got);
      let err = 0;
      for (let i = 0; i < ref.length; i++) {
        const d = abs(got[i] - ref[i]);
        if (d > err) err = d;
      }
      expect(err).toBeLessThan(1e-5 * 16);
      expect(be.cache.compiles).toBe(2); // one full tile and the remainder
    } finally {
      be.dispose();
    }
  });
});
