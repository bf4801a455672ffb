/**
 * The wasm backend without SharedArrayBuffer (a browser page that is not cross-origin isolated): one
 * thread on an unshared memory computes exactly what the shared one does, including after the memory
 * grows; more threads are refused with the reason.
 */
import { createWasmBackend, type WasmBackend } from '../../src/kernels/wasm/index.js';
import { contiguous, random, view } from './wasm-helpers.js';

let shared: WasmBackend;
let unshared: WasmBackend;
beforeAll(async () => {
  shared = await createWasmBackend({ threads: 1 });
  unshared = await createWasmBackend({ threads: 1, sharedMemory: false });
});
afterAll(() => [shared, unshared].forEach((b) => b.dispose()));

it('reports the memory kind', () => {
  expect(shared.info.sharedMemory).toBe(true);
  expect(unshared.info.sharedMemory).toBe(false);
});

it.each([
  [40, 64, 48],
  [1, 1024, 1000],
  [600, 700, 800], // ~6 MB of operands: the heap grows the memory
])('GEMM %i×%i×%i: unshared equals shared bit for bit', (M, K, N) => {
  const a = contiguous(random(M * K, 1), [M, K]);
  const b = view(random(N * K, 2), [K, N], [1, K]);
  const [x, y] = [new Float32Array(M * N), new Float32Array(M * N)];
  shared.matmul(a, b, x);
  unshared.matmul(a, b, y);
  expect(Buffer.from(y.buffer).equals(Buffer.from(x.buffer))).toBe(true);
  expect(y.some((v) => v !== 0)).toBe(true);
});

it('more than one thread without a shared memory is refused with the reason', async () => {
  await expect(createWasmBackend({ threads: 2, sharedMemory: false })).rejects.toThrow('2 threads need a shared memory: sharedMemory: false was asked for');
});
