/**
 * Half-precision weights: the wasm F16/BF16 GEMV and GEMM against the reference (which widens W
 * exactly), the linearHalf op on the Tensor API with its input gradient, and threads 1 vs 2.
 */
import { cpu } from '../../src/kernels/cpu/index.js';
import { bf16Value, f16Value } from '../../src/kernels/cpu/half.js';
import { createWasmBackend, type WasmBackend } from '../../src/kernels/wasm/index.js';
import * as T from '../../src/tensor/index.js';
import { HalfWeight, linearHalf } from '../../src/tensor/half.js';
import { grad } from '../../src/autograd/index.js';
import { contiguous, random, randomBf16, randomF16, relErr, view } from './wasm-helpers.js';

let one: WasmBackend;
let two: WasmBackend;
beforeAll(async () => {
  one = await createWasmBackend();
  two = await createWasmBackend({ threads: 2 });
});
afterAll(() => [one, two].forEach((b) => b.dispose()));

const weight = (format: 'f16' | 'bf16', N: number, K: number) =>
  new HalfWeight(format === 'f16' ? randomF16(N * K, N + K) : randomBf16(N * K, N + K), [N, K], format);

it('widening: f16 (normals, subnormals, ±0, inf) and bf16', () => {
  expect([0x3c00, 0xc000, 0x0001, 0x8000, 0x7c00, 0x7bff].map(f16Value)).toEqual([1, -2, 2 ** -24, -0, Infinity, 65504]);
  expect([0x3f80, 0xc040].map(bf16Value)).toEqual([1, -3]);
});

describe.each(['f16', 'bf16'] as const)('%s', (format) => {
  it.each([
    [1, 8, 4], [1, 13, 7], [1, 4096, 33], [1, 100, 1], [3, 13, 7], [7, 40, 1030], [20, 300, 19],
    [1, 4096, 600], [2, 1100, 5], // several streamed blocks: GEMV rows, GEMM columns of x·W
  ])('M=%i K=%i N=%i: x·Wᵀ and x·W match the widened reference', (M, K, N) => {
    const w = weight(format, N, K);
    const x = contiguous(random(M * K, 1), [M, K]);
    const ref = new Float32Array(M * N);
    cpu.matmulHalf!(x, w, ref);
    const gy = contiguous(random(M * N, 2), [M, N]);
    const refT = new Float32Array(M * K);
    cpu.matmulHalf!(gy, w, refT, false);
    for (const be of [one, two]) {
      const out = new Float32Array(M * N);
      be.matmulHalf!(x, w, out);
      expect(relErr(out, ref)).toBeLessThan(1e-5);
      const outT = new Float32Array(M * K);
      be.matmulHalf!(gy, w, outT, false);
      expect(relErr(outT, refT)).toBeLessThan(1e-5);
    }
  });

  it('a strided x (every other element)', () => {
    const w = weight(format, 9, 21);
    const x = view(random(2 * 3 * 42, 7), [3, 21], [42, 2], 1);
    const ref = new Float32Array(27);
    const out = new Float32Array(27);
    cpu.matmulHalf!(x, w, ref);
    two.matmulHalf!(x, w, out);
    expect(relErr(out, ref)).toBeLessThan(1e-5);
  });
});

it('streams half weights: no copy is cached and wasm memory grows by less than the weight', () => {
  const w = weight('f16', 8192, 4096); // 64 MiB of bits
  const fresh = two;
  const before = fresh.memoryBytes();
  for (const M of [1, 5]) fresh.matmulHalf!(contiguous(random(M * 4096, 3), [M, 4096]), w, new Float32Array(M * 8192));
  expect(fresh.cachedBytes()).toBe(0);
  expect(fresh.memoryBytes() - before).toBeLessThan(w.bits.byteLength);
});

it('linearHalf on the Tensor API: forward and the gradient w.r.t. x equal linear with the widened weight', () => {
  const [N, K] = [11, 24];
  const w = weight('f16', N, K);
  const wide = Float32Array.from(w.bits, f16Value);
  for (const be of [cpu, one, two]) {
    const x = T.fromArray(random(2 * 3 * K, 9), [2, 3, K], { backend: be }).requireGrad();
    const bias = T.fromArray(random(N, 10), [N], { backend: be });
    const y = linearHalf(x, w, bias);
    const yRef = T.linear(x, T.fromArray(wide, [N, K], { backend: be }), bias);
    expect(y.shape).toEqual([2, 3, N]);
    expect(relErr(y.toArray(), yRef.toArray())).toBeLessThan(1e-5);
    const seed = T.fromArray(random(2 * 3 * N, 11), [2, 3, N], { backend: be });
    const [g] = grad(y, [x], { seed });
    const [gRef] = grad(yRef, [x], { seed });
    expect(relErr(g.toArray(), gRef.toArray())).toBeLessThan(1e-5);
  }
});

it('linearHalf names the shape mismatch and a backend without matmulHalf', () => {
  const w = weight('bf16', 4, 6);
  expect(() => linearHalf(T.zeros([2, 5], { backend: cpu }), w)).toThrow(/inner dims 5 vs 6/);
  const bare = { ...cpu, name: 'bare', matmulHalf: undefined };
  expect(() => linearHalf(T.zeros([2, 6], { backend: bare }), w)).toThrow(/'bare' has no matmulHalf/);
});
