/**
 * The wasm GEMM / GEMV against the reference: odd shapes around the 4×8 tile and the K block,
 * every operand layout the host handles, a LLaVA shape, both FMA builds, another register tile (6×8
 * with an unrolled k loop), and the weight cache.
 */
import { cpu } from '../../src/kernels/cpu/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/kernels/wasm/index.js';
import { contiguous, random, refGemmRows, relErr, view } from './wasm-helpers.js';

let relaxed: WasmBackend;
let plain: WasmBackend;
let threaded: WasmBackend;
/** The generator's other path: a 6×8 tile, k unrolled by 4 with a remainder loop, small blocks. */
let tile6x8: WasmBackend;
beforeAll(async () => {
  relaxed = await createWasmBackend({ threads: 1 });
  plain = await createWasmBackend({ threads: 1, relaxed: false });
  threaded = await createWasmBackend({ threads: 2 });
  tile6x8 = await createWasmBackend({ threads: 2, gemm: { mr: 6, nr: 8, ku: 4, kc: 96, mc: 36, nc: 64 } });
});
afterAll(() => [relaxed, plain, threaded, tile6x8].forEach((b) => b.dispose()));

const shapes: Array<[number, number, number]> = [
  [1, 1, 1], [1, 7, 13], [7, 13, 1], [13, 7, 29], [4, 8, 8], [5, 9, 17], [6, 8, 8], [12, 256, 16], [7, 257, 9], [145, 300, 33],
  [3, 1000, 5], [50, 70, 100],
];

type Layout = 'kn' | 'nk' | 'aT' | 'strided';
/** A [M, K] and B [K, N] views in the given layout, over the same values. */
function operands(M: number, K: number, N: number, layout: Layout) {
  const A = random(M * K, M * 31 + K);
  const W = random(K * N, N * 17 + K);
  switch (layout) {
    case 'kn': // B row-major [K, N]
      return { a: contiguous(A, [M, K]), b: contiguous(W, [K, N]) };
    case 'nk': // B = Wᵀ with W [N, K] row-major: a Linear weight
      return { a: contiguous(A, [M, K]), b: view(W, [K, N], [1, K]) };
    case 'aT': // A = Xᵀ with X [K, M] row-major
      return { a: view(A, [M, K], [1, M]), b: contiguous(W, [K, N]) };
    case 'strided': { // every other column of a wider A, and B at an offset with a row gap
      const A2 = random(M * K * 2, 5);
      const B2 = random((K + 1) * (N + 3) + 2, 6);
      return { a: view(A2, [M, K], [2 * K, 2], 1), b: view(B2, [K, N], [N + 3, 1], 2) };
    }
  }
}

describe.each(['kn', 'nk', 'aT', 'strided'] as const)('layout %s', (layout) => {
  it.each(shapes)('M=%i K=%i N=%i matches the reference (relaxed, mul+add, 2 threads, 6×8 tile)', (M, K, N) => {
    const { a, b } = operands(M, K, N, layout);
    const ref = new Float32Array(M * N);
    cpu.matmul(a, b, ref);
    for (const be of [relaxed, plain, threaded, tile6x8]) {
      const out = new Float32Array(M * N);
      be.matmul(a, b, out);
      expect(relErr(out, ref)).toBeLessThan(1e-5);
    }
  });
});

it('batched, with a broadcast batch dim and a shared B', () => {
  const [Bt, H, M, K, N] = [2, 3, 5, 9, 11];
  const A = random(Bt * H * M * K, 9);
  const W = random(H * K * N, 10);
  const a = contiguous(A, [Bt, H, M, K]);
  const b = view(W, [Bt, H, K, N], [0, K * N, N, 1]); // broadcast over the first dim
  const ref = new Float32Array(Bt * H * M * N);
  const out = new Float32Array(Bt * H * M * N);
  cpu.matmul(a, b, ref);
  threaded.matmul(a, b, out);
  expect(relErr(out, ref)).toBeLessThan(1e-5);
  const shared = view(W, [Bt, H, K, N], [0, 0, N, 1]); // one B for all items: folded into one GEMM
  cpu.matmul(a, shared, ref);
  threaded.matmul(a, shared, out);
  expect(relErr(out, ref)).toBeLessThan(1e-5);
});

it('LLaVA vision shape 577×1024×1024 with a Linear weight: relative error ≤ 1e-5', () => {
  const [M, K, N] = [577, 1024, 1024];
  const a = contiguous(random(M * K, 11), [M, K]);
  const b = view(random(N * K, 12), [K, N], [1, K]);
  const out = new Float32Array(M * N);
  threaded.matmul(a, b, out);
  // rows checked against float64: a spread sample, plus the last (one-row) 4-row panel
  const rows = [0, 1, 3, 4, 5, 6, 100, 143, 144, 288, 289, 400, 571, 572, 573, 574, 575, 576];
  const ref = refGemmRows(a, b, rows);
  const got = rows.flatMap((i) => Array.from(out.subarray(i * N, (i + 1) * N)));
  const want = rows.flatMap((i) => Array.from(ref.get(i)!));
  expect(relErr(got, want)).toBeLessThan(1e-5);
});

it('float64 inputs go to the reference kernel (bit-identical)', () => {
  const a = contiguous(Float64Array.from(random(35, 1)), [5, 7]);
  const b = contiguous(Float64Array.from(random(21, 2)), [7, 3]);
  const ref = new Float64Array(15);
  const out = new Float64Array(15);
  cpu.matmul(a, b, ref);
  relaxed.matmul(a, b, out);
  expect(Array.from(out)).toEqual(Array.from(ref));
});

describe('weight cache', () => {
  it('packs a Linear weight once, and a write through assign invalidates it', async () => {
    const be = await createWasmBackend();
    try {
      const [M, K, N] = [4, 16, 12];
      const W = random(N * K, 20);
      const a = contiguous(random(M * K, 21), [M, K]);
      const b = view(W, [K, N], [1, K]);
      const out = new Float32Array(M * N);
      const ref = new Float32Array(M * N);
      be.matmul(a, b, out);
      const held = be.cachedBytes();
      expect(held).toBeGreaterThanOrEqual(4 * K * N);
      be.matmul(a, b, out);
      expect(be.cachedBytes()).toBe(held);
      // overwrite row 0 of W through the backend: the cached panels must not be reused
      be.assign(contiguous(new Float32Array(K).fill(2), [K]), view(W, [K], [1], 0));
      be.matmul(a, b, out);
      cpu.matmul(a, b, ref);
      expect(relErr(out, ref)).toBeLessThan(1e-5);
      be.invalidate(W);
      expect(be.cachedBytes()).toBe(0);
    } finally {
      be.dispose();
    }
  });

  it('a disposed backend refuses work', async () => {
    const be = await createWasmBackend({ threads: 2 });
    be.dispose();
    expect(() => be.matmul(contiguous(random(4), [2, 2]), contiguous(random(4), [2, 2]), new Float32Array(4))).toThrow(/dispose/);
  });
});
