/**
 * Primitive ops that compute through the backend and record a node for autograd:
 * elementwise (with numpy broadcasting), reductions, matmul, softmax, gather, where.
 */
import type { BinaryOp, UnaryOp } from '../kernels/scalar.js';
import { broadcastShapes, formatShape, numel } from '../kernels/layout.js';
import { alloc, checkSame, normAxis } from './checks.js';
import { TensorError } from './errors.js';
import { record } from './record.js';
import { Tensor, type TensorLike } from './tensor.js';
import { expand, reshape, squeeze } from './views.js';

/**
 * A fresh contiguous output with x's dtype and backend, for a kernel that writes every element (as
 * `torch.empty`: its values are whatever the pooled array held; `zeroed` where a kernel adds into it).
 */
export function empty(like: Tensor, shape: readonly number[]): Tensor {
  return Tensor.of(alloc(like.dtype, numel(shape), like.backend, false), shape, like.backend);
}

/** A fresh contiguous zero-filled output with x's dtype and backend. */
export function zeroed(like: Tensor, shape: readonly number[]): Tensor {
  return Tensor.of(alloc(like.dtype, numel(shape), like.backend), shape, like.backend);
}

export function scalarLike(like: Tensor, value: number): Tensor {
  const t = empty(like, []);
  t.data[0] = value;
  return t;
}

const asTensor = (like: Tensor, x: TensorLike) => (typeof x === 'number' ? scalarLike(like, x) : x);

export function unary(fn: UnaryOp, x: Tensor): Tensor {
  const out = empty(x, x.shape);
  x.backend.unary(fn, x, out.data);
  return record(out, { kind: 'unary', fn }, [x]);
}

/** Elementwise a ∘ b with broadcasting; `eq`/`gt` give 0/1 masks and are never recorded. */
export function binary(fn: BinaryOp, a: Tensor, b: Tensor): Tensor {
  checkSame(fn, [a, b]);
  const shape = broadcastShapes(a.shape, b.shape);
  if (!shape) throw new TensorError(fn, `shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast`);
  const out = empty(a, shape);
  a.backend.binary(fn, expandView(a, shape), expandView(b, shape), out.data);
  if (fn === 'eq' || fn === 'gt') return out;
  return record(out, { kind: 'binary', fn }, [a, b]);
}

/** A broadcast view of x at `shape` that is not recorded (the binary node records x itself). */
function expandView(x: Tensor, shape: readonly number[]): Tensor {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  return expand(x.detach(), shape);
}

export const add = (a: Tensor, b: TensorLike) => binary('add', a, asTensor(a, b));
export const sub = (a: Tensor, b: TensorLike) => binary('sub', a, asTensor(a, b));
export const mul = (a: Tensor, b: TensorLike) => binary('mul', a, asTensor(a, b));
export const div = (a: Tensor, b: TensorLike) => binary('div', a, asTensor(a, b));
export const maximum = (a: Tensor, b: TensorLike) => binary('maximum', a, asTensor(a, b));
export const eq = (a: Tensor, b: TensorLike) => binary('eq', a, asTensor(a, b));
export const gt = (a: Tensor, b: TensorLike) => binary('gt', a, asTensor(a, b));

function normAxes(op: string, x: Tensor, axes: number | number[] | undefined): number[] {
  const list = axes === undefined ? x.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : axes;
  const norm = list.map((a) => normAxis(op, a, x.ndim, x.shape));
  return [...new Set(norm)].sort((p, q) => p - q);
}

/** Sum of one axis keeping it (size 1): the recorded primitive. */
function sumAxis(x: Tensor, axis: number): Tensor {
  const shape = x.shape.map((d, i) => (i === axis ? 1 : d));
  const out = empty(x, shape);
  x.backend.reduce('sum', x, axis, out.data);
  return record(out, { kind: 'sum', axis }, [x]);
}

export function sum(x: Tensor, axes?: number | number[], keepdim = false): Tensor {
  const list = normAxes('sum', x, axes);
  let y = x;
  for (const a of list) y = sumAxis(y, a);
  if (list.length === 0 && x.ndim > 0) return y;
  return keepdim ? y : reshape(y, x.shape.filter((_, i) => !list.includes(i)));
}

export function mean(x: Tensor, axes?: number | number[], keepdim = false): Tensor {
  const list = normAxes('mean', x, axes);
  const count = list.reduce((n, a) => n * x.shape[a], 1);
  return mul(sum(x, list, keepdim), 1 / count);
}

/** Indices of the maxima along `axis` (first one on ties), as floats of x's dtype; not differentiable. */
export function argmax(x: Tensor, axis: number, keepdim = false): Tensor {
  const ax = normAxis('argmax', axis, x.ndim, x.shape);
  const out = empty(x, x.shape.map((d, i) => (i === ax ? 1 : d)));
  x.backend.reduce('argmax', x, ax, out.data);
  return keepdim ? out : squeeze(out, ax);
}

/** Max values along `axis`; the gradient goes to the arg-max element only (as PyTorch's max(dim)). */
export function max(x: Tensor, axis: number, keepdim = false): Tensor {
  const ax = normAxis('max', axis, x.ndim, x.shape);
  const shape = x.shape.map((d, i) => (i === ax ? 1 : d));
  const out = empty(x, shape);
  x.backend.reduce('max', x, ax, out.data);
  const y = record(out, { kind: 'max', axis: ax, argmax: argmax(x.detach(), ax, true) }, [x]);
  return keepdim ? y : squeeze(y, ax);
}

/**
 * Matrix product with numpy semantics: 1-D operands are promoted (and the added dim removed),
 * batch dims broadcast. a: [..., M, K] @ b: [..., K, N] → [..., M, N].
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkSame('matmul', [a, b]);
  if (a.ndim === 0 || b.ndim === 0) throw new TensorError('matmul', `0-d operand: ${formatShape(a.shape)} @ ${formatShape(b.shape)}`);
  const a2 = a.ndim === 1 ? a.unsqueeze(0) : a;
  const b2 = b.ndim === 1 ? b.unsqueeze(1) : b;
  const [M, K] = a2.shape.slice(-2);
  const [K2, N] = b2.shape.slice(-2);
  if (K !== K2) {
    throw new TensorError('matmul', `${formatShape(a.shape)} @ ${formatShape(b.shape)}: inner dims ${K} vs ${K2}`);
  }
  const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  if (!batch) {
    throw new TensorError('matmul', `${formatShape(a.shape)} @ ${formatShape(b.shape)}: batch dims do not broadcast`);
  }
  const out = empty(a, [...batch, M, N]);
  a.backend.matmul(expandView(a2, [...batch, M, K]), expandView(b2, [...batch, K, N]), out.data);
  let y = record(out, { kind: 'matmul' }, [a2, b2]);
  if (a.ndim === 1) y = squeeze(y, -2);
  if (b.ndim === 1) y = squeeze(y, -1);
  return y;
}

function softmaxLike(x: Tensor, axis: number, log: boolean): Tensor {
  const op = log ? 'logSoftmax' : 'softmax';
  const ax = normAxis(op, axis, x.ndim, x.shape);
  if (ax !== x.ndim - 1) return softmaxLike(x.transpose(ax, -1), -1, log).transpose(ax, -1);
  const out = empty(x, x.shape);
  x.backend.softmax(x, out.data, log);
  return record(out, { kind: 'softmax', log }, [x]);
}

/** softmax(x) = exp(x − max) / Σ exp(x − max): stable for logits of any size. */
export const softmax = (x: Tensor, axis = -1) => softmaxLike(x, axis, false);
/** log_softmax(x) = x − max − log Σ exp(x − max). */
export const logSoftmax = (x: Tensor, axis = -1) => softmaxLike(x, axis, true);

/** Rows of a [V, C] table: out[..., :] = table[ids[...], :]; ids shape → ids.shape + [C]. */
export function gather(table: Tensor, ids: Int32Array | readonly number[], idsShape: readonly number[] = [ids.length]): Tensor {
  if (table.ndim !== 2) throw new TensorError('gather', `table must be 2-D [V, C], got ${formatShape(table.shape)}`);
  const [V, C] = table.shape;
  const idx = Int32Array.from(ids);
  if (numel(idsShape) !== idx.length) throw new TensorError('gather', `${idx.length} ids do not fill shape ${formatShape(idsShape)}`);
  idx.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= V) throw new TensorError('gather', `id ${id} at position ${i} is out of range for ${V} rows`);
  });
  const out = empty(table, [idx.length, C]);
  table.backend.gather(table, idx, out.data);
  return reshape(record(out, { kind: 'gather', ids: idx }, [table]), [...idsShape, C]);
}

/** cond ≠ 0 ? a : b, with broadcasting of all three; the gradient flows to a and b only. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const ta = typeof a === 'number' ? scalarLike(cond, a) : a;
  const tb = typeof b === 'number' ? scalarLike(ta, b) : b;
  checkSame('where', [cond, ta, tb]);
  const s1 = broadcastShapes(cond.shape, ta.shape);
  const shape = s1 && broadcastShapes(s1, tb.shape);
  if (!shape) {
    throw new TensorError('where', `shapes ${formatShape(cond.shape)}, ${formatShape(ta.shape)}, ${formatShape(tb.shape)} do not broadcast`);
  }
  const out = empty(ta, shape);
  ta.backend.where(expandView(cond, shape), expandView(ta, shape), expandView(tb, shape), out.data);
  return record(out, { kind: 'where', cond }, [ta, tb]);
}

/** Sums a broadcast gradient back down to `shape` (the adjoint of broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length ? sum(g, axes, true) : g;
  return lead > 0 || axes.length ? reshape(s, shape) : s;
}

/** gy · f'(x) for an elementwise op (used by the gradient table; not recorded). */
export function unaryGrad(fn: UnaryOp, x: Tensor, gy: Tensor): Tensor {
  const out = empty(x, x.shape);
  x.backend.unaryBackward(fn, x, gy, out.data);
  return out;
}

/** The adjoint of gather: a [V, C] tensor with g's rows added at rows ids (not recorded). */
export function scatterAddRows(g: Tensor, ids: Int32Array, rows: number): Tensor {
  const C = g.shape[g.ndim - 1];
  const out = zeroed(g, [rows, C]);
  g.backend.scatterAdd(reshape(g, [ids.length, C]), ids, out.data);
  return out;
}
