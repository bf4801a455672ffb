/**
 * The reference parity suite on the GPU.js backend: all 41 PyTorch autograd cases in float32 (forward
 * and every input gradient within 1e-4 relative), with matmul and softmax running as GPU.js kernels.
 */
import { createGpuJsBackend } from '../../src/kernels/gpujs/index.js';
import { expectParity, opCases, opFunctions } from '../helpers/op-cases.js';

const backend = createGpuJsBackend();
afterAll(() => backend.dispose());

describe(`PyTorch autograd op fixtures on the GPU.js backend (${backend.name})`, () => {
  it('has a function for each of the 41 cases', () => {
    expect(opCases).toHaveLength(41);
    expect(opCases.filter((c) => !opFunctions[c.name]).map((c) => c.name)).toEqual([]);
  });

  it.each(opCases.map((c) => [c.name, c] as const))('%s: float32 output and gradients within 1e-4 relative', (_name, c) => {
    expectParity(c, 'float32', backend);
  });

  it('ran GPU.js kernels for the matmul and softmax cases', () => {
    expect(backend.cache.compiles).toBeGreaterThan(0);
    expect(backend.cache.keys().some((k) => k.startsWith('softmax'))).toBe(true);
  });

  it('routes float64 to the reference kernels (still exact to 1e-9)', () => {
    const before = backend.cache.compiles;
    for (const name of ['matmul_batched_broadcast', 'softmax_lastdim', 'causal_attention_gqa']) {
      expectParity(opCases.find((c) => c.name === name)!, 'float64', backend);
    }
    expect(backend.cache.compiles).toBe(before);
  });
});
