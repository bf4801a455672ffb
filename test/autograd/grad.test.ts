import { grad, noGrad, valueAndGrad } from '../../src/autograd/index.js';
import * as T from '../../src/tensor/index.js';
import type { Tensor } from '../../src/tensor/index.js';

const f64 = { dtype: 'float64' as const };

describe('grad', () => {
  it('prunes the walk: no gradient is formed for a frozen weight', () => {
    const W = T.randn([8, 8], { seed: 1 }); // frozen: requiresGrad false
    const x = T.randn([2, 8], { seed: 2 }).requireGrad();
    const loss = T.linear(T.linear(x, W).tanh(), W).square().sum();
    const formed: Tensor[] = [];
    const [gx] = grad(loss, [x], { onGradient: (input) => formed.push(input) });
    expect(formed.length).toBeGreaterThan(0);
    expect(formed.filter((t) => t === W).length).toBe(0);
    // W feeds the graph through its transposed view: that view gets no gradient either.
    expect(formed.some((t) => t.data === W.data)).toBe(false);
    expect(gx.shape).toEqual([2, 8]);
  });

  it('walks only towards the requested tensors when several require grad', () => {
    const a = T.randn([3], { seed: 3 }).requireGrad();
    const b = T.randn([3], { seed: 4 }).requireGrad();
    const loss = a.mul(b).sum().add(b.exp().sum());
    const formed: Tensor[] = [];
    const [ga] = grad(loss, [a], { onGradient: (input) => formed.push(input) });
    expect(ga.toArray()).toEqual(b.toArray());
    expect(formed.includes(b)).toBe(false);
  });

  it('accumulates the gradient of a tensor used twice and returns fresh tensors', () => {
    const x = T.tensor([1, 2, 3], f64).requireGrad();
    const loss = x.mul(x).sum().add(x.sum()); // d/dx = 2x + 1
    const [g] = grad(loss, [x]);
    expect(g.toArray()).toEqual([3, 5, 7]);
    expect(g.requiresGrad).toBe(false);
    expect(g.node).toBeNull();
    g.data[0] = 100; // mutating the result does not touch x
    expect(x.toArray()).toEqual([1, 2, 3]);
  });

  it('gives zeros for an unreached tensor and a seed for non-scalar outputs', () => {
    const x = T.tensor([1, 2], f64).requireGrad();
    const y = T.tensor([5, 6], f64).requireGrad();
    const out = x.mul(3);
    const [gx, gy] = grad(out, [x, y], { seed: T.tensor([1, 10], f64) });
    expect(gx.toArray()).toEqual([3, 30]);
    expect(gy.toArray()).toEqual([0, 0]);
  });

  it('records nothing inside noGrad or without inputs that require grad', () => {
    const x = T.randn([2, 2], { seed: 5 }).requireGrad();
    const inside = noGrad(() => x.exp().sum());
    expect(inside.node).toBeNull();
    expect(inside.requiresGrad).toBe(false);
    const plain = T.randn([2, 2], { seed: 6 }).exp();
    expect(plain.node).toBeNull();
    expect(x.exp().node?.op).toEqual({ kind: 'unary', fn: 'exp' });
  });

  it('valueAndGrad returns the value and gradients for every argument', () => {
    const f = valueAndGrad((a, b) => a.mul(b).sum());
    const a = T.tensor([1, 2], f64);
    const b = T.tensor([3, 4], f64);
    const { value, grads } = f(a, b);
    expect(value.item()).toBe(11);
    expect(grads.map((g) => g.toArray())).toEqual([[3, 4], [1, 2]]);
    expect(a.requiresGrad).toBe(false);
  });

  it('valueAndGrad with hasAux returns the auxiliary tensors detached, gradients of the value only', () => {
    const f = valueAndGrad((a: T.Tensor) => {
      const e = a.exp(); // the aux: computed on the way, part of the value's graph
      return { value: e.sum(), aux: { e, twice: e.mul(2) } };
    }, { hasAux: true });
    const a = T.tensor([0, 1], f64);
    const { value, aux, grads } = f(a);
    expect(value.item()).toBeCloseTo(1 + Math.E, 12);
    expect(aux.e.toArray()).toEqual([1, Math.E]);
    expect(aux.twice.toArray()).toEqual([2, 2 * Math.E]);
    expect([aux.e.node, aux.twice.node]).toEqual([null, null]); // no graph held
    expect(grads[0].toArray()).toEqual([1, Math.E]); // d(Σ eᵃ)/da, the aux adds nothing
  });
});

describe('gradient accumulation in place', () => {
  it('adds into storage only it owns: shared gy (x + x), a passed-on seed, three consumers', () => {
    const x = T.fromArray([1, -2, 3, 0.5], [4], { dtype: 'float64' }).requireGrad();
    // (x + x)·x: add's vjp hands the same gy to both of its inputs, the mul's two contributions then meet
    const [g1] = grad(T.sum(x.add(x).mul(x)), [x]);
    expect(g1.toArray()).toEqual([4, -8, 12, 2]);
    // reshape passes the seed on unchanged; the seed must not be written into
    const seed = T.fromArray([1, 1, 1, 1], [2, 2], { dtype: 'float64' });
    const y = x.reshape([2, 2]).add(x.mul(3).reshape([2, 2])).add(x.square().reshape([2, 2]));
    const [g2] = grad(y, [x], { seed });
    expect(seed.toArray()).toEqual([1, 1, 1, 1]);
    expect(g2.toArray()).toEqual([1 + 3 + 2, 1 + 3 - 4, 1 + 3 + 6, 1 + 3 + 1]);
  });
});
