/** Views are O(1) (shared storage), layouts are right, creation and randomness are reproducible. */
import * as T from '../../src/tensor/index.js';

describe('views share storage and compute the right layout', () => {
  const x = T.arange(24).reshape([2, 3, 4]);
  it('reshape of a contiguous tensor is a view', () => {
    const y = x.reshape([6, 4]);
    expect(y.data).toBe(x.data);
    expect(y.strides).toEqual([4, 1]);
  });
  it('permute / transpose are views with permuted strides', () => {
    const p = x.permute([2, 0, 1]);
    expect(p.data).toBe(x.data);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.strides).toEqual([1, 12, 4]);
    expect(p.isContiguous).toBe(false);
    expect(p.contiguous().toArray().slice(0, 6)).toEqual([0, 4, 8, 12, 16, 20]);
  });
  it('slice with steps and select are views with an offset', () => {
    const s = x.slice(2, 1, 4, 2); // [:, :, 1:4:2]
    expect(s.data).toBe(x.data);
    expect(s.shape).toEqual([2, 3, 2]);
    expect(s.offset).toBe(1);
    expect(s.toArray()).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23]);
    expect(x.select(1, -1).toArray()).toEqual([8, 9, 10, 11, 20, 21, 22, 23]);
  });
  it('expand uses stride 0', () => {
    const e = T.tensor([[1], [2]]).expand([2, 3]);
    expect(e.strides).toEqual([1, 0]);
    expect(e.toArray()).toEqual([1, 1, 1, 2, 2, 2]);
  });
  it('reshape of a non-contiguous view copies', () => {
    const t = x.transpose(0, 2).reshape([-1]);
    expect(t.data).not.toBe(x.data);
    expect(t.toArray().slice(0, 4)).toEqual([0, 12, 4, 16]);
  });
  it('squeeze / unsqueeze', () => {
    expect(x.unsqueeze(1).shape).toEqual([2, 1, 3, 4]);
    expect(x.unsqueeze(-1).shape).toEqual([2, 3, 4, 1]);
    expect(x.unsqueeze(1).squeeze().shape).toEqual([2, 3, 4]);
  });
});

describe('creation', () => {
  it('seeded random tensors are reproducible and have the right moments', () => {
    const a = T.randn([10000], { seed: 42 });
    expect(a.toArray()).toEqual(T.randn([10000], { seed: 42 }).toArray());
    expect(a.toArray()).not.toEqual(T.randn([10000], { seed: 43 }).toArray());
    expect(Math.abs(a.mean().item())).toBeLessThan(0.05);
    expect(Math.abs(a.square().mean().item() - 1)).toBeLessThan(0.05);
    const u = T.rand([1000], { seed: 1, low: 2, high: 3 }).toArray();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...u)).toBeLessThan(3);
  });
  it('mulberry32 matches its reference sequence', () => {
    // First outputs of mulberry32(0) (the reference C implementation), scaled to [0, 1).
    const rng = new T.Rng(0);
    expect(Math.round(rng.uniform() * 4294967296)).toBe(1144304738);
    expect(Math.round(rng.uniform() * 4294967296)).toBe(1416247);
  });
  it('arange, full, tensor from nested arrays', () => {
    expect(T.arange(2, 8, 2).toArray()).toEqual([2, 4, 6]);
    expect(T.full([2, 2], 7).toArray()).toEqual([7, 7, 7, 7]);
    expect(T.tensor([[1, 2], [3, 4]]).shape).toEqual([2, 2]);
    expect(() => T.fromArray([1, 2, 3], [2, 2])).toThrow('fromArray: 3 values do not fill shape (2,2) (4 elements)');
  });
  it('softmax is stable for large logits and log-softmax is finite', () => {
    const big = T.tensor([1000, 1001, 1002]);
    const p = big.softmax().toArray();
    expect(p.every(Number.isFinite)).toBe(true);
    expect(p[2]).toBeCloseTo(0.665, 3);
    expect(T.tensor([-1000, 0]).logSoftmax().toArray()).toEqual([-1000, 0]);
  });
});
