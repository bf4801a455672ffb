/**
 * Deterministic inputs for kernel benches and kernel tests: values in [-1, 1) from a 32-bit LCG
 * (Numerical Recipes constants). Cheaper than the engine's Rng for the 45M-element GEMM operands.
 */
import type { View } from '../src/kernels/backend.js';
import { contiguousStrides, numel } from '../src/kernels/layout.js';

export function randomData(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** A contiguous view of random values; `offset` leading elements are unused (for offset tests). */
export function randomView(shape: number[], seed: number, offset = 0): View {
  return { data: randomData(numel(shape) + offset, seed), shape, strides: contiguousStrides(shape), offset };
}
