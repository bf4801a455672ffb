/**
 * Views: O(1) changes of layout over shared storage (reshape of a contiguous tensor, permute,
 * transpose, expand, slice, select, squeeze, unsqueeze), plus the copying ops contiguous, cat, stack.
 */
import { contiguousStrides, formatShape, numel } from '../kernels/layout.js';
import { alloc, checkSame, normAxis } from './checks.js';
import { TensorError } from './errors.js';
import { record } from './record.js';
import { Tensor } from './tensor.js';

function view(x: Tensor, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  return new Tensor(x.data, shape, strides, offset, x.backend);
}

/** A contiguous copy (or x itself when it already is one). */
export function contiguous(x: Tensor): Tensor {
  if (x.isContiguous) return x;
  const out = Tensor.of(alloc(x.dtype, x.size, x.backend, false), x.shape, x.backend);
  x.backend.copy(x, out.data);
  return record(out, { kind: 'contiguous' }, [x]);
}

/** Same elements, new shape; one dim may be -1. A view when x is contiguous, else a copy first. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1);
  const inferred = shape.length - known.length;
  const bad = () =>
    new TensorError('reshape', `cannot reshape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(shape)}`);
  if (inferred > 1 || known.some((d) => !Number.isInteger(d) || d < 0)) throw bad();
  const rest = numel(known);
  const target = shape.map((d) => (d === -1 ? (rest === 0 ? -1 : x.size / rest) : d));
  if (target.some((d) => !Number.isInteger(d) || d < 0) || numel(target) !== x.size) throw bad();
  const c = contiguous(x);
  return record(view(c, target, contiguousStrides(target), c.offset), { kind: 'reshape' }, [c]);
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const nd = dims.map((d) => normAxis('permute', d, x.ndim, x.shape));
  if (nd.length !== x.ndim || new Set(nd).size !== x.ndim) {
    throw new TensorError('permute', `dims [${dims.join(',')}] are not a permutation of ${x.ndim} axes of ${formatShape(x.shape)}`);
  }
  const out = view(x, nd.map((d) => x.shape[d]), nd.map((d) => x.strides[d]), x.offset);
  return record(out, { kind: 'permute', dims: nd }, [x]);
}

export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const [p, q] = [normAxis('transpose', a, x.ndim, x.shape), normAxis('transpose', b, x.ndim, x.shape)];
  const dims = x.shape.map((_, i) => (i === p ? q : i === q ? p : i));
  return permute(x, dims);
}

/** Broadcasts size-1 dims (and new leading dims) to `shape` with stride 0; -1 keeps a dim. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  const bad = () => new TensorError('expand', `cannot expand ${formatShape(x.shape)} to ${formatShape(shape)}`);
  if (lead < 0) throw bad();
  const strides = shape.map((d, i) => {
    if (i < lead) {
      if (d < 0) throw bad();
      return 0;
    }
    const src = x.shape[i - lead];
    if (d === -1 || d === src) return x.strides[i - lead];
    if (src === 1) return 0;
    throw bad();
  });
  const target = shape.map((d, i) => (d === -1 ? x.shape[i - lead] : d));
  if (target.every((d, i) => d === x.shape[i - lead]) && lead === 0) return x;
  return record(view(x, target, strides, x.offset), { kind: 'expand' }, [x]);
}

/**
 * Elements start, start+step, … < end along `axis` (negative indices count from the end; step > 0).
 * Indices outside the axis are an error rather than silently clamped.
 */
export function slice(x: Tensor, axis: number, start: number, end?: number, step = 1): Tensor {
  const ax = normAxis('slice', axis, x.ndim, x.shape);
  const n = x.shape[ax];
  const s = start < 0 ? start + n : start;
  const e = end === undefined ? n : end < 0 ? end + n : end;
  if (!Number.isInteger(step) || step < 1) throw new TensorError('slice', `step must be a positive integer, got ${step}`);
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > n || s > e) {
    throw new TensorError(
      'slice',
      `range ${start}:${end ?? ''} is out of bounds for axis ${ax} of size ${n} (tensor ${formatShape(x.shape)})`,
    );
  }
  const len = Math.ceil((e - s) / step);
  const shape = x.shape.map((d, i) => (i === ax ? len : d));
  const strides = x.strides.map((st, i) => (i === ax ? st * step : st));
  const out = view(x, shape, strides, x.offset + s * x.strides[ax]);
  return record(out, { kind: 'slice', axis: ax, start: s, step }, [x]);
}

/** x[..., index, ...] along `axis`, removing that axis. */
export function select(x: Tensor, axis: number, index: number): Tensor {
  const ax = normAxis('select', axis, x.ndim, x.shape);
  const n = x.shape[ax];
  const i = index < 0 ? index + n : index;
  if (!Number.isInteger(i) || i < 0 || i >= n) {
    throw new TensorError('select', `index ${index} is out of bounds for axis ${ax} of size ${n} (tensor ${formatShape(x.shape)})`);
  }
  return squeeze(slice(x, ax, i, i + 1), ax);
}

/** A view with a different shape but the same element order (used by squeeze/unsqueeze). */
function restride(x: Tensor, shape: number[], strides: number[]): Tensor {
  return record(view(x, shape, strides, x.offset), { kind: 'reshape' }, [x]);
}

/** Removes `axis` (which must have size 1), or every size-1 axis when none is given. */
export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) {
    const keep = x.shape.map((d, i) => (d === 1 ? -1 : i)).filter((i) => i >= 0);
    return restride(x, keep.map((i) => x.shape[i]), keep.map((i) => x.strides[i]));
  }
  const ax = normAxis('squeeze', axis, x.ndim, x.shape);
  if (x.shape[ax] !== 1) throw new TensorError('squeeze', `axis ${ax} of ${formatShape(x.shape)} has size ${x.shape[ax]}, not 1`);
  return restride(x, x.shape.filter((_, i) => i !== ax), x.strides.filter((_, i) => i !== ax));
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const ax = normAxis('unsqueeze', axis, x.ndim + 1);
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape.splice(ax, 0, 1);
  strides.splice(ax, 0, ax < x.ndim ? x.strides[ax] * x.shape[ax] : 1);
  return restride(x, shape, strides);
}

/** Concatenation along `axis`; all other dims must match. */
export function cat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new TensorError('cat', 'no tensors given');
  checkSame('cat', tensors);
  const first = tensors[0];
  const ax = normAxis('cat', axis, first.ndim, first.shape);
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new TensorError('cat', `shapes ${tensors.map((u) => formatShape(u.shape)).join(', ')} differ outside axis ${ax}`);
    }
  }
  const total = tensors.reduce((n, t) => n + t.shape[ax], 0);
  const shape = first.shape.map((d, i) => (i === ax ? total : d));
  const out = Tensor.of(alloc(first.dtype, numel(shape), first.backend, false), shape, first.backend); // every part assigned below
  let at = 0;
  for (const t of tensors) {
    const dst = view(out, t.shape, out.strides, at * out.strides[ax]);
    first.backend.assign(t, dst);
    at += t.shape[ax];
  }
  return record(out, { kind: 'cat', axis: ax }, tensors);
}

export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new TensorError('stack', 'no tensors given');
  const first = tensors[0];
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((d, i) => d !== first.shape[i])) {
      throw new TensorError('stack', `shapes differ: ${tensors.map((u) => formatShape(u.shape)).join(', ')}`);
    }
  }
  const ax = normAxis('stack', axis, first.ndim + 1);
  return cat(tensors.map((t) => unsqueeze(t, ax)), ax);
}

