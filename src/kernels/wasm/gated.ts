/**
 * Host side of the wasm sigmoid-gated activations (wat/gated.ts): SwiGLU forward and backward, and
 * silu / quick_gelu with their backward. Contiguous operands stream through wasm memory in chunks of
 * 16 Ki elements (each chunk stays in cache between copy in, kernel and copy out), as the row softmax
 * does; other layouts go to the reference kernels (see index.ts).
 */
import type { Data, View } from '../backend.js';
import type { Heap } from './heap.js';
import type { ThreadPool } from './pool.js';
import { PARAMS } from './wat/layout.js';

const CHUNK = 1 << 14;
export const GATED_MODE = { swiglu: 0, swigluBackward: 1, forward: 2, backward: 3 } as const;
/** α of f(x) = x·σ(αx) for the unary ops the kernel computes. */
export const GATED_ALPHA: Partial<Record<string, number>> = { silu: 1, quick_gelu: 1.702 };

/** True when v walks its elements contiguously (float32, row-major, no gaps). */
export function isDense(v: View): boolean {
  if (!(v.data instanceof Float32Array)) return false;
  let expected = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    if (v.shape[d] !== 1 && v.strides[d] !== expected) return false;
    expected *= v.shape[d];
  }
  return true;
}

/** Runs `gated_rows` over n elements: inputs [x, u?, gy?] (dense views or null), outputs [out1, out2?]. */
export function gatedRows(heap: Heap, pool: ThreadPool, mode: number, alpha: number, inputs: ReadonlyArray<View | null>, outs: ReadonlyArray<Data | null>): void {
  const n = outs[0]!.length;
  const slot = (name: string) => heap.scratch(name, 4 * Math.min(CHUNK, n + 3));
  const ins = inputs.map((v, i) => (v ? slot(`gated_in${i}`) : 0));
  const os = outs.map((d, i) => (d ? slot(`gated_out${i}`) : 0));
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const m = Math.min(CHUNK, n - c0);
    const f32 = heap.f32;
    inputs.forEach((v, i) => v && f32.set(v.data.subarray(v.offset + c0, v.offset + c0 + m), ins[i] / 4));
    heap.i32.set([ins[0], ins[1], ins[2], os[0], os[1], Math.ceil(m / 4) * 4, mode], PARAMS / 4);
    heap.f32[PARAMS / 4 + 7] = alpha;
    pool.run('gated_rows', PARAMS, m < 1 << 13 ? 1 : pool.threads);
    outs.forEach((d, i) => d && d.set(heap.f32.subarray(os[i] / 4, os[i] / 4 + m), c0));
  }
}
