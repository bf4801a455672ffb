/**
 * Operand packing for GPU.js kernels: GPU.js reads flat, contiguous Float32Arrays, so a strided view
 * is either passed as a zero-copy `subarray` (when its memory already is in the wanted order) or
 * copied contiguously with the reference `copy` kernel.
 */
import type { View } from '../backend.js';
import { cpu } from '../cpu/index.js';
import { isContiguous, numel } from '../layout.js';

/**
 * The elements of `x` walked in the order of `perm` (a permutation of its axes), as one contiguous
 * Float32Array: a subarray of `x.data` when no copy is needed, else a fresh packed copy.
 */
export function packFloat32(x: View, perm: readonly number[]): Float32Array {
  if (!(x.data instanceof Float32Array)) {
    throw new Error(`gpujs: expected float32 data, got ${x.data.constructor.name}`);
  }
  const shape = perm.map((p) => x.shape[p]);
  const strides = perm.map((p) => x.strides[p]);
  const n = numel(shape);
  if (isContiguous(shape, strides)) return x.data.subarray(x.offset, x.offset + n);
  const out = new Float32Array(n);
  cpu.copy({ data: x.data, shape, strides, offset: x.offset }, out);
  return out;
}

/** True when every leading (batch) axis of `x` is broadcast (stride 0) or has size 1. */
export function batchIsShared(x: View, matrixDims: number): boolean {
  const nb = x.shape.length - matrixDims;
  for (let i = 0; i < nb; i++) if (x.shape[i] !== 1 && x.strides[i] !== 0) return false;
  return true;
}

/** The last `dims` axes of `x` as a view of their own (for an operand shared across the batch). */
export function trailingView(x: View, dims: number): View {
  const nd = x.shape.length;
  return { data: x.data, shape: x.shape.slice(nd - dims), strides: x.strides.slice(nd - dims), offset: x.offset };
}
