/**
 * Gradient checking by central finite differences in float64, for users adding ops or models.
 * Compares the analytic gradient of L = Σ fn(x)·r (r a fixed random cotangent) with
 * (L(x + ε) − L(x − ε)) / 2ε for every element of every input.
 */
import { Rng } from '../tensor/random.js';
import { noGrad } from '../tensor/record.js';
import { Tensor } from '../tensor/tensor.js';
import { TensorError } from '../tensor/errors.js';
import { grad } from './grad.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  maxAbsError: number;
  /** One line per failing element: input, flat index, analytic vs numeric. */
  failures: string[];
}

/** Storage offsets of every element of a view, in row-major order. */
function offsetsOf(t: Tensor): number[] {
  const out: number[] = [];
  const walk = (dim: number, off: number) => {
    if (dim === t.ndim) return void out.push(off);
    for (let i = 0; i < t.shape[dim]; i++) walk(dim + 1, off + i * t.strides[dim]);
  };
  walk(0, t.offset);
  return out;
}

export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const { eps = 1e-6, atol = 1e-6, rtol = 1e-4, seed = 0 } = opts;
  inputs.forEach((x, i) => {
    if (x.dtype !== 'float64') throw new TensorError('gradcheck', `input ${i} is ${x.dtype}; finite differences need float64`);
    if (new Set(offsetsOf(x)).size !== x.size) {
      throw new TensorError('gradcheck', `input ${i} is a broadcast view whose elements alias; pass the un-expanded tensor`);
    }
  });
  const leaves = inputs.map((x) => x.detach().requireGrad());
  const y = fn(...leaves);
  const rng = new Rng(seed);
  const r = Tensor.of(Float64Array.from({ length: y.size }, () => rng.normal()), y.shape, y.backend);
  const loss = (out: Tensor) => out.mul(r).sum();
  const analytic = grad(loss(y), leaves).map((g) => g.toArray());
  const failures: string[] = [];
  let maxAbsError = 0;
  noGrad(() => {
    leaves.forEach((x, i) => {
      offsetsOf(x).forEach((off, k) => {
        const keep = x.data[off];
        x.data[off] = keep + eps;
        const up = loss(fn(...leaves)).item();
        x.data[off] = keep - eps;
        const down = loss(fn(...leaves)).item();
        x.data[off] = keep;
        const numeric = (up - down) / (2 * eps);
        const err = Math.abs(numeric - analytic[i][k]);
        maxAbsError = Math.max(maxAbsError, err);
        if (!(err <= atol + rtol * Math.abs(numeric))) {
          failures.push(`input ${i} element ${k}: analytic ${analytic[i][k]} vs numeric ${numeric}`);
        }
      });
    });
  });
  return { ok: failures.length === 0, maxAbsError, failures };
}
