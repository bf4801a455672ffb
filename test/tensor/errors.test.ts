/** Error messages name the op, the shapes, dtypes or backends at fault. */
import { grad } from '../../src/autograd/index.js';
import { cpu } from '../../src/kernels/cpu/index.js';
import * as T from '../../src/tensor/index.js';

describe('errors name what is wrong', () => {
  it('shape mismatch in matmul prints both shapes and the op', () => {
    expect(() => T.zeros([2, 3]).matmul(T.zeros([4, 5]))).toThrow('matmul: (2,3) @ (4,5): inner dims 3 vs 4');
  });
  it('non-broadcastable elementwise shapes', () => {
    expect(() => T.zeros([2, 3]).add(T.zeros([4]))).toThrow('add: shapes (2,3) and (4,) do not broadcast');
  });
  it('out-of-range axis', () => {
    expect(() => T.zeros([2, 3]).sum(2)).toThrow('sum: axis 2 is out of range for shape (2,3) (valid: -2..1)');
    expect(() => T.zeros([2, 3]).softmax(-3)).toThrow('softmax: axis -3 is out of range');
  });
  it('invalid reshape', () => {
    expect(() => T.zeros([2, 3]).reshape([4, 2])).toThrow('reshape: cannot reshape (2,3) (6 elements) into (4,2)');
    expect(() => T.zeros([2, 3]).reshape([-1, -1])).toThrow('reshape: cannot reshape');
  });
  it('a view of a view out of bounds', () => {
    const v = T.zeros([4, 6]).slice(1, 2, 5); // (4,3)
    expect(() => v.slice(1, 1, 4)).toThrow('slice: range 1:4 is out of bounds for axis 1 of size 3 (tensor (4,3))');
    expect(() => v.select(0, 4)).toThrow('select: index 4 is out of bounds for axis 0 of size 4');
    expect(() => T.zeros([3]).expand([2, 4])).toThrow('expand: cannot expand (3,) to (2,4)');
  });
  it('mixing dtypes', () => {
    expect(() => T.zeros([2]).add(T.zeros([2], { dtype: 'float64' }))).toThrow('add: dtype mismatch: float32 (2,) vs float64 (2,)');
  });
  it('mixing backends', () => {
    const other = { ...cpu, name: 'other' };
    const a = T.zeros([2]);
    const b = T.zeros([2], { backend: other });
    expect(b.backend.name).toBe('other');
    expect(() => a.mul(b)).toThrow("mul: backend mismatch: 'cpu' vs 'other'");
  });
  it('creation names its backend: { like } takes backend and dtype, { backend } only the backend', () => {
    const other = { ...cpu, name: 'other' };
    const x = T.zeros([2], { backend: other, dtype: 'float64' });
    const y = T.full([3], 2, { like: x });
    expect([y.backend.name, y.dtype]).toEqual(['other', 'float64']);
    expect(T.arange(3, undefined, 1, { like: x, dtype: 'float32' }).dtype).toBe('float32');
    expect(T.fromArray([1, 2], [2], { backend: other }).backend).toBe(other);
    expect(() => T.zeros([2], { like: x, backend: cpu })).toThrow('tensor: backend cpu and like (on other) disagree');
    const [g] = grad(x.requireGrad().exp().sum(), [x]); // the backward's seed and zeros follow the loss, not the default
    expect(g.backend).toBe(other);
  });
  it('backward on a non-scalar without a seed', () => {
    const x = T.zeros([3]).requireGrad();
    expect(() => grad(x.exp(), [x])).toThrow('grad: loss has shape (3,); backward on a non-scalar needs a seed');
  });
  it('gather with an out-of-range id and cross-entropy with a bad target', () => {
    expect(() => T.embedding(T.zeros([4, 2]), [1, 4])).toThrow('gather: id 4 at position 1 is out of range for 4 rows');
    expect(() => T.crossEntropy(T.zeros([2, 3]), [0, 3])).toThrow('crossEntropy: target 3 at row 1 is out of range for 3 classes');
  });
  it('requireGrad on a non-leaf', () => {
    const x = T.zeros([2]).requireGrad();
    expect(() => x.exp().requireGrad()).toThrow('requireGrad');
  });
});
