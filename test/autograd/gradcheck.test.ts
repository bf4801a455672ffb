/**
 * Finite-difference checks (float64) for every entry of the gradient table, including
 * non-contiguous (transposed, sliced) and broadcast inputs.
 */
import { gradcheck } from '../../src/autograd/index.js';
import { cpu } from '../../src/kernels/cpu/index.js';
import * as T from '../../src/tensor/index.js';
import type { Tensor } from '../../src/tensor/index.js';

const f64 = { dtype: 'float64' as const };
const r = (shape: number[], seed: number, lo = -2, hi = 2) => T.rand(shape, { seed, low: lo, high: hi, ...f64 });
const pos = (shape: number[], seed: number) => r(shape, seed, 0.5, 2);

const cases: Array<[string, (...x: Tensor[]) => Tensor, Tensor[]]> = [
  // unary rows of the scalar table
  ...(['neg', 'exp', 'tanh', 'sigmoid', 'square', 'silu', 'gelu', 'gelu_tanh', 'quick_gelu'] as const).map(
    (op) => [`unary ${op}`, (x: Tensor) => T.unary(op, x), [r([3, 4], 1)]] as [string, (...x: Tensor[]) => Tensor, Tensor[]],
  ),
  ['unary log', (x) => x.log(), [pos([3, 4], 2)]],
  ['unary sqrt', (x) => x.sqrt(), [pos([3, 4], 3)]],
  ['unary rsqrt', (x) => x.rsqrt(), [pos([3, 4], 4)]],
  ['unary abs', (x) => x.abs(), [pos([3, 4], 5)]],
  // binary with broadcasting, non-contiguous operands
  ['add broadcast', (a, b) => a.add(b), [r([4, 1, 3], 6), r([5, 1], 7)]],
  ['sub transposed', (a, b) => a.sub(b), [r([3, 4], 8).transpose(0, 1), r([4, 3], 9)]],
  ['mul broadcast', (a, b) => a.mul(b), [r([2, 3], 10), r([3], 11)]],
  ['div broadcast', (a, b) => a.div(b), [r([2, 3], 12), pos([2, 1], 13)]],
  ['maximum', (a, b) => a.maximum(b), [r([3, 4], 14), r([3, 4], 15)]],
  // reductions
  ['sum axes', (x) => x.sum([0, 2]), [r([2, 3, 4], 16)]],
  ['mean keepdim of a slice', (x) => x.slice(1, 1, 4, 2).mean(-1, true), [r([2, 5, 3], 17)]],
  ['max', (x) => x.max(1), [r([3, 5], 18)]],
  // matmul: batched, broadcast, transposed
  ['matmul batched broadcast', (a, b) => a.matmul(b), [r([2, 1, 3, 4], 19), r([3, 4, 2], 20)]],
  ['matmul transposed operand', (a, b) => a.matmul(b.transpose(-1, -2)), [r([3, 4], 21), r([5, 4], 22)]],
  ['matmul vector', (a, b) => a.matmul(b), [r([3, 4], 23), r([4], 24)]],
  // views and copies
  ['reshape of permute', (x) => x.permute([2, 0, 1]).reshape([4, 6]), [r([2, 3, 4], 25)]],
  ['expand', (x) => x.expand([3, 2, 4]).mul(T.arange(24, undefined, 1, f64).reshape([3, 2, 4])), [r([2, 1], 26)]],
  ['slice with step', (x) => x.slice(0, 1, 6, 2).slice(1, -2), [r([7, 4], 27)]],
  ['select + squeeze/unsqueeze', (x) => x.select(1, 2).unsqueeze(0).squeeze(0), [r([3, 4], 28)]],
  ['cat', (a, b) => T.cat([a, b.transpose(0, 1)], 1), [r([3, 2], 29), r([4, 3], 30)]],
  ['stack', (a, b) => T.stack([a, b], 1), [r([3, 2], 31), r([3, 2], 32)]],
  ['gather rows (repeated ids)', (w) => T.embedding(w, [1, 0, 1, 3], [2, 2]), [r([4, 3], 33)]],
  ['where', (a, b) => T.where(T.tensor([[1, 0, 1]], f64), a, b), [r([2, 3], 34), r([3], 35)]],
  ['softmax (axis 0)', (x) => x.softmax(0), [r([4, 3], 36)]],
  ['log-softmax of a transposed view', (x) => x.transpose(0, 1).logSoftmax(-1), [r([4, 3], 37)]],
  // composed ops
  ['layer norm', (x, w, b) => T.layerNorm(x, w, b), [r([3, 6], 38), r([6], 39), r([6], 40)]],
  ['rms norm', (x, w) => T.rmsNorm(x, w), [r([3, 6], 41), r([6], 42)]],
  ['rope', (x) => { const { cos, sin } = T.ropeTables([0, 1, 2], 4, 1e4, x); return T.applyRope(x, cos, sin); }, [r([1, 2, 3, 4], 43)]],
  ['attention causal GQA', (q, k, v) => T.attention(q, k, v, { causal: true }).out, [r([1, 4, 3, 2], 44), r([1, 2, 3, 2], 45), r([1, 2, 3, 2], 46)]],
  ['attention probs, KV longer than queries', (q, k, v) => T.attention(q, k, v, { causal: true }).probs, [r([1, 2, 2, 2], 47), r([1, 2, 4, 2], 48), r([1, 2, 4, 2], 49)]],
  ['cross-entropy with ignore', (x) => T.crossEntropy(x, [2, -100, 0]), [r([3, 4], 50)]],
  ['patch embedding', (x, w, b) => T.patchEmbed(x, w, b), [r([1, 2, 4, 4], 51), r([3, 2, 2, 2], 52), r([3], 53)]],
];

describe('gradcheck (central differences, float64)', () => {
  it.each(cases)('%s', (_name, fn, inputs) => {
    const result = gradcheck(fn, inputs);
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('detects a wrong gradient', () => {
    // A backend whose exp backward is off by 1% on the first element: gradcheck must notice.
    const broken = {
      ...cpu,
      name: 'broken',
      unaryBackward: (...args: Parameters<typeof cpu.unaryBackward>) => {
        cpu.unaryBackward(...args);
        args[3][0] *= 1.01;
      },
    };
    const x = T.tensor([0.5, 1], { ...f64, backend: broken });
    const wrong = gradcheck((t) => t.exp(), [x]);
    expect(wrong.ok).toBe(false);
    expect(wrong.failures).toHaveLength(1);
    expect(wrong.failures[0]).toMatch(/^input 0 element 0: analytic/);
  });

  it('refuses float32 inputs and aliased (expanded) views', () => {
    expect(() => gradcheck((x) => x.exp(), [T.zeros([2])])).toThrow('gradcheck: input 0 is float32; finite differences need float64');
    expect(() => gradcheck((x) => x.exp(), [T.zeros([1], f64).expand([3])])).toThrow('broadcast view');
  });
});
