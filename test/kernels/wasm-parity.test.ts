/** The 41 PyTorch autograd fixtures (forward and gradients) on the wasm backend, 1 and 2 threads. */
import { createWasmBackend, type WasmBackend } from '../../src/kernels/wasm/index.js';
import { opCases, runCase } from '../helpers/op-cases.js';

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
    for (const be of [one, two]) {
      const r = runCase(c, 'float32', be);
      expect(r.shape).toEqual(c.out_shape);
      expect(r.forward).toBeLessThan(1e-4);
      expect(r.backward).toBeLessThan(1e-4);
    }
  });
  it('float64 within 1e-9 (reference kernels)', () => {
    const r = runCase(c, 'float64', one);
    expect(r.forward).toBeLessThan(1e-9);
    expect(r.backward).toBeLessThan(1e-9);
  });
});
