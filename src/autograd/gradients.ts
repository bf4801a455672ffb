/**
 * The gradient table: for each recorded op kind, the vector–Jacobian product mapping the output's
 * gradient gy to each input's gradient. Typed as one entry per `Op['kind']`, so the table is
 * exhaustive by construction. Entries run with recording off and skip inputs that need no gradient.
 */
import { arange } from '../tensor/create.js';
import { alloc } from '../tensor/checks.js';
import { div, eq, gt, matmul, mul, scatterAddRows, sub, sum, sumTo, unaryGrad, where } from '../tensor/ops.js';
import type { Op, OpKind } from '../tensor/record.js';
import { Tensor } from '../tensor/tensor.js';
import { expand, permute, reshape, slice } from '../tensor/views.js';
import { linearHalfInputGrad } from '../tensor/half.js';
import { withGrad } from '../tensor/record.js';
import { tidy } from '../tensor/arena.js';
import { grad } from './grad.js';
import { fusedGradients, softmaxGrad } from './fused-gradients.js';

export interface VjpArgs<K extends OpKind> {
  op: Extract<Op, { kind: K }>;
  inputs: readonly Tensor[];
  out: Tensor;
  gy: Tensor;
  needs: readonly boolean[];
}

type Vjp<K extends OpKind> = (a: VjpArgs<K>) => Array<Tensor | null>;

const zerosOf = (like: Tensor, shape: readonly number[]) =>
  Tensor.of(alloc(like.dtype, shape.reduce((n, d) => n * d, 1), like.backend), shape, like.backend);

export const gradients: { [K in OpKind]: Vjp<K> } = {
  unary: ({ op, inputs: [x], gy }) => [unaryGrad(op.fn, x, gy)],

  binary: ({ op, inputs: [a, b], gy, needs }) => {
    const [na, nb] = needs;
    switch (op.fn) {
      case 'add':
        return [na ? sumTo(gy, a.shape) : null, nb ? sumTo(gy, b.shape) : null];
      case 'sub':
        return [na ? sumTo(gy, a.shape) : null, nb ? sumTo(gy.neg(), b.shape) : null];
      case 'mul':
        return [na ? sumTo(mul(gy, b), a.shape) : null, nb ? sumTo(mul(gy, a), b.shape) : null];
      case 'div': // d(a/b)/db = −a/b²
        return [na ? sumTo(div(gy, b), a.shape) : null, nb ? sumTo(mul(gy, div(a, mul(b, b))).neg(), b.shape) : null];
      case 'maximum': {
        const bWins = gt(b, a); // ties go to a
        return [na ? sumTo(mul(gy, bWins.neg().add(1)), a.shape) : null, nb ? sumTo(mul(gy, bWins), b.shape) : null];
      }
    }
  },

  sum: ({ inputs: [x], gy }) => [expand(gy, x.shape)],

  max: ({ op, inputs: [x], gy }) => {
    const n = x.shape[op.axis];
    const idx = arange(n, undefined, 1, { like: x });
    const along = reshape(idx, x.shape.map((d, i) => (i === op.axis ? n : 1)));
    return [mul(eq(along, op.argmax), gy)]; // one-hot at the arg-max, times gy broadcast along the axis
  },

  matmul: ({ inputs: [a, b], gy, needs }) => [
    needs[0] ? sumTo(matmul(gy, b.transpose(-1, -2)), a.shape) : null,
    needs[1] ? sumTo(matmul(a.transpose(-1, -2), gy), b.shape) : null,
  ],

  reshape: ({ inputs: [x], gy }) => [reshape(gy, x.shape)],

  permute: ({ op, inputs: [x], gy }) => {
    const inverse = new Array<number>(x.ndim);
    op.dims.forEach((d, i) => (inverse[d] = i));
    return [permute(gy, inverse)];
  },

  expand: ({ inputs: [x], gy }) => [sumTo(gy, x.shape)],

  slice: ({ op, inputs: [x], gy }) => {
    const g = zerosOf(gy, x.shape);
    const window = slice(g, op.axis, op.start, op.start + (gy.shape[op.axis] - 1) * op.step + 1, op.step);
    g.backend.assign(gy, window);
    return [g];
  },

  contiguous: ({ gy }) => [gy],

  cat: ({ op, inputs, gy, needs }) => {
    let at = 0;
    return inputs.map((t, i) => {
      const n = t.shape[op.axis];
      const g = needs[i] ? slice(gy, op.axis, at, at + n) : null;
      at += n;
      return g;
    });
  },

  gather: ({ op, inputs: [table], gy }) => [scatterAddRows(gy, op.ids, table.shape[0])],

  where: ({ op, inputs: [a, b], gy, needs }) => [
    needs[0] ? sumTo(where(op.cond, gy, 0), a.shape) : null,
    needs[1] ? sumTo(where(op.cond, 0, gy), b.shape) : null,
  ],

  softmax: ({ op, out: y, gy }) =>
    op.log
      ? [sub(gy, mul(y.exp(), sum(gy, -1, true)))] // log-softmax: gy − softmax · Σ gy
      : [softmaxGrad(y, gy, 1)], // softmax: y ⊙ (gy − Σ gy ⊙ y)

  ...fusedGradients,

  linearHalf: ({ op, gy }) => [linearHalfInputGrad(gy, op.weight)], // dx = gy · W; the weight is frozen

  checkpoint: ({ op, inputs: [x], gy }) => {
    const leaf = x.detach().requireGrad(); // then the recomputed forward, recorded this time; its
    // activations go back to the buffer pool as soon as dx is out, for the next checkpoint to reuse
    return [tidy(() => grad(withGrad(() => op.fn(leaf)), [leaf], { seed: gy, release: true })[0])];
  },
};

