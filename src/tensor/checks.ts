/** Argument checks shared by the op modules; each error names the op and what was passed. */
import { formatShape } from '../kernels/layout.js';
import { TensorError } from './errors.js';
import type { Tensor } from './tensor.js';

/** Normalises a possibly negative axis, or throws naming the op, the axis and the shape. */
export function normAxis(op: string, axis: number, ndim: number, shape?: readonly number[]): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    const where = shape ? `shape ${formatShape(shape)}` : `${ndim} dims`;
    throw new TensorError(op, `axis ${axis} is out of range for ${where} (valid: ${-ndim}..${ndim - 1})`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** All inputs of one op must share dtype and backend. */
export function checkSame(op: string, tensors: readonly Tensor[]): void {
  const [first, ...rest] = tensors;
  for (const t of rest) {
    if (t.dtype !== first.dtype) {
      throw new TensorError(op, `dtype mismatch: ${first.dtype} ${formatShape(first.shape)} vs ${t.dtype} ${formatShape(t.shape)}`);
    }
    if (t.backend !== first.backend) {
      throw new TensorError(op, `backend mismatch: '${first.backend.name}' vs '${t.backend.name}' (move one with .to(backend))`);
    }
  }
}

/** Every tensor allocation goes through the arena (pooled inside `tidy` scopes). */
export { alloc } from './arena.js';
