import { cpu } from '../../src/kernels/cpu/index.js';
import { expectParity, opCases, opFunctions } from '../helpers/op-cases.js';

describe('PyTorch autograd op fixtures on the reference backend', () => {
  it('has a function for each of the 41 cases', () => {
    expect(opCases).toHaveLength(41);
    expect(opCases.filter((c) => !opFunctions[c.name]).map((c) => c.name)).toEqual([]);
  });

  describe.each(opCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it('float64: output and gradients within 1e-9 relative', () => expectParity(c, 'float64', cpu));
    it('float32: output and gradients within 1e-4 relative', () => expectParity(c, 'float32', cpu));
  });
});
