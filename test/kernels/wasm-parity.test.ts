/** The 41 PyTorch autograd fixtures (forward and gradients) on the wasm backend, 1 and 2 threads. */
import { createWasmBackend, type WasmBackend } from '../../src/kernels/wasm/index.js';
import { expectParity, opCases } from '../helpers/op-cases.js';

let one: WasmBackend;
let two: WasmBackend;
beforeAll(async () => {
  one = await createWasmBackend();
  two = await createWasmBackend({ threads: 2 });
});
afterAll(() => [one, two].forEach((b) => b.dispose()));

it('reports its features', () => {
  expect(one.name).toBe('wasm');
  expect(one.info.simd).toBe(true);
  expect(two.info.threads).toBe(2);
});

describe.each(opCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  it('float32 within 1e-4 relative (1 and 2 threads)', () => {
    for (const be of [one, two]) expectParity(c, 'float32', be);
  });
  it('float64 within 1e-9 (reference kernels)', () => expectParity(c, 'float64', one));
});
