/**
 * Creating tensors: from values, constant fills, ranges and seeded random draws. Each names where the
 * tensor lives, as candle's `Tensor::zeros(shape, dtype, &device)` does: `{ backend }`, or `{ like: t }`
 * (t's backend, and t's dtype unless `dtype` is given). Without either, the default backend
 * (`setBackend`, the CLI's choice; the reference kernels otherwise) is used.
 */
import type { Backend, Data, DType } from '../kernels/backend.js';
import { formatShape, numel } from '../kernels/layout.js';
import { forgetOnReuse } from './arena.js';
import { getBackend } from './backend-select.js';
import { alloc } from './checks.js';
import { TensorError } from './errors.js';
import { Rng } from './random.js';
import { Tensor } from './tensor.js';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** The backend the tensor lives on. */
  backend?: Backend;
  /** Take the backend (and, unless `dtype` is given, the dtype) of this tensor. */
  like?: Tensor;
}

const backendOf = (opts: CreateOptions): Backend => opts.backend ?? opts.like?.backend ?? getBackend();
const dtypeOf = (opts: CreateOptions, dflt: DType = 'float32'): DType => opts.dtype ?? opts.like?.dtype ?? dflt;

function make(data: Data, shape: readonly number[], opts: CreateOptions): Tensor {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new TensorError('tensor', `invalid shape ${formatShape(shape)}`);
  if (opts.backend && opts.like && opts.backend !== opts.like.backend) {
    throw new TensorError('tensor', `backend ${opts.backend.name} and like (on ${opts.like.backend.name}) disagree`);
  }
  forgetOnReuse(backendOf(opts));
  const t = Tensor.of(data, shape, backendOf(opts));
  if (opts.requiresGrad) t.requireGrad();
  return t;
}

/** A tensor holding `values` (copied) with `shape`; the dtype follows the array or opts.dtype. */
export function fromArray(values: ArrayLike<number>, shape: readonly number[], opts: CreateOptions = {}): Tensor {
  const dtype = dtypeOf(opts, values instanceof Float64Array ? 'float64' : 'float32');
  if (values.length !== numel(shape)) {
    throw new TensorError('fromArray', `${values.length} values do not fill shape ${formatShape(shape)} (${numel(shape)} elements)`);
  }
  const data = alloc(dtype, values.length, backendOf(opts));
  data.set(values);
  return make(data, shape, opts);
}

type Nested = number | readonly Nested[];

function flatten(values: Nested, out: number[]): number[] {
  if (typeof values === 'number') out.push(values);
  else for (const v of values) flatten(v, out);
  return out;
}

/** A tensor from nested arrays, e.g. tensor([[1, 2], [3, 4]]). */
export function tensor(values: Nested, opts: CreateOptions = {}): Tensor {
  const shape: number[] = [];
  for (let v: Nested = values; typeof v !== 'number'; v = v[0]) shape.push(v.length);
  return fromArray(flatten(values, []), shape, opts);
}

export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  const data = alloc(dtypeOf(opts), numel(shape), backendOf(opts));
  if (value !== 0) data.fill(value);
  return make(data, shape, opts);
}

export const zeros = (shape: readonly number[], opts: CreateOptions = {}) => full(shape, 0, opts);
export const ones = (shape: readonly number[], opts: CreateOptions = {}) => full(shape, 1, opts);

/** [start, start+step, …) up to `end` (exclusive), as in numpy.arange. */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (step === 0) throw new TensorError('arange', 'step must not be 0');
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const data = alloc(dtypeOf(opts), n, backendOf(opts));
  for (let i = 0; i < n; i++) data[i] = lo + i * step;
  return make(data, [n], opts);
}

export interface RandomOptions extends CreateOptions {
  seed: number;
}

/** Normal samples N(mean, std²) from the seeded mulberry32 + Box–Muller generator. */
export function randn(shape: readonly number[], opts: RandomOptions & { mean?: number; std?: number }): Tensor {
  const rng = new Rng(opts.seed);
  const data = alloc(dtypeOf(opts), numel(shape), backendOf(opts));
  const [m, s] = [opts.mean ?? 0, opts.std ?? 1];
  for (let i = 0; i < data.length; i++) data[i] = m + s * rng.normal();
  return make(data, shape, opts);
}

/** Uniform samples in [low, high) from the seeded mulberry32 generator. */
export function rand(shape: readonly number[], opts: RandomOptions & { low?: number; high?: number }): Tensor {
  const rng = new Rng(opts.seed);
  const data = alloc(dtypeOf(opts), numel(shape), backendOf(opts));
  const [lo, hi] = [opts.low ?? 0, opts.high ?? 1];
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * rng.uniform();
  return make(data, shape, opts);
}
