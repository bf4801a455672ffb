/**
 * Gradient checkpointing (tensor/checkpoint.ts): the same gradients as the plain graph (float64, bit for
 * bit up to summation order), nothing of fn's inside recorded, fn re-run exactly once per backward, and
 * `release` cutting the graph as the backward walks it.
 */
import { grad } from '../../src/autograd/index.js';
import { checkpoint } from '../../src/model/checkpoint.js';
import * as T from '../../src/tensor/index.js';

const w = T.fromArray(Float64Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)), [4, 3], { dtype: 'float64' });
const block = (x: T.Tensor) => x.matmul(w).tanh().mul(x.sum(-1, true)).softmax(-1); // [2, 4] → [2, 3]

it('grad through a checkpoint equals grad through the recorded block; fn runs once more in the backward', () => {
  const x0 = T.fromArray(Float64Array.from({ length: 8 }, (_, i) => 0.3 * i - 1), [2, 4], { dtype: 'float64' });
  const seed = T.fromArray(Float64Array.from({ length: 6 }, (_, i) => i - 2.5), [2, 3], { dtype: 'float64' });
  const x = x0.detach().requireGrad();
  const [want] = grad(block(x).square(), [x], { seed });
  let runs = 0;
  const y = checkpoint((v) => (runs++, block(v)), x);
  expect(runs).toBe(1);
  expect(y.node?.op.kind).toBe('checkpoint');
  expect(y.node?.inputs).toEqual([x]); // nothing inside the block is kept
  const [got] = grad(y.square(), [x], { seed });
  expect(runs).toBe(2);
  const [a, b] = [got.toArray(), want.toArray()];
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-14));
  expect(b.some((v) => Math.abs(v) > 1e-3)).toBe(true);
});

it('without grad recording a checkpoint is just fn', () => {
  const x = T.ones([2, 4], { dtype: 'float64' }).requireGrad();
  const y = T.noGrad(() => checkpoint(block, x));
  expect(y.node).toBeNull();
});

it('release: the graph is cut as the backward consumes it; a second backward finds no path', () => {
  const x = T.ones([2, 4], { dtype: 'float64' }).requireGrad();
  const loss = block(x).sum();
  const [g1] = grad(loss, [x], { release: true });
  expect(g1.toArray().some((v) => v !== 0)).toBe(true);
  expect(loss.node).toBeNull();
  const [g2] = grad(loss, [x]);
  expect(g2.toArray().every((v) => v === 0)).toBe(true);
});
