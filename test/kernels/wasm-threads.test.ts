/** Threads change who computes which block, never the arithmetic: 1 and 2 threads agree bit for bit. */
import { createWasmBackend, type WasmBackend } from '../../src/kernels/wasm/index.js';
import { HalfWeight } from '../../src/tensor/half.js';
import { contiguous, random, randomF16, view } from './wasm-helpers.js';

let one: WasmBackend;
let two: WasmBackend;
beforeAll(async () => {
  one = await createWasmBackend({ threads: 1 });
  two = await createWasmBackend({ threads: 2 });
});
afterAll(() => [one, two].forEach((b) => b.dispose()));

const same = (f: (be: WasmBackend, out: Float32Array) => void, n: number) => {
  const [a, b] = [new Float32Array(n), new Float32Array(n)];
  f(one, a);
  f(two, b);
  expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
};

it.each([
  [300, 200, 100, 'rows split'],
  [8, 512, 700, 'columns split'],
  [1, 1024, 1000, 'GEMV'],
])('GEMM %i×%i×%i (%s)', (M, K, N) => {
  const a = contiguous(random(M * K, 1), [M, K]);
  const b = view(random(N * K, 2), [K, N], [1, K]);
  same((be, out) => be.matmul(a, b, out), M * N);
});

it('F16 GEMV and GEMM, softmax', () => {
  const w = new HalfWeight(randomF16(1000 * 512), [1000, 512], 'f16');
  for (const M of [1, 40]) {
    const x = contiguous(random(M * 512, 3), [M, 512]);
    same((be, out) => be.matmulHalf!(x, w, out), M * 1000);
  }
  const s = contiguous(random(200 * 600, 4), [200, 600]);
  same((be, out) => be.softmax(s, out, false), 200 * 600);
});
