import { cpu } from '../../src/kernels/cpu/index.js';
import { opCases, opFunctions, runCase } from '../helpers/op-cases.js';

describe('PyTorch autograd op fixtures on the reference backend', () => {
  it('has a function for each of the 41 cases', () => {
    expect(opCases).toHaveLength(41);
    expect(opCases.filter((c) => !opFunctions[c.name]).map((c) => c.name)).toEqual([]);
  });

  describe.each(opCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it('float64: output and gradients within 1e-9 relative', () => {
      const r = runCase(c, 'float64', cpu);
      expect(r.shape).toEqual(c.out_shape);
      expect(r.forward).toBeLessThan(1e-9);
      expect(r.backward).toBeLessThan(1e-9);
    });
    it('float32: output and gradients within 1e-4 relative', () => {
      const r = runCase(c, 'float32', cpu);
      expect(r.forward).toBeLessThan(1e-4);
      expect(r.backward).toBeLessThan(1e-4);
    });
  });
});
