/** Strided iteration: visit every row (last axis) of a shape across several views at once. */
import { numel } from '../layout.js';

/**
 * Calls `fn(offsets, r)` once per row of `shape` (r = row number in row-major order), where
 * `offsets[v]` is the offset of that row's first element in view v. The inner loop over the last
 * axis is left to `fn`, so per-element work has no call overhead.
 */
export function forEachRow(
  shape: readonly number[],
  strides: ReadonlyArray<readonly number[]>,
  baseOffsets: readonly number[],
  fn: (offsets: number[], r: number) => void,
): void {
  const nd = shape.length;
  if (numel(shape) === 0) return;
  const offs = baseOffsets.slice();
  if (nd <= 1) {
    fn(offs, 0);
    return;
  }
  const rows = numel(shape) / shape[nd - 1];
  const idx = new Array<number>(nd - 1).fill(0);
  const nv = strides.length;
  for (let r = 0; r < rows; r++) {
    fn(offs, r);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      for (let v = 0; v < nv; v++) offs[v] += strides[v][d];
      if (idx[d] < shape[d]) break;
      for (let v = 0; v < nv; v++) offs[v] -= strides[v][d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** Moves `axis` to the end of a shape/strides pair (a layout-only permutation). */
export function axisLast(shape: readonly number[], strides: readonly number[], axis: number) {
  const s = shape.filter((_, i) => i !== axis);
  const t = strides.filter((_, i) => i !== axis);
  return { shape: [...s, shape[axis]], strides: [...t, strides[axis]] };
}
