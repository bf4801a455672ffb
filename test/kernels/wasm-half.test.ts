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

/** x·Wᵀ and gy·W for random x [M, K], gy [M, N] by the reference; `expectOn(be, w)` checks a backend's against them. */
function referenceProducts(w: HalfWeight, M: number) {
  const [N, K] = w.shape;
  const x = contiguous(random(M * K, 1), [M, K]);
  const gy = contiguous(random(M * N, 2), [M, N]);
  const [ref, refT] = [new Float32Array(M * N), new Float32Array(M * K)];
  cpu.matmulHalf!(x, w, ref);
  cpu.matmulHalf!(gy, w, refT, false);
  return {
    expectOn(be: WasmBackend, on: HalfWeight) {
      const [out, outT] = [new Float32Array(M * N), new Float32Array(M * K)];
      be.matmulHalf!(x, on, out);
      be.matmulHalf!(gy, on, outT, false);
      expect(relErr(out, ref)).toBeLessThan(1e-5);
      expect(relErr(outT, refT)).toBeLessThan(1e-5);
    },
  };
}

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
    const products = referenceProducts(w, M);
    for (const be of [one, two]) products.expectOn(be, w);
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

describe('half weights adopted by the wasm backend (read in wasm memory, no copy per call)', () => {
  it.each([[1, 4096, 600], [1, 13, 7], [5, 1100, 1030], [2, 40, 3]])('M=%i K=%i N=%i: x·Wᵀ and x·W match the reference', (M, K, N) => {
    for (const format of ['f16', 'bf16'] as const) {
      const host = weight(format, N, K);
      const products = referenceProducts(host, M);
      for (const be of [one, two]) {
        const before = be.residentBytes();
        const w = new HalfWeight(Uint16Array.from(host.bits), [N, K], format, be);
        expect(w.bits.buffer).not.toBe(host.bits.buffer);
        expect(be.residentBytes() - before).toBe(2 * N * K);
        const memory = be.memoryBytes();
        products.expectOn(be, w);
        if (M === 1) expect(be.memoryBytes()).toBe(memory); // the GEMV needs no block of W
      }
    }
  });

  it('the f16 GEMV keeps its accuracy for tiny, huge and non-finite x (it scales x by a power of two)', () => {
    const [N, K] = [6, 37];
    const w = new HalfWeight(randomF16(N * K, 8), [N, K], 'f16', two);
    for (const s of [1e-30, 1e-8, 1, 3e4, 1e20, 1e36]) {
      const x = contiguous(random(K, 9).map((v) => v * s), [1, K]);
      const [out, ref] = [new Float32Array(N), new Float32Array(N)];
      two.matmulHalf!(x, w, out);
      cpu.matmulHalf!(x, w, ref);
      expect(relErr(out, ref)).toBeLessThan(1e-5);
    }
    const x = contiguous(random(K, 9), [1, K]);
    (x.data as Float32Array)[3] = Infinity;
    const out = new Float32Array(N);
    two.matmulHalf!(x, w, out);
    const ref = new Float32Array(N);
    cpu.matmulHalf!(x, w, ref);
    expect(Array.from(out, Number.isFinite)).toEqual(Array.from(ref, Number.isFinite));
  });

  it('past the budget a weight stays a host array and is streamed', async () => {
    const small = await createWasmBackend({ threads: 2, residentHalfBytes: 3000 });
    try {
      const a = new HalfWeight(randomF16(1000, 5), [10, 100], 'f16', small); // 2000 bytes: adopted
      const host = randomF16(1000, 6);
      const b = new HalfWeight(host, [10, 100], 'f16', small); // 2000 more: over 3000
      expect(small.residentBytes()).toBe(2000);
      expect(a.bits.buffer).not.toBe(host.buffer);
      expect(b.bits).toBe(host);
      const x = contiguous(random(100, 4), [1, 100]);
      for (const w of [a, b]) {
        const [out, ref] = [new Float32Array(10), new Float32Array(10)];
        small.matmulHalf!(x, w, out);
        cpu.matmulHalf!(x, w, ref);
        expect(relErr(out, ref)).toBeLessThan(1e-5);
      }
    } finally {
      small.dispose();
    }
  });
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
